"""What a sweep of one-run configurations can support: a ranking and per-param rank trends.

When every configuration has one run (a Bayesian or random search over a continuous ``lr``),
no seed-level test is possible: the spread between seeds is unknown. What the data can
support is the direction of each numeric param's effect over the whole sweep: the Spearman
rank correlation of the param with the metric, with a confidence interval.

The interval is Fisher's z-transform with the variance of Fieller, Hartley and Pearson (1957,
Biometrika 44, "Tests for rank correlation coefficients. I"): ``z = atanh(rho)``,
``se = sqrt(1.06 / (n - 3))``, ``tanh(z -/+ q * se)``; Bonett and Wright (2000,
Psychometrika 65) found it accurate for n >= 10 and |rho| <= 0.9. It is marginal (other params
vary too) and a screening aid, not a causal claim.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import Any

import numpy as np

__all__ = ["MIN_RUNS", "param_effects", "spearman_ci"]

#: Fewest runs with a numeric value of the param for a correlation to be reported.
MIN_RUNS = 5


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share the mean of their positions), 1-based, as scipy's rankdata."""
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype=np.float64)
    sorted_x = x[order]
    starts = np.concatenate(([0], np.flatnonzero(np.diff(sorted_x)) + 1))
    ends = np.concatenate((starts[1:], [len(x)]))
    for begin, end in zip(starts.tolist(), ends.tolist(), strict=True):
        ranks[order[begin:end]] = (begin + end + 1) / 2.0
    return ranks


def spearman_ci(
    x: Sequence[float], y: Sequence[float], level: float = 0.95
) -> tuple[float, tuple[float, float] | None]:
    """Spearman's rho of ``x`` and ``y`` and its Fisher-z CI (``None`` for n < 4 or |rho| = 1).

    Returns ``(nan, None)`` when either side is constant.

    Example:
        >>> rho, ci = spearman_ci([1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 6, 5])
        >>> round(rho, 4), [round(v, 3) for v in ci]
        (0.8286, [0.019, 0.982])
    """
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    n = len(xa)
    rx, ry = _ranks(xa), _ranks(ya)
    sx, sy = rx.std(), ry.std()
    if n < 2 or sx == 0 or sy == 0:
        return float("nan"), None
    rho = float(np.mean((rx - rx.mean()) * (ry - ry.mean())) / (sx * sy))
    rho = max(-1.0, min(1.0, rho))
    if n < 4 or abs(rho) >= 1.0:
        return rho, None
    q = NormalDist().inv_cdf(0.5 + level / 2)
    z, se = math.atanh(rho), math.sqrt(1.06 / (n - 3))
    return rho, (math.tanh(z - q * se), math.tanh(z + q * se))


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def param_effects(
    configs: Sequence[Mapping[str, Any]], goal: str = "maximize", level: float = 0.95
) -> list[dict[str, Any]]:
    """The rank trend of each numeric param of ``configs`` with the metric.

    Args:
        configs: configuration dicts as in ``Comparison.to_dict()["configs"]`` (``params``,
            ``mean``); each configuration counts once, by its mean.
        goal: "maximize" or "minimize": ``better_when`` says which direction of the param
            goes with a better metric.
        level: confidence level of the intervals.

    Returns:
        One dict per numeric param with at least :data:`MIN_RUNS` configurations and two
        values: ``param``, ``rho``, ``ci`` ([lo, hi] or ``None``), ``n``, ``better_when``
        ("higher", "lower" or "unclear" when the interval holds 0), strongest first.

    Example:
        >>> cs = [{"params": {"lr": lr}, "mean": 1 - lr} for lr in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)]
        >>> e = param_effects(cs, "maximize")[0]
        >>> e["param"], e["rho"], e["better_when"]
        ('lr', -1.0, 'lower')
    """
    keys: dict[str, None] = {}
    for c in configs:
        for k in c.get("params") or {}:
            keys.setdefault(str(k), None)
    out: list[dict[str, Any]] = []
    for key in keys:
        xs, ys = [], []
        for c in configs:
            x = _number((c.get("params") or {}).get(key))
            y = _number(c.get("mean"))
            if x is not None and y is not None:
                xs.append(x)
                ys.append(y)
        if len(xs) < MIN_RUNS or len(set(xs)) < 2:
            continue
        rho, ci = spearman_ci(xs, ys, level)
        if not math.isfinite(rho):
            continue
        sign = 1 if goal == "maximize" else -1
        if ci is not None and ci[0] <= 0 <= ci[1]:
            better = "unclear"
        elif rho * sign > 0:
            better = "higher"
        elif rho * sign < 0:
            better = "lower"
        else:
            better = "unclear"
        out.append({
            "param": key, "rho": rho, "ci": None if ci is None else [ci[0], ci[1]],
            "n": len(xs), "better_when": better,
        })  # fmt: skip
    out.sort(key=lambda e: -abs(e["rho"]))
    return out
