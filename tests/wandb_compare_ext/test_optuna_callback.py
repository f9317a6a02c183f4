"""What our WeightsAndBiasesCallback keeps that the deprecated one loses (real SDK, offline)."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
import wandb

from tests.wandb_compare_ext.test_optuna_offline_reader import read_runs
from wandb_compare_ext.optuna import WeightsAndBiasesCallback

optuna.logging.set_verbosity(optuna.logging.WARNING)


# the SDK offline into a temporary folder (the shared fixture in conftest.py)
pytestmark = pytest.mark.usefixtures("wandb_dir")


@pytest.mark.timeout(180)
def test_multirun_n_jobs_4_loses_no_trial(wandb_dir: Path) -> None:
    cb = WeightsAndBiasesCallback(
        metric_name="loss", wandb_kwargs={"project": "optuna-mt"}, as_multirun=True
    )

    @cb.track_in_wandb()
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        for step in range(3):
            trial.report(10.0 * trial.number + step, step)
        # The thread's own run: W&B's wandb.run is one per process.
        cb.run.log({"inside": trial.number})
        return x**2

    study = optuna.create_study(study_name="mt-study")
    study.optimize(objective, n_trials=20, n_jobs=4, callbacks=[cb])

    runs = read_runs(wandb_dir)
    assert len(runs) == 20
    assert sorted(r.summary["trial_number"] for r in runs) == list(range(20))
    for run in runs:
        number = run.summary["trial_number"]
        assert run.group == "mt-study"
        assert run.name.startswith(f"trial/{number}/")
        assert run.exit_code == 0
        assert "mt-study" in run.tags
        inside = [r["inside"] for r in run.rows if "inside" in r]
        assert inside == [number]  # no trial logged into another trial's run
        reports = [(r["optuna_step"], r["loss"]) for r in run.rows if "optuna_step" in r]
        # History: the three reports with their steps, then the final value. The objective
        # logged W&B step 0 first, so the reports follow it (W&B drops lower steps).
        assert reports == [(s, 10.0 * number + s) for s in range(3)]
        steps = [r["_step"] for r in run.rows]
        assert steps == sorted(set(steps))
        assert run.rows[-1]["loss"] == pytest.approx(run.config["x"] ** 2)


@pytest.mark.timeout(180)
def test_one_run_mode_n_jobs_4_loses_no_trial(wandb_dir: Path) -> None:
    cb = WeightsAndBiasesCallback(wandb_kwargs={"project": "optuna-one"})

    def objective(trial: optuna.Trial) -> float:
        return trial.suggest_float("x", -1, 1)

    study = optuna.create_study()
    study.optimize(objective, n_trials=20, n_jobs=4, callbacks=[cb])
    wandb.finish()

    (run,) = read_runs(wandb_dir)
    values = sorted(row["value"] for row in run.metric_rows())
    assert values == sorted(t.value for t in study.trials)  # all 20, none dropped
    steps = [row["_step"] for row in run.rows]
    assert steps == sorted(set(steps))
    # A row logged at another step than its trial number says which trial it was.
    for row in run.rows:
        trial = row.get("trial_number", row["_step"])
        assert study.trials[trial].value == row["value"]


@pytest.mark.timeout(120)
def test_intermediate_values_keep_their_steps(wandb_dir: Path) -> None:
    cb = WeightsAndBiasesCallback(as_multirun=True)

    def objective(trial: optuna.Trial) -> float:
        for step in (0, 5, 10):
            trial.report(step / 10, step)
        return 2.0

    optuna.create_study().optimize(objective, n_trials=1, callbacks=[cb])
    (run,) = read_runs(wandb_dir)
    assert [(r["_step"], r["value"]) for r in run.rows] == [
        (0, 0.0),
        (5, 0.5),
        (10, 1.0),
        (11, 2.0),
    ]


@pytest.mark.timeout(120)
def test_failed_and_pruned_trials_and_ask_and_tell(wandb_dir: Path) -> None:
    cb = WeightsAndBiasesCallback(wandb_kwargs={"group": "mine"}, as_multirun=True)

    def objective(trial: optuna.Trial) -> float:
        kind = trial.suggest_categorical("kind", ["fail", "prune"])
        trial.report(1.0, 0)
        if kind == "prune":
            raise optuna.TrialPruned()
        raise RuntimeError("boom")

    study = optuna.create_study()
    study.enqueue_trial({"kind": "fail"})
    study.enqueue_trial({"kind": "prune"})
    study.optimize(objective, n_trials=2, callbacks=[cb], catch=(RuntimeError,))
    trial = study.ask()
    frozen = study.tell(trial, trial.suggest_float("y", 0, 1))
    cb.log_trial(study, frozen)

    runs = read_runs(wandb_dir)
    assert [r.group for r in runs] == ["mine"] * 3  # an explicit group wins
    by_state = {r.summary["state"]: r for r in runs}
    assert by_state["FAIL"].exit_code == 1
    assert by_state["PRUNED"].exit_code == 0
    assert by_state["COMPLETE"].config["y"] == frozen.params["y"]
    assert by_state["COMPLETE"].summary["value"] == frozen.value


@pytest.mark.timeout(120)
def test_metric_the_objective_never_reports(wandb_dir: Path) -> None:
    cb = WeightsAndBiasesCallback(metric_name=["acc", "latency"], as_multirun=True)
    study = optuna.create_study()
    with pytest.raises(ValueError, match="1 objective values, but 2 names specified"):
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1, callbacks=[cb])
    assert study.trials[0].state == optuna.trial.TrialState.COMPLETE  # nothing lost
