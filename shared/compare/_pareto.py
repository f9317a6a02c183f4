"""Cost: per-configuration cost metrics, the Pareto front of metric against cost, and the
"B is 5.3x cheaper and not significantly worse" rationale.

A cost metric is reduced per run with its last value (a counter of tokens or dollars ends at
the run's total); a configuration's cost is the mean over its runs (``per_run``) and the sum
(``total``). Lower cost is always better.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from shared.compare._comparison import ConfigSummary, Decision, PairResult
from shared.compare._decision import describe_pair, fmt_num, reliably_better
from shared.errors import TrackerCompareError
from shared.model import Run

__all__ = [
    "COST_PATTERN",
    "cost_metric_names",
    "config_costs",
    "pareto_front",
    "cost_rationale",
    "cost_front",
]

#: Metric names that say they are a cost (matched on the name, case-insensitive).
COST_PATTERN = re.compile(r"cost|token|price|dollar|usd", re.IGNORECASE)


def cost_metric_names(runs: Sequence[Run], cost_metric: str | None) -> list[str]:
    """Every logged metric whose name says cost/tokens/price/dollars/usd, plus ``cost_metric``.

    Spellings that differ only by separators (``cost/usd``, ``cost_usd``) count once.
    """
    from shared.normalise import canonical_metric_name

    seen: dict[str, str] = {}
    for r in runs:
        for name in sorted(r.metric_names()):
            if COST_PATTERN.search(name):
                seen.setdefault(canonical_metric_name(name), name)
    if cost_metric is not None:
        seen.setdefault(canonical_metric_name(cost_metric), cost_metric)
    return sorted(seen.values())


def config_costs(
    groups: Sequence[tuple[str, Sequence[Run]]], names: Sequence[str], warnings: list[str]
) -> dict[str, dict[str, dict[str, float]]]:
    """``{config: {cost metric: {"total", "per_run"}}}`` for the cost metrics ``names``."""
    from shared.normalise import reduce_runs

    all_runs = [r for _, runs in groups for r in runs]
    out: dict[str, dict[str, dict[str, float]]] = {g: {} for g, _ in groups}
    for name in names:
        try:
            red = reduce_runs(all_runs, name, "last")
        except TrackerCompareError as exc:
            warnings.append(f"cost metric {name!r} skipped: {exc}")
            continue
        for g, runs in groups:
            vals = [red.values[r.key] for r in runs if r.key in red.values]
            if vals:
                out[g][name] = {"total": float(sum(vals)), "per_run": float(sum(vals) / len(vals))}
    return out


def pareto_front(points: Sequence[tuple[str, float, float]], goal: str) -> list[str]:
    """Names not dominated in (metric by ``goal``, cost lower is better).

    Example:
        >>> pareto_front([("A", 0.90, 10.0), ("B", 0.89, 2.0), ("C", 0.85, 3.0)], "maximize")
        ['A', 'B']
    """
    sign = 1.0 if goal == "maximize" else -1.0
    front = []
    for name, m, c in points:
        dominated = False
        for other, m2, c2 in points:
            if other == name:
                continue
            if sign * m2 >= sign * m and c2 <= c and (sign * m2 > sign * m or c2 < c):
                dominated = True
                break
        if not dominated:
            front.append(name)
    return front


def cost_rationale(
    configs: Sequence[ConfigSummary],
    pairs: Sequence[PairResult],
    costs: Mapping[str, float],
    cost_metric: str,
    *,
    goal: str,
    min_effect: float,
    winner: str | None,
) -> tuple[str | None, str | None, dict[str, Any]]:
    """The Pareto summary and, when the data say so, a cheaper configuration worth choosing.

    Returns:
        ``(cheaper_alternative or None, sentence or None, pareto dict)`` where the pareto dict
        is ``{"cost_metric", "front", "points"}``.
    """
    pts = [(c.name, c.mean, costs[c.name]) for c in configs if c.name in costs]
    pts = [p for p in pts if math.isfinite(p[1]) and math.isfinite(p[2])]
    front = pareto_front(pts, goal)
    pareto = {
        "cost_metric": cost_metric,
        "front": front,
        "points": [{"config": n, "metric": m, "cost": c} for n, m, c in pts],
    }
    if len(pts) < 2:
        return None, None, pareto
    sign = -1.0 if goal == "maximize" else 1.0
    best = winner or min(pts, key=lambda p: sign * p[1])[0]
    if best not in costs:
        return None, None, pareto
    best_cost = costs[best]
    options = []
    for name, _m, c in pts:
        if name == best or c >= best_cost:
            continue
        pair = next((p for p in pairs if {p.a, p.b} == {name, best}), None)
        if pair is None or (pair.p_value is None and pair.test not in ("aso", "bayes-signed-rank")):
            continue
        if reliably_better(pair, best, min_effect):
            continue
        options.append((c, name, pair))
    if not options:
        return None, None, pareto
    c, name, pair = min(options, key=lambda o: o[0])
    ratio = best_cost / c if c > 0 else math.inf
    how = f"{ratio:.1f}x cheaper" if math.isfinite(ratio) else "free by comparison"
    verdict = (
        f"worse than {best} by less than min_effect={fmt_num(min_effect)}"
        if pair.significant and pair.better == best
        else f"not significantly worse than {best}"
    )
    sentence = (
        f"{name} is {how} ({cost_metric} {fmt_num(c)} vs {fmt_num(best_cost)} per run) and "
        f"{verdict} ({describe_pair(pair)})"
    )
    return name, sentence, pareto


def cost_front(
    configs: Sequence[ConfigSummary],
    pairs: Sequence[PairResult],
    decision: Decision,
    cost_metric: str,
    *,
    goal: str,
    min_effect: float,
    warnings: list[str],
) -> tuple[Decision, dict[str, Any] | None]:
    """The Pareto front on ``cost_metric`` and the decision with its cost sentence added.

    Returns:
        (the decision, with the cheaper alternative and its sentence when there is one; the
        Pareto summary, or ``None`` with a warning when no run logged ``cost_metric``).
    """
    from shared.normalise import canonical_metric_name

    per_config = {}
    want = canonical_metric_name(cost_metric)
    for c in configs:
        for name, v in (c.costs or {}).items():
            if canonical_metric_name(name) == want:
                per_config[c.name] = v["per_run"]
    if not per_config:
        warnings.append(f"cost metric {cost_metric!r} was not logged by any run: no Pareto front")
        return decision, None
    alt, sentence, pareto = cost_rationale(
        configs, pairs, per_config, cost_metric, goal=goal, min_effect=min_effect,
        winner=decision.winner,
    )
    if sentence:
        decision = Decision(decision.winner, f"{decision.rationale}. {sentence}",
                            decision.seeds_needed, alt)
    return decision, pareto
