"""Optuna callbacks: ours vs optuna-integration 5.0, side by side in the same run.

Targets (issue 6):

1. per-trial logging overhead no worse than the deprecated ``MLflowCallback`` while logging
   more (history, status, parent, trial-id tags): time per trial with the callback minus time
   per trial without it, on identical sqlite MLflow stores, for the callback alone, with
   ``track_in_mlflow``, and nested under an active run;
2. 8 trials of 0.5 s with ``n_jobs=4`` at least 3x faster than with ``n_jobs=1``, with our
   callback and decorator (the deprecated decorator holds a lock around the objective);
3. W&B (offline, one run per trial, ``n_jobs=4``): no trial lost.

Run: ``.venv/bin/python benchmarks/bench_optuna_callbacks.py`` (about 1-2 minutes). Prints
milliseconds and ratios; absolute times drift on a shared machine, ratios hold.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import mlflow
import optuna
from mlflow.tracking import MlflowClient
from optuna_integration.mlflow import MLflowCallback as OldCallback

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mlflow_compare_plugin.optuna import MLflowCallback as NewCallback  # noqa: E402

warnings.filterwarnings("ignore")
optuna.logging.set_verbosity(optuna.logging.ERROR)


def _objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -1, 1)
    y = trial.suggest_int("y", 0, 10)
    z = trial.suggest_categorical("z", ["a", "b"])
    for step in range(5):
        trial.report(x * step, step)
    return x**2 + y + (z == "a")


def _store(folder: Path, name: str) -> str:
    uri = f"sqlite:///{folder}/{name}.db"
    MlflowClient(uri).search_experiments()  # migrations happen here, outside the timing
    return uri


def _per_trial(make: Callable[[str], object], uri: str, mode: str, n_trials: int) -> float:
    """Seconds per trial of a study logging through ``make(uri)`` in ``mode``."""
    cb = make(uri) if make is not None else None
    objective = _objective
    if cb is not None and mode == "decorator":
        objective = cb.track_in_mlflow()(_objective)
    study = optuna.create_study(study_name=f"bench-{mode}-{time.monotonic_ns()}")
    callbacks = [cb] if cb is not None else []
    mlflow.set_tracking_uri(uri)
    start = time.perf_counter()
    if mode == "nested":
        mlflow.set_experiment(study.study_name)
        with mlflow.start_run():
            study.optimize(objective, n_trials=n_trials, callbacks=callbacks)
    else:
        study.optimize(objective, n_trials=n_trials, callbacks=callbacks)
    return (time.perf_counter() - start) / n_trials


def overhead(n_trials: int, repeats: int) -> None:
    print(f"1. per-trial logging overhead (sqlite store, {n_trials} trials, median of {repeats})")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        uris = {"old": _store(folder, "old"), "new": _store(folder, "new")}
        makers = {
            "old": {
                "callback": lambda u: OldCallback(tracking_uri=u),
                "decorator": lambda u: OldCallback(tracking_uri=u),
                "nested": lambda u: OldCallback(tracking_uri=u, mlflow_kwargs={"nested": True}),
            },
            "new": {
                "callback": lambda u: NewCallback(tracking_uri=u),
                "decorator": lambda u: NewCallback(tracking_uri=u),
                "nested": lambda u: NewCallback(tracking_uri=u, mlflow_kwargs={"nested": True}),
            },
        }
        bare = statistics.median(
            _per_trial(None, uris["new"], "callback", n_trials) for _ in range(repeats)
        )
        for mode in ("callback", "decorator", "nested"):
            cost = {}
            # Interleave old and new so drift on a shared machine hits both alike.
            samples: dict[str, list[float]] = {"old": [], "new": []}
            for _ in range(repeats):
                for who in ("old", "new"):
                    samples[who].append(_per_trial(makers[who][mode], uris[who], mode, n_trials))
            for who in ("old", "new"):
                cost[who] = max(statistics.median(samples[who]) - bare, 1e-9)
            print(
                f"   {mode:<9} deprecated {cost['old'] * 1e3:7.1f} ms/trial   "
                f"ours {cost['new'] * 1e3:7.1f} ms/trial   ours/deprecated = "
                f"{cost['new'] / cost['old']:.2f}"
            )


def _sleepy(trial: optuna.Trial) -> float:
    time.sleep(0.5)
    mlflow.log_metric("inside", 1.0)
    return trial.suggest_float("x", 0, 1)


def parallel() -> None:
    print("2. 8 trials of 0.5 s, n_jobs=1 vs n_jobs=4, callback + decorator")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for who, cls in (("deprecated", OldCallback), ("ours", NewCallback)):
            uri = _store(folder, who)
            times = {}
            for n_jobs in (1, 4):
                cb = cls(tracking_uri=uri)
                objective = cb.track_in_mlflow()(_sleepy)
                study = optuna.create_study(study_name=f"par-{who}-{n_jobs}")
                start = time.perf_counter()
                study.optimize(objective, n_trials=8, n_jobs=n_jobs, callbacks=[cb])
                times[n_jobs] = time.perf_counter() - start
            print(
                f"   {who:<10} n_jobs=1 {times[1]:5.2f} s   n_jobs=4 {times[4]:5.2f} s   "
                f"speed-up {times[1] / times[4]:.2f}x"
                + ("  (target >= 3x)" if who == "ours" else "")
            )


def wandb_multirun(n_trials: int = 20) -> None:
    """W&B offline, one run per trial, n_jobs=4: how many trials reach W&B."""
    import os

    from optuna_integration.wandb import WeightsAndBiasesCallback as OldWandb

    from wandb_compare_ext.optuna import WeightsAndBiasesCallback as NewWandb

    print(f"3. W&B offline, as_multirun, {n_trials} trials, n_jobs=4 (runs written per trial)")
    for who, cls in (("deprecated", OldWandb), ("ours", NewWandb)):
        with tempfile.TemporaryDirectory() as tmp:
            os.environ.update(WANDB_MODE="offline", WANDB_DIR=tmp, WANDB_SILENT="true")
            import wandb

            cb = cls(wandb_kwargs={"project": "bench"}, as_multirun=True)

            @cb.track_in_wandb()
            def objective(trial: optuna.Trial) -> float:
                time.sleep(0.05)
                return trial.suggest_float("x", 0, 1)

            study = optuna.create_study()
            outcome = "finished"
            start = time.perf_counter()
            try:
                study.optimize(objective, n_trials=n_trials, n_jobs=4, callbacks=[cb])
            except Exception as error:  # the deprecated one can stop the study
                outcome = f"study stopped: {type(error).__name__}"
            elapsed = time.perf_counter() - start
            wandb.finish()
            wandb.teardown()
            folders = len(list(Path(tmp, "wandb").glob("offline-run-*")))
            print(
                f"   {who:<10} {len(study.trials):3d} trials ran, {folders:3d} W&B runs, "
                f"{elapsed:5.2f} s, {outcome}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    overhead(args.trials, args.repeats)
    parallel()
    wandb_multirun()


if __name__ == "__main__":
    main()
