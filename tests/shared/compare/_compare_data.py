"""Runs built by hand for the comparison tests (real ``shared.Run`` objects, no stubs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from shared.model import History, Run


def make_runs(
    values: Mapping[Any, Sequence[float]],
    *,
    param: str = "lr",
    seed_key: str | None = "seed",
    metric: str = "acc",
    seeds: Mapping[Any, Sequence[Any]] | None = None,
    extra_metrics: Mapping[Any, Mapping[str, float]] | None = None,
    tracker: str = "frame",
) -> list[Run]:
    """One run per value: ``{param value: [value per seed]}``; seeds 0..n-1 unless given."""
    runs = []
    for cfg, vals in values.items():
        cfg_seeds = list(seeds[cfg]) if seeds is not None else list(range(len(vals)))
        for s, v in zip(cfg_seeds, vals, strict=True):
            params: dict[str, Any] = {param: cfg}
            if seed_key is not None:
                params[seed_key] = s
            metrics = {metric: float(v)}
            if extra_metrics and cfg in extra_metrics:
                metrics.update(extra_metrics[cfg])
            runs.append(Run(tracker, f"{param}{cfg}-s{s}", name=f"{cfg}/{s}", params=params,
                            metrics=metrics))
    return runs


def curve_runs(n_seeds: int = 4, n_steps: int = 20, seed: int = 0) -> list[Run]:
    """Two configurations with learning curves (histories), one stopping early."""
    rng = np.random.default_rng(seed)
    runs = []
    for lr, top in ((0.1, 0.80), (0.01, 0.85)):
        for s in range(n_seeds):
            steps = np.arange(n_steps if not (lr == 0.1 and s == 0) else n_steps // 2)
            y = top - 0.3 * np.exp(-steps / 5.0) + rng.normal(0, 0.01, steps.size)
            runs.append(Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
                            histories={"acc": History(steps, y)},
                            metrics={"acc": float(y[-1])}))
    return runs
