"""Offline run folders written by the real wandb SDK, read with no server."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _study import BIG_TEXT, LONG_STEPS, LRS, SEEDS, STEPS, values

from shared.errors import InputError
from wandb_compare_ext import _log_records
from wandb_compare_ext._offline import (
    find_offline_logs,
    load_offline_runs,
    read_offline_run,
    read_wandb_log,
)

pytestmark = pytest.mark.timeout(300)


def _study_runs(offline_study: Path):
    found = load_offline_runs(offline_study)
    assert found.warnings == []
    return found.runs


def test_reads_every_run_with_config_summary_and_full_history(offline_study: Path) -> None:
    runs = _study_runs(offline_study)
    assert len(runs) == len(LRS) * len(SEEDS)
    seen = set()
    for run in runs:
        lr, seed = run.params["optimizer.lr"], run.params["seed"]
        seen.add((lr, seed))
        assert run.tracker == "wandb" and run.key == f"wandb:{run.id}"
        assert run.name == f"lr{lr}-s{seed}"
        assert run.experiment == "study"
        assert run.status == "FINISHED"
        assert run.params == {"optimizer.lr": lr, "optimizer.name": "adam", "seed": seed}
        assert run.tags["wandb.group"] == f"lr={lr}"
        assert run.tags["wandb.notes"] == "tracker-compare test study"
        assert run.tags["study"] == "true" and run.tags[f"seed{seed}"] == "true"
        # define_metric("val/*", step_metric="tokens") is kept for the x-axis default.
        assert run.tags["wandb.step_metric.val/acc"] == "tokens"
        logged = values(lr, seed)
        for key in ("val/acc", "train/loss", "tokens"):
            history = run.histories[key]
            assert list(history.steps) == list(range(STEPS))
            np.testing.assert_array_equal(history.values, [row[key] for row in logged])
            assert np.all(np.isfinite(history.timestamps))
            assert np.all(np.diff(history.timestamps) >= 0)
            assert run.metrics[key] == logged[-1][key]
        assert run.metrics["best_val_acc"] == max(r["val/acc"] for r in logged)
        # `_runtime` is a wall-clock axis; `_step`/`_timestamp` are not metrics.
        assert "_runtime" in run.histories and run.metrics["_runtime"] > 0
        assert "_step" not in run.metrics and "_timestamp" not in run.histories
        assert run.start_time is not None and run.end_time >= run.start_time
        assert run.start_time <= run.histories["val/acc"].timestamps[0]
    assert seen == {(lr, s) for lr in LRS for s in SEEDS}


def test_paths_accepted(offline_study: Path) -> None:
    every = find_offline_logs(offline_study)
    assert len(every) == 12
    assert find_offline_logs(offline_study / "wandb") == every
    folder = every[0].parent
    assert find_offline_logs(folder) == [every[0]]
    assert find_offline_logs(every[0]) == [every[0]]
    # latest-run is a symlink to one of them: not counted twice
    assert len(load_offline_runs([offline_study, offline_study / "wandb"]).runs) == 12


def test_long_run_records_spanning_blocks_nan_and_inf(long_run_file: Path) -> None:
    log = read_wandb_log(long_run_file)
    assert log.warnings == [] and not log.damaged
    assert long_run_file.stat().st_size > 3 * 32768
    run = read_offline_run(long_run_file)
    assert run.params["blob"] == BIG_TEXT  # a record longer than two blocks
    loss = run.histories["loss"]
    assert len(loss) == LONG_STEPS
    assert math.isnan(loss.values[10]) and loss.values[11] == math.inf
    expected = [1.0 / (s + 1) for s in range(LONG_STEPS)]
    expected[10], expected[11] = loss.values[10], loss.values[11]
    np.testing.assert_array_equal(loss.values, expected)
    rare = run.histories["rare"]
    assert list(rare.steps) == list(range(0, LONG_STEPS, 100))
    assert list(rare.values) == [float(s) for s in range(0, LONG_STEPS, 100)]


def test_agrees_with_wandb_leet_inspect(long_run_file: Path) -> None:
    """wandb's own Go reader (`wandb leet inspect --json`) is the independent reference."""
    wandb_bin = str(Path(sys.executable).parent / "wandb")
    out = subprocess.run(
        [wandb_bin, "leet", "inspect", "--json", str(long_run_file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    history = [r["history"]["item"] for r in rows if r.get("type") == "history"]
    run = read_offline_run(long_run_file)
    assert len(history) == LONG_STEPS
    acc = [h["acc"] for h in history]
    np.testing.assert_allclose(run.histories["acc"].values, acc, rtol=0, atol=0)
    np.testing.assert_allclose(
        run.histories["acc"].timestamps, [h["_timestamp"] for h in history], rtol=0, atol=1e-6
    )
    assert list(run.histories["acc"].steps) == [h["_step"] for h in history]


def test_fast_path_equals_record_by_record_path(long_run_file: Path, offline_study: Path) -> None:
    for file in [long_run_file, *find_offline_logs(offline_study)[:2]]:
        log = read_wandb_log(file)
        fast = _log_records.history_fast(log.history)
        slow = _log_records.history_slow(log.history, [], file)
        assert fast is not None
        assert set(fast.rows) == set(slow.rows)
        for key in fast.rows:
            np.testing.assert_array_equal(fast.rows[key], slow.rows[key])
            np.testing.assert_array_equal(fast.values[key], slow.values[key])


def _copy(file: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "wandb" / file.parent.name
    folder.mkdir(parents=True)
    target = folder / file.name
    shutil.copy(file, target)
    return target


def test_truncated_file_gives_records_before_damage_and_warning(
    long_run_file: Path, tmp_path: Path
) -> None:
    target = _copy(long_run_file, tmp_path)
    data = long_run_file.read_bytes()
    target.write_bytes(data[: len(data) * 2 // 3])
    log = read_wandb_log(target)
    assert log.damaged and len(log.warnings) == 1
    assert str(target) in log.warnings[0] and "truncated" in log.warnings[0]
    warnings: list[str] = []
    run = read_offline_run(target, warnings=warnings)
    assert warnings == log.warnings
    assert 0 < len(run.histories["acc"]) < LONG_STEPS
    assert run.status == "FAILED"  # no exit record
    full = read_offline_run(long_run_file)
    n = len(run.histories["acc"])
    np.testing.assert_array_equal(run.histories["acc"].values, full.histories["acc"].values[:n])
    with pytest.raises(InputError, match="damaged W&B log .*--allow-damaged"):
        load_offline_runs(tmp_path)
    assert load_offline_runs(tmp_path, allow_damaged=True).warnings == log.warnings


def test_bad_checksum_stops_at_the_damage(long_run_file: Path, tmp_path: Path) -> None:
    target = _copy(long_run_file, tmp_path)
    data = bytearray(long_run_file.read_bytes())
    at = len(data) // 2
    data[at] ^= 0xFF
    target.write_bytes(bytes(data))
    log = read_wandb_log(target)
    assert log.damaged and "bad checksum" in log.warnings[0] and str(target) in log.warnings[0]
    run = read_offline_run(target)
    assert 0 < len(run.histories["acc"]) < LONG_STEPS


@pytest.mark.parametrize("content", [b"", b":W&B", b"not a wandb log at all", b"\x00" * 64])
def test_broken_headers_never_crash(tmp_path: Path, content: bytes) -> None:
    target = tmp_path / "run-x.wandb"
    target.write_bytes(content)
    log = read_wandb_log(target)
    assert log.damaged and str(target) in log.warnings[0] and log.n_records == 0
    with pytest.raises(InputError, match="damaged W&B log"):
        read_offline_run(target)


def test_every_truncation_point_is_safe(offline_study: Path, tmp_path: Path) -> None:
    """Cut one real file at many points: never a crash, always a prefix of the history."""
    file = find_offline_logs(offline_study)[0]
    data = file.read_bytes()
    full = read_offline_run(file).histories["val/acc"].values
    target = tmp_path / file.name
    for cut in range(7, len(data), max(1, len(data) // 150)):
        target.write_bytes(data[:cut])
        # A cut exactly between records looks like a shorter log; any other cut is damage.
        read_wandb_log(target)
        try:
            run = read_offline_run(target)
        except InputError as error:
            assert "no run record" in str(error)
            continue
        got = run.histories.get("val/acc")
        if got is not None:
            np.testing.assert_array_equal(got.values, full[: len(got)])


def test_missing_and_empty_folders(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        find_offline_logs(tmp_path / "nope")
    with pytest.raises(InputError, match="no W&B runs found"):
        find_offline_logs(tmp_path)
