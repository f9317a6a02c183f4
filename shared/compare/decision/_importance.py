"""Which params matter: an importance that only claims what the design can show.

Over all runs (each run's reduced metric), with the group-by params as main effects:

* a categorical param (or a numeric one with at most :data:`MAX_LEVELS_CATEGORICAL` distinct
  values) enters as its levels (``"eta-squared"``: the share of the metric's total sum of
  squares its levels explain, Cohen 1973); a numeric param with more values (a continuous
  ``lr`` search) enters as one linear term in its ranks (``"rank-linear R2"``).
* **Confounded params are named, not scored.** Two params are confounded when some contrast
  of one is also a contrast of the other across the runs (their columns' spans meet), e.g. when
  one param's level is a function of the other's across the configurations: their effects
  cannot be separated. They are reported together as one entry (``"lr + bs"``) with their joint
  share.
* **The shares add to at most 1.** When the design is orthogonal (e.g. crossed and balanced:
  every combination of levels, the same runs in each) each param's share is its one-way
  eta-squared and the shares add up exactly, the rest being interactions and run-to-run noise.
  Otherwise the shares are a sequential (type I) partition: params enter in order of their
  one-way share and each gets what it adds to those above it, so they still add to at most 1
  (the main-effects model's R^2), and the order is stated.

This is a screening aid, not a causal claim: with few runs per level the shares are biased
upwards, and interactions are not separated from noise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["MAX_LEVELS_CATEGORICAL", "config_importance", "param_importance"]

MAX_LEVELS_CATEGORICAL = 5

# Relative singular-value cut-off for "these columns add a dimension": far above rounding
# noise of centred 0/1 columns and ranks, far below any real contrast.
_RANK_TOL = 1e-9


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))


def _columns(xs: Sequence[Any]) -> tuple[np.ndarray, str, int]:
    """The centred design columns of one param, its method name and its number of levels."""
    from scipy import stats

    from shared.compare.configs._grouping import _freeze

    frozen = [_freeze(x) for x in xs]
    levels = list(dict.fromkeys(frozen))
    n = len(xs)
    if all(_is_number(x) for x in xs) and len(levels) > MAX_LEVELS_CATEGORICAL:
        col = stats.rankdata([float(x) for x in xs])
        return (col - col.mean()).reshape(n, 1), "rank-linear R2", len(levels)
    cols = np.zeros((n, max(0, len(levels) - 1)))
    index = {lv: i for i, lv in enumerate(levels)}
    for r, lv in enumerate(frozen):
        if index[lv] > 0:  # the first level is the reference
            cols[r, index[lv] - 1] = 1.0
    return cols - cols.mean(axis=0), "eta-squared", len(levels)


def _basis(x: np.ndarray) -> np.ndarray:
    """An orthonormal basis of the span of ``x``'s columns (numerical rank)."""
    if x.shape[1] == 0:
        return x
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    if s.size == 0 or s[0] <= 0:
        return x[:, :0]
    return u[:, : int(np.sum(s > _RANK_TOL * s[0]))]


def _explained(x: np.ndarray, yc: np.ndarray) -> float:
    """Sum of squares of (centred) ``yc`` explained by the span of ``x``."""
    q = _basis(x)
    return float(np.sum((q.T @ yc) ** 2)) if q.shape[1] else 0.0


def _overlap(x: np.ndarray, others: Sequence[np.ndarray]) -> int:
    """Dimension of the intersection of span(x) with the span of ``others`` together."""
    if not others:
        return 0
    rest = np.hstack(list(others))
    return _rank(x) + _rank(rest) - _rank(np.hstack([x, rest]))


def _rank(x: np.ndarray) -> int:
    return int(_basis(x).shape[1])


def _confounded_groups(keys: Sequence[str], cols: Mapping[str, np.ndarray]) -> list[list[str]]:
    """Groups of params whose effects cannot be separated (spans meet), in ``keys`` order."""
    units = [[k] for k in keys if _rank(cols[k])]

    def mat(u: Sequence[str]) -> np.ndarray:
        return np.hstack([cols[k] for k in u])

    merged = True
    while merged:  # merge until every unit's span meets no other units' spans
        merged = False
        for i, u in enumerate(units):
            others = [j for j in range(len(units)) if j != i]
            total = _overlap(mat(u), [mat(units[j]) for j in others])
            if total == 0:
                continue
            # the units it meets: those without which the overlap shrinks (a pairwise alias,
            # or a contrast of u that only several others span together); else all of them
            need = [j for j in others
                    if _overlap(mat(u), [mat(units[o]) for o in others if o != j]) < total]
            need = need or others
            group = [k for j in [i, *need] for k in units[j]]
            units = [g for j, g in enumerate(units) if j != i and j not in need]
            units.append(sorted(group, key=list(keys).index))
            merged = True
            break
    return sorted(units, key=lambda g: list(keys).index(g[0]))


def _orthogonal(units: Sequence[list[str]], cols: Mapping[str, np.ndarray]) -> bool:
    """The units' centred columns are mutually orthogonal: shares do not depend on the order."""
    mats = [np.hstack([cols[k] for k in u]) for u in units]
    for i, a in enumerate(mats):
        for b in mats[i + 1 :]:
            scale = float(np.linalg.norm(a) * np.linalg.norm(b)) or 1.0
            if float(np.max(np.abs(a.T @ b), initial=0.0)) > 1e-9 * scale:
                return False
    return True


def _measure(orthogonal: bool, order: Sequence[str], any_confounded: bool) -> str:
    """The measure in words, stated once beside the numbers."""
    what = (
        "share of the metric's total sum of squares over all runs explained by each param's "
        "main effect (levels: eta-squared; many numeric values: a linear term in their ranks)"
    )
    if len(order) == 1:
        how = "there is only one separable effect"
    elif orthogonal:
        how = "the design is orthogonal, so each share is the param's one-way share and they add up"
    else:
        how = (
            "the design is not orthogonal, so the shares are sequential (type I): params enter "
            f"in the order {', '.join(order)} and each gets what it adds to those before it"
        )
    conf = "; confounded params are reported jointly" if any_confounded else ""
    return f"{what}; {how}; the shares add to at most 1 (the rest is interactions and noise){conf}"


def _note(unit: Sequence[str]) -> str:
    if len(unit) == 1:
        return ""
    names = ", ".join(unit[:-1]) + f" and {unit[-1]}"
    return (
        f"{names} are confounded (they vary together across the configurations): their "
        "effects cannot be separated, only their joint share is reported"
    )


def param_importance(
    params: Sequence[Mapping[str, Any]], values: Sequence[float], keys: Sequence[str]
) -> list[dict[str, Any]] | None:
    """Importance of the params ``keys`` for ``values`` (one entry per run, aligned with params).

    Returns ``None`` when fewer than two params are given; otherwise one entry per separable
    effect, in the order they entered (see the module docstring): ``param`` (a name, or names
    joined by ``" + "`` for confounded params), ``params``, ``importance`` (the share; the
    shares add to at most 1; ``None`` when the metric does not vary or the param is constant),
    ``marginal`` (the one-way share, which does not add up), ``method``, ``levels``,
    ``confounded`` (bool), ``note`` (why, for confounded params), ``partition``
    (``"orthogonal"`` or ``"sequential (type I)"``), ``order`` and ``measure`` (in words).

    Example:
        >>> ps = [{"lr": lr, "wd": wd} for lr in (0.1, 0.01) for wd in (0, 1) for _ in range(3)]
        >>> ys = [1.0 if p["lr"] == 0.1 else 0.0 for p in ps]
        >>> imp = param_importance(ps, ys, ["lr", "wd"])
        >>> [(d["param"], round(d["importance"], 2)) for d in imp]
        [('lr', 1.0), ('wd', 0.0)]
    """
    if len(keys) < 2:
        return None
    y = np.asarray(values, dtype=np.float64)
    yc = y - y.mean()
    total = float(np.sum(yc**2))
    cols, methods, levels = {}, {}, {}
    for k in keys:
        cols[k], methods[k], levels[k] = _columns([p.get(k) for p in params])
    units = _confounded_groups(list(keys), cols)
    unit_cols = [np.hstack([cols[k] for k in u]) for u in units]
    marginal = [_explained(c, yc) / total if total > 0 else None for c in unit_cols]
    # enter the most explanatory first; ties keep the group-by order
    order = sorted(range(len(units)), key=lambda i: -(marginal[i] or 0.0))
    orthogonal = _orthogonal(units, cols)
    measure = _measure(orthogonal, [" + ".join(units[i]) for i in order],
                       any(len(u) > 1 for u in units))
    out: list[dict[str, Any]] = []
    entered: list[np.ndarray] = []
    before = 0.0
    for pos, i in enumerate(order):
        entered.append(unit_cols[i])
        now = _explained(np.hstack(entered), yc)
        share = None if total <= 0 else float(min(1.0, max(0.0, (now - before) / total)))
        before = now
        u = units[i]
        out.append({
            "param": " + ".join(u),
            "params": list(u),
            "importance": share,
            "marginal": marginal[i],
            "method": methods[u[0]] if len(u) == 1 else "joint " + "/".join(
                dict.fromkeys(methods[k] for k in u)),
            "levels": levels[u[0]] if len(u) == 1 else len({
                tuple(repr(p.get(k)) for k in u) for p in params}),
            "confounded": len(u) > 1,
            "note": _note(u),
            "partition": "orthogonal" if orthogonal else "sequential (type I)",
            "order": pos + 1,
            "measure": measure,
        })
    for k in keys:  # a param that does not vary explains nothing and is named as such
        if not any(k in u for u in units):
            out.append({"param": k, "params": [k], "importance": None, "marginal": None,
                        "method": methods[k], "levels": levels[k], "confounded": False,
                        "note": f"{k} does not vary: it explains nothing",
                        "partition": "constant", "order": None, "measure": measure})
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
