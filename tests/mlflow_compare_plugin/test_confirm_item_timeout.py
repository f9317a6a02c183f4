"""``item_timeout`` / ``--item-timeout``: a train call that hangs fails its attempt, and the
item is retried (issue 20, item 7).

Real stores (sqlite MLflow store and Optuna storage), real processes: the ``--program`` that
hangs is killed (its pid is gone afterwards); an in-process function that hangs is abandoned
(its thread is left, its result ignored). The hung attempt's trial is FAIL in the storage, so
its heartbeats stopped and any worker takes the retry.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import optuna
import pytest
from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient

from mlflow_compare_plugin import confirm

pytestmark = pytest.mark.timeout(300)

PROGRAM = """
import argparse, os, time
import mlflow

p = argparse.ArgumentParser()
p.add_argument("--lr", type=float)
p.add_argument("--seed", type=int)
a = p.parse_args()
marker = os.path.join(os.environ["MARKERS"], f"{a.lr}-{a.seed}")
first = not os.path.exists(marker)
open(marker, "a").write(f"{os.getpid()}\\n")
if first and a.lr == 0.1 and a.seed == 1:
    time.sleep(600)  # hangs on its first attempt: killed by --item-timeout
with mlflow.start_run():
    mlflow.log_metric("acc", a.lr + 0.001 * a.seed)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _runs(uri: str, experiment: str) -> list:
    client = MlflowClient(uri)
    experiment_id = client.get_experiment_by_name(experiment).experiment_id
    return client.search_runs([experiment_id], run_view_type=ViewType.ALL)


def _timed_out_trials(storage: str, name: str) -> list:
    study = optuna.load_study(study_name=name, storage=storage)
    return [
        t
        for t in study.get_trials(deepcopy=False)
        if "item_timeout" in str(t.user_attrs.get("confirm.error", ""))
    ]


def test_program_that_hangs_is_killed_and_retried(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(PROGRAM)
    (tmp_path / "configs.yaml").write_text("- {name: a, lr: 0.1}\n- {name: b, lr: 0.2}\n")
    markers = tmp_path / "markers"
    markers.mkdir()
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlflow_compare_plugin",
            "confirm",
            "configs.yaml",
            "--program",
            f"{sys.executable} train.py",
            "-m",
            "acc",
            "--fixed",
            "--tracking-uri",
            uri,
            "--experiment-name",
            "timeout",
            "--name",
            "hangs",
            "--storage",
            storage,
            "--item-timeout",
            "40",  # a Python starting MLflow takes seconds on a busy machine
        ],
        cwd=tmp_path,
        env={**os.environ, "MARKERS": str(markers)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    pids = [int(p) for p in (markers / "0.1-1").read_text().split()]
    assert len(pids) == 2  # the hung attempt and its retry
    assert not _alive(pids[0])  # the hung program was killed
    runs = _runs(uri, "timeout")
    hung = [r for r in runs if "item_timeout" in r.data.tags.get("confirm.error", "")]
    assert len(hung) == 1 and hung[0].info.status == "FAILED"
    assert hung[0].data.tags["confirm.config"] == "a" and hung[0].data.params["seed"] == "1"
    finished = sorted(
        (r.data.tags["confirm.config"], r.data.params["seed"])
        for r in runs
        if "confirm.config" in r.data.tags and r.info.status == "FINISHED"
    )
    assert finished == [(c, str(s)) for c in "ab" for s in range(3)]
    trials = _timed_out_trials(storage, "hangs")
    assert [t.state for t in trials] == [optuna.trial.TrialState.FAIL]


def test_function_that_hangs_is_abandoned_and_retried(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    release = threading.Event()
    calls: list[tuple[float, int]] = []

    def train(lr: float, seed: int) -> float:
        calls.append((lr, seed))
        if (lr, seed) == (0.2, 0) and calls.count((lr, seed)) == 1:
            release.wait(600)  # hangs on its first attempt; abandoned by item_timeout
            return 99.0  # ignored: the attempt already failed
        return lr + 0.001 * seed

    try:
        result = confirm(
            [{"name": "a", "lr": 0.1}, {"name": "b", "lr": 0.2}],
            train,
            metric="acc",
            adaptive=False,
            tracking_uri=uri,
            experiment_name="timeout",
            name="hangs",
            storage=storage,
            item_timeout=3,
        )
    finally:
        release.set()
    assert result is not None and result.seeds_used == {"a": 3, "b": 3}
    assert calls.count((0.2, 0)) == 2
    runs = _runs(uri, "timeout")
    hung = [r for r in runs if "item_timeout" in r.data.tags.get("confirm.error", "")]
    assert len(hung) == 1 and hung[0].info.status == "FAILED"
    assert "acc" not in hung[0].data.metrics  # the abandoned call's 99.0 is not recorded
    trials = _timed_out_trials(storage, "hangs")
    assert [t.state for t in trials] == [optuna.trial.TrialState.FAIL]


def test_item_timeout_must_be_positive(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlflow_compare_plugin",
            "confirm",
            "configs.yaml",
            "--program",
            "true",
            "-m",
            "acc",
            "--item-timeout",
            "0",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "--item-timeout" in done.stderr
