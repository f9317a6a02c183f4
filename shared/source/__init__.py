"""Where runs come from: the one interface every tracker's reader implements.

A :class:`Source` lists the runs a command selected (with their provenance), reads the
histories a comparison needs in each run's own metric spellings, says which runs to leave out
(our own comparison runs, parents whose children are compared), names the options that keep
one sweep or group in messages, and may read per-example tables. :func:`read_runs` is the walk
every command makes over a source; ``tests/_source_suite.py`` is the conformance suite every
source passes (MLflow, W&B offline and online, the CSV example of ARCHITECTURE.md).

Example:
    >>> from shared import History, Run
    >>> class Memory(Source):
    ...     tracker = "memory"
    ...     def runs(self):
    ...         return [Run("memory", f"r{i}", params={"seed": i}, metrics={"val/acc": 0.5})
    ...                 for i in range(2)]
    ...     def histories(self, wanted, *, timestamps=True):
    ...         return {(run.id, key): History([0, 1], [0.4, 0.5]) for run, key in wanted}
    >>> found = read_runs(Memory(), metrics=["val_acc"])
    >>> [sorted(r.histories) for r in found.runs], found.notes
    ([['val/acc'], ['val/acc']], [])
"""

from shared.source._base import OWN_RUN_TAG, NotSupported, Source, skip_parents
from shared.source._hints import option_hint, register_hints
from shared.source._read import Found, history_wanted, read_runs

__all__ = [
    "OWN_RUN_TAG",
    "Found",
    "NotSupported",
    "Source",
    "history_wanted",
    "option_hint",
    "read_runs",
    "register_hints",
    "skip_parents",
]
