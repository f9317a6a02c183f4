"""One tuning worker of the distributed test: shares the study (PostgreSQL) and MLflow server.

Run as ``python tests/distributed/_worker.py PG_URL STUDY MLFLOW_URL TARGET [--victim MARKER]``.
The victim writes MARKER when its first trial has started, then hangs until it is killed.
Workers stop when the study has TARGET complete trials and every failed trial was retried to
completion (or after a safety timeout).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import mlflow
import optuna
from optuna.storages import RDBStorage, RetryFailedTrialCallback
from optuna.trial import TrialState

from mlflow_compare_plugin.optuna import MLflowCallback


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("pg_url")
    parser.add_argument("study")
    parser.add_argument("mlflow_url")
    parser.add_argument("target", type=int)
    parser.add_argument("--victim")
    parser.add_argument("--timeout", type=float, default=100.0)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    callback = MLflowCallback(tracking_uri=args.mlflow_url, mlflow_kwargs={"nested": True})
    storage = RDBStorage(
        args.pg_url,
        heartbeat_interval=1,
        grace_period=3,
        failed_trial_callback=callback.failed_trial_callback(RetryFailedTrialCallback(3)),
    )
    study = optuna.load_study(study_name=args.study, storage=storage)
    started = time.monotonic()

    @callback.track_in_mlflow()
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -5, 5)
        if args.victim:
            Path(args.victim).write_text(str(trial.number))
            time.sleep(3600)  # killed here, mid-trial
        for step in range(3):
            trial.report((x - 1) ** 2 + 1.0 / (step + 1), step)
            time.sleep(0.1)
        mlflow.log_metric("inside", x)  # fluent, inside the trial's run
        return (x - 1) ** 2

    def stop_when_done(study: optuna.Study, _trial: optuna.trial.FrozenTrial) -> None:
        trials = study.get_trials(deepcopy=False)
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        failed = {t.number for t in trials if t.state == TrialState.FAIL}
        retried = {t.system_attrs.get("failed_trial") for t in complete}
        if (len(complete) >= args.target and failed and failed <= retried) or (
            time.monotonic() - started > args.timeout
        ):
            study.stop()

    study.optimize(objective, callbacks=[callback, stop_when_done])
    return 0


if __name__ == "__main__":
    sys.exit(main())
