"""The result of a comparison: frozen dataclasses that serialise to the versioned JSON shape.

The JSON shape (``Comparison.to_dict()``) is a public, versioned contract
(``"tracker-compare/comparison/v3"``): renderers, adapters and saved ``comparison.json`` files
rely on it. Keys may be added; none may be removed, renamed or change meaning without a new
schema version. v2 (from v1): a pair's ``diff``/``ci`` are the estimate and interval of the
test that decided it (``estimate`` names it: the Hodges-Lehmann shift for the rank tests,
Cliff's delta for ASO, the mean-rank difference for the Friedman tests, the mean difference
for the rest); the mean difference and its t-interval moved to ``mean_diff``/``mean_ci``;
``better`` is the direction that test found. v3 (from v2): comparisons over per-example
scores: top-level ``examples``, a pair's ``variance`` (where the variance of its difference
comes from), ``decision.examples_needed``; ``null`` for run-level comparisons.
``from_dict`` reads every version (``_upgrade`` holds the history and the upgrade steps).

MCB, the Pareto front, the cost in words, param effects and param importance are typed too
(``_extras``) with the same JSON: a change of typing, not of schema.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from shared.compare.configs._grouping import match_config
from shared.compare.results._examples_result import ExamplesSummary
from shared.compare.results._extras import MCB, Cost, ParamEffect, ParamImportance, Pareto
from shared.compare.results._jsonable import finite_or_none, jsonable
from shared.compare.results._upgrade import SCHEMA, upgrade
from shared.errors import InputError
from shared.stats._examples import ExampleVariance

__all__ = [
    "SCHEMA",
    "CurveBand",
    "ConfigSummary",
    "Omnibus",
    "PairResult",
    "CriticalDifference",
    "Decision",
    "Comparison",
    "as_comparison",
]


T = TypeVar("T")

#: The numbers beyond the common ones a pair may report (``PairResult`` attributes, JSON
#: members of a pair); a test's registry record names those its pairs carry, in JSON order.
REPORTED = (
    "epsilon_min", "epsilon_min_reverse", "a_better", "b_better", "threshold", "p_a_better",
    "p_rope", "p_b_better", "rope", "prob_superiority", "ci_level_achieved", "robust_sd",
    "rank_diff",
)
#: Per registered test, the numbers its pairs report, in JSON order (``TestSpec.reported``).
#: ``inference._registry.register`` fills it: the result types sit below the registry and
#: learn each test's numbers from it without importing it.
REPORTED_BY_TEST: dict[str, tuple[str, ...]] = {}


def _pair_list(ci: tuple[float, float] | None) -> list[float | None] | None:
    if ci is None:
        return None
    return [finite_or_none(ci[0]), finite_or_none(ci[1])]


# reading the JSON back (``from_dict``): ``null`` numbers are NaN again, lists tuples again
def _num(x: Any) -> float:
    return math.nan if x is None else float(x)


def _opt(x: Any) -> float | None:
    return None if x is None else float(x)


def _nums(xs: Sequence[Any]) -> tuple[float, ...]:
    return tuple(_num(x) for x in xs)


def _pair(ci: Sequence[Any] | None) -> tuple[float, float] | None:
    return None if ci is None else (_num(ci[0]), _num(ci[1]))


def _others(d: Mapping[str, Any], known: Sequence[str]) -> dict[str, Any]:
    """Members a newer writer added (kept, so reading and writing back changes nothing)."""
    return {k: v for k, v in d.items() if k not in known}


@dataclass(frozen=True)
class CurveBand:
    """Mean learning curve of one configuration with a 95% t-CI band on a common grid.

    Args:
        x_axis: what ``grid`` measures (``"step"``, ``"epoch"``, ``"seconds"``, a metric name).
        grid: the common x values (shared by every configuration of the comparison).
        mean, lo, hi: mean across the configuration's runs and the band; NaN where undefined
            (no run has data there, or fewer than two runs for the band).
        n: how many runs have data at each grid point.
    """

    x_axis: str
    grid: tuple[float, ...]
    mean: tuple[float, ...]
    lo: tuple[float, ...]
    hi: tuple[float, ...]
    n: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "x_axis": self.x_axis,
            "grid": jsonable(list(self.grid)),
            "mean": jsonable(list(self.mean)),
            "lo": jsonable(list(self.lo)),
            "hi": jsonable(list(self.hi)),
            "n": [int(v) for v in self.n],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CurveBand:
        """The band from its JSON (:meth:`to_dict`)."""
        return cls(str(d["x_axis"]), _nums(d["grid"]), _nums(d["mean"]), _nums(d["lo"]),
                   _nums(d["hi"]), tuple(int(v) for v in d["n"]))


@dataclass(frozen=True)
class ConfigSummary:
    """One configuration: its defining params, its runs and the reduced metric's summary.

    ``values``, ``run_ids``, ``run_keys``, ``run_names`` and ``seeds`` are aligned (one entry
    per run). ``std`` is the sample standard deviation (ddof=1); ``ci`` is the 95% t-interval
    of the mean, ``ci_bootstrap`` a BCa bootstrap interval of the mean (10,000 resamples).
    """

    name: str
    params: Mapping[str, Any]
    run_ids: tuple[str, ...]
    run_keys: tuple[str, ...]
    run_names: tuple[str, ...]
    values: tuple[float, ...]
    seeds: tuple[Any, ...] | None
    n: int
    mean: float
    std: float
    median: float
    ci: tuple[float, float] | None
    ci_bootstrap: tuple[float, float] | None = None
    curve: CurveBand | None = None
    stopped_early: int = 0
    costs: Mapping[str, Mapping[str, float]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "params": jsonable(dict(self.params)),
            "runs": list(self.run_ids),
            "n": int(self.n),
            "mean": finite_or_none(self.mean),
            "std": finite_or_none(self.std),
            "median": finite_or_none(self.median),
            "ci": _pair_list(self.ci),
            "ci_bootstrap": _pair_list(self.ci_bootstrap),
            "run_keys": list(self.run_keys),
            "run_names": list(self.run_names),
            "values": jsonable(list(self.values)),
            "seeds": None if self.seeds is None else jsonable(list(self.seeds)),
            "curve": None if self.curve is None else self.curve.to_dict(),
            "stopped_early": int(self.stopped_early),
            "costs": None if self.costs is None else jsonable(dict(self.costs)),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ConfigSummary:
        """The summary from its JSON (:meth:`to_dict`)."""
        return cls(
            name=str(d["name"]), params=dict(d["params"]), run_ids=tuple(d["runs"]),
            run_keys=tuple(d["run_keys"]), run_names=tuple(d["run_names"]),
            values=_nums(d["values"]),
            seeds=None if d["seeds"] is None else tuple(d["seeds"]), n=int(d["n"]),
            mean=_num(d["mean"]), std=_num(d["std"]), median=_num(d["median"]),
            ci=_pair(d["ci"]), ci_bootstrap=_pair(d["ci_bootstrap"]),
            curve=None if d["curve"] is None else CurveBand.from_dict(d["curve"]),
            stopped_early=int(d["stopped_early"]), costs=d["costs"],
        )


@dataclass(frozen=True)
class Omnibus:
    """The test of "all configurations are equal" run before the pairwise tests (3+ configs).

    Besides the common members, each omnibus test reports its own numbers, typed attributes
    here (``None`` when the test does not report them; ``reported`` names those it does, in
    JSON order):

    * ANOVAs: ``df_num``, ``df_den``, ``eta2_partial``; repeated measures also the sums and
      mean squares (``ss_effect``, ``ss_error``, ``ss_subjects``, ``ms_effect``,
      ``ms_error``), ``eta2_generalized``, the sphericity corrections (``epsilon_gg``,
      ``epsilon_hf``, ``epsilon_lb``, ``pvalue_gg``, ``pvalue_hf``), Mauchly's test
      (``mauchly_w``, ``mauchly_pvalue``, ``sphericity``: ``None`` when it cannot be checked);
      Welch's ANOVA ``n_per_group``;
    * Friedman: ``mean_ranks``, ``chi2``, ``chi2_df``, ``chi2_pvalue``, ``tie_correction``,
      ``chi2_uncorrected``, ``f_uncorrected`` (Iman-Davenport), ``kendall_w``, ``df_num``,
      ``df_den``;
    * blocks: ``n_blocks``, ``n_configs``.

    ``extra`` passed in lands on those attributes; what remains in it are members this version
    does not know (from a newer writer), kept as read.
    """

    test: str
    statistic: float
    p_value: float
    df: Any = None
    method: str = ""
    why: str = ""
    significant: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)
    df_num: float | None = None
    df_den: float | None = None
    ss_effect: float | None = None
    ss_error: float | None = None
    ss_subjects: float | None = None
    ms_effect: float | None = None
    ms_error: float | None = None
    eta2_generalized: float | None = None
    eta2_partial: float | None = None
    epsilon_gg: float | None = None
    epsilon_hf: float | None = None
    epsilon_lb: float | None = None
    pvalue_gg: float | None = None
    pvalue_hf: float | None = None
    mauchly_w: float | None = None
    mauchly_pvalue: float | None = None
    sphericity: bool | None = None
    n_blocks: int | None = None
    n_configs: int | None = None
    n_per_group: tuple[int, ...] | None = None
    mean_ranks: tuple[float, ...] | None = None
    chi2_df: float | None = None
    tie_correction: float | None = None
    chi2_uncorrected: float | None = None
    f_uncorrected: float | None = None
    chi2: float | None = None
    chi2_pvalue: float | None = None
    kendall_w: float | None = None
    reported: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        known = [k for k in self.extra if k in _OMNIBUS_NUMBERS]
        if known:
            for k in known:
                v = self.extra[k]
                if isinstance(v, (list, tuple)) or getattr(v, "ndim", 0) > 0:
                    v = tuple(v.tolist() if hasattr(v, "tolist") else v)  # an array
                object.__setattr__(self, k, v)
            object.__setattr__(self, "reported", (*self.reported, *known))
            object.__setattr__(self, "extra",
                               {k: v for k, v in self.extra.items() if k not in known})

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "test": self.test,
            "statistic": finite_or_none(self.statistic),
            "p_value": finite_or_none(self.p_value),
            "df": jsonable(self.df),
            "method": self.method,
            "significant": bool(self.significant),
            "why": self.why,
        }
        for k in self.reported:
            d[k] = jsonable(getattr(self, k))
        for k, v in self.extra.items():
            d.setdefault(k, jsonable(v))
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Omnibus:
        """The omnibus result from its JSON (:meth:`to_dict`)."""
        return cls(test=str(d["test"]), statistic=_num(d["statistic"]),
                   p_value=_num(d["p_value"]), df=d["df"], method=str(d["method"]),
                   why=str(d["why"]), significant=bool(d["significant"]),
                   extra=_others(d, _OMNIBUS_KEYS))


#: The omnibus tests' own numbers (typed attributes of ``Omnibus``).
_OMNIBUS_NUMBERS = (
    "df_num", "df_den", "ss_effect", "ss_error", "ss_subjects", "ms_effect", "ms_error",
    "eta2_generalized", "eta2_partial", "epsilon_gg", "epsilon_hf", "epsilon_lb", "pvalue_gg",
    "pvalue_hf", "mauchly_w", "mauchly_pvalue", "sphericity", "n_blocks", "n_configs",
    "n_per_group", "mean_ranks", "chi2_df", "tie_correction", "chi2_uncorrected",
    "f_uncorrected", "chi2", "chi2_pvalue", "kendall_w",
)
_OMNIBUS_KEYS = ("test", "statistic", "p_value", "df", "method", "significant", "why")


@dataclass(frozen=True)
class PairResult:
    """The test of one pair of configurations: its estimate, interval and verdict.

    Args:
        a, b: configuration names.
        test: the test used (our vocabulary); ``paired`` whether runs were paired by seed.
        n: pairs (paired) or total runs (unpaired) in the test.
        diff, ci: the test's own estimate of a versus b (positive when a's metric is higher)
            and its interval (``ci_method`` says how; ``None`` when the test has none).
        estimate: what ``diff`` is ("mean_difference", "hodges_lehmann_shift",
            "cliffs_delta", "mean_rank_difference").
        mean_diff, mean_ci: mean(a) - mean(b) and its t-interval, for description only.
        effect_size, effect_name: standardised effect (positive when a > b).
        p_value, p_adjusted: raw and multiplicity-adjusted p (``None`` when the test has none,
            e.g. ASO or the Bayesian signed-rank test, or when no test was possible).
        significant: the difference survives the correction (for ASO / Bayes: their own rule).
        better: the better configuration by the goal, in the direction the test found.
        why: why this test was chosen, in words.
        reach: ``None``, or why this test cannot reach the corrected alpha at this n.
        method: how the test computed its p-value or verdict (``None`` for the family and
            MCB pairs, which have none of their own).
        prob_superiority, ci_level_achieved, robust_sd: the rank tests' P(a > b) (rank-sum),
            the coverage their exact interval reached, and the robust scale of their shift.
        epsilon_min, epsilon_min_reverse, threshold, a_better, b_better: ASO's violation
            levels both ways, its threshold and which side is almost stochastically dominant.
        p_a_better, p_rope, p_b_better, rope, threshold: the Bayesian test's posterior
            probabilities, its ROPE (min_effect) and its decision threshold.
        rank_diff: the Friedman tests' mean-rank difference (rank 1 = best).
        ci_level: the coverage ``ci`` was computed at (1 - alpha: the interval ``min_effect``
            is judged on), ``None`` when the pair has no interval of its own.
        variance: over per-example scores, the variance of ``diff`` split into its seed,
            example and interaction parts (``None`` for run-level tests).
        extra: JSON members this version does not know (from a newer writer), kept as read.

    Which of the test-specific numbers a pair carries is its test's
    ``TestSpec.reported`` (in that order in the JSON); the others are ``None``.
    """

    a: str
    b: str
    test: str
    paired: bool
    n: int
    diff: float
    ci: tuple[float, float] | None
    effect_size: float | None
    effect_name: str | None
    p_value: float | None
    p_adjusted: float | None
    significant: bool
    why: str
    n_a: int = 0
    n_b: int = 0
    statistic: float | None = None
    df: float | None = None
    ci_method: str = ""
    effect_ci: tuple[float, float] | None = None
    better: str | None = None
    std_effect: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    estimate: str = "mean_difference"
    mean_diff: float | None = None
    mean_ci: tuple[float, float] | None = None
    reach: str | None = None
    variance: ExampleVariance | None = None
    ci_level: float | None = None
    method: str | None = None
    prob_superiority: float | None = None
    ci_level_achieved: float | None = None
    robust_sd: float | None = None
    epsilon_min: float | None = None
    epsilon_min_reverse: float | None = None
    threshold: float | None = None
    a_better: bool | None = None
    b_better: bool | None = None
    p_a_better: float | None = None
    p_rope: float | None = None
    p_b_better: float | None = None
    rope: float | None = None
    rank_diff: float | None = None

    def __post_init__(self) -> None:
        # a test-specific number passed in ``extra`` (as before they were typed) lands on its
        # attribute; ``extra`` keeps only what this version does not know
        moved = {k: v for k, v in self.extra.items() if k in _TYPED_EXTRA}
        if moved:
            for k, v in moved.items():
                if getattr(self, k) is None:
                    object.__setattr__(self, k, v)
            object.__setattr__(self, "extra",
                               {k: v for k, v in self.extra.items() if k not in moved})

    def reported(self) -> tuple[str, ...]:
        """The test-specific numbers this pair carries, in JSON order: its test's
        ``TestSpec.reported`` (a test unknown here: the ones that are set)."""
        known = REPORTED_BY_TEST.get(self.test)
        if known is not None:
            return known
        return tuple(k for k in REPORTED if getattr(self, k) is not None)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "a": self.a,
            "b": self.b,
            "test": self.test,
            "paired": bool(self.paired),
            "n": int(self.n),
            "diff": finite_or_none(self.diff),
            "ci": _pair_list(self.ci),
            "effect_size": finite_or_none(self.effect_size),
            "effect_name": self.effect_name,
            "p_value": finite_or_none(self.p_value),
            "p_adjusted": finite_or_none(self.p_adjusted),
            "significant": bool(self.significant),
            "why": self.why,
            "n_a": int(self.n_a),
            "n_b": int(self.n_b),
            "statistic": finite_or_none(self.statistic),
            "df": finite_or_none(self.df),
            "ci_method": self.ci_method,
            "effect_ci": _pair_list(self.effect_ci),
            "better": self.better,
            "warnings": list(self.warnings),
            "estimate": self.estimate,
            "mean_diff": finite_or_none(self.mean_diff),
            "mean_ci": _pair_list(self.mean_ci),
            "reach": self.reach,
            "variance": None if self.variance is None else self.variance.to_dict(),
        }
        for k in self.reported():
            d[k] = jsonable(getattr(self, k))
        if self.method is not None:
            d["method"] = self.method
        if self.ci_level is not None:
            d["ci_level"] = float(self.ci_level)
        for k, v in self.extra.items():
            d.setdefault(k, jsonable(v))
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PairResult:
        """The pair from its JSON (:meth:`to_dict`)."""
        typed = {k: d[k] for k in _TYPED_EXTRA if k in d}
        return cls(
            a=str(d["a"]), b=str(d["b"]), test=str(d["test"]), paired=bool(d["paired"]),
            n=int(d["n"]), diff=_num(d["diff"]), ci=_pair(d["ci"]),
            effect_size=_opt(d["effect_size"]), effect_name=d["effect_name"],
            p_value=_opt(d["p_value"]), p_adjusted=_opt(d["p_adjusted"]),
            significant=bool(d["significant"]), why=str(d["why"]), n_a=int(d["n_a"]),
            n_b=int(d["n_b"]), statistic=_opt(d["statistic"]), df=_opt(d["df"]),
            ci_method=str(d["ci_method"]), effect_ci=_pair(d["effect_ci"]),
            better=d["better"], warnings=tuple(d["warnings"]), estimate=str(d["estimate"]),
            mean_diff=_opt(d["mean_diff"]), mean_ci=_pair(d["mean_ci"]), reach=d["reach"],
            variance=None if d.get("variance") is None
            else ExampleVariance.from_dict(d["variance"]),
            ci_level=_opt(d.get("ci_level")),
            extra=_others(d, _PAIR_KEYS), **typed,
        )


#: The test-specific numbers a pair may carry (``TestSpec.reported``) and its ``method``.
_TYPED_EXTRA = (*REPORTED, "method")
_PAIR_KEYS = (
    "a", "b", "test", "paired", "n", "diff", "ci", "effect_size", "effect_name", "p_value",
    "p_adjusted", "significant", "why", "n_a", "n_b", "statistic", "df", "ci_method",
    "effect_ci", "better", "warnings", "estimate", "mean_diff", "mean_ci", "reach",
    "variance", "ci_level", *_TYPED_EXTRA,
)


@dataclass(frozen=True)
class Decision:
    """What to do: a winner only when its advantage is significant and at least ``min_effect``.

    Args:
        winner: the configuration reliably better than all it was tested against, or ``None``.
        rationale: the reasoning in one or two sentences (numbers included).
        seeds_needed: when there is no winner, seeds per configuration that would detect the
            observed effect (or ``min_effect`` if larger) with 80% power; ``None`` otherwise.
        cheaper_alternative: with a cost metric, a configuration cheaper than the best one
            that the data show is not worse than it (not significantly worse, or with
            ``min_effect`` not worse by more than it, judged against the CI), else ``None``.
        cost: with a cost metric, the cost in words and numbers (a ``Cost``:
            ``cost_metric``, ``best``, ``best_cost``, ``cheapest_on_front``, ``ratio``,
            ``verdict``, ``sentence`` and more; ``shared.compare.decision._pareto``); ``None`` without
            a cost metric. A mapping given here (a stage's dict) becomes a ``Cost``.
        best_set: the configurations that cannot be told apart from the best at alpha (the
            winner alone when it is separated); every configuration when no test could be
            run. Always a tuple (``None`` given is read as ``()``).
        seeds_needed_how: how ``seeds_needed`` was computed (for the test actually run).
        tests: the tests that decided (names).
        examples_needed: over per-example scores with no winner, the examples (at the
            current seeds) that would detect the difference with 80% power; ``None`` otherwise.
    """

    winner: str | None
    rationale: str
    seeds_needed: int | None = None
    cheaper_alternative: str | None = None
    cost: Cost | None = None
    best_set: tuple[str, ...] = ()
    seeds_needed_how: str = ""
    tests: tuple[str, ...] = ()
    examples_needed: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "best_set", tuple(self.best_set or ()))
        if isinstance(self.cost, Mapping):
            object.__setattr__(self, "cost", Cost.from_dict(self.cost))

    def to_dict(self) -> dict[str, Any]:
        return {
            "winner": self.winner,
            "rationale": self.rationale,
            "seeds_needed": None if self.seeds_needed is None else int(self.seeds_needed),
            "cheaper_alternative": self.cheaper_alternative,
            "cost": None if self.cost is None else self.cost.to_dict(),
            "best_set": list(self.best_set),
            "seeds_needed_how": self.seeds_needed_how,
            "tests": list(self.tests),
            "examples_needed": None if self.examples_needed is None
            else int(self.examples_needed),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Decision:
        """The decision from its JSON (:meth:`to_dict`)."""
        return cls(
            winner=d["winner"], rationale=str(d["rationale"]),
            seeds_needed=None if d["seeds_needed"] is None else int(d["seeds_needed"]),
            cheaper_alternative=d["cheaper_alternative"],
            cost=None if d["cost"] is None else Cost.from_dict(d["cost"]),
            best_set=None if d["best_set"] is None else tuple(d["best_set"]),
            seeds_needed_how=str(d["seeds_needed_how"]), tests=tuple(d["tests"]),
            examples_needed=None if d.get("examples_needed") is None
            else int(d["examples_needed"]),
        )


@dataclass(frozen=True)
class CriticalDifference:
    """The critical-difference diagram's content (Demsar 2006; ``_omnibus``, ``_cd``).

    Args:
        cd: Nemenyi's critical difference of mean ranks at ``alpha``.
        alpha: its level; ``n_blocks``: the seeds every configuration has.
        mean_ranks: each configuration's Friedman mean rank (1 = best for the goal).
        bars: [first, last] configurations (in rank order) each bar joins.
        source: which tests the bars come from (the pairwise tests reported, or Nemenyi's).
        disagreements: pairs where the bars and the reported tests disagree, in words.
        extra: members this version does not know (from a newer writer), kept as read.
    """

    cd: float
    alpha: float
    n_blocks: int
    mean_ranks: Mapping[str, float]
    bars: tuple[tuple[str, str], ...] = ()
    source: str = ""
    disagreements: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = {
            "cd": finite_or_none(self.cd),
            "alpha": float(self.alpha),
            "n_blocks": int(self.n_blocks),
            "mean_ranks": jsonable(dict(self.mean_ranks)),
            "bars": [list(b) for b in self.bars],
            "source": self.source,
            "disagreements": list(self.disagreements),
        }
        for k, v in self.extra.items():
            d.setdefault(k, jsonable(v))
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CriticalDifference:
        """The diagram's content from its JSON (:meth:`to_dict`), or from the dict
        ``_cd.cd_bars`` returns."""
        return cls(
            cd=_num(d["cd"]), alpha=float(d["alpha"]), n_blocks=int(d["n_blocks"]),
            mean_ranks={str(k): _num(v) for k, v in d["mean_ranks"].items()},
            bars=tuple((str(b[0]), str(b[1])) for b in d.get("bars", ())),
            source=str(d.get("source", "")),
            disagreements=tuple(d.get("disagreements", ())),
            extra=_others(d, ("cd", "alpha", "n_blocks", "mean_ranks", "bars", "source",
                              "disagreements")),
        )


@dataclass(frozen=True)
class Comparison:
    """Everything a comparison found; ``to_dict()`` gives the JSON (``SCHEMA``).

    Example:
        >>> from shared.model import Run
        >>> noise = [0.011, -0.004, 0.007, -0.012, 0.002, 0.009]
        >>> runs = [Run("frame", f"{c}{s}", params={"lr": lr, "seed": s},
        ...             metrics={"acc": 0.8 + d + 0.01 * s + noise[s] * (c == "b")})
        ...         for c, lr, d in (("a", 0.1, 0.0), ("b", 0.01, 0.05)) for s in range(6)]
        >>> from shared.compare import compare_runs
        >>> comp = compare_runs(runs, metric="acc")
        >>> comp.decision.winner
        'lr=0.01'
    """

    metric: str
    goal: str
    reduce: str
    seed_key: str | None
    configs: tuple[ConfigSummary, ...]
    omnibus: Omnibus | None
    pairs: tuple[PairResult, ...]
    decision: Decision
    warnings: tuple[str, ...] = ()
    alpha: float = 0.05
    correction: str = "holm"
    test_requested: str = "auto"
    min_effect: float = 0.0
    baseline: str | None = None
    x_axis: str = "step"
    budget: float | None = None
    critical_difference: CriticalDifference | None = None
    param_importance: tuple[ParamImportance, ...] | None = None
    pareto: Pareto | None = None
    mcb: MCB | None = None
    param_effects: tuple[ParamEffect, ...] | None = None
    examples: ExamplesSummary | None = None

    def __post_init__(self) -> None:
        # the stages hand their extras over as plain dicts: held typed from here on
        if isinstance(self.mcb, Mapping):
            object.__setattr__(self, "mcb", MCB.from_dict(self.mcb))
        if isinstance(self.pareto, Mapping):
            object.__setattr__(self, "pareto", Pareto.from_dict(self.pareto))
        for name, typed in (("param_importance", ParamImportance),
                            ("param_effects", ParamEffect)):
            items = getattr(self, name)
            if items is not None:
                object.__setattr__(self, name, tuple(
                    typed.from_dict(i) if isinstance(i, Mapping) else i for i in items))

    def _repr_html_(self) -> str:
        """The report (decision, tables, plots) in a Jupyter cell, offline-safe."""
        from shared.render._notebook import notebook_html

        return notebook_html(self)

    def _repr_markdown_(self) -> str:
        """The Markdown report, where a front end shows no HTML."""
        from shared.render._notebook import notebook_markdown

        return notebook_markdown(self)

    @property
    def run_keys(self) -> list[str]:
        """Keys of every run used, config by config."""
        return [k for c in self.configs for k in c.run_keys]

    @property
    def config_names(self) -> list[str]:
        return [c.name for c in self.configs]

    def config(self, name: str) -> ConfigSummary:
        """The configuration called ``name``; ``InputError`` listing the names otherwise."""
        for c in self.configs:
            if c.name == name:
                return c
        raise InputError(f"no configuration named {name!r}; configurations: {self.config_names}")

    def pair(self, a: str, b: str) -> PairResult | None:
        """The test of ``a`` against ``b`` as stored (either order), or ``None`` if not run."""
        for p in self.pairs:
            if (p.a, p.b) in ((a, b), (b, a)):
                return p
        return None

    def resolve(self, name: str) -> str:
        """The configuration ``name`` refers to, as ``baseline=`` accepts it: a config name, the
        same with other spacing (``lr = 0.1``), or the id, key or name of one of its runs.

        Raises:
            InputError: no configuration (or more than one) matches; the names are listed.
        """
        names = self.config_names
        ids = ((c.name, (*c.run_ids, *c.run_keys, *c.run_names)) for c in self.configs)
        found = match_config(str(name).strip(), names, ids)
        if found is not None:
            return found
        raise InputError(f"no configuration named {name!r}; configurations: {names}")

    def worse_than(self, baseline_name: str) -> list[str]:
        """Configurations significantly worse than ``baseline_name`` (and by >= ``min_effect``).

        This is what ``--fail-if-worse`` gates on. ``baseline_name`` is resolved as
        ``compare_runs(baseline=...)`` resolves it (see :meth:`resolve`).

        Example:
            >>> # comp.worse_than("lr=0.1") -> ["lr=0.01"] when lr=0.01 is reliably worse
        """
        baseline_name = self.resolve(baseline_name)  # a clear InputError for an unknown name
        worse: list[str] = []
        for p in self.pairs:
            if baseline_name not in (p.a, p.b) or not p.significant:
                continue
            other = p.b if p.a == baseline_name else p.a
            if p.better != baseline_name:
                continue
            if abs(p.diff) < self.min_effect:
                continue
            worse.append(other)
        return worse

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "metric": {"name": self.metric, "goal": self.goal, "reduce": self.reduce},
            "seed_key": self.seed_key,
            "configs": [c.to_dict() for c in self.configs],
            "omnibus": None if self.omnibus is None else self.omnibus.to_dict(),
            "pairs": [p.to_dict() for p in self.pairs],
            "decision": self.decision.to_dict(),
            "warnings": list(self.warnings),
            "alpha": float(self.alpha),
            "correction": self.correction,
            "test_requested": self.test_requested,
            "min_effect": float(self.min_effect),
            "baseline": self.baseline,
            "x_axis": self.x_axis,
            "budget": finite_or_none(self.budget),
            "critical_difference": None
            if self.critical_difference is None
            else self.critical_difference.to_dict(),
            "param_importance": None
            if self.param_importance is None
            else [p.to_dict() for p in self.param_importance],
            "pareto": None if self.pareto is None else self.pareto.to_dict(),
            "mcb": None if self.mcb is None else self.mcb.to_dict(),
            "param_effects": None if self.param_effects is None
            else [e.to_dict() for e in self.param_effects],
            "runs": len(self.run_keys),
            "examples": None if self.examples is None else self.examples.to_dict(),
            "question": self.question(),
        }

    def question(self) -> str:
        """The question the comparison answered, in words (JSON ``question``, schema v3)."""
        if self.mcb is not None:
            return self.mcb.question or "which configuration is best"
        if self.baseline is not None:
            return f"which configurations beat the baseline {self.baseline}"
        if len(self.configs) <= 2:
            return "is one configuration better than the other"
        return "which pairs of configurations differ (every pair tested)"

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Comparison:
        """The comparison a ``comparison.json`` (:meth:`to_dict`) holds, of any schema version
        (v1 and v2 files are upgraded first: ``_upgrade``).

        Reading and writing back changes nothing:
        ``Comparison.from_dict(c.to_dict()).to_dict() == c.to_dict()``.

        Raises:
            InputError: not a tracker-compare comparison, or a member that cannot be read.

        Example:
            >>> from shared.model import Run
            >>> from shared.compare import compare_runs
            >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
            ...             metrics={"acc": 0.7 + (0.1 if lr == 0.01 else 0.0) + 0.01 * s})
            ...         for lr in (0.1, 0.01) for s in range(6)]
            >>> d = compare_runs(runs, metric="acc").to_dict()
            >>> c = Comparison.from_dict(d)
            >>> c.decision.winner, c.pairs[0].ci_level_achieved, c.to_dict() == d
            ('lr=0.01', 0.96875, True)
        """
        d = upgrade(d)  # a v1 or v2 file, or one lacking members added since: as v3
        metric = _read("metric", lambda m: (str(m["name"]), str(m["goal"]), str(m["reduce"])),
                       d["metric"])
        return cls(
            metric=metric[0], goal=metric[1], reduce=metric[2],
            seed_key=d["seed_key"],
            configs=tuple(_read(f"configs[{i}]", ConfigSummary.from_dict, c)
                          for i, c in enumerate(d["configs"])),
            omnibus=_read("omnibus", Omnibus.from_dict, d["omnibus"]),
            pairs=tuple(_read(f"pairs[{i}]", PairResult.from_dict, p)
                        for i, p in enumerate(d["pairs"])),
            decision=_read("decision", Decision.from_dict, d["decision"]),
            warnings=_read("warnings", tuple, d["warnings"], required=True),
            alpha=_read("alpha", float, d["alpha"], required=True),
            correction=str(d["correction"]), test_requested=str(d["test_requested"]),
            min_effect=_read("min_effect", float, d["min_effect"], required=True),
            baseline=d["baseline"], x_axis=str(d["x_axis"]),
            budget=_read("budget", _opt, d["budget"]),
            critical_difference=_read("critical_difference", CriticalDifference.from_dict,
                                      d["critical_difference"]),
            param_importance=_read("param_importance", lambda xs: tuple(
                ParamImportance.from_dict(p) for p in xs), d["param_importance"]),
            pareto=_read("pareto", Pareto.from_dict, d["pareto"]),
            mcb=_read("mcb", MCB.from_dict, d["mcb"]),
            param_effects=_read("param_effects", lambda xs: tuple(
                ParamEffect.from_dict(e) for e in xs), d["param_effects"]),
            examples=_read("examples", ExamplesSummary.from_dict, d["examples"]),
        )


def _read(member: str, read: Callable[[Any], T], value: Any, required: bool = False) -> Any:
    """``read(value)`` (``None`` for a JSON ``null`` unless ``required``), or an
    ``InputError`` naming ``member`` when it does not read (a hand-edited file)."""
    if value is None and not required:
        return None
    try:
        return read(value)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise InputError(f"the comparison's {member} cannot be read: {type(exc).__name__}: "
                         f"{exc}") from exc


def as_comparison(comparison: Comparison | Mapping[str, Any]) -> Comparison:
    """``comparison`` itself, or the ``Comparison`` its JSON dict holds (a saved
    ``comparison.json`` of any schema version): publishers and reports read the typed object
    either way.

    Raises:
        InputError: a dict that is not a tracker-compare comparison.
    """
    if isinstance(comparison, Comparison):
        return comparison
    return Comparison.from_dict(comparison)
