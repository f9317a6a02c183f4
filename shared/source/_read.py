"""The walk every command makes over a source: runs, what to leave out, then histories."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.errors import InputError, UnknownMetricError
from shared.model import Run
from shared.normalise._metric_spec import MetricSpec
from shared.source._base import Source

__all__ = ["Found", "history_wanted", "read_runs"]


@dataclass
class Found:
    """What :func:`read_runs` found: the runs to compare, the notes to show (warnings), and
    the ``MetricSpec`` metrics asked for with each run's spelling resolved (pass them on to
    the comparison: the spelling is then not resolved again)."""

    runs: list[Run]
    notes: list[str] = field(default_factory=list)
    metrics: tuple[MetricSpec, ...] = ()


def history_wanted(
    source: Source, runs: Sequence[Run], names: Sequence[str | MetricSpec]
) -> list[tuple[Run, str]]:
    """``(run, key)`` per run and metric of ``names``, in the run's own spelling.

    ``names`` are as the user spelled them (``shared.cli.metric_names_needed``); the first
    must exist in some run, later ones (an x-axis metric) may be absent. A ``MetricSpec``
    already resolved for these runs is read, not resolved again.

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
            if isinstance(name, MetricSpec):
                spelling = name.resolve(runs, source.metric_keys).spellings_in(runs)
            else:
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
    metrics: Sequence[str | MetricSpec] = (),
    timestamps: bool = True,
    keep: Sequence[str] = (),
) -> Found:
    """The runs of ``source`` to compare, with the histories of ``metrics`` when given.

    Args:
        source: the tracker's reader.
        metrics: metric names as the user spelled them (``shared.cli.metric_names_needed``);
            each run's histories are read in its own spelling, resolved once: the
            ``MetricSpec`` among them come back resolved in ``Found.metrics``.
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
    specs: tuple[MetricSpec, ...] = ()
    if metrics and runs:
        # each --metric resolved here, once: history_wanted reads the resolved spellings
        names: list[str | MetricSpec] = []
        for i, name in enumerate(metrics):
            if isinstance(name, MetricSpec):
                try:
                    name = name.resolve(runs, source.metric_keys)
                except UnknownMetricError:
                    if i == 0:
                        raise  # the deciding metric must exist; the comparison names the rest
            names.append(name)
        specs = tuple(name for name in names if isinstance(name, MetricSpec))
        wanted = history_wanted(source, runs, names)
        histories = source.histories(wanted, timestamps=timestamps)
        by_id = {run.id: run for run in runs}
        for (run_id, key), history in histories.items():
            by_id[run_id].histories[key] = history
    return Found(runs, notes, specs)
