"""The result of a comparison: frozen dataclasses that serialise to the v1 JSON shape.

The JSON shape (``Comparison.to_dict()``) is a public, versioned contract
(``"tracker-compare/comparison/v3"``): renderers, adapters and saved ``comparison.json`` files
rely on it. Keys may be added; none may be removed, renamed or change meaning without a new
schema version. v2 (from v1): a pair's ``diff``/``ci`` are the estimate and interval of the
test that decided it (``estimate`` names it: the Hodges-Lehmann shift for the rank tests,
Cliff's delta for ASO, the mean-rank difference for the Friedman tests, the mean difference
for the rest); the mean difference and its t-interval moved to ``mean_diff``/``mean_ci``;
``better`` is the direction that test found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.compare._grouping import match_config
from shared.compare._jsonable import finite_or_none, jsonable
from shared.errors import InputError

__all__ = [
    "SCHEMA",
    "CurveBand",
    "ConfigSummary",
    "Omnibus",
    "PairResult",
    "Decision",
    "Comparison",
]

SCHEMA = "tracker-compare/comparison/v3"


def _pair_list(ci: tuple[float, float] | None) -> list[float | None] | None:
    if ci is None:
        return None
    return [finite_or_none(ci[0]), finite_or_none(ci[1])]


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


@dataclass(frozen=True)
class Omnibus:
    """The test of "all configurations are equal" run before the pairwise tests (3+ configs)."""

    test: str
    statistic: float
    p_value: float
    df: Any = None
    method: str = ""
    why: str = ""
    significant: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

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
        for k, v in self.extra.items():
            d.setdefault(k, jsonable(v))
        return d


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
        }
        for k, v in self.extra.items():
            d.setdefault(k, jsonable(v))
        return d


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
        cost: with a cost metric, the cost in words and numbers (``shared.compare._pareto``):
            ``cost_metric``, ``best``, ``best_cost``, ``cheapest_on_front``, ``ratio``,
            ``verdict``, ``sentence`` and more; ``None`` without a cost metric.
        best_set: the configurations that cannot be told apart from the best at alpha (the
            winner alone when it is separated); every configuration when no test could be
            run. Always a tuple (``None`` given is read as ``()``).
        seeds_needed_how: how ``seeds_needed`` was computed (for the test actually run).
        tests: the tests that decided (names).
    """

    winner: str | None
    rationale: str
    seeds_needed: int | None = None
    cheaper_alternative: str | None = None
    cost: Mapping[str, Any] | None = None
    best_set: tuple[str, ...] = ()
    seeds_needed_how: str = ""
    tests: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "best_set", tuple(self.best_set or ()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "winner": self.winner,
            "rationale": self.rationale,
            "seeds_needed": None if self.seeds_needed is None else int(self.seeds_needed),
            "cheaper_alternative": self.cheaper_alternative,
            "cost": None if self.cost is None else jsonable(dict(self.cost)),
            "best_set": list(self.best_set),
            "seeds_needed_how": self.seeds_needed_how,
            "tests": list(self.tests),
        }


@dataclass(frozen=True)
class Comparison:
    """Everything a comparison found; ``to_dict()`` gives the v2 JSON.

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
    critical_difference: Mapping[str, Any] | None = None
    param_importance: tuple[Mapping[str, Any], ...] | None = None
    pareto: Mapping[str, Any] | None = None
    mcb: Mapping[str, Any] | None = None
    param_effects: tuple[Mapping[str, Any], ...] | None = None

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
            else jsonable(dict(self.critical_difference)),
            "param_importance": None
            if self.param_importance is None
            else [jsonable(dict(p)) for p in self.param_importance],
            "pareto": None if self.pareto is None else jsonable(dict(self.pareto)),
            "mcb": None if self.mcb is None else jsonable(dict(self.mcb)),
            "param_effects": None if self.param_effects is None
            else [jsonable(dict(e)) for e in self.param_effects],
            "runs": len(self.run_keys),
        }
