"""Numbers and pairs in words: the one place that formats them for rationales and notes.

Every sentence that states a pair's result goes through :func:`describe_pair`, so the
estimate, interval and verdict printed are always those of the test that decided the pair
(``PairResult.estimate`` says which), never the mean difference beside a rank test. The words
come from the test's record: its ``estimate_label``, and the verdict of its decision rule
(``TestSpec.decides_by``; a new rule adds its wording to ``_RULE_WORDS``).
"""

from __future__ import annotations

import math
from typing import Any

from shared.compare.inference._registry import REGISTRY, estimate_label

__all__ = ["fmt_num", "signed", "fmt_ci", "estimate_label", "describe_pair", "fmt_p"]


def fmt_num(x: float | None, digits: int = 4) -> str:
    """A short number for sentences (``0.0123``, ``1.2e-05``; ``n/a`` when undefined).

    Example:
        >>> fmt_num(0.012345), fmt_num(None)
        ('0.01235', 'n/a')
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:.{digits}g}"


def signed(x: float | None) -> str:
    """A signed short number (``+0.012``)."""
    if x is None or not math.isfinite(x):
        return "n/a"
    return f"{x:+.4g}"


def fmt_p(p: float | None) -> str:
    """A p-value in sentences."""
    return fmt_num(p, 3)


def fmt_ci(ci: tuple[float, float] | None, how: str = "", level: float = 0.95) -> str:
    """`` (95% CI [lo, hi])``, or ``""`` when there is no finite interval.

    An interval whose achieved coverage is below its level (exact rank CIs at tiny n) says so.

    Example:
        >>> fmt_ci((0.1, 0.3), level=0.99)
        ' (99% CI [0.1, 0.3])'
    """
    if ci is None or not all(v is not None and math.isfinite(v) for v in ci):
        return ""
    label = f"{round(100 * level, 2):g}% CI"
    if "coverage" in how:
        label = "CI, " + how.rsplit(", ", 1)[-1]
    return f" ({label} [{fmt_num(ci[0])}, {fmt_num(ci[1])}])"


def _stochastic_order_words(p: Any) -> str:
    eps = fmt_num(p.statistic, 3)
    thr = fmt_num(p.threshold, 2)
    if p.significant and p.better:
        return (f"{p.better} is almost stochastically dominant (epsilon_min={eps} < {thr})")
    return f"neither is almost stochastically dominant (epsilon_min={eps}, threshold {thr})"


def _posterior_words(p: Any) -> str:
    return (f"P({p.a} better)={fmt_num(p.p_a_better, 3)}, "
            f"P(equivalent within {fmt_num(p.rope)})={fmt_num(p.p_rope, 3)}, "
            f"P({p.b} better)={fmt_num(p.p_b_better, 3)}")


#: The verdict in words of a test deciding by its own rule (``TestSpec.decides_by``).
_RULE_WORDS = {"stochastic order": _stochastic_order_words, "posterior": _posterior_words}


def _verdict_part(p: Any) -> str:
    s = REGISTRY.get(p.test)
    if s is not None and s.decides_by in _RULE_WORDS:
        return _RULE_WORDS[s.decides_by](p)
    if p.p_adjusted is not None:
        if p.p_value is not None and p.p_adjusted != p.p_value:
            return f"p_adj={fmt_p(p.p_adjusted)}"
        return f"p={fmt_p(p.p_value if p.p_value is not None else p.p_adjusted)}"
    return "no p-value"


def describe_pair(p: Any) -> str:
    """``A vs B: Hodges-Lehmann shift +0.012 (95% CI [...]), p_adj=0.012 (wilcoxon, ...)``.

    The mean difference is added only when it points the other way from the test's estimate,
    with that said in words.
    """
    label = estimate_label(getattr(p, "estimate", "mean_difference"))
    ci = fmt_ci(p.ci, getattr(p, "ci_method", ""), getattr(p, "ci_level", None) or 0.95)
    shown = p.effect_size is not None and p.effect_name and not (
        p.effect_name == "cliffs_delta" and label == "Cliff's delta")  # not twice
    eff = f", {p.effect_name}={fmt_num(p.effect_size, 3)}" if shown else ""
    if (shown and label != "diff" and p.effect_name.startswith("hedges_g")
            and p.effect_size is not None and math.isfinite(p.diff)
            and p.effect_size * p.diff < 0):
        # Hedges' g standardises the mean difference: beside a rank test's estimate of the
        # other sign it must say so, or the reader sees two effects contradicting each other
        eff += " of the means, which point the other way"
    text = f"{p.a} vs {p.b}: {label} {signed(p.diff)}{ci}, {_verdict_part(p)} ({p.test}{eff})"
    md = getattr(p, "mean_diff", None)
    if (label != "diff" and md is not None and math.isfinite(md) and math.isfinite(p.diff)
            and md * p.diff < 0):
        text += (f"; the mean difference points the other way ({signed(md)}): a few runs "
                 f"far from the rest move the mean, not the {p.test} test")
    reach = getattr(p, "reach", None)
    if reach:
        text += f"; {reach}"
    return text
