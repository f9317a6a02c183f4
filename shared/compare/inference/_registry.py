"""The test registry: one record per statistical test a comparison can run.

Each test is one :class:`TestSpec` object holding everything the rest of the comparison needs
to know about it: how it runs (``runner`` on one pair, or ``family_runner`` on complete
blocks), which pairing it needs, what it estimates and the words for that estimate, how it
decides, which extra numbers its pairs report, the smallest p-value it can reach at a given n,
from which n its decisions are calibrated (and why it refuses below), which effect size it
reports, how its power is computed, and how the calibration benchmark runs it. Every stage
reads the record; no stage compares test names (``tests/shared/compare/test_registry.py``
checks both: every record complete, no name compared outside this module).

Adding a test = one function in ``shared.stats`` + one :class:`TestSpec` passed to
:func:`register` (its ``runner`` is usually ``stats_runner(fn, how)``; see ARCHITECTURE.md).
``benchmarks/calibration.py`` measures every record's false-winner rate under no difference;
``min_n`` is the n from which that rate is within alpha (below it the test refuses, with
:attr:`TestSpec.refusal` as the reason).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields

from shared.compare.inference._runners import (
    FamilyRunner,
    PairRunner,
    aso_runner,
    bayes_runner,
    bootstrap_runner,
    brunner_munzel_runner,
    holm_rank_runner,
    nemenyi_runner,
    permutation_runner,
    rank_runner,
    t_runner,
    unequal_spread,
)
from shared.compare.results._comparison import REPORTED, REPORTED_BY_TEST
from shared.errors import InputError

__all__ = [
    "DECISION_RULES",
    "EXAMPLE_TESTS",
    "MCB",
    "NO_TEST",
    "PAIRINGS",
    "POWER_METHODS",
    "REGISTRY",
    "REPORTED",
    "TESTS",
    "TestSpec",
    "check_record",
    "estimate_label",
    "is_tested",
    "min_n_reaching",
    "register",
    "registered",
    "smallest_p",
    "spec",
    "test_names",
    "unregister",
]

#: The "test" of a pair no test could be run on (fewer than 2 runs or paired seeds).
NO_TEST = "none"
#: The "test" of the pairs of multiple comparisons with the best (``_mcb``; not a ``--test``).
MCB = "mcb"

PAIRINGS = ("paired", "unpaired", "either")
#: How a test decides; each rule has its wording in ``_wording``.
DECISION_RULES = ("p-value", "stochastic order", "posterior")
#: How ``seeds_needed`` is computed (``_seeds``).
POWER_METHODS = ("t", "rank", "permutation", "friedman", "simulation", "examples")
EFFECTS = ("hedges_g", "cliffs_delta", "none")
#: What a test compares: one number per run (``--test``) or per-example scores of each run
#: (``compare_runs(examples=...)``).
DATA_KINDS = ("runs", "examples")
#: Words for estimates that no registered test makes (MCB's distance from the best).
_OTHER_ESTIMATES = {"mcb_distance": "diff"}


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


def _brunner_munzel_min_p(na: int, nb: int, paired: bool) -> float:
    # the studentized permutation (smaller sample under 30 runs): exact when at most 10,000
    # relabellings (complete separation either way: 2 / C(n_a + n_b, n_a)), else 10,000
    # random ones (p >= 1 / 10,001); the t approximation above reaches any p
    from shared.stats._brunner import PERMUTATION_BELOW

    if min(na, nb) >= PERMUTATION_BELOW:
        return 0.0
    arrangements = math.comb(na + nb, na)
    return 2.0 / arrangements if arrangements <= 10_000 else 1.0 / 10_001


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
        runner: runs the test on one pair (``_runners.PairRunner``); pair tests only.
        family_runner: runs a family test on complete blocks (``_runners.FamilyRunner``);
            family tests only.
        estimate_label: the words for ``estimate`` in sentences ("Hodges-Lehmann shift").
        reported: the extra numbers its pairs report (names in :data:`REPORTED`), JSON order.
        correction_note: a family test: why the usual correction is not applied on top.
        bulk_t: large families of it run through the vectorised ``shared.stats.pairwise_t``
            (the paired t-test, Welch's t-test).
        bench_share: share of the calibration benchmark's data sets it runs on (resampling
            tests are 10-100x slower per comparison).
        bench_min_effect: the ``min_effect`` the benchmark runs it with (the Bayesian test's
            ROPE; it refuses to decide without one).
        data: what it compares: "runs" (one number per run, ``--test``) or "examples"
            (per-example scores of each run, ``compare_runs(examples=...)``).
        examples_runner: a test over examples: runs it on two configurations' runs x examples
            score matrices (``_examples_runners.ExamplesRunner``).
        examples_refusal: a test over examples: why it cannot run on a pair (``None`` when it
            can), for a test asked for by name.
        seed_variance: a test over examples whose variance counts seed-to-seed variation: its
            answer holds for retraining with new seeds, not only for these trained runs.
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
    runner: PairRunner | None = None
    family_runner: FamilyRunner | None = None
    estimate_label: str = ""
    reported: tuple[str, ...] = ()
    correction_note: str = ""
    bulk_t: bool = False
    bench_share: float = 1.0
    bench_min_effect: float = 0.0
    data: str = "runs"
    examples_runner: Callable[..., object] | None = None
    examples_refusal: Callable[..., str | None] | None = None
    seed_variance: bool = False

    __test__ = False  # not a pytest test class

    @property
    def paired_only(self) -> bool:
        return self.pairing == "paired"

    @property
    def unpaired_only(self) -> bool:
        return self.pairing == "unpaired"

    @property
    def has_p_value(self) -> bool:
        return self.decides_by == "p-value"

    @property
    def judges_margin(self) -> bool:
        """Its own rule already judged ``min_effect`` (the Bayesian test's ROPE)."""
        return self.decides_by == "posterior"


def _stats(name: str) -> Callable[..., object]:
    """``shared.stats.<name>``, imported when first called (scipy stays unloaded until then)."""
    def call(*args: object, **kwargs: object) -> object:
        from shared import stats

        return getattr(stats, name)(*args, **kwargs)
    call.__name__ = call.__qualname__ = name
    return call


_T = dict(family=False, decides_by="p-value", effect="hedges_g", power="t", min_p=None,
          min_n=2, refusal="", margin=True, parametric=True, estimate="mean_difference",
          estimate_label="diff")

PAIRED_T = TestSpec("paired-t", "paired t-test", "paired", why="paired t-test (requested)",
                    runner=t_runner(_stats("paired_t"), "paired t"), bulk_t=True, **_T)
WELCH = TestSpec("welch", "Welch's t-test", "unpaired", why="Welch's t-test (requested)",
                 runner=t_runner(_stats("welch_t"), "Welch t"), bulk_t=True, **_T)
STUDENT_T = TestSpec("student-t", "Student's t-test", "unpaired",
                     why="Student's t-test, pooled variance (requested)",
                     runner=t_runner(_stats("student_t"), "Student t", unequal_spread),
                     **_T)
WILCOXON = TestSpec(
    "wilcoxon", "Wilcoxon signed-rank test", "paired", family=False,
    estimate="hodges_lehmann_shift", decides_by="p-value", effect="hedges_g", power="rank",
    min_p=_signed_rank_min_p, min_n=2, refusal="", margin=True,
    why="Wilcoxon signed-rank test (requested)",
    runner=rank_runner(_stats("wilcoxon"), paired_test=True),
    estimate_label="Hodges-Lehmann shift", reported=("ci_level_achieved", "robust_sd"),
)
MANN_WHITNEY = TestSpec(
    "mann-whitney", "Mann-Whitney U test", "unpaired", family=False,
    estimate="hodges_lehmann_shift", decides_by="p-value", effect="cliffs_delta", power="rank",
    min_p=_rank_sum_min_p, min_n=2, refusal="", margin=True,
    why="Mann-Whitney U test (requested)",
    runner=rank_runner(_stats("mann_whitney"), paired_test=False),
    estimate_label="Hodges-Lehmann shift",
    reported=("prob_superiority", "ci_level_achieved", "robust_sd"),
)
BRUNNER_MUNZEL = TestSpec(
    "brunner-munzel", "Brunner-Munzel test", "unpaired", family=False,
    estimate="cliffs_delta", decides_by="p-value", effect="cliffs_delta", power="rank",
    min_p=_brunner_munzel_min_p, min_n=2, refusal="", margin=False,
    why=("Brunner-Munzel test of P(a > b) = 1/2, valid with unequal spreads and shapes, "
         "studentized permutation p-value below 30 runs (Neubert & Brunner 2007) (requested)"),
    runner=brunner_munzel_runner, estimate_label="Cliff's delta",
    reported=("prob_superiority",), bench_share=0.5,
)
PERMUTATION = TestSpec(
    "permutation", "permutation test of the mean difference", "either", family=False,
    estimate="mean_difference", decides_by="p-value", effect="hedges_g", power="permutation",
    min_p=_permutation_min_p, min_n=2, refusal="", margin=True,
    why="permutation test of the mean difference (requested)",
    runner=permutation_runner, estimate_label="diff", bench_share=0.5,
)
BOOTSTRAP = TestSpec(
    "bootstrap", "BCa bootstrap of the mean difference", "either", family=False,
    estimate="mean_difference", decides_by="p-value", effect="hedges_g", power="t",
    min_p=None, min_n=30,
    refusal=("its p-values (a BCa interval inverted) declare false winners above alpha below "
             "30 runs per configuration (7-30% at n=3-20, benchmarks/calibration.py)"),
    margin=True, why="BCa bootstrap of the mean difference (requested)", needs_normal=True,
    runner=bootstrap_runner, estimate_label="diff", bench_share=0.5,
)
FRIEDMAN_NEMENYI = TestSpec(
    "friedman-nemenyi", "Nemenyi test on Friedman mean ranks", "paired", family=True,
    estimate="mean_rank_difference", decides_by="p-value", effect="hedges_g",
    power="friedman", min_p=None, min_n=2, refusal="", margin=False,
    why=("Nemenyi test on Friedman mean ranks (Demsar 2006); its p-values are family-wise by "
         "construction"), critical="studentized-range",
    family_runner=nemenyi_runner, estimate_label="mean-rank difference",
    reported=("rank_diff",),
    correction_note="Nemenyi p-values are family-wise by construction",
)
FRIEDMAN_HOLM = TestSpec(
    "friedman-holm", "z-test on Friedman mean ranks with Holm", "paired", family=True,
    estimate="mean_rank_difference", decides_by="p-value", effect="hedges_g",
    power="friedman", min_p=None, min_n=2, refusal="", margin=False,
    why="z-test on Friedman mean ranks, Holm step-down (Demsar 2006)",
    family_runner=holm_rank_runner, estimate_label="mean-rank difference",
    reported=("rank_diff",), correction_note="friedman-holm always uses Holm",
)
ASO = TestSpec(
    "aso", "Almost Stochastic Order", "unpaired", family=False, estimate="cliffs_delta",
    decides_by="stochastic order", effect="cliffs_delta", power="rank", min_p=None, min_n=10,
    refusal=("with so few runs epsilon_min falls under the 0.2 threshold by chance too often "
             "(benchmarks/calibration.py)"),
    margin=False,
    why=("Almost Stochastic Order, Dror et al. 2019, Ulmer et al. 2022 (requested): a "
         "configuration is almost stochastically dominant when epsilon_min < 0.2 at a "
         "confidence level Bonferroni-adjusted for the family"),
    runner=aso_runner, estimate_label="Cliff's delta",
    reported=("epsilon_min", "epsilon_min_reverse", "threshold", "a_better", "b_better"),
    bench_share=0.2,
)
BAYES_SIGNED_RANK = TestSpec(
    "bayes-signed-rank", "Bayesian signed-rank test", "paired", family=False,
    estimate="hodges_lehmann_shift", decides_by="posterior", effect="hedges_g", power="rank",
    min_p=None, min_n=30,
    refusal=("its posterior is overconfident with fewer seeds: it declares false winners "
             "above alpha (6-18% at n=3-20, benchmarks/calibration.py)"),
    margin=True,
    why=("Bayesian signed-rank test, Benavoli et al. 2017 (requested): ROPE = min_effect, "
         "decided when P(better) >= 1 - alpha/2 (Bonferroni over the family)"),
    runner=bayes_runner, estimate_label="Hodges-Lehmann shift",
    reported=("p_a_better", "p_rope", "p_b_better", "rope", "threshold"),
    bench_share=0.25, bench_min_effect=0.1,
)

REGISTRY: dict[str, TestSpec] = {}


def check_record(s: TestSpec) -> None:
    """Refuse an incomplete or inconsistent record (``ValueError`` naming what is wrong).

    Example:
        >>> check_record(WELCH)
        >>> import dataclasses
        >>> check_record(dataclasses.replace(WELCH, runner=None))
        Traceback (most recent call last):
        ...
        ValueError: test 'welch': a pair test needs a callable runner
    """
    def bad(why: str) -> ValueError:
        return ValueError(f"test {s.name!r}: {why}")

    for f in fields(s):
        v = getattr(s, f.name)
        if isinstance(v, str) and f.type == "str" and not v and f.name not in (
                "refusal", "correction_note"):
            raise bad(f"{f.name} is empty")
    if not s.name or s.name != s.name.strip().lower() or " " in s.name or s.name == "auto":
        raise bad("a name is lower case, without spaces, and not 'auto'")
    if s.name in (NO_TEST, MCB):
        raise bad("that name is reserved")
    if s.data not in DATA_KINDS:
        raise bad(f"data={s.data!r}; use one of {', '.join(DATA_KINDS)}")
    if s.data == "examples":
        if not callable(s.examples_runner) or s.runner is not None or s.family:
            raise bad("a test over examples needs a callable examples_runner and no runner")
        if not callable(s.examples_refusal):
            raise bad("a test over examples says when it cannot run (examples_refusal)")
    elif s.family:
        if not callable(s.family_runner) or s.runner is not None:
            raise bad("a family test needs a callable family_runner and no runner")
        if not s.correction_note:
            raise bad("a family test says why the usual correction is not applied")
    elif not callable(s.runner) or s.family_runner is not None:
        raise bad("a pair test needs a callable runner")
    for name, value, allowed in (("pairing", s.pairing, PAIRINGS),
                                 ("decides_by", s.decides_by, DECISION_RULES),
                                 ("power", s.power, POWER_METHODS),
                                 ("effect", s.effect, EFFECTS),
                                 ("critical", s.critical, ("normal", "studentized-range"))):
        if value not in allowed:
            raise bad(f"{name}={value!r}; use one of {', '.join(allowed)}")
    unknown = [r for r in s.reported if r not in REPORTED]
    if unknown or len(set(s.reported)) != len(s.reported):
        raise bad(f"reported names unknown or repeated numbers {unknown or list(s.reported)}")
    if s.min_p is not None and not callable(s.min_p):
        raise bad("min_p is a function (n_a, n_b, paired) -> p, or None")
    if s.min_n < (1 if s.data == "examples" else 2) or (s.min_n > 2 and not s.refusal):
        raise bad("min_n is at least 2, and a test calibrated only above 2 says why it refuses")
    if not 0 < s.bench_share <= 1 or s.bench_min_effect < 0:
        raise bad("bench_share is in (0, 1] and bench_min_effect >= 0")
    if s.decides_by == "posterior" and s.bench_min_effect <= 0:
        raise bad("a test deciding with a ROPE is calibrated with bench_min_effect > 0")
    if s.bulk_t and s.pairing == "either":
        raise bad("bulk_t is for a t-test of one pairing")
    known = {r.estimate: r.estimate_label for r in REGISTRY.values() if r.name != s.name}
    if known.get(s.estimate, s.estimate_label) != s.estimate_label:
        raise bad(f"estimate {s.estimate!r} is worded {known[s.estimate]!r} by other tests")


def register(s: TestSpec) -> TestSpec:
    """Add test ``s`` to the registry (checked by :func:`check_record`); returns it.

    ``compare_runs(test=s.name)`` and ``--test`` accept it from then on.

    Raises:
        ValueError: the record is incomplete, or its name is taken.
    """
    check_record(s)
    if s.name in REGISTRY:
        raise ValueError(f"test {s.name!r} is already registered")
    REGISTRY[s.name] = s
    REPORTED_BY_TEST[s.name] = s.reported
    return s


def unregister(name: str) -> TestSpec:
    """Remove test ``name`` from the registry (``KeyError`` if absent); returns its record."""
    REPORTED_BY_TEST.pop(name, None)
    return REGISTRY.pop(name)


@contextmanager
def registered(s: TestSpec) -> Iterator[TestSpec]:
    """Test ``s`` registered for the duration of a ``with`` block (then removed)."""
    register(s)
    try:
        yield s
    finally:
        unregister(s.name)


for _s in (PAIRED_T, WELCH, STUDENT_T, WILCOXON, MANN_WHITNEY, PERMUTATION, BOOTSTRAP,
           FRIEDMAN_NEMENYI, FRIEDMAN_HOLM, ASO, BAYES_SIGNED_RANK, BRUNNER_MUNZEL):
    register(_s)


def test_names() -> tuple[str, ...]:
    """Every name ``test=`` accepts now: ``auto`` and the registered tests.

    Example:
        >>> test_names()[:3]
        ('auto', 'paired-t', 'welch')
    """
    return ("auto", *(n for n, s in REGISTRY.items() if s.data == "runs"))


def example_test_names() -> tuple[str, ...]:
    """Every name ``test=`` accepts with ``examples=`` (tests over per-example scores).

    Example:
        >>> example_test_names()
        ('auto', 'examples-seeds', 'examples-only', 'mcnemar')
    """
    return ("auto", *(n for n, s in REGISTRY.items() if s.data == "examples"))


test_names.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def is_tested(test: str) -> bool:
    """A pair with this ``test`` was decided by a test: a registered one, or MCB."""
    return test in REGISTRY or test == MCB


def estimate_label(estimate: str) -> str:
    """The words for an estimate kind, from the records that make it.

    Example:
        >>> estimate_label("hodges_lehmann_shift")
        'Hodges-Lehmann shift'
    """
    for s in REGISTRY.values():
        if s.estimate == estimate:
            return s.estimate_label
    return _OTHER_ESTIMATES.get(estimate, estimate.replace("_", " "))


def _examples(name: str) -> Callable[..., object]:
    """``shared.compare.inference._examples_runners.<name>``, imported when first called."""
    def call(*args: object, **kwargs: object) -> object:
        from shared.compare.inference import _examples_runners

        return getattr(_examples_runners, name)(*args, **kwargs)
    call.__name__ = call.__qualname__ = name
    return call


# The tests over per-example scores (``compare_runs(examples=...)``; shared/stats/_examples.py,
# runners in shared/compare/inference/_examples_runners.py, benchmarks/examples_calibration.py). Their
# power is the variance-component advice of ``_examples_advice`` ("k more seeds or m more
# examples"), not a seeds-only formula.
_X = dict(family=False, estimate="mean_difference", decides_by="p-value", effect="none",
          power="examples", min_p=None, refusal="", margin=True, data="examples",
          estimate_label="diff")
EXAMPLES_SEEDS = TestSpec(
    "examples-seeds", "paired test over examples and seeds", "either", min_n=2,
    why=("paired by example, variance from both seeds and examples (two-way cluster-robust, "
         "Cameron, Gelbach & Miller 2011; Miller 2024), t with Satterthwaite df: holds for new "
         "examples and new seeds"),
    parametric=True, seed_variance=True, examples_runner=_examples("run_examples_seeds"),
    examples_refusal=_examples("refuse_examples_seeds"), **_X)
EXAMPLES_ONLY = TestSpec(
    "examples-only", "paired test over examples (cluster-robust SE)", "paired", min_n=1,
    why=("paired by example, cluster-robust (CR1) SE over examples only: holds for these "
         "trained runs on new examples, not for retraining with new seeds"),
    parametric=True, examples_runner=_examples("run_examples_only"),
    examples_refusal=_examples("refuse_nothing"), **_X)
MCNEMAR = TestSpec(
    "mcnemar", "McNemar's exact test", "paired", min_n=1,
    why=("McNemar's exact test on the discordant examples (binary scores, one run each, "
         "unclustered examples): holds for these trained runs on new examples, not for "
         "retraining with new seeds"),
    examples_runner=_examples("run_mcnemar"), examples_refusal=_examples("refuse_mcnemar"),
    **_X)
for _s in (EXAMPLES_SEEDS, EXAMPLES_ONLY, MCNEMAR):
    register(_s)

#: Every name ``test=`` accepts at import (tests registered later: :func:`test_names`).
TESTS: tuple[str, ...] = test_names()
#: Every name ``test=`` accepts with ``examples=`` (per-example scores).
EXAMPLE_TESTS: tuple[str, ...] = example_test_names()


def spec(name: str) -> TestSpec:
    """The record of test ``name``; ``InputError`` listing the names otherwise.

    Example:
        >>> spec("wilcoxon").estimate
        'hodges_lehmann_shift'
    """
    try:
        return REGISTRY[name]
    except KeyError:
        raise InputError(f"unknown test {name!r}; use one of {', '.join(test_names())}"
                         ) from None


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
