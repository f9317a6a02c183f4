"""What a comparison pipeline found, and the one place it becomes a ``Comparison``.

Both pipelines (run level, ``_api.compare_runs``; per-example scores,
``_examples_api.compare_examples``) end in a ``Findings``; :meth:`Findings.comparison` is the
only assembly of a ``Comparison`` from stage results, so a new result field is added here once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.compare.inference._notes import dedupe
from shared.compare.inference._options import Options
from shared.compare.results._comparison import (
    Comparison,
    ConfigSummary,
    CriticalDifference,
    Decision,
    Omnibus,
    PairResult,
)
from shared.compare.results._examples_result import ExamplesSummary

__all__ = ["Findings"]


@dataclass
class Findings:
    """The stage results of one comparison (see ``Comparison`` for each field).

    ``opts`` are the checked options (their ``alpha`` and ``min_effect`` are reported);
    ``test`` is the test requested; ``warnings`` are deduplicated on assembly.
    """

    metric: str
    goal: str
    reduce: str
    seed_key: str | None
    configs: Sequence[ConfigSummary]
    pairs: Sequence[PairResult]
    decision: Decision
    warnings: Sequence[str]
    opts: Options
    correction: str
    test: str
    baseline: str | None
    x_axis: str = "step"
    budget: float | None = None
    omnibus: Omnibus | None = None
    critical_difference: CriticalDifference | None = None
    param_importance: Sequence[Mapping[str, Any]] | None = None
    pareto: Mapping[str, Any] | None = None
    mcb: Mapping[str, Any] | None = None
    param_effects: Sequence[Mapping[str, Any]] | None = None
    examples: ExamplesSummary | None = None

    def comparison(self) -> Comparison:
        """The one ``Comparison`` these findings make."""
        return Comparison(
            metric=self.metric,
            goal=self.goal,
            reduce=self.reduce,
            seed_key=self.seed_key,
            configs=tuple(self.configs),
            omnibus=self.omnibus,
            pairs=tuple(self.pairs),
            decision=self.decision,
            warnings=dedupe(self.warnings),
            alpha=self.opts.alpha,
            correction=self.correction,
            test_requested=self.test,
            min_effect=self.opts.min_effect,
            baseline=self.baseline,
            x_axis=self.x_axis,
            budget=self.budget,
            critical_difference=self.critical_difference,
            param_importance=None if self.param_importance is None
            else tuple(self.param_importance),
            pareto=self.pareto,
            mcb=self.mcb,
            param_effects=None if self.param_effects is None else tuple(self.param_effects),
            examples=self.examples,
        )
