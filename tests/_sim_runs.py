"""Simulated sweeps for the tests that need comparisons of many kinds (the JSON round trip, the
golden report files): one seeded generator, so a golden file made from it stays reproducible."""

from __future__ import annotations

import numpy as np

from shared.model import History, Run


def sim_runs(
    k: int, n: int, paired: bool, seed: int, cost: bool = False, hist: bool = False
) -> list[Run]:
    """``k`` configurations (param ``cfg``) of ``n`` runs, configuration 0 ahead by 0.3 sd;
    paired runs carry a ``seed`` param, ``cost`` adds a cost metric, ``hist`` a history."""
    rng = np.random.default_rng(seed)
    out = []
    for j in range(k):
        for i in range(n):
            params = {"cfg": j, **({"seed": i} if paired else {})}
            v = float(rng.normal(0.3 * (j == 0), 1.0))
            metrics = {"y": v, **({"cost": float(1 + j + rng.random())} if cost else {})}
            hists = {"y": History([0, 1, 2], [v - 0.2, v - 0.1, v])} if hist else {}
            out.append(Run("sim", f"c{j}-s{i}", params=params, metrics=metrics, histories=hists))
    return out
