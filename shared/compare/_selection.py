"""Which test for which data, and why (``test="auto"``), and running a named test on a pair.

``auto`` for two configurations, as a careful statistician would choose:

* **Paired** (both have the same seeds; see ``_pairing``): the paired differences are checked
  for normality with Shapiro-Wilk (needs n >= 3). Normal -> paired t-test. Not normal ->
  Wilcoxon signed-rank, exact for small n (ties and zeros handled). All differences equal ->
  the t-test is undefined, the exact signed-rank test is used instead. Two pairs only ->
  paired t (nothing else can say anything), with a warning that normality is unchecked.
* **Unpaired**: each configuration checked with Shapiro-Wilk. Both normal (or too few runs to
  tell) -> Welch's t-test (never assumes equal variances). Otherwise Mann-Whitney U, exact
  for small samples.

With three or more configurations one test family is chosen for all pairs so the corrected
family is homogeneous: normality is checked once on the pooled residuals (seed x config
two-way residuals when every configuration has the same seeds, within-configuration
standardised residuals otherwise), which is more powerful than one check per pair and keeps
100 configurations fast. Normality of the differences is tested at :data:`NORMALITY_ALPHA`.
The omnibus test follows the same check: repeated-measures ANOVA (Greenhouse-Geisser
corrected unless sphericity holds) or Welch's ANOVA when the data look normal, Friedman with
the Iman-Davenport correction or Kruskal-Wallis otherwise.

Why pairwise tests with Holm rather than Nemenyi under ``auto``: the mean-rank post-hoc tests
make the verdict on A vs B depend on which other configurations happen to be in the
comparison (Benavoli, Corani & Mangili 2016, "Should we really use post-hoc tests based on
mean-ranks?", JMLR 17). They remain available by name (``friedman-nemenyi``,
``friedman-holm``, Demsar 2006), and the Nemenyi critical difference is always reported for
the CD diagram.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shared.compare._pairing import PairPlan
from shared.errors import InputError
from shared.stats._rank import EXACT_MAX_N

__all__ = [
    "TESTS",
    "CORRECTIONS",
    "NORMALITY_ALPHA",
    "PAIRED_ONLY",
    "UNPAIRED_ONLY",
    "MULTI_ONLY",
    "Choice",
    "PairOutcome",
    "shapiro_p",
    "is_constant",
    "choose_auto",
    "choose_family",
    "family_choice",
    "run_pair_test",
]

TESTS: tuple[str, ...] = (
    "auto",
    "paired-t",
    "welch",
    "student-t",
    "wilcoxon",
    "mann-whitney",
    "permutation",
    "bootstrap",
    "friedman-nemenyi",
    "friedman-holm",
    "aso",
    "bayes-signed-rank",
)
CORRECTIONS: tuple[str, ...] = ("holm", "bonferroni", "bh", "none")
PAIRED_ONLY = frozenset({"paired-t", "wilcoxon", "bayes-signed-rank"})
UNPAIRED_ONLY = frozenset({"welch", "student-t", "mann-whitney", "aso"})
MULTI_ONLY = frozenset({"friedman-nemenyi", "friedman-holm"})

#: Shapiro-Wilk level below which data are called "not normal".
NORMALITY_ALPHA = 0.05

# Shapiro-Wilk's p-value approximation is validated up to n = 5000 (scipy warns above).
_SHAPIRO_MAX = 5000


def is_constant(x: np.ndarray, *scale_from: np.ndarray) -> bool:
    """All values equal up to rounding noise, as ``shared.stats`` judges ties.

    ``scale_from``: the arrays whose magnitude sets the noise level (for differences
    ``a - b`` that is ``a`` and ``b``: 1000.3 - 1000.2 carries noise of order 1e-13, far above
    what the difference's own size suggests). Defaults to ``x`` itself.
    """
    from shared.stats._validate import is_constant as _constant
    from shared.stats._validate import tie_tolerance

    x = np.asarray(x, dtype=np.float64)
    if x.size < 2:
        return True
    return _constant(x, tie_tolerance(*(scale_from or (x,))))


def shapiro_p(x: np.ndarray, seed: int = 0) -> float | None:
    """Shapiro-Wilk p-value, or ``None`` when it cannot be computed (n < 3 or constant)."""
    from scipy import stats

    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size < 3 or is_constant(x):
        return None
    if x.size > _SHAPIRO_MAX:
        x = np.random.default_rng(seed).choice(x, _SHAPIRO_MAX, replace=False)
    return float(stats.shapiro(x).pvalue)


@dataclass(frozen=True)
class Choice:
    """The test to run on one pair and the reason, in words."""

    test: str
    paired: bool
    why: str


def _fmt_p(p: float) -> str:
    return f"{p:.2g}" if p >= 0.001 else "<0.001"


def choose_auto(plan: PairPlan) -> Choice:
    """``test="auto"`` for one pair (see the module docstring).

    Example:
        >>> from shared.compare._pairing import Sample, plan_pair
        >>> p = plan_pair(Sample("A", [1.0, 2, 3, 4, 5], [0, 1, 2, 3, 4]),
        ...               Sample("B", [1.1, 2.3, 3.2, 4.1, 5.3], [0, 1, 2, 3, 4]))
        >>> choose_auto(p).test
        'paired-t'
    """
    if plan.paired:
        d = plan.a - plan.b
        n = d.size
        if is_constant(d, plan.a, plan.b):
            return Choice(
                "wilcoxon",
                True,
                f"{plan.reason}; every paired difference is equal, so the t statistic is "
                "undefined: exact Wilcoxon signed-rank test",
            )
        if n < 3:
            return Choice(
                "paired-t",
                True,
                f"{plan.reason}; only {n} pairs, too few to check normality: paired t-test "
                "(little power)",
            )
        p = shapiro_p(d)
        if p is not None and p < NORMALITY_ALPHA:
            return Choice(
                "wilcoxon",
                True,
                f"{plan.reason}; differences are not normal (Shapiro-Wilk p={_fmt_p(p)}): "
                "Wilcoxon signed-rank test" + (" (exact)" if n <= EXACT_MAX_N else ""),
            )
        return Choice(
            "paired-t",
            True,
            f"{plan.reason}; differences look normal (Shapiro-Wilk p={_fmt_p(p or 1.0)}): "
            "paired t-test",
        )
    a, b = plan.a, plan.b
    if is_constant(a) and is_constant(b):
        return Choice(
            "mann-whitney",
            False,
            f"{plan.reason}; both configurations have zero spread, so t is undefined: "
            "Mann-Whitney U test (exact)",
        )
    if a.size < 3 or b.size < 3:
        return Choice(
            "welch",
            False,
            f"{plan.reason}; too few runs ({a.size} and {b.size}) to check normality: "
            "Welch's t-test (does not assume equal variances)",
        )
    pa, pb = shapiro_p(a), shapiro_p(b)
    bad = [p for p in (pa, pb) if p is not None and p < NORMALITY_ALPHA]
    if bad:
        return Choice(
            "mann-whitney",
            False,
            f"{plan.reason}; values are not normal (Shapiro-Wilk p={_fmt_p(min(bad))}): "
            "Mann-Whitney U test" + (" (exact)" if a.size + b.size <= EXACT_MAX_N else ""),
        )
    shown = ", ".join(_fmt_p(p) for p in (pa, pb) if p is not None) or "n/a"
    return Choice(
        "welch",
        False,
        f"{plan.reason}; values look normal (Shapiro-Wilk p={shown}): Welch's t-test "
        "(does not assume equal variances)",
    )


def family_choice(
    samples: Sequence[np.ndarray], matrix: np.ndarray | None, seed: int = 0
) -> tuple[bool, str]:
    """Pooled normality check for 3+ configurations: ``(parametric, reason)``.

    ``matrix`` (seeds x configs, complete blocks) gives two-way residuals
    ``x_ij - row_i - col_j + grand``; otherwise each configuration's values are centred and
    scaled by its own standard deviation.
    """
    if matrix is not None and matrix.shape[0] >= 2:
        m = np.asarray(matrix, dtype=np.float64)
        resid = m - m.mean(axis=1, keepdims=True) - m.mean(axis=0, keepdims=True) + m.mean()
        what = "two-way (seed x config) residuals"
        r = resid.ravel()
    else:
        parts = []
        for s in samples:
            s = np.asarray(s, dtype=np.float64)
            if s.size >= 2 and not is_constant(s):
                parts.append((s - s.mean()) / s.std(ddof=1))
        r = np.concatenate(parts) if parts else np.empty(0)
        what = "within-configuration standardised residuals"
    p = shapiro_p(r, seed)
    if p is None:
        return True, f"normality of {what} cannot be checked"
    if p < NORMALITY_ALPHA:
        return False, f"{what} are not normal (Shapiro-Wilk p={_fmt_p(p)})"
    return True, f"{what} look normal (Shapiro-Wilk p={_fmt_p(p)})"


def choose_family(plan: PairPlan, parametric: bool, reason: str) -> Choice:
    """The test for one pair within a 3+ configuration family."""
    if plan.paired:
        d = plan.a - plan.b
        if is_constant(d, plan.a, plan.b):
            return Choice(
                "wilcoxon",
                True,
                f"{plan.reason}; every paired difference is equal (t undefined): exact "
                "Wilcoxon signed-rank test",
            )
        if parametric:
            return Choice("paired-t", True, f"{plan.reason}; {reason}: paired t-test")
        return Choice("wilcoxon", True, f"{plan.reason}; {reason}: Wilcoxon signed-rank test")
    if is_constant(plan.a) and is_constant(plan.b):
        return Choice(
            "mann-whitney", False, f"{plan.reason}; both have zero spread: Mann-Whitney U test"
        )
    if parametric:
        return Choice("welch", False, f"{plan.reason}; {reason}: Welch's t-test")
    return Choice("mann-whitney", False, f"{plan.reason}; {reason}: Mann-Whitney U test")


_NAMED_WHY = {
    "paired-t": "paired t-test (requested)",
    "welch": "Welch's t-test (requested)",
    "student-t": "Student's t-test, pooled variance (requested)",
    "wilcoxon": "Wilcoxon signed-rank test (requested)",
    "mann-whitney": "Mann-Whitney U test (requested)",
    "permutation": "permutation test of the mean difference (requested)",
    "bootstrap": "BCa bootstrap of the mean difference (requested)",
    "aso": (
        "Almost Stochastic Order, Dror et al. 2019 (requested): a configuration is better when "
        "epsilon_min < 0.5, at a confidence level Bonferroni-adjusted for the family"
    ),
    "bayes-signed-rank": (
        "Bayesian signed-rank test, Benavoli et al. 2017 (requested): ROPE = min_effect, "
        "decided when a posterior probability reaches 1 - alpha"
    ),
}


def choose_named(plan: PairPlan, test: str, a_name: str, b_name: str) -> Choice:
    """The requested test on one pair; ``InputError`` when the data cannot support it."""
    if test in PAIRED_ONLY:
        if not plan.paired:
            raise InputError(
                f"test {test!r} needs runs paired by a seed key, but {a_name} vs {b_name} is "
                f"{plan.reason}; use --test auto, welch or mann-whitney, or pass --seed-key"
            )
        return Choice(test, True, f"{plan.reason}; {_NAMED_WHY[test]}")
    if test in UNPAIRED_ONLY:
        note = "; runs treated as independent" if plan.paired else ""
        return Choice(test, False, f"{_NAMED_WHY[test]}{note}")
    return Choice(test, plan.paired, f"{plan.reason}; {_NAMED_WHY[test]}")


@dataclass
class PairOutcome:
    """What one test on one pair produced (before correction)."""

    test: str
    paired: bool
    statistic: float | None
    df: float | None
    p_value: float | None
    ci: tuple[float, float] | None  # of the mean difference
    ci_method: str
    method: str
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # ASO and the Bayesian test decide by their own rule instead of a p-value
    own_significance: bool | None = None


def _finite(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _ci(res: Any) -> tuple[float, float] | None:
    ci = getattr(res, "ci", None)
    if ci is None:
        return None
    return (float(ci.low), float(ci.high))


def _mean_diff_ci(a: np.ndarray, b: np.ndarray, paired: bool, level: float) -> tuple[
    tuple[float, float] | None, str
]:
    """t-interval of the mean difference (used when the chosen test estimates something else)."""
    from shared.stats import paired_t, welch_t

    try:
        res = paired_t(a, b, level) if paired else welch_t(a, b, level)
    except InputError:
        return None, ""
    ci = _ci(res)
    if ci is None or not all(math.isfinite(v) for v in ci):
        return ci, "t (undefined)"
    return ci, "paired t" if paired else "Welch t"


def run_pair_test(
    plan: PairPlan,
    choice: Choice,
    *,
    goal: str,
    level: float,
    alpha: float,
    seed: int,
    min_effect: float,
    num_comparisons: int,
    diff_ci: tuple[tuple[float, float], str] | None = None,
) -> PairOutcome:
    """Run ``choice.test`` on the planned samples (``diff = a - b``).

    ``diff_ci``: the t-interval of the mean difference and its label when already computed in
    bulk (large families); otherwise it is computed here when the test does not give one.
    """
    from shared import stats as st

    a, b = plan.a, plan.b

    def _mean_ci(paired: bool) -> tuple[tuple[float, float] | None, str]:
        if diff_ci is not None:
            return diff_ci
        return _mean_diff_ci(a, b, paired, level)

    t = choice.test
    if t in ("paired-t", "welch", "student-t"):
        fn = {"paired-t": st.paired_t, "welch": st.welch_t, "student-t": st.student_t}[t]
        res = fn(a, b, level)
        p = _finite(res.pvalue)
        ci = _ci(res)
        ci_method = "paired t" if t == "paired-t" else ("Welch t" if t == "welch" else "Student t")
        warnings = list(res.warnings)
        return PairOutcome(t, choice.paired, _finite(res.statistic), _finite(res.df), p, ci,
                           ci_method, res.method, dict(res.extra), warnings)
    if t in ("wilcoxon", "mann-whitney"):
        res = st.wilcoxon(a, b, level) if t == "wilcoxon" else st.mann_whitney(a, b, level)
        ci, ci_method = _mean_ci(choice.paired)
        extra = dict(res.extra)
        extra["hodges_lehmann"] = _finite(res.estimate)
        extra["hodges_lehmann_ci"] = list(_ci(res)) if res.ci is not None else None
        return PairOutcome(t, choice.paired, _finite(res.statistic), _finite(res.df),
                           _finite(res.pvalue), ci, ci_method, res.method, extra,
                           list(res.warnings))
    if t == "permutation":
        res = st.permutation_test(a, b, paired=choice.paired, n_resamples=10000, seed=seed)
        ci = _ci(res)
        ci_method = res.method if ci is not None else ""
        if ci is None:
            ci, ci_method = _mean_ci(choice.paired)
        return PairOutcome(t, choice.paired, _finite(res.statistic), _finite(res.df),
                           _finite(res.pvalue), ci, ci_method, res.method, dict(res.extra),
                           list(res.warnings))
    if t == "bootstrap":
        res = st.bootstrap_diff(a, b, paired=choice.paired, n_resamples=10000, level=level,
                                seed=seed)
        return PairOutcome(t, choice.paired, _finite(res.statistic), _finite(res.df),
                           _finite(res.pvalue), _ci(res), "BCa bootstrap", res.method,
                           dict(res.extra), list(res.warnings))
    if t == "aso":
        # ASO asks "is A better (higher) than B"; for a metric to minimise both are negated.
        sign = 1.0 if goal == "maximize" else -1.0
        res = st.aso(sign * a, sign * b, alpha=alpha, seed=seed,
                     num_comparisons=max(1, num_comparisons))
        ci, ci_method = _mean_ci(choice.paired)
        extra = dict(res.extra)
        eps = _finite(extra.get("epsilon_min"))
        eps_rev = _finite(extra.get("epsilon_min_reverse"))
        extra["a_better"] = bool(extra.get("a_better"))
        extra["b_better"] = bool(extra.get("b_better"))
        sig = bool(extra["a_better"] or extra["b_better"])
        return PairOutcome(t, False, eps if eps is not None else eps_rev, None, None, ci,
                           ci_method, res.method, extra, list(res.warnings), sig)
    if t == "bayes-signed-rank":
        sign = 1.0 if goal == "maximize" else -1.0
        res = st.bayes_signed_rank(sign * a, sign * b, rope=float(min_effect), seed=seed)
        ci, ci_method = _mean_ci(True)
        extra = {
            "p_a_better": float(res.p_left),
            "p_rope": float(res.p_rope),
            "p_b_better": float(res.p_right),
            "rope": float(min_effect),
        }
        # Benavoli et al. (2017): decide when a posterior probability exceeds 1 - alpha.
        sig = max(res.p_left, res.p_right) >= 1.0 - alpha
        return PairOutcome(t, True, None, None, None, ci, ci_method,
                           "posterior (Monte Carlo)", extra,
                           list(getattr(res, "warnings", ()) or ()), sig)
    raise InputError(f"test {t!r} cannot be run on a single pair")
