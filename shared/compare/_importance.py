"""Which params matter: a simple, documented importance when several params vary.

For each group-by param, over all runs (each run's reduced metric):

* ``"eta-squared"`` (categorical params, or numeric ones with at most
  :data:`MAX_LEVELS_CATEGORICAL` distinct values): the share of the metric's variance
  explained by the param's levels, ``SS_between / SS_total`` (one-way ANOVA effect size,
  Cohen 1973). Marginal: other params are averaged over, so interactions are not separated.
* ``"spearman-rho2"`` (numeric params with more distinct values, e.g. a continuous ``lr``
  search): the squared Spearman rank correlation between the param and the metric, the share
  of rank variance a monotone trend explains.

Both lie in [0, 1]. This is a screening aid, not a causal claim: with few runs per level
eta-squared is biased upwards, and correlated params share credit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["MAX_LEVELS_CATEGORICAL", "config_importance", "param_importance"]

MAX_LEVELS_CATEGORICAL = 5


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))


def _eta_squared(levels: Sequence[Any], y: np.ndarray) -> float | None:
    from shared.compare._grouping import _freeze

    total = float(np.sum((y - y.mean()) ** 2))
    if total <= 0:
        return None
    groups: dict[Any, list[float]] = {}
    for lv, v in zip(levels, y, strict=True):
        groups.setdefault(_freeze(lv), []).append(float(v))
    between = sum(len(g) * (float(np.mean(g)) - float(y.mean())) ** 2 for g in groups.values())
    return float(min(1.0, max(0.0, between / total)))


def param_importance(
    params: Sequence[Mapping[str, Any]], values: Sequence[float], keys: Sequence[str]
) -> list[dict[str, Any]] | None:
    """Importance of each of ``keys`` for ``values`` (one entry per run, aligned with params).

    Returns ``None`` when fewer than two params vary; otherwise a list of
    ``{"param", "importance", "method", "levels"}`` sorted by importance (highest first).

    Example:
        >>> ps = [{"lr": lr, "wd": wd} for lr in (0.1, 0.01) for wd in (0, 1) for _ in range(3)]
        >>> ys = [1.0 if p["lr"] == 0.1 else 0.0 for p in ps]
        >>> [(d["param"], round(d["importance"], 2)) for d in param_importance(ps, ys, ["lr", "wd"])]
        [('lr', 1.0), ('wd', 0.0)]
    """
    from scipy import stats

    if len(keys) < 2:
        return None
    y = np.asarray(values, dtype=np.float64)
    out: list[dict[str, Any]] = []
    for k in keys:
        xs = [p.get(k) for p in params]
        levels = {repr(x) for x in xs}
        numeric = all(_is_number(x) for x in xs)
        if numeric and len(levels) > MAX_LEVELS_CATEGORICAL:
            x = np.asarray([float(v) for v in xs])
            if np.ptp(x) == 0 or np.ptp(y) == 0:
                imp = None
            else:
                rho = stats.spearmanr(x, y).statistic
                imp = float(rho) ** 2 if math.isfinite(float(rho)) else None
            method = "spearman-rho2"
        else:
            imp = _eta_squared(xs, y)
            method = "eta-squared"
        out.append({"param": k, "importance": imp, "method": method, "levels": len(levels)})
    out.sort(key=lambda d: -(d["importance"] if d["importance"] is not None else -1.0))
    return out


def config_importance(
    groups: Sequence[Any], values: Mapping[str, float], group_by: Sequence[str]
) -> tuple[dict[str, Any], ...] | None:
    """:func:`param_importance` over every run of the configurations ``groups``.

    Args:
        groups: configurations (``ConfigGroup``: ``params`` and ``runs``).
        values: the reduced metric by run key.
        group_by: the params that define the configurations.

    Returns:
        The importances, or ``None`` when fewer than two params define configurations.
    """
    if len(group_by) < 2:
        return None
    ps, ys = [], []
    for g in groups:
        for r in g.runs:
            ps.append(g.params)
            ys.append(values[r.key])
    imp = param_importance(ps, ys, group_by)
    return tuple(imp) if imp is not None else None
