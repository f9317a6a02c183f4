"""What our MLflowCallback keeps that the deprecated one loses (real sqlite stores, real server).

One sqlite MLflow store per module (creating one runs MLflow's migrations: seconds); every test
uses its own study and experiment names.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import mlflow
import optuna
import pytest
from mlflow.tracking import MlflowClient
from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID
from optuna.storages import RetryFailedTrialCallback

from mlflow_compare_plugin.optuna import (
    RUN_ATTRIBUTE_KEY,
    STUDY_RUN_TAG,
    TRIAL_ID_TAG,
    MLflowCallback,
)

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("mlflow-store")
    uri = f"sqlite:///{folder}/mlflow.db"
    MlflowClient(uri).search_experiments()  # create the schema once
    return uri


@pytest.fixture(autouse=True)
def _restore_mlflow_globals(store: str) -> Iterator[None]:
    # The callback sets MLflow's process-global tracking URI and experiment (as the deprecated
    # one did); leave them as a fresh process would for the test files that run after us.
    before = mlflow.get_tracking_uri()
    yield
    mlflow.set_tracking_uri(store)
    mlflow.set_experiment(experiment_id="0")  # Default: every store has it
    mlflow.set_tracking_uri(before)


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _runs(uri: str, study_name: str) -> list:
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name(study_name)
    assert experiment is not None
    return client.search_runs([experiment.experiment_id], max_results=1000)


def _trial_runs(runs: list) -> list:
    return [r for r in runs if STUDY_RUN_TAG not in r.data.tags and TRIAL_ID_TAG in r.data.tags]


@pytest.mark.timeout(120)
def test_nested_parallel_decorator_all_trials_under_active_parent(store: str) -> None:
    study_name = _name("nested-active")
    cb = MLflowCallback(tracking_uri=store, mlflow_kwargs={"nested": True})

    @cb.track_in_mlflow()
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        # Fluent logging inside the objective must land in this trial's run, from any thread.
        mlflow.log_metric("inside", trial.number)
        return x**2

    study = optuna.create_study(study_name=study_name)
    mlflow.set_tracking_uri(store)
    mlflow.set_experiment(study_name)
    with mlflow.start_run(run_name="outer") as outer:
        study.optimize(objective, n_trials=12, n_jobs=4, callbacks=[cb])

    runs = _runs(store, study_name)
    children = _trial_runs(runs)
    assert len(runs) == 13
    assert len(children) == 12
    assert {r.data.tags[MLFLOW_PARENT_RUN_ID] for r in children} == {outer.info.run_id}
    assert sorted(int(r.data.tags["number"]) for r in children) == list(range(12))
    for run in children:
        assert run.data.metrics["inside"] == float(run.data.tags["number"])
        assert run.info.status == "FINISHED"
    assert len({r.data.tags[TRIAL_ID_TAG] for r in children}) == 12


@pytest.mark.timeout(120)
def test_nested_without_active_run_creates_one_study_run(store: str) -> None:
    study_name = _name("nested-none")
    cb = MLflowCallback(tracking_uri=store, mlflow_kwargs={"nested": True})
    study = optuna.create_study(study_name=study_name)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=8, n_jobs=4, callbacks=[cb])

    runs = _runs(store, study_name)
    study_runs = [r for r in runs if r.data.tags.get(STUDY_RUN_TAG) == "true"]
    children = _trial_runs(runs)
    assert len(study_runs) == 1
    assert len(children) == 8
    assert {r.data.tags[MLFLOW_PARENT_RUN_ID] for r in children} == {study_runs[0].info.run_id}
    assert cb.parent_run_id(study) == study_runs[0].info.run_id
    assert cb.finish(study) == study_runs[0].info.run_id
    assert MlflowClient(store).get_run(study_runs[0].info.run_id).info.status == "FINISHED"


_OTHER_PROCESS = """
import sys
import optuna
from mlflow_compare_plugin.optuna import MLflowCallback

storage, name, uri = sys.argv[1:4]
cb = MLflowCallback(tracking_uri=uri, mlflow_kwargs={"nested": True})
study = optuna.load_study(study_name=name, storage=storage)
study.optimize(cb.track_in_mlflow()(lambda t: t.suggest_float("x", 0, 1)), n_trials=2,
               callbacks=[cb])
"""


@pytest.mark.timeout(180)
def test_worker_in_another_process_attaches_to_the_same_parent(store: str, tmp_path: Path) -> None:
    study_name = _name("two-processes")
    storage = f"sqlite:///{tmp_path}/optuna.db"
    study = optuna.create_study(study_name=study_name, storage=storage)
    cb = MLflowCallback(tracking_uri=store, mlflow_kwargs={"nested": True})
    mlflow.set_tracking_uri(store)
    mlflow.set_experiment(study_name)
    with mlflow.start_run() as outer:
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2, callbacks=[cb])
        # A second worker process with no active run of its own, sharing the storage.
        root = Path(__file__).resolve().parents[2]
        done = subprocess.run(
            [sys.executable, "-c", _OTHER_PROCESS, storage, study_name, store],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(root)},
            capture_output=True,
            timeout=150,
        )
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    children = _trial_runs(_runs(store, study_name))
    assert len(children) == 4
    assert {r.data.tags[MLFLOW_PARENT_RUN_ID] for r in children} == {outer.info.run_id}
    assert cb.finish(study) is None  # the user's run is not ours to end


@pytest.mark.timeout(120)
def test_decorator_does_not_serialise_the_objective(store: str) -> None:
    # If the decorator held a lock around the objective, four trials could never meet at the
    # barrier: it would break and the trials would fail.
    barrier = threading.Barrier(4, timeout=60)
    cb = MLflowCallback(tracking_uri=store)

    @cb.track_in_mlflow()
    def objective(trial: optuna.Trial) -> float:
        barrier.wait()
        return trial.suggest_float("x", 0, 1)

    study_name = _name("parallel")
    study = optuna.create_study(study_name=study_name)
    study.optimize(objective, n_trials=4, n_jobs=4, callbacks=[cb])
    assert [t.state for t in study.trials] == [optuna.trial.TrialState.COMPLETE] * 4
    assert len(_trial_runs(_runs(store, study_name))) == 4


@pytest.mark.timeout(120)
def test_intermediate_values_history_and_statuses(store: str) -> None:
    study_name = _name("states")
    cb = MLflowCallback(tracking_uri=store, metric_name="loss")

    def objective(trial: optuna.Trial) -> float:
        kind = trial.suggest_categorical("kind", ["ok", "prune", "fail"])
        for step in range(5):
            trial.report(10.0 - step, step * 10)
        if kind == "prune":
            raise optuna.TrialPruned()
        if kind == "fail":
            raise RuntimeError("boom")
        return 1.5

    study = optuna.create_study(study_name=study_name)
    for kind in ("ok", "prune", "fail"):
        study.enqueue_trial({"kind": kind})
    study.optimize(objective, n_trials=3, callbacks=[cb], catch=(RuntimeError,))

    client = MlflowClient(store)
    by_kind = {r.data.params["kind"]: r for r in _trial_runs(_runs(store, study_name))}
    assert by_kind["ok"].info.status == "FINISHED"
    assert by_kind["prune"].info.status == "KILLED"
    assert by_kind["fail"].info.status == "FAILED"
    assert by_kind["prune"].data.tags["state"] == "PRUNED"
    history = client.get_metric_history(by_kind["ok"].info.run_id, "loss")
    # Five intermediate values at their steps, then the final value at the last step.
    assert [(m.step, m.value) for m in history][:5] == [(s * 10, 10.0 - s) for s in range(5)]
    assert (history[-1].step, history[-1].value) == (40, 1.5)
    assert by_kind["ok"].data.metrics["loss"] == 1.5
    pruned = client.get_metric_history(by_kind["prune"].info.run_id, "loss")
    # Optuna gives a pruned trial its last intermediate value as its value.
    assert [(m.step, m.value) for m in pruned][-2:] == [(40, 6.0), (40, 6.0)]


@pytest.mark.timeout(120)
def test_params_and_tags_are_chunked_to_batch_limits(store: str) -> None:
    study_name = _name("chunks")
    cb = MLflowCallback(tracking_uri=store)

    def objective(trial: optuna.Trial) -> float:
        total = 0.0
        for i in range(150):  # > MAX_PARAMS_TAGS_PER_BATCH (100)
            total += trial.suggest_float(f"p{i:03d}", 0, 1)
        for i in range(130):
            trial.set_user_attr(f"attr{i:03d}", i)
        return total

    study = optuna.create_study(study_name=study_name)
    study.optimize(objective, n_trials=1, callbacks=[cb])
    (run,) = _trial_runs(_runs(store, study_name))
    assert len(run.data.params) == 150
    assert sum(k.endswith("_distribution") for k in run.data.tags) == 150
    assert sum(k.startswith("attr") for k in run.data.tags) == 130


@pytest.mark.timeout(120)
def test_ask_and_tell_log_trial_is_idempotent(store: str) -> None:
    study_name = _name("ask-tell")
    cb = MLflowCallback(tracking_uri=store)
    study = optuna.create_study(study_name=study_name)
    run_ids = []
    for _ in range(3):
        trial = study.ask()
        frozen = study.tell(trial, trial.suggest_float("x", 0, 1))
        run_ids.append(cb.log_trial(study, frozen))
        assert cb.log_trial(study, frozen) == run_ids[-1]  # again: same run, not a new one
    runs = _trial_runs(_runs(store, study_name))
    assert sorted(r.info.run_id for r in runs) == sorted(run_ids)
    assert all(r.info.status == "FINISHED" for r in runs)


@pytest.mark.timeout(120)
def test_retried_trial_gets_its_own_run(store: str, tmp_path: Path) -> None:
    # RetryFailedTrialCallback copies the failed trial's system attrs (with its run id) into
    # the retry; the deprecated callback then logged the retry into the failed trial's run.
    study_name = _name("retry")
    storage = f"sqlite:///{tmp_path}/optuna.db"
    study = optuna.create_study(study_name=study_name, storage=storage)
    cb = MLflowCallback(tracking_uri=store, mlflow_kwargs={"nested": True})

    @cb.track_in_mlflow()
    def objective(trial: optuna.Trial) -> float:
        return trial.suggest_float("x", 0, 1)

    first = study.ask()
    objective(first)  # the run exists; now the worker "dies": the trial fails
    study.tell(first, state=optuna.trial.TrialState.FAIL)
    failed = study.trials[0]
    cb.failed_trial_callback(RetryFailedTrialCallback(max_retry=1))(study, failed)
    assert study.trials[1].state == optuna.trial.TrialState.WAITING
    assert RUN_ATTRIBUTE_KEY in study.trials[1].system_attrs  # copied by Optuna
    study.optimize(objective, n_trials=1, callbacks=[cb])

    runs = _trial_runs(_runs(store, study_name))
    assert len(runs) == 2
    by_number = {int(r.data.tags["number"]): r for r in runs}
    assert by_number[0].info.status == "FAILED"
    assert by_number[1].info.status == "FINISHED"
    assert by_number[0].info.run_id != by_number[1].info.run_id
    assert len({r.data.tags[MLFLOW_PARENT_RUN_ID] for r in runs}) == 1


@pytest.mark.timeout(120)
def test_metric_the_objective_never_reports(store: str) -> None:
    study_name = _name("names")
    cb = MLflowCallback(tracking_uri=store, metric_name=["accuracy", "latency"])

    @cb.track_in_mlflow()
    def objective(trial: optuna.Trial) -> float:
        return trial.suggest_float("x", 0, 1)  # one value for two names

    study = optuna.create_study(study_name=study_name)
    with pytest.raises(ValueError, match="1 objective values, but 2 names specified"):
        study.optimize(objective, n_trials=1, callbacks=[cb])
    # Nothing lost from Optuna's storage; the run the decorator opened is not left RUNNING.
    assert study.trials[0].state == optuna.trial.TrialState.COMPLETE
    (run,) = _trial_runs(_runs(store, study_name))
    assert run.info.status == "FAILED"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(tmp_path: Path, store: str) -> tuple[subprocess.Popen, str]:
    # A copy of the module's already-migrated store: the server starts without migrations.
    source = Path(store.removeprefix("sqlite:///"))
    if source != tmp_path / "server.db":
        shutil.copy(source, tmp_path / "server.db")
    port = _free_port()
    mlflow_bin = Path(sys.executable).with_name("mlflow")
    proc = subprocess.Popen(
        [
            str(mlflow_bin), "server", "--host", "127.0.0.1", "--port", str(port),
            "--backend-store-uri", f"sqlite:///{tmp_path}/server.db",
            "--default-artifact-root", str(tmp_path / "artifacts"), "--workers", "1",
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("mlflow server did not start")


@pytest.mark.timeout(180)
def test_tracking_server_going_away_mid_study(store: str, tmp_path: Path, monkeypatch) -> None:
    # MLflow's default HTTP settings: the callback bounds its own requests whatever they are.
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", raising=False)
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_TIMEOUT", raising=False)
    proc, url = _start_server(tmp_path, store)
    try:
        cb = MLflowCallback(tracking_uri=url, retries=1, retry_wait=0.05)
        study_name = _name("server-gone")
        study = optuna.create_study(study_name=study_name)
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3, callbacks=[cb])
        assert len(_trial_runs(_runs(url, study_name))) == 3
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=4, callbacks=[cb])
    ours = [w for w in caught if "MLflow logging failed" in str(w.message)]
    assert len(ours) == 1  # warned once, not once per trial
    assert "the study goes on" in str(ours[0].message)
    assert len(study.trials) == 7
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    assert len(cb.logging_failures) == 4
    # Only the first trial waited for the dead server; the others were skipped (cool-down).
    assert sum("skipped" in f for f in cb.logging_failures) == 3

    # The server is back (same store): backfill logs exactly the trials it missed.
    proc, url = _start_server(tmp_path, f"sqlite:///{tmp_path}/server.db")
    try:
        again = MLflowCallback(tracking_uri=url)
        assert again.backfill(study) == 4
        assert again.backfill(study) == 0
        runs = _trial_runs(_runs(url, study_name))
        assert sorted(int(r.data.tags["number"]) for r in runs) == list(range(7))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
