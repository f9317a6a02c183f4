"""``mlflow-compare confirm`` run again without ``--storage`` after an interruption.

The real command (a subprocess, real sqlite tracking store) is interrupted with SIGINT while
its fifth item trains; the same command run again finds the parent of that name in the
experiment, reuses the four finished items and trains only the rest: one parent, each
(configuration, seed) trained to the end once. A rerun with another plan under the same name
is refused in one line. ``mlflow-compare`` on the interrupted confirm's experiment leaves the
interrupted item's run out with a warning (it has no metric: exit 2 before).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from _confirm_interrupted import interrupt, set_up, trained  # noqa: E402

pytestmark = pytest.mark.timeout(300)


def _command(tmp_path: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "mlflow_compare_plugin", "confirm", "configs.yaml",
            "--function", "interrupted_train:train", "-m", "acc", "--tracking-uri",
            f"sqlite:///{tmp_path / 'mlflow.db'}", "--experiment-name", "rerun", *extra]


def _env(tmp_path: Path) -> dict[str, str]:
    files = set_up(tmp_path)
    path = os.pathsep.join([str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, **files, "PYTHONPATH": path}


@pytest.mark.parametrize("name", [["--name", "it's a rerun"], []], ids=["named", "default-name"])
def test_rerun_without_storage_resumes_under_the_same_parent(tmp_path: Path,
                                                             name: list[str]) -> None:
    env = _env(tmp_path)
    interrupt(_command(tmp_path, *name), env, tmp_path, hang_at=5)
    assert len(trained(env)) == 4

    rerun = subprocess.run(_command(tmp_path, *name), cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=240)
    assert rerun.returncode == 0, rerun.stderr
    assert "Traceback" not in rerun.stderr
    # the four items finished before the interrupt were not trained again
    assert Counter(trained(env)) == {(lr, s): 1 for lr in (0.1, 0.9) for s in range(3)}

    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("rerun")
    runs = client.search_runs([experiment.experiment_id], run_view_type=ViewType.ACTIVE_ONLY)
    parents = [r for r in runs if "confirm.study" in r.data.tags]
    assert len(parents) == 1
    parent = parents[0]
    assert parent.info.status == "FINISHED" and parent.data.tags["confirm.status"] == "complete"
    assert parent.data.tags["confirm.winner"] == "b" and "confirm.error" not in parent.data.tags
    items = [r for r in runs if r is not parent]
    assert all(r.data.tags["mlflow.parentRunId"] == parent.info.run_id for r in items)
    assert sorted((r.data.tags["confirm.config"], r.data.params["seed"], r.info.status)
                  for r in items) == [(c, str(s), "FINISHED") for c in "ab" for s in range(3)]


def test_rerun_with_another_plan_under_the_same_name_is_refused(tmp_path: Path) -> None:
    env = _env(tmp_path)
    interrupt(_command(tmp_path, "--name", "fixed"), env, tmp_path, hang_at=2)
    rerun = subprocess.run(_command(tmp_path, "--name", "fixed", "--seeds", "4"), cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=240)
    assert rerun.returncode == 2, rerun.stderr
    assert rerun.stderr.count("\n") == 1, rerun.stderr
    assert rerun.stderr.startswith("error: ") and "another plan" in rerun.stderr
    assert "--name" in rerun.stderr and "--storage" in rerun.stderr
    assert len(trained(env)) == 1  # nothing trained by the refused rerun


def test_compare_after_an_interrupt_leaves_the_unfinished_attempt_out(tmp_path: Path) -> None:
    env = _env(tmp_path)
    interrupt(_command(tmp_path, "--name", "cut"), env, tmp_path, hang_at=6)
    out = subprocess.run(
        [sys.executable, "-m", "mlflow_compare_plugin", "--tracking-uri",
         f"sqlite:///{tmp_path / 'mlflow.db'}", "--experiment-name", "rerun", "-m", "acc"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr
    assert ("warning: 1 unfinished confirm attempt left out (interrupted or failed, no "
            "result): b seed=2") in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
