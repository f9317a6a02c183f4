"""One ``--metric``: its name as typed, its goal, and each run's own spelling once resolved.

The command parses ``--metric`` once at its edge (``shared.cli.parse_metric_spec``) and
resolves the spelling once per run (``val_acc`` -> ``val/acc``): the source reading histories,
the checks before comparing, the reduction and the curves all read the spelling recorded here
instead of resolving it again (issue 21: it was resolved up to three times).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from shared.errors import UnknownMetricError
from shared.model import Run

__all__ = ["MetricSpec"]

Resolver = Callable[[Sequence[Run], str], Mapping[str, str]]


class _NameGoal(NamedTuple):
    name: str
    goal: str


class MetricSpec(_NameGoal):
    """One ``--metric``, parsed once at the command's edge: the name as typed and the goal.

    It is still the ``(name, goal)`` pair it always was (unpacking, equality, repr); the
    spellings resolved so far ride along (``spellings``: ``run.key`` -> the run's own key, or
    ``None`` for a run that does not have the metric).

    Example:
        >>> spec = MetricSpec("val_loss", "minimize")
        >>> spec.name, str(spec)
        ('val_loss', 'val_loss:min')
        >>> runs = [Run("mlflow", "a", metrics={"val/loss": 1.0}), Run("mlflow", "b")]
        >>> spec.resolve(runs).spellings
        {'mlflow:a': 'val/loss', 'mlflow:b': None}
    """

    spellings: dict[str, str | None] | None

    def __new__(
        cls, name: str, goal: str, spellings: Mapping[str, str | None] | None = None
    ) -> MetricSpec:
        self = super().__new__(cls, name, goal)
        self.spellings = None if spellings is None else dict(spellings)
        return self

    def __str__(self) -> str:
        return f"{self.name}:{self.goal[:3]}"

    def resolve(self, runs: Sequence[Run], resolver: Resolver | None = None) -> MetricSpec:
        """This spec with the spelling of every run of ``runs`` resolved; a run resolved
        before is not resolved again (a spec resolved for all of ``runs`` is returned as is).

        Args:
            runs: the runs.
            resolver: how to resolve (``shared.source.Source.metric_keys``); default
                ``shared.normalise.resolve_metric``.

        Raises:
            UnknownMetricError: no run of ``runs`` has the metric in any spelling.
            AmbiguousMetricError: a run has several spellings that could be the metric.
        """
        known = self.spellings or {}
        new = [run for run in runs if run.key not in known]
        if not new:
            if runs and not any(known.get(run.key) for run in runs):
                self._unknown(runs, resolver)
            return self
        try:
            found = dict(self._resolver(resolver)(new, self.name))
        except UnknownMetricError:
            if not any(known.get(run.key) for run in runs):
                raise  # no run at all has it: the error lists what the runs logged
            found = {}
        spellings = {**known, **{run.key: found.get(run.key) for run in new}}
        return MetricSpec(self.name, self.goal, spellings)

    def spellings_in(self, runs: Sequence[Run]) -> dict[str, str]:
        """``{run.key: spelling}`` of the runs of ``runs`` having the metric, as
        ``resolve_metric`` returns it (resolving the runs not resolved yet)."""
        spellings = self.resolve(runs).spellings or {}
        return {run.key: own for run in runs if (own := spellings.get(run.key)) is not None}

    def _unknown(self, runs: Sequence[Run], resolver: Resolver | None) -> None:
        self._resolver(resolver)(runs, self.name)  # raises UnknownMetricError, naming what exists

    @staticmethod
    def _resolver(resolver: Resolver | None) -> Resolver:
        if resolver is not None:
            return resolver
        from shared.normalise._metric_names import resolve_metric

        return resolve_metric
