"""``Run``: identity, status, times, params, tags, summary metrics and histories of one run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.model._examples import ExampleTable
from shared.model._history import History

__all__ = ["SOURCE_KEYS", "Run"]

#: The provenance keys of ``Run.source``, tracker-neutral, in the order they are shown:
#: ``sweep`` (W&B sweep id), ``group`` (W&B group), ``job_type`` (W&B job type),
#: ``parent_run`` (MLflow parent run id, tag ``mlflow.parentRunId``). Each adapter fills the
#: ones its tracker knows; a missing key means the run has none (an ad-hoc run).
SOURCE_KEYS: tuple[str, ...] = ("sweep", "group", "job_type", "parent_run")


@dataclass
class Run:
    """One run from any tracker, in one shape.

    Args:
        tracker: where it came from: ``"mlflow"``, ``"wandb"`` or ``"frame"``.
        id: the tracker's run id (unique within the tracker).
        name: display name (MLflow ``mlflow.runName``, W&B ``display_name``).
        experiment: MLflow experiment id, or W&B ``entity/project``.
        status: ``"FINISHED"``, ``"RUNNING"``, ``"FAILED"``, ``"KILLED"`` or ``None``.
        start_time, end_time: seconds since the epoch, or ``None``.
        params: flat, dot-keyed (``optimizer.lr``), values with real types (numbers are numbers).
        tags: string tags.
        metrics: summary metrics (the last value of each metric).
        histories: per metric, every logged point.
        source: where the run came from, under the :data:`SOURCE_KEYS` (``{"sweep": "abc12"}``),
            filled by the fetchers; usable in ``group_by`` as ``source.sweep`` and so on.
        examples: per-example tables (evaluation results) by name, each an
            :class:`ExampleTable`; fetched only when a comparison over examples asks for one
            (empty otherwise).

    Example:
        >>> r = Run(tracker="frame", id="r1", params={"lr": 0.1, "seed": 0}, metrics={"acc": 0.9})
        >>> r.key
        'frame:r1'
    """

    tracker: str
    id: str
    name: str | None = None
    experiment: str | None = None
    status: str | None = None
    start_time: float | None = None
    end_time: float | None = None
    params: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    histories: dict[str, History] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)
    examples: Mapping[str, ExampleTable] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Globally unique key, so MLflow and W&B runs can sit in one comparison."""
        return f"{self.tracker}:{self.id}"

    @property
    def label(self) -> str:
        """What to show a person: the name if there is one, else the id."""
        return self.name or self.id

    def metric_names(self) -> set[str]:
        """Every metric this run has, as a summary value or a history."""
        return set(self.metrics) | set(self.histories)
