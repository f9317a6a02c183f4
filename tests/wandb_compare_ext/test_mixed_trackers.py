"""MLflow and W&B runs in one comparison: they meet as ``shared.Run`` objects.

The MLflow runs are logged with the real ``MlflowClient`` into a ``sqlite:///`` store and read
back in MLflow's own ``search_runs`` form (the convention ``shared.runs_from_frame`` reads);
the W&B runs are offline runs made by the real SDK. Neither adapter imports the other.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _study import SEEDS, STEPS

import shared
from wandb_compare_ext.offline import load_offline_runs

pytestmark = pytest.mark.timeout(300)
MLFLOW_LR = 0.03
MLFLOW_QUALITY = 0.85


def _log_mlflow(tmp_path: Path) -> tuple[list[shared.Run], dict[str, float]]:
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = client.create_experiment("study", artifact_location=str(tmp_path / "art"))
    finals: dict[str, float] = {}
    for seed in SEEDS:
        rng = np.random.default_rng(100 + seed)
        run = client.create_run(experiment, run_name=f"mlflow-lr{MLFLOW_LR}-s{seed}")
        run_id = run.info.run_id
        for key, value in (("optimizer.lr", MLFLOW_LR), ("optimizer.name", "adam"), ("seed", seed)):
            client.log_param(run_id, key, value)
        final = MLFLOW_QUALITY + float(rng.normal(0, 0.005))
        for step in range(STEPS):
            frac = 1 - np.exp(-(step + 1) / 6)
            client.log_metric(run_id, "val_acc", final * frac, step=step)
        finals[run_id] = final * (1 - np.exp(-STEPS / 6))
        client.set_terminated(run_id)
    found = client.search_runs([experiment])
    rows = []
    for r in found:
        row = {
            "run_id": r.info.run_id,
            "experiment_id": r.info.experiment_id,
            "status": r.info.status,
            "artifact_uri": r.info.artifact_uri,
        }
        row.update({f"params.{k}": v for k, v in r.data.params.items()})
        row.update({f"metrics.{k}": v for k, v in r.data.metrics.items()})
        row.update({f"tags.{k}": v for k, v in r.data.tags.items()})
        rows.append(row)
    runs = shared.runs_from_frame(pd.DataFrame(rows))
    return runs, finals


def test_mlflow_and_wandb_runs_in_one_comparison(offline_study: Path, tmp_path: Path) -> None:
    mlflow_runs, finals = _log_mlflow(tmp_path)
    assert all(r.tracker == "mlflow" for r in mlflow_runs)
    assert {r.params["optimizer.lr"] for r in mlflow_runs} == {MLFLOW_LR}  # "0.03" -> 0.03
    wandb_runs = load_offline_runs(offline_study).runs
    runs = mlflow_runs + wandb_runs

    # `val_acc` (MLflow) and `val/acc` (W&B) are one metric spelled two ways.
    spelling = shared.resolve_metric(runs, "val_acc")
    assert {spelling[r.key] for r in mlflow_runs} == {"val_acc"}
    assert {spelling[r.key] for r in wandb_runs} == {"val/acc"}

    comparison = shared.compare_runs(
        runs, metric="val_acc", seed_key="seed", group_by=["optimizer.lr"]
    )
    data = comparison.to_dict()
    assert data["runs"] == 16
    configs = {c["name"]: c for c in data["configs"]}
    assert set(configs) == {f"optimizer.lr={lr}" for lr in (0.001, 0.01, MLFLOW_LR, 0.1)}
    mixed = configs[f"optimizer.lr={MLFLOW_LR}"]
    assert all(k.startswith("mlflow:") for k in mixed["run_keys"])
    for key, value in zip(mixed["run_keys"], mixed["values"], strict=True):
        assert value == pytest.approx(finals[key.split(":", 1)[1]], rel=1e-12)
    assert all(
        k.startswith("wandb:") for c in data["configs"] if c is not mixed for k in c["run_keys"]
    )
    # Seeds pair across trackers: 4 blocks of 4 configurations.
    assert sorted(mixed["seeds"]) == list(SEEDS)
    assert data["decision"]["winner"] == "optimizer.lr=0.01"
    assert any(
        p["a"] == f"optimizer.lr={MLFLOW_LR}" or p["b"] == f"optimizer.lr={MLFLOW_LR}"
        for p in data["pairs"]
    )
