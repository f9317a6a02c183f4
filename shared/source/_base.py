"""The interface a tracker's reader implements (one subclass per way of reading runs)."""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from shared.errors import InputError
from shared.model import History, Run
from shared.model._own_runs import is_own_run, leave_out_not_replicates, without_parents
from shared.source._hints import register_hints

__all__ = ["OWN_RUN_TAG", "NotSupported", "Source", "skip_parents"]

#: Tag (value ``"true"``) on the runs we write into a tracker (a comparison run with its
#: report): such runs are never compared. A tracker that keeps tags uses this one.
OWN_RUN_TAG = "tracker_compare.comparison"


class NotSupported(InputError):
    """The source cannot do what was asked (e.g. per-example tables not read yet). Exit 2."""


class Source(abc.ABC):
    """Runs selected in one tracker, and what the core needs to know about them.

    A source is made with the user's selection (experiments, projects, folders, filters); the
    core then calls :meth:`runs`, :meth:`skip` and :meth:`histories` through
    :func:`~shared.source.read_runs`. Subclasses set two class attributes:

    * ``tracker``: the short name its runs carry in ``Run.tracker`` (``mlflow``, ``wandb``);
    * ``option_hints``: per provenance key of ``Run.source`` (``sweep``, ``group``,
      ``job_type``, ``parent_run``) the option of its command that keeps one such source,
      shown in the core's warnings (``{"sweep": "--sweep ID (W&B)"}``); registered when the
      subclass is defined.

    Example:
        >>> class Empty(Source):
        ...     tracker = "empty"
        ...     option_hints = {"group": "--group NAME (empty)"}
        ...     def runs(self): return []
        ...     def histories(self, wanted, *, timestamps=True): return {}
        >>> from shared.source import option_hint
        >>> Empty().runs(), option_hint("group", ["empty"])
        ([], '--group NAME (empty)')
    """

    tracker: ClassVar[str] = ""
    option_hints: ClassVar[Mapping[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.tracker and cls.option_hints:
            register_hints(cls.tracker, cls.option_hints)

    @abc.abstractmethod
    def runs(self) -> list[Run]:
        """Every selected run, with params (typed: ``seed`` 3, not "3" or 3.0), tags, summary
        metrics and provenance (``Run.source``); histories may be left empty. Our own runs
        are included: :meth:`skip` leaves them out."""

    @abc.abstractmethod
    def histories(
        self, wanted: Sequence[tuple[Run, str]], *, timestamps: bool = True
    ) -> dict[tuple[str, str], History]:
        """The full history of each ``(run, key)`` (``key`` spelled as that run logged it),
        keyed by ``(run.id, key)``; a pair with nothing logged may be left out.
        ``timestamps=False`` lets a source skip reading wall-clock times."""

    def is_own(self, run: Run) -> bool:
        """Whether ``run`` is one we wrote (a comparison, confirm parent or decision run):
        never compared. By default the core's rule (``shared.model._own_runs.is_own_run``:
        :data:`OWN_RUN_TAG` and the confirm tags)."""
        return is_own_run(run)

    def skip(self, runs: Sequence[Run], keep: Sequence[str] = ()) -> tuple[list[Run], list[str]]:
        """The runs to compare and a note per kind left out (notes are shown as warnings).

        Our own runs (:meth:`is_own`) and parent runs whose children are among the runs go,
        each kind with a note, as in every entry point
        (``shared.model._own_runs.leave_out_not_replicates``); run ids in ``keep`` stay.
        """
        if type(self).is_own is Source.is_own:
            return leave_out_not_replicates(runs, keep)
        kept = set(keep)
        own = [r for r in runs if r.id not in kept and self.is_own(r)]
        own_ids = {id(r) for r in own}
        rest, notes = leave_out_not_replicates([r for r in runs if id(r) not in own_ids], keep)
        if own:
            notes.insert(0, f"{len(own)} tracker-compare run{'s' if len(own) != 1 else ''} "
                            "left out (a comparison or decision, not training)")
        return rest, notes

    def metric_keys(self, runs: Sequence[Run], name: str) -> dict[str, str]:
        """Each run's own spelling of metric ``name`` (``{run.key: key}``), as the core
        resolves it (``val_loss`` finds ``val/loss``); raises ``UnknownMetricError`` when no
        run has it."""
        from shared.normalise import resolve_metric

        return resolve_metric(runs, name)

    def example_tables(
        self, runs: Sequence[Run], table: str, columns: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """Per-example tables (issue 18): ``{run.key: table}`` of the table logged as
        ``table`` by each run, only ``columns`` when given. Not read by any source yet."""
        raise NotSupported(
            f"{self.tracker or type(self).__name__}: per-example tables cannot be read yet"
        )


#: The runs without those that are the parent of another selected run, and a note (one
#: implementation for every entry point: ``shared.model._own_runs.without_parents``).
skip_parents = without_parents
