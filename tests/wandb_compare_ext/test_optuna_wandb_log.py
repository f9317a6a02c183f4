"""The objective's own ``wandb.log`` in a ``track_in_wandb`` objective lands in its trial's run.

Real W&B SDK, offline, read back from the run folders: with ``n_jobs`` 1 and 4, with and
without a user's run active before ``optimize``, ask-and-tell, and a trial that raises. Every
row is in its own trial's run, a user's run gets none of them and is not finished by us, and no
run is left open (every run folder ends with an exit record).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import optuna
import pytest
import wandb

from tests.wandb_compare_ext.test_optuna_offline_reader import OfflineRun, read_runs
from wandb_compare_ext._optuna_routing import router_installed
from wandb_compare_ext.optuna import WeightsAndBiasesCallback

optuna.logging.set_verbosity(optuna.logging.WARNING)


# the SDK offline into a temporary folder (the shared fixture in conftest.py)
pytestmark = pytest.mark.usefixtures("wandb_dir")


def _decorated(cb: WeightsAndBiasesCallback, seen: list[Any] | None = None) -> Any:
    @cb.track_in_wandb()
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        if seen is not None:
            seen.append((wandb.run, cb.run))
        wandb.log({"inside": trial.number})
        time.sleep(0.02)  # let the threads interleave
        wandb.log({"inside": trial.number, "x_seen": x})
        return x**2

    return objective


def _trial_runs(runs: list[OfflineRun]) -> list[OfflineRun]:
    return [r for r in runs if r.project == "trials"]


def _assert_rows_in_own_runs(runs: list[OfflineRun], study: optuna.Study) -> None:
    trial_runs = _trial_runs(runs)
    assert sorted(r.summary["trial_number"] for r in trial_runs) == [t.number for t in study.trials]
    for run in trial_runs:
        number = run.summary["trial_number"]
        assert run.exit_code is not None  # finished, not left open
        inside = [row["inside"] for row in run.rows if "inside" in row]
        assert inside == [number, number], run.name  # both rows, none from another trial


@pytest.mark.timeout(300)
@pytest.mark.parametrize("n_jobs", [1, 4])
@pytest.mark.parametrize("user_run", [False, True], ids=["no-user-run", "user-run"])
def test_wandb_log_in_objective_goes_to_its_trial(
    wandb_dir: Path, n_jobs: int, user_run: bool
) -> None:
    user = None
    callbacks: list[Any] = []
    if user_run:
        user = wandb.init(project="mine")  # a notebook's run, global as wandb.init makes it
        wandb.log({"mine": 0})
        # A user's own Optuna callback logging to the user's run (it runs in Optuna's worker
        # thread after the trial, while other trials still run).
        callbacks.append(lambda study, trial: wandb.log({"seen_trial": trial.number}))
    cb = WeightsAndBiasesCallback(wandb_kwargs={"project": "trials"}, as_multirun=True)
    seen: list[Any] = []
    study = optuna.create_study()
    study.optimize(_decorated(cb, seen), n_trials=8, n_jobs=n_jobs, callbacks=[cb, *callbacks])

    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    assert not router_installed()
    assert wandb.run is user  # the user's run answers to wandb.* again (or none does)
    for global_run, trial_run in seen:
        assert trial_run is not None and trial_run is not user
        # n_jobs=1: wandb.run is lent to the trial; in worker threads it names no run.
        assert global_run is (trial_run if n_jobs == 1 else None)
    if user is not None:
        wandb.log({"mine": 1})  # not finished by us: still takes rows
        user.finish()

    runs = read_runs(wandb_dir)
    _assert_rows_in_own_runs(runs, study)
    assert all(r.exit_code == 0 for r in _trial_runs(runs))
    if user_run:
        (mine,) = [r for r in runs if r.project == "mine"]
        assert not any("inside" in row for row in mine.rows)  # no trial row
        assert [row["mine"] for row in mine.rows if "mine" in row] == [0, 1]
        seen_trials = sorted(row["seen_trial"] for row in mine.rows if "seen_trial" in row)
        assert seen_trials == list(range(8))
    else:
        assert len(runs) == 8


@pytest.mark.timeout(300)
def test_ask_and_tell_trials_are_finished(wandb_dir: Path) -> None:
    cb = WeightsAndBiasesCallback(wandb_kwargs={"project": "trials"}, as_multirun=True)
    objective = _decorated(cb)
    study = optuna.create_study()
    for i in range(3):
        trial = study.ask()
        frozen = study.tell(trial, objective(trial))
        if i < 2:
            cb.log_trial(study, frozen)  # the documented ask-and-tell form
    # The third was told but never logged: the next trial logs and finishes it, so it neither
    # stays open nor takes the next trials' rows.
    study.optimize(objective, n_trials=2, callbacks=[cb])
    assert wandb.run is None and not router_installed()

    runs = read_runs(wandb_dir)
    _assert_rows_in_own_runs(runs, study)
    by_number = {r.summary["trial_number"]: r for r in runs}
    for trial in study.trials:
        assert by_number[trial.number].summary["value"] == pytest.approx(trial.value)
        assert by_number[trial.number].exit_code == 0


@pytest.mark.timeout(300)
@pytest.mark.parametrize("n_jobs", [1, 4])
def test_a_trial_that_raises_leaves_no_run_open(wandb_dir: Path, n_jobs: int) -> None:
    user = wandb.init(project="mine")
    cb = WeightsAndBiasesCallback(wandb_kwargs={"project": "trials"}, as_multirun=True)
    inner = _decorated(cb)

    def objective(trial: optuna.Trial) -> float:
        if trial.number == 3:
            wandb.log({"inside": trial.number})
            trial.report(0.5, 0)
            wandb.log({"inside": trial.number})
            raise RuntimeError("boom")
        return inner.__wrapped__(trial)

    study = optuna.create_study()
    with pytest.raises(RuntimeError, match="boom"):
        study.optimize(cb.track_in_wandb()(objective), n_trials=12, n_jobs=n_jobs, callbacks=[cb])
    assert wandb.run is user and not router_installed()
    user.finish()

    runs = read_runs(wandb_dir)
    _assert_rows_in_own_runs(runs, study)  # every trial optimize started has its closed run
    (failed,) = [r for r in _trial_runs(runs) if r.summary["trial_number"] == 3]
    assert failed.exit_code == 1 and failed.summary["state"] == "FAIL"
    assert [(r["optuna_step"], r["value"]) for r in failed.rows if "optuna_step" in r] == [(0, 0.5)]
    assert all(r.exit_code == 0 for r in _trial_runs(runs) if r is not failed)
    (mine,) = [r for r in runs if r.project == "mine"]
    assert mine.rows == [] and mine.exit_code == 0


@pytest.mark.timeout(300)
def test_a_thread_the_objective_starts_fails_at_once(wandb_dir: Path) -> None:
    user = wandb.init(project="mine")
    cb = WeightsAndBiasesCallback(wandb_kwargs={"project": "trials"}, as_multirun=True)
    errors: list[BaseException] = []

    @cb.track_in_wandb()
    def objective(trial: optuna.Trial) -> float:
        def bare() -> None:  # module-level wandb.log: which run is ambiguous here
            try:
                wandb.log({"inside": -1})
            except wandb.Error as error:
                errors.append(error)

        def given(run: Any) -> None:  # the supported form: the run passed in
            run.log({"inside": trial.number})

        for target, args in ((bare, ()), (given, (cb.run,))):
            thread = threading.Thread(target=target, args=args)
            thread.start()
            thread.join()
        wandb.log({"inside": trial.number})
        return 1.0

    study = optuna.create_study()
    study.optimize(objective, n_trials=2, callbacks=[cb])
    user.finish()

    assert len(errors) == 2
    message = str(errors[0])
    assert "\n" not in message and "callback.run" in message
    runs = read_runs(wandb_dir)
    _assert_rows_in_own_runs(runs, study)
    (mine,) = [r for r in runs if r.project == "mine"]
    assert mine.rows == []  # the ambiguous rows were refused, not filed in the user's run


@pytest.mark.timeout(300)
def test_one_callback_two_studies(wandb_dir: Path) -> None:
    # Trial ids start at 0 in every in-memory study: a trial is known by its storage too.
    cb = WeightsAndBiasesCallback(wandb_kwargs={"project": "trials"}, as_multirun=True)
    objective = _decorated(cb)
    studies = [optuna.create_study(study_name=f"s{i}") for i in range(2)]
    for study in studies:
        study.optimize(objective, n_trials=2, callbacks=[cb])
    runs = read_runs(wandb_dir)
    for study in studies:
        _assert_rows_in_own_runs([r for r in runs if r.group == study.study_name], study)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_wandb_config_and_summary_in_the_objective(wandb_dir: Path, n_jobs: int) -> None:
    user = wandb.init(project="mine")
    cb = WeightsAndBiasesCallback(wandb_kwargs={"project": "trials"}, as_multirun=True)
    errors: list[str] = []

    @cb.track_in_wandb()
    def objective(trial: optuna.Trial) -> float:
        try:
            wandb.summary["best_epoch"] = trial.number  # works where wandb.run is the trial's
        except wandb.Error as error:
            errors.append(str(error))
        cb.run.summary["via_callback_run"] = trial.number  # the form that always works
        return trial.suggest_float("x", 0, 1)

    study = optuna.create_study()
    study.optimize(objective, n_trials=4, n_jobs=n_jobs, callbacks=[cb])
    wandb.summary["mine"] = 1  # the user's run answers to wandb.summary again
    user.finish()

    runs = read_runs(wandb_dir)
    trial_runs = _trial_runs(runs)
    assert len(trial_runs) == 4
    for run in trial_runs:
        assert run.summary["via_callback_run"] == run.summary["trial_number"]
    (mine,) = [r for r in runs if r.project == "mine"]
    assert mine.summary.get("mine") == 1 and "best_epoch" not in mine.summary
    if n_jobs == 1:  # lent: wandb.summary is the trial run's
        assert errors == []
        assert all(r.summary["best_epoch"] == r.summary["trial_number"] for r in trial_runs)
    else:  # worker threads: fails at once, one line naming the supported form
        assert len(errors) == 4
        assert all("\n" not in e and "callback.run.summary" in e for e in errors)
