"""Which test for which data, and why (``test="auto"``), and checking a named test on a pair.

``auto`` for two configurations, as a careful statistician would choose:

* **Paired** (both have the same seeds; see ``_pairing``): the paired differences are checked
  for normality with Shapiro-Wilk (needs n >= 3). Normal -> paired t-test. Not normal ->
  Wilcoxon signed-rank, exact for small n (ties and zeros handled). All differences equal ->
  the t-test is undefined, the exact signed-rank test is used instead. Two pairs only ->
  paired t (nothing else can say anything), with a warning that normality is unchecked.
  A rank test is chosen only where it can reach the per-pair threshold of the correction at
  this n (the exact signed-rank test cannot go below p = 2/2^n: 0.0625 at n = 5); otherwise
  the t-test is kept and ``why`` says so. Colas, Sigaud & Oudeyer (2019) measured Welch's t
  as the robust choice at small n (rank tests and the bootstrap misbehave there); the whole
  two-stage procedure (Shapiro-Wilk, then the test) is what ``benchmarks/calibration.py``
  measures as ``auto``.
* **Unpaired**: each configuration checked with Shapiro-Wilk. Both normal (or too few runs to
  tell) -> Welch's t-test (never assumes equal variances). Otherwise the Brunner-Munzel test
  (Brunner & Munzel 2000), with its studentized permutation p-value below 30 runs (Neubert &
  Brunner 2007; Pauly, Asendorf & Konietschke 2016): like Welch's t it does not assume equal
  spreads or shapes, which the Mann-Whitney U test does (it tests identical distributions:
  6 vs 24 runs with sd 3 vs 1 and t(3)/t(2) noise, equal centres, gave 9.6% false winners,
  issue 17's D1). Under equal shapes its power matches Mann-Whitney's (both are rank tests of
  the same relative effect; ``benchmarks/calibration.py`` measures both). Its estimate is
  Cliff's delta, not metric units: when ``min_effect`` must be judged (an interval in metric
  units) Welch's t-test is chosen instead. Mann-Whitney stays available by name.

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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shared.compare.configs._pairing import PairPlan, is_constant
from shared.compare.inference._registry import (
    REGISTRY,
    TESTS,
    TestSpec,
    min_n_reaching,
    smallest_p,
    spec,
)
from shared.errors import InputError, Param
from shared.stats._correction import CORRECTIONS
from shared.stats._rank import EXACT_MAX_N

__all__ = [
    "TESTS",
    "CORRECTIONS",
    "NORMALITY_ALPHA",
    "PAIRED_ONLY",
    "UNPAIRED_ONLY",
    "MULTI_ONLY",
    "Choice",
    "shapiro_p",
    "unreachable",
    "choose_auto",
    "choose_family",
    "choose_named",
    "check_named",
    "family_choice",
]

# derived from the registry (kept for callers that ask "is this test paired-only?")
PAIRED_ONLY = frozenset(n for n, s in REGISTRY.items() if s.paired_only and not s.family)
UNPAIRED_ONLY = frozenset(n for n, s in REGISTRY.items() if s.unpaired_only)
MULTI_ONLY = frozenset(n for n, s in REGISTRY.items() if s.family)

#: Shapiro-Wilk level below which data are called "not normal".
NORMALITY_ALPHA = 0.05

# Shapiro-Wilk's p-value approximation is validated up to n = 5000 (scipy warns above).
_SHAPIRO_MAX = 5000


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
    """The test to run on one pair and the reason, in words.

    ``reach``: ``None`` when the test can reach ``level`` (the smallest per-pair threshold of
    the correction) with these sample sizes, else one sentence saying it cannot and with how
    many seeds it could. ``refused``: the test is not calibrated at this n and must not
    decide (``reach`` says why).
    """

    test: str
    paired: bool
    why: str
    reach: str | None = None
    refused: bool = False


def _fmt_p(p: float) -> str:
    return f"{p:.2g}" if p >= 0.001 else "<0.001"


def unreachable(s: TestSpec, na: int, nb: int, paired: bool, level: float) -> str | None:
    """``None`` when test ``s`` can reach ``level`` at these sizes, else why not (one clause).

    Example:
        >>> unreachable(spec("wilcoxon"), 5, 5, True, 0.05)
        'the Wilcoxon signed-rank test cannot reach 0.05 with n=5 (smallest possible p 0.0625; needs n >= 6)'
    """
    p_min = smallest_p(s, na, nb, paired)
    if p_min <= level:
        return None
    n_txt = f"n={na}" if paired else f"n={na}+{nb}"
    return (f"the {s.label} cannot reach {level:.3g} with {n_txt} (smallest possible p "
            f"{p_min:.3g}; needs n >= {min_n_reaching(s, level, paired)})")


def _also(rank: TestSpec, cannot: str | None) -> str:
    """What else was possible when the t-test is chosen on normal-looking data."""
    if cannot is None:
        return f" (the {rank.label} was possible too; the t-test has more power on normal data)"
    return f" ({cannot})"


def _exact_note(s: TestSpec, n: int) -> str:
    return " (exact)" if n <= EXACT_MAX_N else ""


def choose_auto(plan: PairPlan, level: float = 0.05, margin: bool = False) -> Choice:
    """``test="auto"`` for one pair (see the module docstring).

    ``level``: the smallest per-pair threshold the correction will apply (alpha / m for Holm,
    Bonferroni and BH; alpha uncorrected). A rank test that cannot reach it at this n is never
    chosen: the t-test is, and ``why`` says so. ``margin``: ``min_effect`` is to be judged, so
    the test needs an interval in metric units (Welch's t rather than Brunner-Munzel).

    Example:
        >>> from shared.compare.configs._pairing import Sample, plan_pair
        >>> p = plan_pair(Sample("A", [1.0, 2, 3, 4, 5], [0, 1, 2, 3, 4]),
        ...               Sample("B", [1.1, 2.3, 3.2, 4.1, 5.3], [0, 1, 2, 3, 4]))
        >>> choose_auto(p).test
        'paired-t'
    """
    a, b = plan.a, plan.b
    if plan.paired:
        d = a - b
        n = d.size
        rank = spec("wilcoxon")
        cannot = unreachable(rank, n, n, True, level)
        if is_constant(d, a, b):
            return Choice(
                "wilcoxon", True,
                f"{plan.reason}; every paired difference is equal, so the t statistic is "
                "undefined: exact Wilcoxon signed-rank test", cannot,
            )
        if n < 3:
            return Choice(
                "paired-t", True,
                f"{plan.reason}; only {n} pairs, too few to check normality: paired t-test "
                "(little power)",
            )
        p = shapiro_p(d)
        if p is not None and p < NORMALITY_ALPHA:
            if cannot is None:
                return Choice(
                    "wilcoxon", True,
                    f"{plan.reason}; differences are not normal (Shapiro-Wilk p={_fmt_p(p)}): "
                    "Wilcoxon signed-rank test" + _exact_note(rank, n),
                )
            return Choice(
                "paired-t", True,
                f"{plan.reason}; differences are not normal (Shapiro-Wilk p={_fmt_p(p)}) but "
                f"{cannot}: paired t-test, robust at small n (Colas et al. 2019)",
            )
        return Choice(
            "paired-t", True,
            f"{plan.reason}; differences look normal (Shapiro-Wilk p={_fmt_p(p or 1.0)}): "
            "paired t-test" + _also(rank, cannot),
        )
    if is_constant(a) and is_constant(b):
        return Choice(
            "mann-whitney", False,
            f"{plan.reason}; both configurations have zero spread, so t is undefined: "
            "Mann-Whitney U test (exact)",
            unreachable(spec("mann-whitney"), a.size, b.size, False, level),
        )
    if a.size < 3 or b.size < 3:
        return Choice(
            "welch", False,
            f"{plan.reason}; too few runs ({a.size} and {b.size}) to check normality: "
            "Welch's t-test (does not assume equal variances)",
        )
    pa, pb = shapiro_p(a), shapiro_p(b)
    bad = [p for p in (pa, pb) if p is not None and p < NORMALITY_ALPHA]
    if bad:
        return _unpaired_not_normal(plan, f"values are not normal (Shapiro-Wilk "
                                    f"p={_fmt_p(min(bad))})", level, margin)
    rank = spec(UNPAIRED_RANK)
    cannot = unreachable(rank, a.size, b.size, False, level)
    shown = ", ".join(_fmt_p(p) for p in (pa, pb) if p is not None) or "n/a"
    return Choice(
        "welch", False,
        f"{plan.reason}; values look normal (Shapiro-Wilk p={shown}): Welch's t-test "
        "(does not assume equal variances)" + _also(rank, cannot),
    )


#: The rank test ``auto`` chooses for unpaired data that are not normal.
UNPAIRED_RANK = "brunner-munzel"


def _unpaired_not_normal(plan: PairPlan, reason: str, level: float, margin: bool) -> Choice:
    """Unpaired, not normal: Brunner-Munzel (valid with unequal spreads and shapes), or
    Welch's t-test where it cannot reach ``level`` or ``min_effect`` needs metric units."""
    rank = spec(UNPAIRED_RANK)
    cannot = unreachable(rank, plan.a.size, plan.b.size, False, level)
    if cannot is None and not margin:
        return Choice(
            UNPAIRED_RANK, False,
            f"{plan.reason}; {reason}: Brunner-Munzel test (does not assume equal "
            "spreads or shapes; studentized permutation p-value below 30 runs, Neubert & "
            "Brunner 2007)",
        )
    if cannot is None:
        return Choice(
            "welch", False,
            f"{plan.reason}; {reason}, but min_effect is judged on an interval in metric "
            "units, which the Brunner-Munzel test does not give: Welch's t-test (does not "
            "assume equal variances)",
        )
    return Choice(
        "welch", False,
        f"{plan.reason}; {reason}, but {cannot}: Welch's t-test, robust at small n "
        "(Colas et al. 2019)",
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


def choose_family(plan: PairPlan, parametric: bool, reason: str, level: float = 0.05,
                  margin: bool = False) -> Choice:
    """The test for one pair within a 3+ configuration family (``level`` and ``margin`` as in
    ``choose_auto``)."""
    na, nb = plan.a.size, plan.b.size
    if plan.paired:
        d = plan.a - plan.b
        cannot = unreachable(spec("wilcoxon"), na, na, True, level)
        if is_constant(d, plan.a, plan.b):
            return Choice(
                "wilcoxon", True,
                f"{plan.reason}; every paired difference is equal (t undefined): exact "
                "Wilcoxon signed-rank test", cannot,
            )
        if parametric:
            return Choice("paired-t", True, f"{plan.reason}; {reason}: paired t-test")
        if cannot is not None:
            return Choice("paired-t", True, f"{plan.reason}; {reason}, but {cannot}: paired "
                          "t-test, robust at small n (Colas et al. 2019)")
        return Choice("wilcoxon", True, f"{plan.reason}; {reason}: Wilcoxon signed-rank test")
    if is_constant(plan.a) and is_constant(plan.b):
        return Choice("mann-whitney", False,
                      f"{plan.reason}; both have zero spread: Mann-Whitney U test",
                      unreachable(spec("mann-whitney"), na, nb, False, level))
    if parametric:
        return Choice("welch", False, f"{plan.reason}; {reason}: Welch's t-test")
    return _unpaired_not_normal(plan, reason, level, margin)


def check_named(test: str, min_effect: float) -> None:
    """Refuse option combinations a named test cannot honour (one ``InputError`` line).

    Example:
        >>> check_named("bayes-signed-rank", 0.0)
        Traceback (most recent call last):
        ...
        shared.errors.InputError: test 'bayes-signed-rank' decides with a region of practical equivalence: give min_effect > 0 (the ROPE half-width, metric units)
    """
    if test == "auto":
        return
    s = spec(test)
    if s.decides_by == "posterior" and min_effect <= 0:
        raise InputError(
            f"test {test!r} decides with a region of practical equivalence: give "
            "min_effect > 0 (the ROPE half-width, metric units)"
        )
    if not s.margin and min_effect > 0:
        raise InputError(
            f"test {test!r} ({s.label}) has no interval in metric units to judge ",
            Param("min_effect", f"{min_effect:g}"),
            " against; use ",
            Param("min_effect", "0"),
            " or another test",
        )


def choose_named(plan: PairPlan, test: str, a_name: str, b_name: str,
                 level: float = 0.05) -> Choice:
    """The requested test on one pair; ``InputError`` when the data cannot support it.

    Below the n from which its decisions are calibrated (``TestSpec.min_n``) the test still
    runs (its statistics are reported) but refuses to decide: ``Choice.refused`` and
    ``Choice.reach`` say why and what n it needs. A test that cannot reach ``level`` at this
    n runs, and ``Choice.reach`` says it cannot decide.
    """
    s = spec(test)
    if s.paired_only and not plan.paired:
        raise InputError(
            f"test {test!r} needs runs paired by a seed key, but {a_name} vs {b_name} is "
            f"{plan.reason}; use ",
            Param("test", "'auto'"),
            ", 'welch' or 'mann-whitney', or give the seed key",
        )
    paired = plan.paired and not s.unpaired_only
    n = min(plan.a.size, plan.b.size)
    reach = unreachable(s, plan.a.size, plan.b.size, paired, level)
    refused = n < s.min_n
    if refused:
        reach = (f"the {s.label} refuses to decide with {n} runs per configuration: "
                 f"{s.refusal}; it needs at least {s.min_n}")
    elif s.needs_normal:
        shapes = [plan.a - plan.b] if paired else [plan.a, plan.b]
        bad = [p for p in (shapiro_p(x) for x in shapes) if p is not None and p < NORMALITY_ALPHA]
        if bad:
            refused = True
            reach = (f"the {s.label} refuses to decide on these data: they are not normal "
                     f"(Shapiro-Wilk p={_fmt_p(min(bad))}), where its p-values declare false "
                     "winners at 8-18% even with 30-100 runs (benchmarks/calibration.py); "
                     "use test='auto' or a rank test")
    if s.unpaired_only:
        note = "; runs treated as independent" if plan.paired else ""
        return Choice(test, False, f"{s.why}{note}", reach, refused)
    return Choice(test, paired, f"{plan.reason}; {s.why}", reach, refused)
