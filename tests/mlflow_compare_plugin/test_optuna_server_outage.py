"""A real ``mlflow server`` stopped mid-study, under MLflow's default HTTP settings.

MLflow's defaults (120 s timeout, 7 retries with backoff) made one trial wait 743 s on a server
that was gone; the callback bounds its own requests, so ten trials at ``n_jobs=2`` end within
the issue's 60 s (a generous bound: it tells seconds from minutes, not a benchmark), no trial is
lost, and ``backfill`` logs every trial the outage skipped once the server is back.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import mlflow
import optuna
import pytest
from mlflow.tracking import MlflowClient

from mlflow_compare_plugin.optuna import TRIAL_ID_TAG, MLflowCallback

optuna.logging.set_verbosity(optuna.logging.WARNING)

N_TRIALS = 10
STOP_AFTER = 3


@pytest.fixture(autouse=True)
def _mlflow_defaults(monkeypatch: pytest.MonkeyPatch) -> Any:
    # MLflow's own defaults, whatever the environment running the tests says.
    for name in ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    before = mlflow.get_tracking_uri()
    yield
    # The callback sets MLflow's global tracking URI (as the deprecated one did): put it back.
    mlflow.set_tracking_uri(before)


def _trial_runs(url: str, study_name: str) -> list[Any]:
    client = MlflowClient(url)
    experiment = client.get_experiment_by_name(study_name)
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    return [r for r in runs if TRIAL_ID_TAG in r.data.tags]


@pytest.mark.timeout(400)
def test_server_stopped_mid_study_costs_seconds_and_loses_nothing(
    server_factory: Any, tmp_path: Path
) -> None:
    root = tmp_path / "server"
    root.mkdir()
    # Migrate the server's store here (faster than the server's start-up migrating it).
    MlflowClient(f"sqlite:///{root / 'mlflow.db'}").search_experiments()
    study_name = "outage"
    stack = contextlib.ExitStack()
    url = stack.enter_context(server_factory(root))
    cb = MLflowCallback(tracking_uri=url)
    lock = threading.Lock()
    finished: list[int] = []
    stopped_at: list[float] = []

    def stop_server_mid_study(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        # Runs after our callback in Optuna's worker thread: the third finished trial stops
        # the server (SIGTERM, waited for), while the other worker's trial is running.
        with lock:
            finished.append(trial.number)
            stop = len(finished) == STOP_AFTER
        if stop:
            stopped_at.append(time.monotonic())
            stack.close()

    @cb.track_in_mlflow()
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        for step in range(3):
            trial.report(x + step, step)
        time.sleep(0.2)
        return x**2

    study = optuna.create_study(study_name=study_name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            study.optimize(
                objective,
                n_trials=N_TRIALS,
                n_jobs=2,
                callbacks=[cb, stop_server_mid_study],
            )
        finally:
            stack.close()
    ended = time.monotonic()
    # Bounded per request, not by changing the user's process-wide settings.
    assert "MLFLOW_HTTP_REQUEST_MAX_RETRIES" not in os.environ
    assert "MLFLOW_HTTP_REQUEST_TIMEOUT" not in os.environ

    assert stopped_at, "the server was never stopped"
    # From the stop (its own shutdown wait included) to the study's end: seconds, not minutes
    # (with MLflow's defaults a single request to the stopped server retries for ~4 minutes).
    assert ended - stopped_at[0] < 60
    assert len(study.trials) == N_TRIALS
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    assert cb.logging_failures  # the outage was noticed ...
    ours = [w for w in caught if "MLflow logging failed" in str(w.message)]
    assert len(ours) == 1  # ... and warned about once

    # The server comes back on the same store: backfill logs exactly what was skipped.
    with server_factory(root) as url_back:
        logged_before = {
            int(r.data.tags["number"])
            for r in _trial_runs(url_back, study_name)
            if r.info.status == "FINISHED"
        }
        assert STOP_AFTER - 1 <= len(logged_before) < N_TRIALS
        again = MLflowCallback(tracking_uri=url_back)
        assert again.backfill(study) == N_TRIALS - len(logged_before)
        assert again.backfill(study) == 0
        runs = _trial_runs(url_back, study_name)

    # One finished run per trial (a run made before the outage is finished, not duplicated),
    # with the trial's value and its reports as history.
    assert sorted(int(r.data.tags["number"]) for r in runs) == list(range(N_TRIALS))
    by_number = {int(r.data.tags["number"]): r for r in runs}
    for trial in study.trials:
        run = by_number[trial.number]
        assert run.info.status == "FINISHED"
        assert run.data.tags["state"] == "COMPLETE"
        assert run.data.metrics["value"] == pytest.approx(trial.value)
        assert run.data.params["x"] == str(trial.params["x"])
