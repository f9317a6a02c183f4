"""The comparison and the decision (contract B): configurations, tests, correction, winner.

Example:
    >>> from shared.model import Run
    >>> from shared.compare import compare_runs
    >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
    ...             metrics={"acc": 0.7 + (0.1 if lr == 0.01 else 0.0) + 0.01 * s})
    ...         for lr in (0.1, 0.01) for s in range(6)]
    >>> compare_runs(runs, metric="acc").decision.winner
    'lr=0.01'
"""

from shared.compare._api import compare_frame, compare_runs
from shared.compare.configs._grouping import SEED_KEYS
from shared.compare.inference._registry import EXAMPLE_TESTS
from shared.compare.inference._selection import TESTS
from shared.compare.results._comparison import (
    SCHEMA,
    Comparison,
    ConfigSummary,
    CriticalDifference,
    CurveBand,
    Decision,
    Omnibus,
    PairResult,
    as_comparison,
)
from shared.compare.results._examples_result import ExamplesSummary
from shared.compare.results._extras import (
    MCB,
    Cost,
    CostAdvantage,
    CostAlternative,
    MCBRow,
    MCBVersusTop,
    ParamEffect,
    ParamImportance,
    Pareto,
    ParetoPoint,
)
from shared.stats._correction import CORRECTIONS

__all__ = [
    "CORRECTIONS",
    "EXAMPLE_TESTS",
    "MCB",
    "SCHEMA",
    "SEED_KEYS",
    "TESTS",
    "Comparison",
    "ConfigSummary",
    "Cost",
    "CostAdvantage",
    "CostAlternative",
    "CriticalDifference",
    "CurveBand",
    "Decision",
    "ExamplesSummary",
    "MCBRow",
    "MCBVersusTop",
    "Omnibus",
    "PairResult",
    "ParamEffect",
    "ParamImportance",
    "Pareto",
    "ParetoPoint",
    "as_comparison",
    "compare_frame",
    "compare_runs",
]
