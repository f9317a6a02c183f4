"""SeedEvaluator: K seeds per trial (child runs), the mean as the value, top trials compared."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import mlflow
import numpy as np
import optuna
import pytest
from mlflow.tracking import MlflowClient
from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID

from mlflow_compare_plugin.optuna import (
    SEED_VALUES_ATTR,
    STUDY_RUN_TAG,
    TRIAL_ID_TAG,
    MLflowCallback,
    SeedEvaluator,
)
from shared import compare_runs
from shared.errors import InputError

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    uri = f"sqlite:///{tmp_path_factory.mktemp('seeds')}/mlflow.db"
    MlflowClient(uri).search_experiments()
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


def _experiment(uri: str, name: str, tmp_path: Path) -> None:
    # Artifacts (the report) go to the test's folder, not ./mlruns in the working directory.
    MlflowClient(uri).create_experiment(name, artifact_location=str(tmp_path / "artifacts"))


def _noise(seed: int, lr: float) -> float:
    return float(np.random.default_rng([seed, int(lr * 1e6)]).normal(0, 0.01))


@pytest.mark.timeout(180)
def test_seeds_are_child_runs_and_the_mean_is_the_value(store: str, tmp_path: Path) -> None:
    study_name = f"seeds-{uuid.uuid4().hex[:8]}"
    _experiment(store, study_name, tmp_path)
    cb = MLflowCallback(tracking_uri=store, metric_name="acc", mlflow_kwargs={"nested": True})
    seeds = SeedEvaluator(cb, seeds=[0, 1, 2, 3, 4, 5])

    @seeds.objective
    def objective(trial: optuna.Trial, seed: int) -> float:
        lr = trial.suggest_categorical("lr", [0.1, 0.01, 0.001])
        mlflow.log_metric("seen_seed", seed)  # fluent: lands in this seed's run
        # lr=0.1 is clearly best (+0.2), 0.01 and 0.001 are the same up to seed noise.
        return {0.1: 0.9, 0.01: 0.7, 0.001: 0.7}[lr] + _noise(seed, lr)

    study = optuna.create_study(study_name=study_name, direction="maximize")
    for lr in (0.1, 0.01, 0.001):
        study.enqueue_trial({"lr": lr})
    study.optimize(objective, n_trials=3, n_jobs=2, callbacks=[cb])

    client = MlflowClient(store)
    experiment = client.get_experiment_by_name(study_name)
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    trial_runs = {r.data.tags["number"]: r for r in runs if TRIAL_ID_TAG in r.data.tags}
    seed_runs = [r for r in runs if "tracker_compare.seed" in r.data.tags]
    assert len(trial_runs) == 3 and len(seed_runs) == 18
    for trial in study.trials:
        values = trial.user_attrs[SEED_VALUES_ATTR]
        assert trial.value == pytest.approx(np.mean(list(values.values())))
        parent = trial_runs[str(trial.number)]
        mine = [r for r in seed_runs if r.data.tags[MLFLOW_PARENT_RUN_ID] == parent.info.run_id]
        assert sorted(int(r.data.params["seed"]) for r in mine) == [0, 1, 2, 3, 4, 5]
        for run in mine:
            seed = run.data.params["seed"]
            assert run.data.metrics["acc"] == values[seed]
            assert run.data.metrics["seen_seed"] == float(seed)
            assert run.data.params["lr"] == str(trial.params["lr"])

    comparison = seeds.compare(study, top=2)
    best, runner_up = sorted(study.trials, key=lambda t: -t.value)[:2]
    assert best.params["lr"] == 0.1
    assert comparison.decision.winner == f"trial={best.number}"
    # Same answer as comparing the seed values directly, paired by seed.
    direct = compare_runs(
        seeds.seed_runs(study, [best, runner_up]),
        metric="acc",
        goal="maximize",
        seed_key="seed",
        group_by="trial",
    )
    assert direct.to_dict()["pairs"] == comparison.to_dict()["pairs"]
    # Recorded on the study run: decision tags and the report as artifacts.
    (study_run,) = [r for r in runs if r.data.tags.get(STUDY_RUN_TAG) == "true"]
    recorded = client.get_run(study_run.info.run_id)
    assert recorded.data.tags["tracker_compare.seeds.best_trial"] == str(best.number)
    assert recorded.data.tags["tracker_compare.seeds.winner"] == f"trial={best.number}"
    names = {a.path for a in client.list_artifacts(study_run.info.run_id, "tracker-compare/seeds")}
    assert {"tracker-compare/seeds/report.html", "tracker-compare/seeds/comparison.json"} <= names
    local = client.download_artifacts(
        study_run.info.run_id, "tracker-compare/seeds/comparison.json", str(tmp_path)
    )
    saved = json.loads(Path(local).read_text())
    assert saved["decision"]["winner"] == f"trial={best.number}"


@pytest.mark.timeout(180)
def test_runner_up_within_seed_noise_is_no_reliable_difference(store: str, tmp_path: Path) -> None:
    study_name = f"seeds-tie-{uuid.uuid4().hex[:8]}"
    _experiment(store, study_name, tmp_path)
    cb = MLflowCallback(tracking_uri=store, metric_name="loss")
    seeds = SeedEvaluator(cb, seeds=4)

    @seeds.objective
    def objective(trial: optuna.Trial, seed: int) -> float:
        lr = trial.suggest_categorical("lr", [0.1, 0.2])
        return 1.0 + _noise(seed, lr) * 10  # same mean: any gap is seed noise

    study = optuna.create_study(study_name=study_name, direction="minimize")
    study.enqueue_trial({"lr": 0.1})
    study.enqueue_trial({"lr": 0.2})
    study.optimize(objective, n_trials=2, callbacks=[cb])
    comparison = seeds.compare(study)
    assert comparison.decision.winner is None
    assert "no reliable difference" in comparison.decision.rationale.lower()


def test_needs_two_trials_with_seeds(store: str) -> None:
    cb = MLflowCallback(tracking_uri=store)
    seeds = SeedEvaluator(cb, seeds=3)
    study = optuna.create_study(study_name=f"seeds-few-{uuid.uuid4().hex[:8]}")
    study.optimize(seeds.objective(lambda t, s: t.suggest_float("x", 0, 1)), n_trials=1)
    with pytest.raises(InputError, match="at least two complete trials"):
        seeds.compare(study)
    with pytest.raises(ValueError, match="two distinct seeds"):
        SeedEvaluator(cb, seeds=[1, 1])
