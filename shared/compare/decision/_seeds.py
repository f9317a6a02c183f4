"""Seeds needed: how many seeds per configuration the test actually run would need.

By the test's registry record (``TestSpec.power``):

* ``t``: the noncentral-t power of the paired or two-sample t-test (``shared.stats``), at
  least the test's calibrated ``min_n`` (the bootstrap).
* ``rank``: the t-test's n divided by the asymptotic relative efficiency of the rank test
  under normal data (3/pi, Lehmann 1975), and never fewer than the exact minimum n at which
  the exact test can reach the level at all (2/2^n for the signed-rank test).
* ``permutation``: the t-test's n (same statistic) and its exact minimum n.
* ``friedman``: the normal approximation of the mean-rank z-test (Demsar 2006): the number
  of blocks at which the observed mean-rank difference reaches 80% power at the test's
  critical value (Nemenyi's studentized range or Holm's first step).
* ``simulation``: normal data with the observed standardised effect, 200 data sets per n,
  bisected on n; bounded in time (``None`` past the bound). No registered test uses it by
  default: ASO and the Bayesian signed-rank test are rank procedures whose decisions converge
  to those of the Mann-Whitney and Wilcoxon tests (the Bayesian test's posterior is the
  Dirichlet-process posterior of the signed-rank statistic, Benavoli et al. 2017), so they use
  the ``rank`` formula with their calibrated ``min_n`` as the floor; a simulation per decision
  cost seconds (measured: 3-4 s per comparison), for a figure within the simulation's own
  Monte Carlo error of the formula's.

The effect sized for is the observed standardised effect, or ``min_effect`` when the
observed effect is smaller (more seeds would only show a difference too small to matter).
The observed effect is the one the sentence names: the observed difference over the observed
SD (Cohen's d, d_z when paired), not Hedges' g: g's small-sample shrinkage (0.81 at 5 seeds)
sized the study for a difference smaller than the one printed, asking 1.5x the seeds. A pilot
of a few seeds estimates the effect roughly, so the advice also gives the range of seeds over
the effect's 80% interval (the noncentral-t interval of d, Steiger & Fouladi 1997): the point
figure is the median-unbiased one (its median over pilots is close to the seeds the true
effect needs, ``benchmarks/bench_seeds_needed.py``), the range says how far off it may be.

The advice is printed only when the pilot found no difference, and those pilots are not a
random half: their observed effects are the smaller ones (at 5 seeds and d_z = 1, the 60% of
pilots that miss), so an estimate median-unbiased over all pilots overstates the seeds among
the pilots that print it (1.7x at d_z = 1). For an undecided pair the estimate and its range
are conditional on the pilot having missed (``|t| < t_crit`` at the pair's level): the
noncentral t truncated to the acceptance region is inverted instead of the whole one, the
conditional (selection-adjusted) estimate of Zhong & Prentice (2008) and Fithian, Sun &
Taylor (2017, "Optimal inference after model selection"), here for the selection "not
significant". Its median over the pilots that print advice is the seed count the true
effect needs. A pilot whose t is close to the critical value gets a large estimate (the
true effect is then most likely just above what it could detect) and few seeds.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from shared.compare.decision._wording import fmt_num
from shared.compare.inference._registry import TestSpec, min_n_reaching

__all__ = [
    "POWER", "RANGE_LEVEL", "SeedsNeeded", "effect_interval", "median_unbiased",
    "seeds_needed_for",
]

POWER = 0.8
#: coverage of the effect interval the range of seeds is given for
RANGE_LEVEL = 0.8
_SIM_REPS = 200
_SIM_BUDGET_S = 3.0
_SIM_MAX_N = 400


class SeedsNeeded(tuple):
    """``(n or None, target sentence, how sentence, span)``; ``span`` is ``(fewest, most)``
    seeds over the effect's 80% interval (``most`` None: the interval reaches zero), or None."""

    __slots__ = ()

    def __new__(cls, n: int | None, target: str, how: str,
                span: tuple[int | None, int | None] | None = None) -> SeedsNeeded:
        return super().__new__(cls, (n, target, how, span))

    @property
    def span(self) -> tuple[int | None, int | None] | None:
        return self[3]

    @property
    def n(self) -> int | None:
        return self[0]

    @property
    def target(self) -> str:
        return self[1]

    @property
    def how(self) -> str:
        return self[2]


def _unshrunk(g: float, pair: Any) -> float:
    """Cohen's d (d_z) from the pair's Hedges' g: g divided by its small-sample factor J."""
    from shared.stats import hedges_correction

    df = (pair.n_a or pair.n) - 1.0 if pair.paired else (pair.n_a or 0) + (pair.n_b or 0) - 2.0
    return g / hedges_correction(df) if df > 1 else g


def _t_scale(n_a: int, n_b: int, paired: bool) -> tuple[float, float]:
    """``(df, scale)`` of the t statistic of a standardised effect: ``t = d * scale``."""
    if paired:
        return n_a - 1.0, math.sqrt(n_a)
    return n_a + n_b - 2.0, math.sqrt(n_a * n_b / (n_a + n_b))


def _ncp_at(t: float, df: float, p: float, crit: float | None = None) -> float:
    """The noncentrality at which ``t`` is the ``p`` quantile of the noncentral t; with
    ``crit``, of the noncentral t conditional on ``|T| < crit`` (the pilot missed).

    The conditional law is stochastically increasing in the noncentrality (the noncentral t
    has a monotone likelihood ratio, and truncation keeps it), so the root is unique. As the
    noncentrality grows the conditional law piles up below ``crit``: a ``t`` near ``crit``
    may need a very large one; the search stops at ``crit + 12`` (the seeds advised are then
    the fewest the test allows).
    """
    from scipy import optimize, stats

    def cdf(x: float, ncp: float) -> float:
        c = float(stats.nct.cdf(x, df, ncp))
        if not math.isfinite(c):  # scipy's far tails: the cdf is 1 below x, 0 above
            c = 1.0 if ncp < x else 0.0
        return c

    if crit is None:
        def f(ncp: float) -> float:
            return cdf(t, ncp) - (1.0 - p)

        lo, hi = t - 10.0 - 2 * abs(t), t + 10.0 + 2 * abs(t)
        return float(optimize.brentq(f, lo, hi, xtol=1e-10))

    def conditional(x: float, ncp: float) -> float:
        if ncp < 0:  # by symmetry, so that the differences below are of small numbers
            return 1.0 - conditional(-x, -ncp)
        low, high = cdf(-crit, ncp), cdf(crit, ncp)
        if high - low < 1e-300:  # the mass left below crit piles up at crit, above x
            return 0.0
        return min(max((cdf(x, ncp) - low) / (high - low), 0.0), 1.0)

    def g(ncp: float) -> float:
        return conditional(t, ncp) - (1.0 - p)

    lo, hi = -crit - 12.0, crit + 12.0
    if g(hi) > 0:
        return hi
    if g(lo) < 0:
        return lo
    return float(optimize.brentq(g, lo, hi, xtol=1e-8))


def _crit(level: float | None, n_a: int, n_b: int, paired: bool) -> float | None:
    """The two-sided t critical value at ``level`` (None: no conditioning)."""
    from scipy import special

    df, _ = _t_scale(n_a, n_b, paired)
    if level is None or df < 1:
        return None
    return float(special.stdtrit(df, 1.0 - level / 2.0))


def median_unbiased(d: float, n_a: int, n_b: int, paired: bool,
                    missed_at: float | None = None) -> float:
    """The median-unbiased estimate of a standardised effect from its observed value ``d``.

    The observed d (d_z) over a few seeds overstates the effect in the median (the sample SD
    is below the true SD more often than not: at 5 seeds the median of d is 1.07-1.17x the
    true effect), so seeds sized for it fall short; Hedges' g corrects the mean, not the median,
    and overshoots. The value whose noncentral t has the observed t as its median is
    median-unbiased, and because the seeds needed fall monotonically with the effect, so is the
    advice sized for it: over pilots its median is the seed count the true effect needs.

    ``missed_at``: the level at which the pilot found no difference; the estimate is then
    median-unbiased among the pilots that missed (module docstring), not over all pilots.

    Example (5 paired seeds, observed d_z = 1; and knowing the pilot missed at 0.05):
        >>> round(median_unbiased(1.0, 5, 5, True), 3)
        0.931
        >>> round(median_unbiased(1.0, 5, 5, True, missed_at=0.05), 3)
        1.626
    """
    df, scale = _t_scale(n_a, n_b, paired)
    if df < 1 or not math.isfinite(d):
        return d
    crit = _crit(missed_at, n_a, n_b, paired)
    if crit is not None and abs(d) * scale >= crit:
        crit = None  # it did not miss at that level: nothing to condition on
    try:
        return _ncp_at(d * scale, df, 0.5, crit) / scale
    except (ValueError, RuntimeError):
        return d


def effect_interval(d: float, n_a: int, n_b: int, paired: bool,
                    level: float = RANGE_LEVEL,
                    missed_at: float | None = None) -> tuple[float, float] | None:
    """The two-sided ``level`` interval of a standardised effect ``d`` (d_z when paired), by
    inverting the noncentral t (Steiger & Fouladi 1997); None when it cannot be computed.

    Example (5 paired seeds, observed d_z = 1):
        >>> [round(x, 3) for x in effect_interval(1.0, 5, 5, True)]
        [0.225, 1.667]
    """
    df, scale = _t_scale(n_a, n_b, paired)
    if df < 1 or not math.isfinite(d):
        return None
    crit = _crit(missed_at, n_a, n_b, paired)
    if crit is not None and abs(d) * scale >= crit:
        crit = None
    tail = (1.0 - level) / 2.0
    try:
        return (_ncp_at(d * scale, df, tail, crit) / scale,
                _ncp_at(d * scale, df, 1.0 - tail, crit) / scale)
    except (ValueError, RuntimeError):
        return None


def _t_n(d: float, level: float, paired: bool) -> int | None:
    from shared.stats import seeds_needed

    try:
        return seeds_needed(abs(d), alpha=level, power=POWER, paired=paired)
    except (ValueError, ArithmeticError):
        return None


def _friedman_n(pair: Any, s: TestSpec, level: float, alpha: float, k: int) -> int | None:
    from scipy import special
    from scipy.stats import studentized_range

    delta = abs(pair.diff) if math.isfinite(pair.diff) else 0.0
    if delta == 0 or k < 2:
        return None
    if s.critical == "studentized-range":
        crit = float(studentized_range.ppf(1.0 - alpha, k, np.inf)) / math.sqrt(2.0)
    else:
        crit = float(special.ndtri(1.0 - level / 2.0))
    z_pow = float(special.ndtri(POWER))
    return int(math.ceil((crit + z_pow) ** 2 * k * (k + 1) / (6.0 * delta**2)))


def _decider(s: TestSpec, level: float, rope: float) -> Callable[[np.ndarray, np.ndarray, int],
                                                                bool]:
    from shared import stats as st

    if s.decides_by == "posterior":
        def bayes(a: np.ndarray, b: np.ndarray, seed: int) -> bool:
            r = st.bayes_signed_rank(a, b, rope=rope, seed=seed, n_samples=2000)
            return max(r.p_left, r.p_right) >= 1.0 - level / 2.0
        return bayes

    def aso(a: np.ndarray, b: np.ndarray, seed: int) -> bool:
        from shared.compare.inference._runners import ASO_THRESHOLD

        r = st.aso(a, b, alpha=level, seed=seed, n_bootstrap=100, threshold=ASO_THRESHOLD)
        return bool(r.extra.get("a_better") or r.extra.get("b_better"))
    return aso


@functools.lru_cache(maxsize=256)
def _simulated_n(s: TestSpec, d: float, level: float, rope_sd: float, start: int) -> int | None:
    """Smallest n whose simulated power reaches POWER (normal data, effect d), or None.

    Cached: the same question (test, effect to 3 digits, level) gets the same answer
    without simulating again.
    """
    rng = np.random.default_rng(20261201)
    decide = _decider(s, level, rope_sd)
    t0 = time.monotonic()

    def power_at(n: int) -> float | None:
        hits = 0
        for r in range(_SIM_REPS):
            if time.monotonic() - t0 > _SIM_BUDGET_S:
                return None
            a = rng.normal(d, 1.0, n)
            b = rng.normal(0.0, 1.0, n)
            hits += decide(a, b, r)
        return hits / _SIM_REPS

    lo, hi = max(2, start - 1), max(3, start)
    while True:
        pw = power_at(hi)
        if pw is None:
            return None
        if pw >= POWER:
            break
        if hi >= _SIM_MAX_N:
            return None
        lo, hi = hi, min(2 * hi, _SIM_MAX_N)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        pw = power_at(mid)
        if pw is None:
            return None
        if pw >= POWER:
            hi = mid
        else:
            lo = mid
    return hi


def seeds_needed_for(
    pair: Any, s: TestSpec, *, level: float, alpha: float, min_effect: float, k: int,
    missed: bool = False,
) -> SeedsNeeded:
    """Seeds per configuration for ``pair``'s test to detect the effect that matters.

    Args:
        pair: the ``PairResult`` whose contest is undecided.
        s: its test's registry record.
        level: the per-pair level the correction applies at its first step (alpha / m).
        alpha: the family's alpha (Nemenyi's critical value is family-wise already).
        min_effect: the smallest difference that matters (metric units).
        k: configurations in the family (for the rank-based family tests).
        missed: the advice is given because this pair missed at ``level``: the effect and its
            range are estimated conditionally on that (module docstring).
    """
    if s.power == "friedman":
        n = _friedman_n(pair, s, level, alpha, k)
        how = ("normal approximation of the mean-rank z-test at the observed mean-rank "
               "difference (Demsar 2006)")
        return SeedsNeeded(n, "the observed mean-rank difference", how)
    d = pair.std_effect
    n_a, n_b = int(pair.n_a or pair.n), int(pair.n_b or pair.n)
    missed_at = level if missed and not pair.significant else None
    observed = None  # the observed d the interval is computed for
    if d is not None and math.isfinite(d):
        # std_effect is Hedges' g whatever effect is shown: back to the observed d, then its
        # median-unbiased value (module docstring)
        observed = abs(_unshrunk(d, pair))
        d = math.copysign(median_unbiased(observed, n_a, n_b, bool(pair.paired), missed_at),
                          d)
    md = pair.mean_diff if pair.mean_diff is not None else pair.diff
    robust = getattr(pair, "robust_sd", None)
    if pair.estimate == "hodges_lehmann_shift" and robust and math.isfinite(pair.diff):
        # the rank test's own effect: its shift over a scale no far run inflates (Hedges' g of
        # the means would size the study for the outlier, not for what the test sees)
        d, md = abs(pair.diff) / float(robust), pair.diff
        observed = abs(d)
        missed_at = None  # the miss was the rank test's, not a t statistic's: no conditioning
    paired = bool(pair.paired)
    floor = max(s.min_n, min_n_reaching(s, level, paired)) if s.min_p or s.min_n > 2 else 2
    if md is None or not math.isfinite(md) or md == 0:
        return SeedsNeeded(None, "", "")
    if (d is None or not math.isfinite(d)) and floor > 2 and abs(md) >= min_effect:
        # no spread (every seed shows the same difference): only the test's own floor binds
        return SeedsNeeded(floor, "a difference every seed agrees on",
                           f"the smallest n at which the {s.label} can reach "
                           f"{fmt_num(level, 3)}")
    if d is None or not math.isfinite(d) or d == 0:
        return SeedsNeeded(None, "", "")
    target = "the observed difference"
    factor = 1.0  # from the observed effect to the one sized for
    if abs(md) < min_effect:
        factor = min_effect / abs(md)
        target = f"a difference of min_effect={fmt_num(min_effect)}"
    elif min_effect > 0 and pair.significant and abs(md) > min_effect:
        # significant, but the interval still reaches below the margin: what more seeds must
        # show is the advantage beyond min_effect (a one-sided test against the margin)
        factor = (abs(md) - min_effect) / abs(md)
        target = (f"that the observed difference exceeds min_effect={fmt_num(min_effect)} "
                  "(its interval clearing the margin)")
    d = d * factor
    if s.power == "simulation":
        rope_sd = 0.0
        d3 = float(f"{abs(d):.3g}")
        n = _simulated_n(s, d3, level, rope_sd, max(floor, pair.n_a or 2))
        how = (f"simulated power of the {s.label} ({_SIM_REPS} normal data sets per n)"
               if n is not None else f"simulated power of the {s.label}: beyond "
               f"{_SIM_MAX_N} seeds or the time budget")
        return SeedsNeeded(n if n is None else max(n, floor), target, how)
    n, how = _sized(s, d, level, paired, floor)
    if n is None:
        return SeedsNeeded(None, target, "")
    span = None
    interval = (effect_interval(observed, n_a, n_b, paired, missed_at=missed_at)
                if observed else None)
    if interval is not None:
        lo_d, hi_d = interval[0] * factor, interval[1] * factor
        fewest = _sized(s, hi_d, level, paired, floor)[0] if hi_d > 0 else None
        most = _sized(s, lo_d, level, paired, floor)[0] if lo_d > 0 else None
        span = (fewest if fewest is not None else floor, most)
    return SeedsNeeded(n, target, how, span)


def _sized(s: TestSpec, d: float, level: float, paired: bool, floor: int) -> tuple[
        int | None, str]:
    """Seeds for effect ``d`` by the test's power formula, and how that was computed."""
    kind = "paired" if paired else "two-sample"
    n_t = _t_n(d, level, paired)
    if n_t is None:
        return None, ""
    if s.power == "rank":
        n = max(int(math.ceil(n_t * math.pi / 3.0)), floor)
        how = (f"{kind} t-test power divided by the {s.label}'s efficiency 3/pi, and at least "
               f"the {floor} seeds at which it can reach {fmt_num(level, 3)}")
    elif s.power == "permutation":
        n = max(n_t, floor)
        how = f"{kind} t-test power (same statistic), at least its exact minimum n ({floor})"
    else:
        n = max(n_t, floor)
        how = f"power of the {kind} t-test" + (f", at least its calibrated {floor}"
                                                 if floor > 2 else "")
    return n, how
