""" "k more seeds or m more examples would ...": power from the estimated variance components.

A pair's ``ExampleVariance`` splits Var(difference) into seeds (shrinks as 1 / seeds),
examples (1 / examples; new examples assumed to come in clusters like these) and their
interaction (1 / (seeds x examples)). Power at S' seeds and N' examples is the noncentral-t
power of the same test: t with Satterthwaite's df of the rescaled parts, at the per-pair level
of the correction's first step. We search the smallest S' (examples fixed) and N' (seeds
fixed) reaching 80%, and say which buys more by comparing doubling each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from shared.compare.decision._wording import fmt_num
from shared.stats._examples import SEED_DF_BOUND, ExampleVariance

__all__ = ["ExamplesAdvice", "examples_advice", "POWER"]

POWER = 0.8
_MAX_SEEDS = 1000
_MAX_FACTOR = 1000.0


@dataclass(frozen=True)
class ExamplesAdvice:
    seeds: int | None
    examples: int | None
    text: str
    how: str


def _power(
    v: ExampleVariance,
    seeds: np.ndarray,
    examples: np.ndarray,
    effect: float,
    level: float,
    with_seeds: bool,
) -> np.ndarray:
    from scipy import stats

    s = v.n_seeds / seeds
    e = v.n_examples / examples
    parts_s = v.seeds * s
    parts_e = v.examples * e
    parts_i = v.interaction * s * e
    var = parts_s + parts_e + parts_i
    g = np.maximum(v.n_clusters / e, 2.0)
    if with_seeds:
        df_s = np.maximum(seeds - 1.0, 1.0)
        # the test's own terms (shared/stats/_examples.py): the run term (a run's mean, which
        # carries the run x example noise / N too, with S - 1 df), the example term and the
        # negative interaction term; the run term at its upper confidence bound, as there.
        # (Before: only the seed component got S - 1 df, so with most of the variance in the
        # interaction the df, and the power, came out far above the test's.)
        runs_t = (parts_s + parts_i) * df_s / stats.chi2.ppf(1.0 - SEED_DF_BOUND, df_s)
        ex_t = parts_e + parts_i
        int_t = -parts_i
        total = runs_t + ex_t + int_t
        denom = runs_t**2 / df_s + ex_t**2 / (g - 1) + int_t**2 / (df_s * (g - 1))
        df = np.where(denom > 0, total**2 / np.where(denom > 0, denom, 1.0), 1e6)
        # the test's rule when the negative term overshoots: the largest piece's df
        df = np.where(total <= np.maximum(runs_t, ex_t), np.where(runs_t >= ex_t, df_s, g - 1),
                      df)
    else:
        df = g - 1
    ncp = effect / np.sqrt(var)
    crit = stats.t.ppf(1 - level / 2, df)
    return stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp)


def examples_advice(
    v: ExampleVariance | None,
    diff: float,
    min_effect: float,
    level: float,
    note: str,
    with_seeds: bool,
) -> ExamplesAdvice:
    """Seeds and examples that would detect ``max(|diff|, min_effect)`` with 80% power.

    Args:
        v: the deciding pair's variance components.
        diff: its estimated difference.
        min_effect: the smallest difference that matters.
        level: the per-pair level (alpha / m for Holm's first step).
        note: how the level was set, for the sentence ("at alpha=0.05").
        with_seeds: the test counted seed-to-seed variance (two or more runs each).
    """
    if v is None or v.total <= 0 or not math.isfinite(diff):
        return ExamplesAdvice(None, None, "", "")
    if diff == 0 and min_effect == 0:
        return ExamplesAdvice(None, None, "; the observed difference is exactly zero", "")
    effect = max(abs(diff), min_effect)
    target = (
        "the observed difference"
        if abs(diff) >= min_effect
        else f"a difference of min_effect={fmt_num(min_effect)}"
    )
    n, s = v.n_examples, v.n_seeds
    factors = np.geomspace(1.0, _MAX_FACTOR, 1200)
    ex_grid = np.ceil(n * factors)
    p_ex = _power(v, np.full_like(ex_grid, float(s)), ex_grid, effect, level, with_seeds)
    hit = np.flatnonzero(p_ex >= POWER)
    n_need = int(ex_grid[hit[0]]) if hit.size else None
    how = (
        "noncentral-t power of the same test with the variance components rescaled "
        "(seeds: 1/S, examples: 1/N, interaction: 1/(S N))"
    )
    if not with_seeds:
        if n_need is None:
            return ExamplesAdvice(
                None,
                None,
                "; even 1000 times the examples would not detect "
                f"{target} with {int(POWER * 100)}% power",
                how,
            )
        if n_need <= n:
            return ExamplesAdvice(
                None,
                None,
                f"; with {n} examples the test already had "
                f"{int(POWER * 100)}% power for {target}, so the true "
                "difference is likely smaller than observed",
                how,
            )
        return ExamplesAdvice(
            None,
            n_need,
            f"; about {n_need - n} more examples ({n_need} in "
            f"all) would detect {target} between these trained runs with "
            f"{int(POWER * 100)}% power{note}; to judge retraining, run 2 "
            "or more seeds per configuration",
            how,
        )
    seed_grid = np.arange(s, _MAX_SEEDS + 1, dtype=np.float64)
    p_s = _power(v, seed_grid, np.full_like(seed_grid, float(n)), effect, level, True)
    hit = np.flatnonzero(p_s >= POWER)
    s_need = int(seed_grid[hit[0]]) if hit.size else None
    if (s_need is not None and s_need <= s) or (n_need is not None and n_need <= n):
        return ExamplesAdvice(
            None,
            None,
            f"; with {s} seeds and {n} examples the test already "
            f"had {int(POWER * 100)}% power for {target}, so the true "
            "difference is likely smaller than observed",
            how,
        )
    if s_need is None and n_need is None:
        return ExamplesAdvice(
            None,
            None,
            f"; neither more seeds (the examples' variance alone "
            "is too large) nor more examples (the seed-to-seed variance alone "
            f"is too large) would detect {target} with {int(POWER * 100)}% "
            f"power{note}: it is smaller than this evaluation can resolve",
            how,
        )
    by_seeds = (
        f"{s_need - s} more seeds per configuration ({s_need} in all, same {n} examples)"
        if s_need is not None
        else "no number of seeds at these examples (the examples' variance alone is too large)"
    )
    by_examples = (
        f"{n_need - n} more examples ({n_need} in all, same {s} seeds)"
        if n_need is not None
        else "no number of examples at these seeds (the seed-to-seed variance alone is too large)"
    )
    cut_s = 1.0 - v.at(2 * s, n) / v.total
    cut_e = 1.0 - v.at(s, 2 * n) / v.total
    which = "seeds" if cut_s > cut_e else "examples"
    text = (
        f"; {by_seeds} or {by_examples} would detect {target} with {int(POWER * 100)}% "
        f"power{note}; {which} buy more here: doubling the seeds cuts the variance of the "
        f"difference by {100 * cut_s:.0f}%, doubling the examples by {100 * cut_e:.0f}% "
        f"(seed-to-seed variance is {100 * v.seeds / v.total:.0f}% of it)"
    )
    return ExamplesAdvice(s_need, n_need, text, how)
