"""``ConfirmResult``: what a confirm found, and the one error it stops with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared.errors import InputError

if TYPE_CHECKING:
    from shared.compare import Comparison

__all__ = ["STOP_REASONS", "ConfirmFailed", "ConfirmResult"]

#: why a confirm stopped, as ``ConfirmResult.stopped_because`` says it.
STOP_REASONS = {
    "decided": "decided",
    "equivalent": "equivalent within min_effect",
    "budget": "budget spent",
}


class ConfirmFailed(InputError):
    """A (configuration, seed) failed every attempt, or train never gave the metric (exit 2)."""


@dataclass(frozen=True)
class ConfirmResult:
    """The answer of ``confirm``.

    Args:
        comparison: the comparison of the last look (its ``alpha`` is that look's share).
        seeds_used: configuration name -> seeds run.
        stopped_because: ``"decided"``, ``"equivalent within min_effect"`` or
            ``"budget spent"``.
        winner: the configuration that won (its name as given), or None.
        best_set: the configurations that could still be the best (names as given).
        parent: the MLflow parent run id, or the W&B group.
        looks: per look: seeds per configuration in the race, the nominal level it compared
            at (``alpha``), its share of alpha (``share``), the race.
        study: the Optuna study holding the work items (and its storage URL, if any).
    """

    comparison: Comparison
    seeds_used: Mapping[str, int]
    stopped_because: str
    winner: str | None
    best_set: tuple[str, ...]
    parent: str | None
    looks: tuple[Mapping[str, Any], ...] = ()
    study: str = ""
    storage: str | None = None
    config_names: Mapping[str, str] = field(default_factory=dict)

    @property
    def total_seeds(self) -> int:
        """Runs trained in all (the cost a fixed design is measured against)."""
        return int(sum(self.seeds_used.values()))

    def summary(self) -> str:
        """One paragraph: why it stopped, the seeds used, the decision's rationale."""
        used = ", ".join(f"{k}: {v}" for k, v in self.seeds_used.items())
        head = (f"Stopped after {len(self.looks)} look(s): {self.stopped_because}. "
                f"Metric: {self.comparison.metric} ({self.comparison.goal}). "
                f"Seeds per configuration: {used} ({self.total_seeds} runs).")
        if self.winner:
            head += f" Winner: {self.winner}."
        elif self.best_set:
            head += f" Possibly best: {', '.join(self.best_set)}."
        return f"{head} {self.comparison.decision.rationale}"

    def _repr_html_(self) -> str:
        """Why it stopped and the seeds used, then the last look's report, in a Jupyter cell."""
        from shared.render._notebook import notebook_html

        return notebook_html(self.comparison, self.summary())

    def _repr_markdown_(self) -> str:
        from shared.render._notebook import notebook_markdown

        return notebook_markdown(self.comparison, self.summary())

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "tracker-compare/confirm/v2",
            "stopped_because": self.stopped_because,
            "winner": self.winner,
            "best_set": list(self.best_set),
            "seeds_used": dict(self.seeds_used),
            "total_seeds": self.total_seeds,
            "parent": self.parent,
            "looks": [dict(look) for look in self.looks],
            "study": self.study,
            "storage": self.storage,
            "comparison": self.comparison.to_dict(),
        }
