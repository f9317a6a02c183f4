"""W&B SeedEvaluator: a run per seed (offline), the mean as the value, a report spec."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import optuna
import pytest

from shared import compare_runs
from tests.wandb_compare_ext.test_optuna_offline_reader import read_runs
from wandb_compare_ext.optuna import (
    DECISION_ATTR,
    SEED_VALUES_ATTR,
    SeedEvaluator,
    WeightsAndBiasesCallback,
)

optuna.logging.set_verbosity(optuna.logging.WARNING)


# the SDK offline into a temporary folder (the shared fixture in conftest.py)
pytestmark = pytest.mark.usefixtures("wandb_dir")


@pytest.mark.timeout(240)
def test_seed_runs_mean_and_report_spec(wandb_dir: Path) -> None:
    cb = WeightsAndBiasesCallback(
        metric_name="acc", wandb_kwargs={"project": "seeds"}, as_multirun=True
    )
    seeds = SeedEvaluator(cb, seeds=[0, 1, 2, 3, 4])

    def train(trial: optuna.Trial, seed: int) -> float:
        lr = trial.suggest_categorical("lr", [0.1, 0.01])
        cb.run.log({"seen_seed": seed})  # the seed's own run
        noise = np.random.default_rng([seed, int(lr * 1000)]).normal(0, 0.01)
        return {0.1: 0.9, 0.01: 0.6}[lr] + float(noise)

    study = optuna.create_study(study_name="seed-study", direction="maximize")
    study.enqueue_trial({"lr": 0.1})
    study.enqueue_trial({"lr": 0.01})
    study.optimize(seeds.objective(train), n_trials=2, n_jobs=2, callbacks=[cb])

    runs = read_runs(wandb_dir)
    seed_runs = [r for r in runs if r.job_type == "seed"]
    trial_runs = [r for r in runs if r.job_type != "seed"]
    assert len(seed_runs) == 10 and len(trial_runs) == 2
    assert {r.group for r in runs} == {"seed-study"}
    for trial in study.trials:
        values = trial.user_attrs[SEED_VALUES_ATTR]
        assert trial.value == pytest.approx(np.mean(list(values.values())))
        mine = [r for r in seed_runs if r.config["trial"] == trial.number]
        assert sorted(r.config["seed"] for r in mine) == [0, 1, 2, 3, 4]
        for run in mine:
            seed = run.config["seed"]
            assert run.summary["acc"] == values[str(seed)]
            assert [row["seen_seed"] for row in run.rows if "seen_seed" in row] == [seed]
            assert run.config["lr"] == trial.params["lr"]

    spec_path = wandb_dir / "seeds-report.json"
    comparison = seeds.compare(study, project="team/seeds", spec_path=spec_path)
    best = max(study.trials, key=lambda t: t.value)
    assert comparison.decision.winner == f"trial={best.number}"
    direct = compare_runs(
        seeds.seed_runs(study), metric="acc", goal="maximize", seed_key="seed", group_by="trial"
    )
    assert direct.to_dict()["pairs"] == comparison.to_dict()["pairs"]
    assert study.user_attrs[DECISION_ATTR]["winner"] == f"trial={best.number}"
    spec = json.loads(spec_path.read_text())
    assert spec == seeds.report_spec
    assert spec["displayName"] == "tracker-compare seeds: seed-study"
    assert f"trial={best.number}" in json.dumps(spec)
