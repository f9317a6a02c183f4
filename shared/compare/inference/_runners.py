"""Running one registered test on one pair: a ``PairOutcome`` whose direction, estimate and CI
all come from that test.

A runner is a function ``(plan, paired, ctx) -> PairOutcome``; each test's registry record
(``_registry.TestSpec.runner``) holds its own, so nothing here knows test names (the name
arrives in ``RunContext.test``). Each returns the test's
own estimate and CI (the mean difference and its t / BCa / permutation CI for the mean tests,
the Hodges-Lehmann shift and its distribution-free CI for the rank tests, Cliff's delta for
ASO, the Walsh-average shift with the posterior for the Bayesian test) and the direction that
test found (``a_higher``). The mean difference and its t-interval are kept beside, as
description only: a report may show them, never decide with them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shared.compare.configs._pairing import PairPlan
from shared.errors import InputError

__all__ = [
    "ASO_THRESHOLD",
    "PairOutcome",
    "FamilyRunner",
    "PairRunner",
    "RankOutcome",
    "RunContext",
    "aso_runner",
    "bayes_runner",
    "bootstrap_runner",
    "brunner_munzel_runner",
    "holm_rank_runner",
    "mean_diff_ci",
    "nemenyi_runner",
    "permutation_runner",
    "rank_runner",
    "stats_runner",
    "t_runner",
]

#: ASO's epsilon_min threshold (Ulmer et al. 2022, deep-significance's recommendation).
ASO_THRESHOLD = 0.2


@dataclass(frozen=True)
class RunContext:
    """What a runner needs besides the data."""

    goal: str
    level: float
    alpha: float
    seed: Any
    min_effect: float
    num_comparisons: int
    # the t-interval of the mean difference when already computed in bulk (large families)
    mean_ci: tuple[tuple[float, float] | None, str] | None = None
    #: the registered name of the test being run (what its ``PairOutcome.test`` says)
    test: str = ""


@dataclass
class PairOutcome:
    """What one test on one pair produced (before correction).

    ``estimate``/``ci`` are the test's own (see ``_registry.TestSpec.estimate``);
    ``a_higher`` is the direction the test found (a's metric higher than b's), ``None`` when
    it found none. ``decided`` is set by tests that decide by their own rule (ASO, Bayes).
    """

    test: str
    paired: bool
    statistic: float | None
    df: float | None
    p_value: float | None
    estimate: float
    ci: tuple[float, float] | None
    ci_method: str
    method: str
    a_higher: bool | None
    mean_diff: float
    mean_ci: tuple[float, float] | None
    mean_ci_method: str
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    decided: bool | None = None


#: Runs one registered test on one pair (``_registry.TestSpec.runner``).
PairRunner = Callable[[PairPlan, bool, RunContext], PairOutcome]


@dataclass(frozen=True)
class RankOutcome:
    """What a rank-based family test found on complete blocks (before the pair results).

    ``pairs`` maps (i, j) column indices to (statistic, p, family-wise adjusted p,
    mean-rank difference i - j); ``why`` is the sentence each pair reports.
    """

    pairs: dict[tuple[int, int], tuple[float, float, float, float]]
    warnings: tuple[str, ...]
    why: str


#: Runs a rank-based family test (``_registry.TestSpec.family_runner``):
#: ``(seeds x configs matrix, control index or None, alpha, higher is better, names)``.
FamilyRunner = Callable[[np.ndarray, "int | None", float, bool, Sequence[str]], RankOutcome]


def _finite(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _ci(res: Any) -> tuple[float, float] | None:
    ci = getattr(res, "ci", None)
    if ci is None or not (math.isfinite(ci.low) and math.isfinite(ci.high)):
        return None
    return (float(ci.low), float(ci.high))


def _direction(x: float | None) -> bool | None:
    if x is None or not math.isfinite(x) or x == 0:
        return None
    return x > 0


def mean_diff_ci(a: np.ndarray, b: np.ndarray, paired: bool, level: float) -> tuple[
    tuple[float, float] | None, str
]:
    """t-interval of the mean difference (descriptive beside tests that estimate another thing).

    Example:
        >>> mean_diff_ci(np.array([1.0, 2, 3]), np.array([0.0, 1, 2.5]), True, 0.95)[1]
        'paired t'
    """
    from shared.stats import paired_t, welch_t

    try:
        res = paired_t(a, b, level) if paired else welch_t(a, b, level)
    except InputError:
        return None, ""
    return _ci(res), "paired t" if paired else "Welch t"


def _mean(plan: PairPlan, paired: bool, ctx: RunContext) -> tuple[
    float, tuple[float, float] | None, str
]:
    diff = float(np.mean(plan.a) - np.mean(plan.b))
    if ctx.mean_ci is not None:
        return diff, ctx.mean_ci[0], ctx.mean_ci[1]
    ci, how = mean_diff_ci(plan.a, plan.b, paired, ctx.level)
    return diff, ci, how


def t_runner(
    fn: Callable[..., Any],
    how: str,
    check: Callable[[np.ndarray, np.ndarray], list[str]] | None = None,
) -> PairRunner:
    """The runner of a t-test ``fn(a, b, level)``; ``how`` names its interval ("Welch t");
    ``check(a, b)`` returns warnings when the data visibly break the test's assumption.

    Example:
        >>> from shared import stats as st
        >>> from shared.compare.configs._pairing import PairPlan
        >>> plan = PairPlan(True, np.array([1.0, 2, 3, 5]), np.array([0.0, 1, 2.5, 3]), "")
        >>> oc = t_runner(st.paired_t, "paired t")(plan, True, RunContext(
        ...     "maximize", 0.95, 0.05, 0, 0.0, 1, test="paired-t"))
        >>> oc.test, oc.estimate, oc.ci_method
        ('paired-t', 1.125, 'paired t')
    """
    def run(plan: PairPlan, paired: bool, ctx: RunContext) -> PairOutcome:
        res = fn(plan.a, plan.b, ctx.level)
        diff = float(np.mean(plan.a) - np.mean(plan.b))
        p = _finite(res.pvalue)
        ci = _ci(res) if p is not None else None  # an undefined test has no interval
        warnings = list(res.warnings)
        if check is not None:  # the test's own assumption, where its record names one
            warnings.extend(check(plan.a, plan.b))
        return PairOutcome(ctx.test, paired, _finite(res.statistic), _finite(res.df), p, diff,
                           ci, how if ci else "", res.method, _direction(diff), diff, ci,
                           how if ci else "", dict(res.extra), warnings)
    return run


def unequal_spread(a: np.ndarray, b: np.ndarray) -> list[str]:
    """Student's t assumes equal variances: say so when the data visibly disagree.

    Brown-Forsythe (Levene's test around the medians, robust to heavy tails) at 0.05. With
    unequal n and unequal spread the pooled variance is wrong in the direction that declares
    false winners (33.6% at 6 vs 24 runs, sd 3 vs 1, issue 17's D1).

    Example:
        >>> unequal_spread(np.array([1.0, 9, -7, 12, -10, 3]), np.linspace(0, 1, 24))[0][:40]
        "Student's t assumes equal variances, but"
    """
    from scipy import stats

    if a.size < 3 or b.size < 3:
        return []
    p = float(stats.levene(a, b, center="median").pvalue)
    if not (p < 0.05):
        return []
    sa, sb = float(np.std(a, ddof=1)), float(np.std(b, ddof=1))
    return [f"Student's t assumes equal variances, but these look unequal (sd {sa:.3g} with "
            f"{a.size} runs vs {sb:.3g} with {b.size}, Brown-Forsythe p={p:.2g}); its p-value "
            "can declare false winners here: use test='welch'"]


def _signed_rank_direction(extra: dict[str, Any]) -> float:
    # W+ vs W-: the signed-rank statistic's own direction
    return float(extra.get("w_plus", 0.0)) - float(extra.get("w_minus", 0.0))


def _rank_sum_direction(extra: dict[str, Any]) -> float:
    # U vs its null mean: the sign of Cliff's delta
    return float(extra.get("prob_superiority", 0.5)) - 0.5


def rank_runner(fn: Callable[..., Any], paired_test: bool) -> PairRunner:
    """The runner of a rank test ``fn(a, b, level)`` estimating the Hodges-Lehmann shift:
    the signed-rank test (``paired_test``) or the rank-sum test."""
    direction = _signed_rank_direction if paired_test else _rank_sum_direction

    def run(plan: PairPlan, paired: bool, ctx: RunContext) -> PairOutcome:
        res = fn(plan.a, plan.b, ctx.level)
        extra = dict(res.extra)
        hl = float(res.estimate)
        # direction of the rank statistic itself; the Hodges-Lehmann shift agrees with it
        # except in rare ties at 0
        dev = direction(extra)
        mdiff, mci, mhow = _mean(plan, paired, ctx)
        extra["robust_sd"] = _robust_sd(plan, paired)
        achieved = extra.get("ci_level_achieved")
        how = "Hodges-Lehmann (distribution-free)"
        if achieved is not None and achieved < ctx.level - 1e-9:
            how += f", {achieved:.1%} coverage"
        p = _finite(res.pvalue)
        return PairOutcome(ctx.test, paired, _finite(res.statistic), _finite(res.df), p, hl,
                           _ci(res) if p is not None else None, how if p is not None else "",
                           res.method, _direction(dev), mdiff, mci, mhow, extra,
                           list(res.warnings))
    return run


def stats_runner(fn: Callable[..., Any], how: str, *, paired_arg: bool = False) -> PairRunner:
    """The runner of any test in ``shared.stats`` returning the common result shape whose
    ``estimate`` (a - b) and ``confidence_interval()`` are the test's own: its direction is the
    estimate's sign, ``how`` names its interval. ``fn(a, b, level)``, or
    ``fn(a, b, level, paired=...)`` with ``paired_arg``. A new test needs no other runner.

    Example:
        >>> from shared import stats as st
        >>> from shared.compare.configs._pairing import PairPlan
        >>> run = stats_runner(st.welch_t, "Welch t")
        >>> plan = PairPlan(False, np.array([1.0, 2, 3, 5]), np.array([0.0, 1, 2.5, 3]), "")
        >>> run(plan, False, RunContext("maximize", 0.95, 0.05, 0, 0.0, 1, test="x")).estimate
        1.125
    """
    def run(plan: PairPlan, paired: bool, ctx: RunContext) -> PairOutcome:
        res = (fn(plan.a, plan.b, ctx.level, paired=paired) if paired_arg
               else fn(plan.a, plan.b, ctx.level))
        est = _finite(res.estimate)
        p = _finite(res.pvalue)
        ci = _ci(res) if p is not None else None
        mdiff, mci, mhow = _mean(plan, paired, ctx)
        return PairOutcome(ctx.test, paired, _finite(res.statistic), _finite(res.df), p,
                           est if est is not None else math.nan, ci, how if ci else "",
                           res.method, _direction(est), mdiff, mci, mhow, dict(res.extra),
                           list(res.warnings))
    return run


def _robust_sd(plan: PairPlan, paired: bool) -> float | None:
    """A scale the rank tests' shift can be standardised by, untouched by a far run: the
    normal-consistent MAD of the differences (paired) or of both samples around their
    medians (unpaired). ``None`` when it is 0."""
    if paired:
        dev = plan.a - plan.b
        dev = dev - np.median(dev)
    else:
        dev = np.concatenate([plan.a - np.median(plan.a), plan.b - np.median(plan.b)])
    mad = 1.4826 * float(np.median(np.abs(dev)))
    return mad if mad > 0 and math.isfinite(mad) else None


def permutation_runner(plan: PairPlan, paired: bool, ctx: RunContext) -> PairOutcome:
    from shared import stats as st

    res = st.permutation_test(plan.a, plan.b, paired=paired, n_resamples=10000, seed=ctx.seed)
    mdiff, mci, mhow = _mean(plan, paired, ctx)
    ci = _ci(res)
    ci_how = res.method if ci is not None else mhow
    if ci is None:
        # the permutation test has no interval of its own: the t-interval of the same
        # estimate (the mean difference), labelled as such
        ci = mci
    return PairOutcome(ctx.test, paired, _finite(res.statistic), _finite(res.df),
                       _finite(res.pvalue), mdiff, ci, ci_how, res.method, _direction(mdiff),
                       mdiff, mci, mhow, dict(res.extra), list(res.warnings))


def bootstrap_runner(plan: PairPlan, paired: bool, ctx: RunContext) -> PairOutcome:
    from shared import stats as st

    res = st.bootstrap_diff(plan.a, plan.b, paired=paired, n_resamples=10000, level=ctx.level,
                            seed=ctx.seed)
    mdiff, mci, mhow = _mean(plan, paired, ctx)
    return PairOutcome(ctx.test, paired, _finite(res.statistic), _finite(res.df),
                       _finite(res.pvalue), mdiff, _ci(res), "BCa bootstrap", res.method,
                       _direction(mdiff), mdiff, mci, mhow, dict(res.extra),
                       list(res.warnings))


def brunner_munzel_runner(plan: PairPlan, paired: bool, ctx: RunContext) -> PairOutcome:
    """The Brunner-Munzel test (unpaired): its relative effect P(b < a) + P(b = a)/2, reported
    as Cliff's delta ``2 p - 1`` with its studentized-permutation interval (same scale as
    the effect-size column and ASO's estimate)."""
    from shared import stats as st

    res = st.brunner_munzel(plan.a, plan.b, ctx.level, seed=ctx.seed)
    p = _finite(res.pvalue)
    est = 2.0 * float(res.estimate) - 1.0
    ci = _ci(res) if p is not None else None
    ci = (2.0 * ci[0] - 1.0, 2.0 * ci[1] - 1.0) if ci is not None else None
    mdiff, mci, mhow = _mean(plan, False, ctx)
    # the direction is the statistic's own (the estimate's sign, 0 when it found none)
    return PairOutcome(ctx.test, False, _finite(res.statistic), _finite(res.df), p, est, ci,
                       "Brunner-Munzel, studentized permutation" if ci else "", res.method,
                       _direction(est), mdiff, mci, mhow, dict(res.extra),
                       list(res.warnings))


def aso_runner(plan: PairPlan, paired: bool, ctx: RunContext) -> PairOutcome:
    from shared import stats as st

    # ASO asks "is A better (higher) than B"; for a metric to minimise both are negated.
    sign = 1.0 if ctx.goal == "maximize" else -1.0
    res = st.aso(sign * plan.a, sign * plan.b, alpha=ctx.alpha, seed=ctx.seed,
                 num_comparisons=max(1, ctx.num_comparisons), threshold=ASO_THRESHOLD)
    extra = dict(res.extra)
    a_better, b_better = bool(extra.get("a_better")), bool(extra.get("b_better"))
    extra.update(a_better=a_better, b_better=b_better, threshold=ASO_THRESHOLD)
    cd = st.cliffs_delta(plan.a, plan.b, level=ctx.level)
    a_higher = None
    if a_better != b_better:
        a_higher = a_better == (ctx.goal == "maximize")
    eps = _finite(extra.get("epsilon_min"))
    eps_rev = _finite(extra.get("epsilon_min_reverse"))
    stat = eps_rev if b_better and not a_better else eps
    mdiff, mci, mhow = _mean(plan, False, ctx)
    return PairOutcome(ctx.test, False, stat, None, None, float(cd.value), _ci(cd),
                       "Cliff's delta (Feng & Cliff)", res.method, a_higher, mdiff, mci, mhow,
                       extra, list(res.warnings) + list(cd.warnings),
                       decided=a_higher is not None)


def bayes_runner(plan: PairPlan, paired: bool, ctx: RunContext) -> PairOutcome:
    from shared import stats as st

    sign = 1.0 if ctx.goal == "maximize" else -1.0
    res = st.bayes_signed_rank(sign * plan.a, sign * plan.b, rope=float(ctx.min_effect),
                               seed=ctx.seed)
    # Benavoli et al. decide at P >= 0.95 for one side, which is a two-sided 10% rule; each
    # direction gets alpha/2 (Bonferroni over the family), measured in the calibration
    threshold = 1.0 - ctx.alpha / (2.0 * max(1, ctx.num_comparisons))
    p_a, p_b = float(res.p_left), float(res.p_right)
    a_higher = None
    if max(p_a, p_b) >= threshold:
        a_higher = (p_a > p_b) == (ctx.goal == "maximize")
    d = plan.a - plan.b
    iu = np.triu_indices(d.size)
    hl = float(np.median((d[iu[0]] + d[iu[1]]) / 2.0))
    mdiff, mci, mhow = _mean(plan, True, ctx)
    extra = {"p_a_better": p_a, "p_rope": float(res.p_rope), "p_b_better": p_b,
             "rope": float(ctx.min_effect), "threshold": threshold}
    return PairOutcome(ctx.test, True, None, None, None, hl, None, "",
                       "posterior (Monte Carlo)", a_higher, mdiff, mci, mhow, extra,
                       list(getattr(res, "warnings", ()) or ()), decided=a_higher is not None)




def nemenyi_runner(matrix: np.ndarray, control: int | None, alpha: float, hib: bool,
                   names: Sequence[str]) -> RankOutcome:
    """Nemenyi's test on Friedman mean ranks, every pair (``control`` is not used)."""
    from shared import stats as st

    ph = st.nemenyi(matrix, alpha, higher_is_better=hib)
    return RankOutcome(
        {(q.i, q.j): (q.statistic, q.pvalue, q.p_adjusted, q.rank_diff) for q in ph.pairs},
        tuple(ph.warnings),
        "Nemenyi test on Friedman mean ranks (Demsar 2006); its p-values are family-wise by "
        "construction, so no further correction is applied",
    )


def holm_rank_runner(matrix: np.ndarray, control: int | None, alpha: float, hib: bool,
                     names: Sequence[str]) -> RankOutcome:
    """z-tests on Friedman mean ranks with Holm: against ``control`` when one was given in
    advance, else over every pair (Demsar 2006)."""
    from shared import stats as st

    if control is not None:
        ph = st.holm_vs_control(matrix, control, alpha, higher_is_better=hib)
        return RankOutcome(
            {(q.i, q.j): (q.statistic, q.pvalue, q.p_adjusted, q.rank_diff) for q in ph.pairs},
            tuple(ph.warnings),
            f"z-test on Friedman mean ranks against the baseline {names[control]}, Holm "
            "step-down (Demsar 2006)",
        )
    return RankOutcome(
        _holm_all_pairs(matrix, hib), (),
        "z-test on Friedman mean ranks for every pair, Holm step-down (Demsar 2006); no "
        "baseline was given, so no control is picked from the data",
    )


def _holm_all_pairs(matrix: np.ndarray, hib: bool) -> dict[tuple[int, int], tuple[float, float,
                                                                                 float, float]]:
    """Every pair: (z, p, Holm-adjusted p, rank_diff) of the mean-rank z-test (Demsar 2006)."""
    from scipy import special

    from shared import stats as st

    n, k = matrix.shape
    ranks = st.friedman(matrix, higher_is_better=hib).extra["mean_ranks"]
    se = math.sqrt(k * (k + 1.0) / (6.0 * n))
    keys = [(i, j) for i in range(k) for j in range(i + 1, k)]
    rd = np.array([ranks[i] - ranks[j] for i, j in keys], dtype=float)
    z = rd / se
    p = np.minimum(1.0, 2.0 * special.ndtr(-np.abs(z)))
    if k == 2:  # the sign test: exact (the normal approximation rejects too often at small n)
        from shared.stats._friedman import _block_ranks
        from shared.stats._posthoc import two_config_exact_p

        p = np.array([two_config_exact_p(_block_ranks(matrix, hib))])
    adj = st.adjust_pvalues(p, "holm")
    return {key: (float(z[m]), float(p[m]), float(adj[m]), float(rd[m]))
            for m, key in enumerate(keys)}
