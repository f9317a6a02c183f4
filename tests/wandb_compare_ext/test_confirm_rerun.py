"""``wandb-compare confirm`` interrupted, then compared and run again (real W&B SDK offline).

The real command is interrupted with SIGINT while its sixth item trains. The interrupted
item's run folder holds no metric: ``wandb-compare`` on the folder leaves it out with a
warning (exit 0), as it leaves out the decision run. The same confirm run again without
``--storage`` finds the group's run folders, reuses the five finished items, trains the
rest, and leaves one run per (configuration, seed) and one decision run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from _study import offline_env

from wandb_compare_ext.offline import load_offline_runs

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from _confirm_interrupted import interrupt, set_up, trained  # noqa: E402

pytestmark = pytest.mark.timeout(300)


def _command(tmp_path: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "wandb_compare_ext", "confirm", "configs.yaml",
            "--function", "interrupted_train:train", "-m", "acc", "--project", "rerun",
            "--mode", "offline", "--dir", str(tmp_path), "--name", "group-1", *extra]


def _env(tmp_path: Path) -> dict[str, str]:
    files = set_up(tmp_path)
    path = os.pathsep.join([str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**offline_env(tmp_path), **files, "PYTHONPATH": path}


def test_interrupted_item_is_left_out_of_a_later_compare(tmp_path: Path) -> None:
    env = _env(tmp_path)
    interrupt(_command(tmp_path), env, tmp_path, hang_at=6)
    out = subprocess.run([sys.executable, "-m", "wandb_compare_ext", "--offline-dir",
                          str(tmp_path / "wandb"), "-m", "acc"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr
    assert "warning: 1 unfinished confirm attempt left out (interrupted or failed, no " \
           "result): b seed=2" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr


def test_rerun_without_storage_resumes_the_group(tmp_path: Path) -> None:
    env = _env(tmp_path)
    interrupt(_command(tmp_path), env, tmp_path, hang_at=6)
    assert len(trained(env)) == 5
    rerun = subprocess.run(_command(tmp_path), cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=240)
    assert rerun.returncode == 0, rerun.stderr
    assert Counter(trained(env)) == {(lr, s): 1 for lr in (0.1, 0.9) for s in range(3)}
    runs = load_offline_runs(tmp_path / "wandb").runs
    assert {r.tags["wandb.group"] for r in runs} == {"group-1"}
    items = [r for r in runs if r.tags["wandb.job_type"] == "confirm"]
    assert sorted((r.name, r.status) for r in items) == [
        (f"{c} seed={s}", "FINISHED") for c in "ab" for s in range(3)]
    assert len([r for r in runs if r.tags["wandb.job_type"] == "confirm-decision"]) == 1
    assert not (tmp_path / "confirm" / "group-1" / "FAILED").exists()

    # decided already: run once more, nothing is trained, the decision is made once again
    again = subprocess.run(_command(tmp_path), cwd=tmp_path, env=env, capture_output=True,
                           text=True, timeout=240)
    assert again.returncode == 0, again.stderr
    assert len(trained(env)) == 6
    runs = load_offline_runs(tmp_path / "wandb").runs
    assert len([r for r in runs if r.tags["wandb.job_type"] == "confirm-decision"]) == 1
    assert len(runs) == 7


def test_rerun_with_another_plan_is_refused(tmp_path: Path) -> None:
    env = _env(tmp_path)
    interrupt(_command(tmp_path), env, tmp_path, hang_at=2)
    rerun = subprocess.run(_command(tmp_path, "--max-seeds", "9"), cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=240)
    assert rerun.returncode == 2, rerun.stderr
    assert rerun.stderr.count("\n") == 1 and "another plan" in rerun.stderr, rerun.stderr
    assert len(trained(env)) == 1
