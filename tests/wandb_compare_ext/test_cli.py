"""`wandb compare`, `wandb-compare` and `python -m wandb_compare_ext` on offline runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from wandb_compare_ext._offline import find_offline_logs
from wandb_compare_ext.cli import cli

pytestmark = pytest.mark.timeout(300)
ROOT = Path(__file__).resolve().parents[2]


def _invoke(args: list[str]):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["WANDB_SILENT"] = "true"
    env["WANDB_ERROR_REPORTING"] = "false"
    return env


def test_offline_comparison_json(offline_study: Path) -> None:
    result = _invoke(["--offline-dir", str(offline_study), "-m", "val/acc", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema"] == "tracker-compare/comparison/v3"
    assert data["runs"] == 12
    assert data["decision"]["winner"] == "optimizer.lr=0.01"
    names = {c["name"] for c in data["configs"]}
    assert names == {"optimizer.lr=0.001", "optimizer.lr=0.01", "optimizer.lr=0.1"}
    for config in data["configs"]:
        assert len(config["run_keys"]) == 4
        assert all(key.startswith("wandb:") for key in config["run_keys"])
        assert sorted(config["seeds"]) == [0, 1, 2, 3]
    # define_metric("val/*", step_metric="tokens") makes tokens the default x-axis.
    assert data["configs"][0]["curve"] is None or data["configs"][0]["curve"]["x_axis"] == "tokens"


def test_compare_subcommand_and_spelling(offline_study: Path, tmp_path: Path) -> None:
    out = tmp_path / "c.json"
    result = _invoke(
        [
            "compare",
            "--offline-dir",
            str(offline_study / "wandb"),
            "-m",
            "val_acc",
            "--reduce",
            "max",
            "--x-axis",
            "step",
            "--format",
            "json",
            "-o",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["decision"]["winner"] == "optimizer.lr=0.01"
    assert data["metric"]["reduce"] == "max"


def test_two_offline_dirs_combine(offline_study: Path, tmp_path: Path) -> None:
    files = find_offline_logs(offline_study)
    a, b = tmp_path / "a", tmp_path / "b"
    for i, file in enumerate(files):
        dest = (a if i % 2 else b) / file.parent.name
        dest.mkdir(parents=True)
        shutil.copy(file, dest / file.name)
    result = _invoke(
        ["--offline-dir", str(a), "--offline-dir", str(b), "-m", "val/acc", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["runs"] == 12


def _one_line_error(result, code: int, *needles: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_bad_input_missing_folder(tmp_path: Path) -> None:
    result = _invoke(["--offline-dir", str(tmp_path / "missing"), "-m", "acc"])
    _one_line_error(result, 2, "no such file or folder")


def test_bad_input_folder_without_runs(tmp_path: Path) -> None:
    result = _invoke(["--offline-dir", str(tmp_path), "-m", "acc"])
    _one_line_error(result, 2, "no W&B runs found")


def test_bad_input_no_source() -> None:
    _one_line_error(_invoke(["-m", "acc"]), 2, "--offline-dir")


def test_bad_input_unknown_metric(offline_study: Path) -> None:
    result = _invoke(["--offline-dir", str(offline_study), "-m", "val/acuracy"])
    _one_line_error(result, 2, "val/acuracy", "val/acc")


def _damaged_copy(offline_study: Path, tmp_path: Path, how: str) -> Path:
    base = tmp_path / "study"
    shutil.copytree(offline_study / "wandb", base / "wandb", symlinks=True)
    file = find_offline_logs(base)[0]
    data = bytearray(file.read_bytes())
    if how == "truncate":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 2] ^= 0x55
    file.write_bytes(bytes(data))
    return base


@pytest.mark.parametrize("how, phrase", [("truncate", "truncated"), ("crc", "bad checksum")])
def test_bad_input_damaged_log(offline_study: Path, tmp_path: Path, how: str, phrase: str) -> None:
    base = _damaged_copy(offline_study, tmp_path, how)
    result = _invoke(["--offline-dir", str(base), "-m", "val/acc"])
    _one_line_error(result, 2, phrase, "--allow-damaged", ".wandb")
    # With --allow-damaged the records before the damage are used, with a warning.
    result = _invoke(
        [
            "--offline-dir",
            str(base),
            "-m",
            "val/acc",
            "--allow-damaged",
            "--format",
            "json",
            "--reduce",
            "max",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and phrase in result.stderr
    assert json.loads(result.stdout)["runs"] == 12


def test_wandb_cli_gets_compare_through_the_startup_hook(offline_study: Path) -> None:
    """The real `wandb` click group, with our start-up hook installed as the .pth does."""
    code = (
        "import tracker_compare_kit._startup as s; s.install(); "
        "import sys; n = sum(1 for f in sys.meta_path if getattr(f, '_tracker_compare_hook', 0)); "
        "assert n == 1, n; "
        "from wandb.cli.cli import cli; "
        "assert 'compare' in cli.commands; "
        f"cli(['compare', '--offline-dir', {str(offline_study)!r}, '-m', 'val/acc', "
        "'--format', 'json'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout)["decision"]["winner"] == "optimizer.lr=0.01"


def test_hook_does_nothing_until_wandb_cli_is_imported() -> None:
    code = (
        "import sys, tracker_compare_kit._startup; "
        "assert 'wandb' not in sys.modules and 'wandb_compare_ext.cli' not in sys.modules; "
        "import wandb; assert 'wandb_compare_ext.cli' not in sys.modules; print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]


def test_python_dash_m_and_errors_exit_codes(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "wandb_compare_ext",
            "--offline-dir",
            str(tmp_path / "x"),
            "-m",
            "acc",
        ],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no such file" in result.stderr
    help_result = subprocess.run(
        [sys.executable, "-m", "wandb_compare_ext", "--help"],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
        cwd=ROOT,
    )
    assert help_result.returncode == 0 and "compare" in help_result.stdout


@pytest.mark.parametrize(
    "extra, axis",
    [
        (["--reduce", "max", "--x-axis", "seconds"], "seconds"),
        (["--reduce", "max", "--x-axis", "_runtime"], "_runtime"),
        (["--reduce", "auc", "--x-axis", "time"], "time"),
        (["--reduce", "at-budget", "--budget", "7680", "--x-axis", "tokens"], "tokens"),
    ],
)
def test_wall_clock_and_metric_x_axes(offline_study: Path, extra: list[str], axis: str) -> None:
    result = _invoke(
        ["--offline-dir", str(offline_study), "-m", "val/acc", "--format", "json", *extra]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["x_axis"] == axis
    curves = [c["curve"] for c in data["configs"] if c["curve"]]
    assert curves and all(c["x_axis"] == axis for c in curves)
    if axis == "time":
        # AUC over wall-clock time: the runs took milliseconds, so only check it is computed.
        assert all(v is not None and v > 0 for c in data["configs"] for v in c["values"])
        return
    assert data["decision"]["winner"] == "optimizer.lr=0.01"
    if axis == "tokens":
        # 7680 tokens is step 14: every reduced value is the one logged there.
        from _study import values

        for config in data["configs"]:
            assert all(v is not None for v in config["values"])
        lr01 = next(c for c in data["configs"] if c["name"] == "optimizer.lr=0.01")
        expected = sorted(values(0.01, s)[14]["val/acc"] for s in lr01["seeds"])
        assert sorted(lr01["values"]) == pytest.approx(expected)
