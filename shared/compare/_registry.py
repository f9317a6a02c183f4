"""The test registry: one record per statistical test a comparison can run.

Every stage that needs to know something about a test (which pairing it needs, what it
estimates and which CI goes with it, how it decides, the smallest p-value it can reach at a
given n, from which n its decisions are calibrated, which effect size it reports, how its
power is computed) reads it here. No stage compares test names as strings.

Adding a test = one function in ``shared.stats`` + one runner in ``_runners`` + one entry in
:data:`REGISTRY` (see ARCHITECTURE.md). ``benchmarks/calibration.py`` measures every entry's
false-winner rate under no difference; ``min_n`` is the n from which that rate is within alpha
(below it the test refuses, with :attr:`TestSpec.refusal` as the reason).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from shared.errors import InputError

__all__ = [
    "EXAMPLE_TESTS",
    "REGISTRY",
    "TESTS",
    "TestSpec",
    "spec",
    "smallest_p",
    "min_n_reaching",
]


def _signed_rank_min_p(na: int, nb: int, paired: bool) -> float:
    # exact signed-rank test (n <= 50): all differences of one sign give 2 / 2^n
    from shared.stats._rank import EXACT_MAX_N

    return 2.0 / 2.0**na if na <= EXACT_MAX_N else 0.0


def _rank_sum_min_p(na: int, nb: int, paired: bool) -> float:
    # exact rank-sum test (n_a + n_b <= 50): complete separation gives 2 / C(n_a + n_b, n_a)
    from shared.stats._rank import EXACT_MAX_N

    return 2.0 / math.comb(na + nb, na) if na + nb <= EXACT_MAX_N else 0.0


def _permutation_min_p(na: int, nb: int, paired: bool) -> float:
    # exact enumeration when few arrangements, else 10,000 random ones: p >= 1 / 10,001
    arrangements = 2.0**na if paired else float(math.comb(na + nb, na))
    return max(2.0 / arrangements, 1.0 / 10_001) if arrangements <= 10_000 else 1.0 / 10_001


@dataclass(frozen=True)
class TestSpec:
    """What the rest of the comparison needs to know about one test.

    Attributes:
        name: the name users pass (``--test``).
        label: the name in sentences ("Welch's t-test").
        pairing: "paired", "unpaired" or "either" (follows the data).
        family: a rank-based family test on complete blocks (all configurations at once).
        estimate: what the pair's ``diff`` holds for this test (``PairResult.estimate``).
        decides_by: "p-value", "stochastic order" (ASO) or "posterior" (Bayesian).
        effect: the effect size reported ("hedges_g" or "cliffs_delta").
        power: how seeds_needed is computed: "t", "rank", "permutation", "friedman",
            "simulation".
        min_p: smallest two-sided p-value reachable with (n_a, n_b, paired), or ``None`` when
            any p can be reached.
        min_n: smallest runs per configuration (pairs when paired) at which its decisions
            keep the false-winner rate at alpha (``benchmarks/calibration.py``).
        refusal: why it refuses below ``min_n`` (one line).
        margin: can judge ``min_effect`` (it has a CI in metric units, or a ROPE).
        why: the sentence used when the test was asked for by name.
        parametric: a t-test (its family's omnibus test is an ANOVA, not a rank test).
        critical: the critical value of a family test on mean ranks: "normal" (z, Holm) or
            "studentized-range" (Nemenyi).
        needs_normal: decides only where the data pass Shapiro-Wilk (its p-values were
            measured at 8-18% false winners on skewed or outlying data even at n = 30-100).
        data: what it compares: "runs" (one number per run, ``--test``) or "examples"
            (per-example scores of each run, ``compare_runs(examples=...)``).
    """

    name: str
    label: str
    pairing: str
    family: bool
    estimate: str
    decides_by: str
    effect: str
    power: str
    min_p: Callable[[int, int, bool], float] | None
    min_n: int
    refusal: str
    margin: bool
    why: str
    parametric: bool = False
    critical: str = "normal"
    needs_normal: bool = False
    data: str = "runs"

    @property
    def paired_only(self) -> bool:
        return self.pairing == "paired"

    @property
    def unpaired_only(self) -> bool:
        return self.pairing == "unpaired"

    @property
    def has_p_value(self) -> bool:
        return self.decides_by == "p-value"


_T = dict(family=False, decides_by="p-value", effect="hedges_g", power="t", min_p=None,
          min_n=2, refusal="", margin=True, parametric=True)

REGISTRY: dict[str, TestSpec] = {
    s.name: s
    for s in (
        TestSpec("paired-t", "paired t-test", "paired", estimate="mean_difference",
                 why="paired t-test (requested)", **_T),
        TestSpec("welch", "Welch's t-test", "unpaired", estimate="mean_difference",
                 why="Welch's t-test (requested)", **_T),
        TestSpec("student-t", "Student's t-test", "unpaired", estimate="mean_difference",
                 why="Student's t-test, pooled variance (requested)", **_T),
        TestSpec("wilcoxon", "Wilcoxon signed-rank test", "paired", family=False,
                 estimate="hodges_lehmann_shift", decides_by="p-value", effect="hedges_g",
                 power="rank", min_p=_signed_rank_min_p, min_n=2, refusal="", margin=True,
                 why="Wilcoxon signed-rank test (requested)"),
        TestSpec("mann-whitney", "Mann-Whitney U test", "unpaired", family=False,
                 estimate="hodges_lehmann_shift", decides_by="p-value", effect="cliffs_delta",
                 power="rank", min_p=_rank_sum_min_p, min_n=2, refusal="", margin=True,
                 why="Mann-Whitney U test (requested)"),
        TestSpec("permutation", "permutation test of the mean difference", "either",
                 family=False, estimate="mean_difference", decides_by="p-value",
                 effect="hedges_g", power="permutation", min_p=_permutation_min_p, min_n=2,
                 refusal="", margin=True,
                 why="permutation test of the mean difference (requested)"),
        TestSpec("bootstrap", "BCa bootstrap of the mean difference", "either", family=False,
                 estimate="mean_difference", decides_by="p-value", effect="hedges_g",
                 power="t", min_p=None, min_n=30,
                 refusal=("its p-values (a BCa interval inverted) declare false winners "
                          "above alpha below 30 runs per configuration (7-30% at n=3-20, "
                          "benchmarks/calibration.py)"),
                 margin=True, why="BCa bootstrap of the mean difference (requested)",
                 needs_normal=True),
        TestSpec("friedman-nemenyi", "Nemenyi test on Friedman mean ranks", "paired",
                 family=True, estimate="mean_rank_difference", decides_by="p-value",
                 effect="hedges_g", power="friedman", min_p=None, min_n=2, refusal="",
                 margin=False,
                 why=("Nemenyi test on Friedman mean ranks (Demsar 2006); its p-values are "
                      "family-wise by construction"), critical="studentized-range"),
        TestSpec("friedman-holm", "z-test on Friedman mean ranks with Holm", "paired",
                 family=True, estimate="mean_rank_difference", decides_by="p-value",
                 effect="hedges_g", power="friedman", min_p=None, min_n=2, refusal="",
                 margin=False,
                 why="z-test on Friedman mean ranks, Holm step-down (Demsar 2006)"),
        TestSpec("aso", "Almost Stochastic Order", "unpaired", family=False,
                 estimate="cliffs_delta", decides_by="stochastic order",
                 effect="cliffs_delta", power="rank", min_p=None, min_n=10,
                 refusal=("with so few runs epsilon_min falls under the 0.2 threshold by "
                          "chance too often (benchmarks/calibration.py)"),
                 margin=False,
                 why=("Almost Stochastic Order, Dror et al. 2019, Ulmer et al. 2022 "
                      "(requested): a configuration is almost stochastically dominant when "
                      "epsilon_min < 0.2 at a confidence level Bonferroni-adjusted for the "
                      "family")),
        TestSpec("bayes-signed-rank", "Bayesian signed-rank test", "paired", family=False,
                 estimate="hodges_lehmann_shift", decides_by="posterior",
                 effect="hedges_g", power="rank", min_p=None, min_n=30,
                 refusal=("its posterior is overconfident with fewer seeds: it declares "
                          "false winners above alpha (6-18% at n=3-20, "
                          "benchmarks/calibration.py)"),
                 margin=True,
                 why=("Bayesian signed-rank test, Benavoli et al. 2017 (requested): ROPE = "
                      "min_effect, decided when P(better) >= 1 - alpha/2 (Bonferroni over "
                      "the family)")),
    )
}

# The tests over per-example scores (``compare_runs(examples=...)``; shared/stats/_examples.py,
# runners in shared/compare/_examples_runners.py, benchmarks/examples_calibration.py). Their
# power is the variance-component advice of ``_examples_advice`` ("k more seeds or m more
# examples"), not a seeds-only formula.
_EXAMPLE_SPECS = (
    TestSpec("examples-seeds", "paired test over examples and seeds", "either", family=False,
             estimate="mean_difference", decides_by="p-value", effect="none",
             power="examples", min_p=None, min_n=2, refusal="", margin=True,
             why=("paired by example, variance from both seeds and examples (two-way "
                  "cluster-robust, Cameron, Gelbach & Miller 2011; Miller 2024), t with "
                  "Satterthwaite df: holds for new examples and new seeds"),
             parametric=True, data="examples"),
    TestSpec("examples-only", "paired test over examples (cluster-robust SE)", "paired",
             family=False, estimate="mean_difference", decides_by="p-value", effect="none",
             power="examples", min_p=None, min_n=1, refusal="", margin=True,
             why=("paired by example, cluster-robust (CR1) SE over examples only: holds for "
                  "these trained runs on new examples, not for retraining with new seeds"),
             parametric=True, data="examples"),
    TestSpec("mcnemar", "McNemar's exact test", "paired", family=False,
             estimate="mean_difference", decides_by="p-value", effect="none",
             power="examples", min_p=None, min_n=1, refusal="", margin=True,
             why=("McNemar's exact test on the discordant examples (binary scores, one run "
                  "each, unclustered examples): holds for these trained runs on new examples, "
                  "not for retraining with new seeds"),
             data="examples"),
)
REGISTRY.update((s.name, s) for s in _EXAMPLE_SPECS)

#: Every name ``test=`` accepts.
TESTS: tuple[str, ...] = ("auto", *(n for n, s in REGISTRY.items() if s.data == "runs"))
#: Every name ``test=`` accepts with ``examples=`` (per-example scores).
EXAMPLE_TESTS: tuple[str, ...] = ("auto", *(s.name for s in _EXAMPLE_SPECS))


def spec(name: str) -> TestSpec:
    """The record of test ``name``; ``InputError`` listing the names otherwise.

    Example:
        >>> spec("wilcoxon").estimate
        'hodges_lehmann_shift'
    """
    try:
        return REGISTRY[name]
    except KeyError:
        raise InputError(f"unknown test {name!r}; use one of {', '.join(TESTS)}") from None


def smallest_p(s: TestSpec, na: int, nb: int, paired: bool) -> float:
    """The smallest two-sided p-value ``s`` can return with these sample sizes (0: any).

    Example:
        >>> smallest_p(spec("wilcoxon"), 5, 5, True)
        0.0625
    """
    return 0.0 if s.min_p is None else float(s.min_p(na, nb, paired))


def min_n_reaching(s: TestSpec, level: float, paired: bool, limit: int = 10_000) -> int:
    """Smallest n per configuration at which ``s`` can reach ``level`` (its own min_n at least).

    Example:
        >>> min_n_reaching(spec("wilcoxon"), 0.05, True)
        6
    """
    n = max(2, s.min_n)
    while n < limit and smallest_p(s, n, n, paired) > level:
        n += 1
    return n
