"""A big sweep in an MLflow sqlite store, written fast through MLflow's own store models.

``make_sweep_store`` writes ``n_configs`` configurations (a grid over ``lr`` x ``hidden`` x
``dropout``) x ``n_seeds`` seeds, each run with a ``val_loss`` history of ``steps`` points and
its latest value, by bulk SQL inserts through ``SqlRun``, ``SqlParam``, ``SqlMetric`` and
``SqlLatestMetric`` on the store's engine after MLflow created its schema (logging 2,000 runs
through the client would take minutes and measure the client, not the comparison).

A handful of configurations are good (their loss is lower by ``gap``); the rest are clearly
worse, so multiple comparisons with the best has a small best set to find.
"""

from __future__ import annotations

import uuid
from pathlib import Path

__all__ = ["make_sweep_store"]


def _grid(n_configs: int) -> list[tuple[float, int, float]]:
    lrs = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1]
    hiddens = [32, 64, 128, 256, 512]
    dropouts = [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45]
    grid = [(lr, h, d) for lr in lrs for h in hiddens for d in dropouts]
    if n_configs > len(grid):
        raise ValueError(f"at most {len(grid)} configurations")
    return grid[:n_configs]


def make_sweep_store(
    db: Path,
    *,
    n_configs: int = 400,
    n_seeds: int = 5,
    steps: int = 10,
    n_good: int = 3,
    gap: float = 0.05,
    noise: float = 0.01,
    seed: int = 0,
) -> tuple[str, str]:
    """Write the sweep; returns (tracking URI, experiment id)."""
    import numpy as np
    import sqlalchemy as sa
    from mlflow import MlflowClient
    from mlflow.store.tracking.dbmodels.models import SqlLatestMetric, SqlMetric, SqlParam, SqlRun

    uri = f"sqlite:///{db}"
    client = MlflowClient(uri)
    experiment = client.create_experiment("sweep", artifact_location=str(db.parent / "art"))
    store = client._tracking_client.store
    rng = np.random.default_rng(seed)
    t0 = 1_700_000_000_000
    runs, params, latest, metrics = [], [], [], []
    seed_effect = rng.normal(0, noise, n_seeds)  # shared by every configuration: pairing helps
    for c, (lr, hidden, dropout) in enumerate(_grid(n_configs)):
        level = 0.30 if c < n_good else 0.30 + gap + 0.002 * (c % 50)
        for s in range(n_seeds):
            run_id = uuid.uuid4().hex
            runs.append({
                "run_uuid": run_id, "name": f"c{c}-s{s}", "source_type": "LOCAL",
                "source_name": "", "entry_point_name": "", "user_id": "bench",
                "status": "FINISHED", "start_time": t0 + c * 10 + s, "end_time": t0 + 10**6,
                "source_version": "", "lifecycle_stage": "active",
                "artifact_uri": str(db.parent / "art" / run_id), "experiment_id": int(experiment),
            })  # fmt: skip
            params += [
                {"key": "lr", "value": repr(lr), "run_uuid": run_id},
                {"key": "hidden", "value": str(hidden), "run_uuid": run_id},
                {"key": "dropout", "value": repr(dropout), "run_uuid": run_id},
                {"key": "seed", "value": str(s), "run_uuid": run_id},
            ]
            final = level + seed_effect[s] + rng.normal(0, noise / 2)
            curve = final + np.exp(-np.arange(steps) / 3.0)[::1] * 0.5
            curve[-1] = final
            metrics += [
                {"key": "val_loss", "value": float(v), "timestamp": t0 + 1000 * i, "step": i,
                 "is_nan": False, "run_uuid": run_id}
                for i, v in enumerate(curve)
            ]  # fmt: skip
            latest.append({
                "key": "val_loss", "value": float(final), "timestamp": t0 + 1000 * (steps - 1),
                "step": steps - 1, "is_nan": False, "run_uuid": run_id,
            })  # fmt: skip
    with store.ManagedSessionMaker() as session:
        session.execute(sa.insert(SqlRun), runs)
        session.execute(sa.insert(SqlParam), params)
        session.execute(sa.insert(SqlLatestMetric), latest)
        for start in range(0, len(metrics), 100_000):
            session.execute(sa.insert(SqlMetric), metrics[start : start + 100_000])
    return uri, experiment
