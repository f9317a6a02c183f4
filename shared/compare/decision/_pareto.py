"""Cost: per-configuration cost metrics, the Pareto front of metric against cost, and the cost
in words.

A cost metric is reduced per run with its last value (a counter of tokens or dollars ends at
the run's total); a configuration's cost is the mean over its runs (``per_run``) and the sum
(``total``). Lower cost is always better.

The words compare the best configuration (the winner, else the best mean) with the cheapest
configuration on the Pareto front, using the estimate, CI and verdict of the test that decided
that pair (``PairResult.diff``, ``ci``, ``better``, ``significant``), never the means:

* the best is significantly better: "A is better by 0.062 (95% CI [...]) and 5.3x more
  expensive per run; B is the cheapest configuration on the Pareto front";
* a cheaper configuration is named as the cheaper alternative only when the data support it:
  with ``min_effect=0`` when it is not significantly worse (said in exactly those words: that
  is not evidence of equivalence); with ``min_effect > 0`` when the CI of the best one's
  advantage stays at or below ``min_effect`` (non-inferiority by that margin);
* otherwise the sentence says what the data cannot rule out, or that the pair was not tested.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from shared.compare.decision._decision import describe_pair, fmt_num, reliably_better
from shared.compare.inference._options import LEVEL
from shared.compare.results._comparison import ConfigSummary, Decision, PairResult
from shared.errors import TrackerCompareError
from shared.model import Run

__all__ = [
    "COST_PATTERN",
    "cost_metric_names",
    "config_costs",
    "pareto_front",
    "VERDICTS",
    "ALTERNATIVE_VERDICTS",
    "cost_rationale",
    "cost_front",
]

#: Metric names that say they are a cost (matched on the name, case-insensitive).
COST_PATTERN = re.compile(r"cost|token|price|dollar|usd", re.IGNORECASE)

#: How a cheaper configuration stands against the best one (``decision.cost["verdict"]``):
#: ``cheapest`` the best one is itself the cheapest; ``worse`` significantly worse than the
#: best; ``not-significantly-worse`` (min_effect=0); ``not-worse-by-margin`` not significantly
#: worse and the CI rules out a deficit larger than min_effect; ``worse-within-margin``
#: significantly worse but the CI keeps the deficit at or below min_effect; ``better``
#: significantly better; ``inconclusive`` the CI does not rule out a deficit larger than
#: min_effect; ``untested`` no test decided the pair.
VERDICTS = (
    "cheapest", "worse", "not-significantly-worse", "not-worse-by-margin",
    "worse-within-margin", "better", "inconclusive", "untested",
)
#: The verdicts that make a cheaper configuration a ``cheaper_alternative``.
ALTERNATIVE_VERDICTS = frozenset(
    {"not-significantly-worse", "not-worse-by-margin", "worse-within-margin", "better"}
)


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


def _decided(pair: PairResult) -> bool:
    """A test decided the pair: a p-value, or a test with its own rule (ASO, Bayesian).

    The same rule as ``shared.compare.decision._decision.decide`` uses for "tested".
    """
    from shared.compare.inference._registry import REGISTRY

    s = REGISTRY.get(pair.test)
    return pair.p_value is not None or (s is not None and not s.has_p_value
                                        and pair.reach is None)


def _advantage(
    pair: PairResult, best: str, goal: str
) -> tuple[float, tuple[float, float] | None]:
    """The best configuration's advantage over the other side of ``pair``, positive when the
    best is better by the goal, with its CI: the test's own estimate and interval, re-oriented.
    """
    d, ci = pair.diff, pair.ci
    if pair.b == best:  # the test estimates a - b; turn it into best - other
        d = -d
        ci = None if ci is None else (-ci[1], -ci[0])
    if goal != "maximize":  # lower is better: an advantage is a lower value
        d = -d
        ci = None if ci is None else (-ci[1], -ci[0])
    if ci is not None and not all(math.isfinite(v) for v in ci):
        ci = None
    return d, ci


def _verdict(pair: PairResult | None, best: str, other: str, goal: str, min_effect: float) -> str:
    """How ``other`` (cheaper) stands against ``best``: one of :data:`VERDICTS` (not "cheapest")."""
    if pair is None or not _decided(pair):
        return "untested"
    if pair.significant and pair.better == other:
        return "better"
    worse = bool(pair.significant and pair.better == best)
    if min_effect <= 0:
        # no margin: only "not significantly worse" can be said, and it is not equivalence
        return "worse" if worse else "not-significantly-worse"
    _, ci = _advantage(pair, best, goal)
    # other's deficit is best's advantage; its bound in the bad direction must stay within
    # the margin: best's advantage <= min_effect at the CI's upper end
    within = ci is not None and ci[1] <= min_effect
    if worse:
        return "worse-within-margin" if within else "worse"
    return "not-worse-by-margin" if within else "inconclusive"


def _times(ratio: float | None) -> str:
    """``5.3x``; ``None`` when there is no meaningful ratio (a zero or negative cost)."""
    if ratio is None:
        return ""
    return f"{ratio:.1f}x" if ratio < 100 else f"{ratio:.3g}x"


def _ratio(expensive: float, cheap: float) -> float | None:
    return expensive / cheap if cheap > 0 and expensive > 0 else None


def _ci_words(ci: tuple[float, float] | None) -> str:
    level = f"{LEVEL * 100:g}%"
    return "" if ci is None else f"{level} CI [{fmt_num(ci[0])}, {fmt_num(ci[1])}]"


def _decided_by(pair: PairResult) -> str:
    """``paired-t, p=1.2e-05`` (the adjusted p when a correction changed it)."""
    if pair.p_adjusted is not None and pair.p_adjusted != pair.p_value:
        return f"{pair.test}, p_adj={fmt_num(pair.p_adjusted, 3)}"
    if pair.p_value is not None:
        return f"{pair.test}, p={fmt_num(pair.p_value, 3)}"
    return f"{pair.test}, by its own rule"


def _cheaper_phrase(
    verdict: str, pair: PairResult, best: str, goal: str, min_effect: float
) -> str:
    """What the data say of a cheaper configuration named as an alternative."""
    _, ci = _advantage(pair, best, goal)
    me = fmt_num(min_effect)
    if verdict == "better":
        return f"significantly better than {best} ({describe_pair(pair)})"
    if verdict == "not-significantly-worse":
        return (
            f"not significantly worse than {best} ({describe_pair(pair)}; that is not evidence "
            "that they are equal)"
        )
    if verdict == "not-worse-by-margin":
        return (
            f"not worse than {best} by more than min_effect={me}: the {_ci_words(ci)} of "
            f"{best}'s advantage stays at or below {me} ({describe_pair(pair)})"
        )
    # worse-within-margin
    return (
        f"worse than {best}, but by no more than min_effect={me}: the {_ci_words(ci)} of "
        f"{best}'s advantage stays at or below {me} ({describe_pair(pair)})"
    )


def _numbers(cost_metric: str, first: tuple[str, float], second: tuple[str, float]) -> str:
    """``cost_usd per run: 0.042 for A vs 0.008 for B`` (each cost with its configuration's
    name, which may itself hold commas: ``lr=0.1, bs=32``)."""
    return (
        f"{cost_metric} per run: {fmt_num(first[1])} for {first[0]} vs {fmt_num(second[1])} "
        f"for {second[0]}"
    )


def _front_sentence(
    best: str,
    cheap: str,
    verdict: str,
    pair: PairResult | None,
    costs: tuple[str, float, float],
    *,
    goal: str,
    min_effect: float,
) -> str:
    """The sentence on the best configuration against the cheapest one on the Pareto front."""
    cost_metric, best_cost, cheap_cost = costs
    ratio = _ratio(best_cost, cheap_cost)
    dearer = f"{_times(ratio)} more expensive" if ratio is not None else "more expensive"
    cheaper = f"{_times(ratio)} cheaper" if ratio is not None else "cheaper"
    front = f"{cheap} is the cheapest configuration on the Pareto front"
    if pair is None or verdict == "untested":
        numbers = _numbers(cost_metric, (best, best_cost), (cheap, cheap_cost))
        return (
            f"{best} is {dearer} per run ({numbers}); {front}; {best} vs {cheap} could not "
            "be tested"
        )
    adv, ci = _advantage(pair, best, goal)
    if verdict in ("worse", "inconclusive"):
        numbers = _numbers(cost_metric, (best, best_cost), (cheap, cheap_cost))
        if verdict == "inconclusive":
            return (
                f"{best} is {dearer} per run ({numbers}); {front}; the data cannot rule out "
                f"that {cheap} is worse by more than min_effect={fmt_num(min_effect)} "
                f"({describe_pair(pair)})"
            )
        margin = ""
        if min_effect > 0:
            margin = (
                f", by at least min_effect={fmt_num(min_effect)}"
                if reliably_better(pair, best, min_effect)
                else f", though not shown to be by min_effect={fmt_num(min_effect)}"
            )
        if ci is None:  # no interval from the test: give its full line instead
            return (
                f"{best} is better by {fmt_num(adv)}{margin} and {dearer} per run ({numbers}); "
                f"{front} ({describe_pair(pair)})"
            )
        return (
            f"{best} is better by {fmt_num(adv)} ({_ci_words(ci)}, {_decided_by(pair)}){margin} "
            f"and {dearer} per run ({numbers}); {front}"
        )
    numbers = _numbers(cost_metric, (cheap, cheap_cost), (best, best_cost))
    phrase = _cheaper_phrase(verdict, pair, best, goal, min_effect)
    return f"{cheap} is {cheaper} than {best} ({numbers}) and {phrase}; {front}"


def _pair_of(pairs: Sequence[PairResult], a: str, b: str) -> PairResult | None:
    return next((p for p in pairs if {p.a, p.b} == {a, b}), None)


def cost_rationale(
    configs: Sequence[ConfigSummary],
    pairs: Sequence[PairResult],
    costs: Mapping[str, float],
    cost_metric: str,
    *,
    goal: str,
    min_effect: float,
    winner: str | None,
) -> tuple[str | None, dict[str, Any] | None, dict[str, Any]]:
    """The Pareto summary and the cost in words.

    Args:
        configs, pairs: the comparison's configurations and tested pairs.
        costs: cost per run of each configuration that logged the cost metric.
        winner: the decision's winner; without one the best mean is "the best".

    Returns:
        ``(cheaper_alternative or None, cost dict or None, pareto dict)``. The cost dict
        (``decision.cost``) holds ``cost_metric``, ``best``, ``best_is_winner``, ``best_cost``,
        ``cheapest_on_front``, ``cheapest_cost``, ``ratio`` (best cost / cheapest cost, ``None``
        when a cost is not positive), ``verdict`` (one of :data:`VERDICTS`), ``advantage``
        (the best one's advantage over the cheapest: the test's estimate and CI, positive when
        the best is better), ``alternative`` and ``sentence``; ``None`` when fewer than two
        configurations have a cost or the best one has none. The pareto dict is
        ``{"cost_metric", "front", "points"}``.

    Example:
        >>> # cost_rationale(configs, pairs, {"A": 0.042, "B": 0.008}, "usd", goal="maximize",
        >>> #                min_effect=0.0, winner="A")[1]["sentence"]
        >>> # 'A is better by 0.05 (95% CI [...]) and 5.2x more expensive per run ...'
    """
    pts = [(c.name, c.mean, costs[c.name]) for c in configs if c.name in costs]
    pts = [p for p in pts if math.isfinite(p[1]) and math.isfinite(p[2])]
    front = pareto_front(pts, goal)
    pareto = {
        "cost_metric": cost_metric,
        "front": front,
        "points": [{"config": n, "metric": m, "cost": c} for n, m, c in pts],
    }
    sign = -1.0 if goal == "maximize" else 1.0
    best = winner or (min(pts, key=lambda p: sign * p[1])[0] if pts else None)
    cost_of = {n: c for n, _m, c in pts}
    if len(pts) < 2 or best not in cost_of:
        return None, None, pareto
    best_cost = cost_of[best]
    metric_of = {n: m for n, m, _c in pts}
    # cheapest on the front; ties on cost go to the better metric, then the name
    cheap = min(front, key=lambda n: (cost_of[n], sign * metric_of[n], n))
    info: dict[str, Any] = {
        "cost_metric": cost_metric, "best": best, "best_is_winner": winner is not None,
        "best_cost": best_cost, "cheapest_on_front": cheap, "cheapest_cost": cost_of[cheap],
        "ratio": _ratio(best_cost, cost_of[cheap]), "advantage": None, "alternative": None,
    }
    if cost_of[cheap] >= best_cost:
        info["verdict"] = "cheapest"
        info["sentence"] = (
            f"{best} is also the cheapest configuration ({cost_metric} {fmt_num(best_cost)} "
            "per run): no cheaper configuration to trade for"
        )
        return None, info, pareto
    pair = _pair_of(pairs, best, cheap)
    verdict = _verdict(pair, best, cheap, goal, min_effect)
    info["verdict"] = verdict
    if pair is not None and verdict != "untested":
        adv, ci = _advantage(pair, best, goal)
        info["advantage"] = {"estimate": adv, "ci": None if ci is None else list(ci),
                             "test": pair.test, "significant": pair.significant}
    sentence = _front_sentence(best, cheap, verdict, pair, (cost_metric, best_cost,
                               cost_of[cheap]), goal=goal, min_effect=min_effect)
    # the cheapest configuration cheaper than the best that the data support choosing
    alt = None
    for name in sorted((n for n in cost_of if cost_of[n] < best_cost and n != best),
                       key=lambda n: (cost_of[n], n)):
        p = _pair_of(pairs, best, name)
        v = verdict if name == cheap else _verdict(p, best, name, goal, min_effect)
        if v in ALTERNATIVE_VERDICTS and p is not None:
            alt = name
            info["alternative"] = {"config": name, "cost": cost_of[name], "verdict": v,
                                   "ratio": _ratio(best_cost, cost_of[name])}
            if name != cheap:
                ratio = _ratio(best_cost, cost_of[name])
                how = f"{_times(ratio)} cheaper" if ratio is not None else "cheaper"
                numbers = _numbers(cost_metric, (name, cost_of[name]), (best, best_cost))
                sentence += (
                    f"; {name} is {how} than {best} ({numbers}) and "
                    f"{_cheaper_phrase(v, p, best, goal, min_effect)}"
                )
            break
    info["sentence"] = sentence
    return alt, info, pareto


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
    """The Pareto front on ``cost_metric`` and the decision with the cost in words added.

    Returns:
        (the decision, with ``cost`` and its sentence appended to the rationale, and the
        cheaper alternative when the data support one; the Pareto summary, or ``None`` with a
        warning when no run logged ``cost_metric``).
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
    alt, info, pareto = cost_rationale(
        configs, pairs, per_config, cost_metric, goal=goal, min_effect=min_effect,
        winner=decision.winner,
    )
    if info is not None:
        decision = replace(
            decision, rationale=f"{decision.rationale}. {info['sentence']}",
            cheaper_alternative=alt, cost=info,
        )
    return decision, pareto
