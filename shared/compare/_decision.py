"""The decision: a winner only when its advantage is significant after correction AND at least
``min_effect``; otherwise "no reliable difference" with the observed effect, its CI and the
number of seeds a study would need to detect it (power analysis).

Rules:

* Without a baseline, the winner must beat **every** other configuration reliably.
* With a baseline, the winner is the best (by mean) of the configurations that beat the
  baseline reliably; the baseline itself wins when it beats every candidate reliably.
* Otherwise the rationale names the closest contest involving the best configuration (the
  one with the largest adjusted p-value it does not win), reports its difference, CI and
  p-value, and ``seeds_needed``: seeds per configuration for 80% power at ``alpha`` (divided
  by the family size when a correction is applied, as Bonferroni would) to detect the
  observed standardised effect, or ``min_effect`` when the observed effect is smaller (more
  seeds would only show a difference too small to matter).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from shared.compare._comparison import ConfigSummary, Decision, Omnibus, PairResult

__all__ = ["reliably_better", "decide", "fmt_num", "describe_pair", "better_name"]

POWER = 0.8


def fmt_num(x: float | None, digits: int = 4) -> str:
    """A short, signed-when-asked number for sentences (``0.0123``, ``1.2e-05``)."""
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:.{digits}g}"


def _signed(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:+.4g}"


def better_name(a: str, b: str, diff: float, goal: str) -> str | None:
    """Which of ``a``/``b`` is better given ``diff = mean(a) - mean(b)`` and the goal."""
    if not math.isfinite(diff) or diff == 0:
        return None
    a_higher = diff > 0
    return a if a_higher == (goal == "maximize") else b


def reliably_better(pair: PairResult, name: str, min_effect: float) -> bool:
    """``name`` beats the other side of ``pair``: significant and at least ``min_effect``."""
    return bool(pair.significant and pair.better == name and abs(pair.diff) >= min_effect)


def describe_pair(p: PairResult) -> str:
    """``A vs B: diff +0.012 (95% CI [-0.003, 0.027]), p_adj=0.12 (paired-t)``."""
    ci = (
        f" (95% CI [{fmt_num(p.ci[0])}, {fmt_num(p.ci[1])}])"
        if p.ci is not None and all(math.isfinite(v) for v in p.ci)
        else ""
    )
    if p.p_adjusted is not None:
        pv = f"p_adj={fmt_num(p.p_adjusted, 3)}" if p.p_adjusted != p.p_value else (
            f"p={fmt_num(p.p_value, 3)}"
        )
    elif p.test == "aso":
        pv = f"epsilon_min={fmt_num(p.statistic, 3)}"
    elif p.test == "bayes-signed-rank":
        pv = (
            f"P(a better)={fmt_num(p.extra.get('p_a_better'), 3)}, "
            f"P(rope)={fmt_num(p.extra.get('p_rope'), 3)}"
        )
    else:
        pv = "no p-value"
    eff = (
        f", {p.effect_name}={fmt_num(p.effect_size, 3)}"
        if p.effect_size is not None and p.effect_name
        else ""
    )
    return f"{p.a} vs {p.b}: diff {_signed(p.diff)}{ci}, {pv} ({p.test}{eff})"


def _seeds_for(
    pair: PairResult, min_effect: float, alpha: float
) -> tuple[int | None, str]:
    """Seeds per configuration to detect the effect that matters, and what effect that is."""
    from shared.stats import seeds_needed

    d = pair.std_effect
    diff = abs(pair.diff) if math.isfinite(pair.diff) else 0.0
    if d is None or not math.isfinite(d) or d == 0 or diff == 0:
        return None, ""
    target = "the observed difference"
    if diff < min_effect:
        # the observed effect is below what matters: size the study for min_effect instead
        d = d * (min_effect / diff)
        target = f"a difference of min_effect={fmt_num(min_effect)}"
    try:
        n = seeds_needed(abs(d), alpha=alpha, power=POWER, paired=pair.paired)
    except (ValueError, ArithmeticError):
        return None, ""
    return (None if n is None else int(n)), target


def _by_mean(configs: Sequence[ConfigSummary], goal: str) -> list[ConfigSummary]:
    sign = -1.0 if goal == "maximize" else 1.0
    return sorted(configs, key=lambda c: sign * c.mean if math.isfinite(c.mean) else math.inf)


def decide(
    configs: Sequence[ConfigSummary],
    pairs: Sequence[PairResult],
    *,
    goal: str,
    alpha: float,
    min_effect: float,
    baseline: str | None,
    correction: str,
    omnibus: Omnibus | None = None,
) -> Decision:
    """Apply the decision rules (module docstring) to tested pairs.

    Example:
        >>> # decide(configs, pairs, goal="maximize", alpha=0.05, min_effect=0.0,
        >>> #        baseline=None, correction="holm").winner
    """
    names = [c.name for c in configs]
    tested = [p for p in pairs if p.p_value is not None or p.test in ("aso", "bayes-signed-rank")]
    if not tested:
        # Name the cause once, not once per pair: with 100 configurations of one run each the
        # rationale must still fit on a screen.
        single = [c.name for c in configs if c.n < 2]
        if single:
            shown = ", ".join(single[:3]) + (f" and {len(single) - 3} more" if len(single) > 3 else "")
            cause = f"{len(single)} of {len(configs)} configurations have fewer than 2 runs ({shown})"
        else:
            first = next((w for p in pairs for w in p.warnings[:1]), "no pair could be tested")
            cause = f"{first}" + (f" (and {len(pairs) - 1} more pairs)" if len(pairs) > 1 else "")
        return Decision(
            None,
            f"cannot decide: no pair of configurations could be tested: {cause}; run at least 2 "
            "(better 5 or more) seeds per configuration",
            None,
        )

    by_name: dict[str, list[PairResult]] = {n: [] for n in names}
    for p in pairs:
        by_name.setdefault(p.a, []).append(p)
        by_name.setdefault(p.b, []).append(p)

    def pairs_of(name: str) -> list[PairResult]:
        return by_name.get(name, [])

    def other(p: PairResult, name: str) -> str:
        return p.b if p.a == name else p.a

    m_family = len(pairs)
    alpha_power = alpha / m_family if (correction != "none" and m_family > 1) else alpha
    alpha_note = (
        f" at alpha={fmt_num(alpha)}/{m_family} (corrected)"
        if alpha_power != alpha
        else f" at alpha={fmt_num(alpha)}"
    )
    me_note = f" and at least min_effect={fmt_num(min_effect)}" if min_effect > 0 else ""

    if baseline is None:
        for name in names:
            mine = pairs_of(name)
            if mine and len(mine) == len(names) - 1 and all(
                reliably_better(p, name, min_effect) for p in mine
            ):
                if len(mine) == 1:
                    why = (
                        f"{name} is reliably better{me_note}: {describe_pair(mine[0])}, "
                        f"significant at alpha={fmt_num(alpha)}"
                    )
                else:
                    weakest = max(mine, key=lambda p: p.p_adjusted or 0.0)
                    why = (
                        f"{name} is reliably better than all {len(mine)} other configurations"
                        f"{me_note} after {correction} correction; weakest: "
                        f"{describe_pair(weakest)}"
                    )
                return Decision(name, why, None)
    else:
        cands = [
            n
            for n in names
            if n != baseline
            and any(reliably_better(p, n, min_effect) for p in pairs_of(n) if baseline in (p.a, p.b))
        ]
        if cands:
            order = [c.name for c in _by_mean(configs, goal) if c.name in cands]
            win = order[0]
            p = next(p for p in pairs_of(win) if baseline in (p.a, p.b))
            also = [c for c in order[1:]]
            why = f"{win} is reliably better than the baseline {baseline}{me_note}: " + (
                describe_pair(p)
            )
            if also:
                why += (
                    f"; also better than the baseline: {', '.join(also)} (candidates were "
                    "not tested against each other; the best mean is named)"
                )
            return Decision(win, why, None)
        base_pairs = pairs_of(baseline)
        if base_pairs and all(reliably_better(p, baseline, min_effect) for p in base_pairs):
            return Decision(
                baseline,
                f"the baseline {baseline} is reliably better than every candidate{me_note}",
                None,
            )

    # No winner: report the closest contest of the best configuration.
    ranked = _by_mean(configs, goal)
    top = ranked[0].name
    if baseline is not None and top == baseline and len(ranked) > 1:
        contest = [p for p in pairs_of(baseline)]
    elif baseline is not None:
        contest = [p for p in pairs_of(top) if baseline in (p.a, p.b)]
    else:
        contest = [p for p in pairs_of(top) if not reliably_better(p, top, min_effect)]
        # the natural rival is the runner-up by mean, when top does not beat it reliably
        runner = ranked[1].name if len(ranked) > 1 else None
        rival = [p for p in contest if runner in (p.a, p.b)]
        contest = rival or contest
    contest = contest or list(pairs_of(top)) or list(pairs)
    key_pair = max(
        contest,
        key=lambda p: (
            p.p_adjusted if p.p_adjusted is not None else (1.0 if not p.significant else 0.0),
            -abs(p.diff) if math.isfinite(p.diff) else 0.0,
        ),
    )
    if key_pair.significant and abs(key_pair.diff) < min_effect:
        return Decision(
            None,
            f"no practically relevant difference: {describe_pair(key_pair)} is significant "
            f"but smaller than min_effect={fmt_num(min_effect)}",
            None,
        )
    if key_pair.p_value is None and key_pair.test not in ("aso", "bayes-signed-rank"):
        return Decision(
            None,
            f"no reliable difference: {key_pair.a} vs {key_pair.b} could not be tested "
            f"({'; '.join(key_pair.warnings[:1]) or 'too few runs'})",
            None,
        )
    n, target = _seeds_for(key_pair, min_effect, alpha_power)
    why = f"no reliable difference: {describe_pair(key_pair)}"
    if omnibus is not None and not omnibus.significant and math.isfinite(omnibus.p_value):
        why = (
            f"no reliable difference: the {omnibus.test} omnibus test finds no difference among the "
            f"{len(names)} configurations (p={fmt_num(omnibus.p_value, 3)}); "
            f"closest: {describe_pair(key_pair)}"
        )
    elif baseline is None and len(names) > 2:
        why = f"no reliable difference: {top} has the best mean but " + (
            f"is not reliably better than {other(key_pair, top)} ({describe_pair(key_pair)})"
            if top in (key_pair.a, key_pair.b)
            else describe_pair(key_pair)
        )
    if n is not None:
        why += (
            f"; about {n} seeds per configuration would detect {target} with "
            f"{int(POWER * 100)}% power{alpha_note}"
        )
    elif key_pair.diff == 0:
        why += "; the observed difference is exactly zero"
    return Decision(None, why, n)
