"""The walk every command makes over a source: runs, what to leave out, then histories."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.errors import InputError, UnknownMetricError
from shared.model import Run
from shared.source._base import Source

__all__ = ["Found", "history_wanted", "read_runs"]


@dataclass
class Found:
    """What :func:`read_runs` found: the runs to compare and the notes to show (warnings)."""

    runs: list[Run]
    notes: list[str] = field(default_factory=list)


def history_wanted(
    source: Source, runs: Sequence[Run], names: Sequence[str]
) -> list[tuple[Run, str]]:
    """``(run, key)`` per run and metric of ``names``, in the run's own spelling.

    ``names`` are as the user spelled them (``shared.cli.metric_names_needed``); the first
    must exist in some run, later ones (an x-axis metric) may be absent.

    Example:
        >>> from shared.source._base import Source
        >>> class S(Source):
        ...     def runs(self): return []
        ...     def histories(self, wanted, *, timestamps=True): return {}
        >>> runs = [Run("a", "1", metrics={"val/acc": 1.0}), Run("b", "2", metrics={"val_acc": 1.0})]
        >>> [(r.id, key) for r, key in history_wanted(S(), runs, ["val_acc", "tokens"])]
        [('1', 'val/acc'), ('2', 'val_acc')]
    """
    by_key = {run.key: run for run in runs}
    wanted: list[tuple[Run, str]] = []
    for i, name in enumerate(names):
        try:
            spelling = source.metric_keys(runs, name)
        except UnknownMetricError:
            if i == 0:
                raise  # the deciding metric must exist; an x-axis metric may be absent
            continue
        wanted.extend((by_key[key], own) for key, own in spelling.items())
    seen: set[tuple[str, str]] = set()
    out = []
    for run, key in wanted:
        if (run.key, key) not in seen:
            seen.add((run.key, key))
            out.append((run, key))
    return out


def read_runs(
    source: Source,
    *,
    metrics: Sequence[str] = (),
    timestamps: bool = True,
    keep: Sequence[str] = (),
) -> Found:
    """The runs of ``source`` to compare, with the histories of ``metrics`` when given.

    Args:
        source: the tracker's reader.
        metrics: metric names as the user spelled them (``shared.cli.metric_names_needed``);
            each run's histories are read in its own spelling.
        timestamps: whether the histories need wall-clock times (x-axis ``seconds``/``time``).
        keep: run ids asked for by name: never left out as parents.

    Raises:
        InputError: every run was left out.
        UnknownMetricError: no run has the first metric.
    """
    found = source.runs()
    runs, notes = source.skip(found, keep)
    if found and not runs:
        why = "; ".join(notes) or "every run found was written by tracker-compare"
        raise InputError(f"no runs to compare: {why}")
    if metrics and runs:
        wanted = history_wanted(source, runs, metrics)
        histories = source.histories(wanted, timestamps=timestamps)
        by_id = {run.id: run for run in runs}
        for (run_id, key), history in histories.items():
            by_id[run_id].histories[key] = history
    return Found(runs, notes)
