"""Per-example data as one long pandas DataFrame, made into runs carrying an ``ExampleTable``.

The long form: one row per (run, example), with ``run_id``, the run's ``params.*`` (the same
on every row of a run: they define its configuration and seed), optional ``tags.*``, the
example key column, an optional cluster key column, and score columns. Everything that is not
``run_id``, ``params.*``, ``tags.*`` or ``metrics.*`` goes into the run's table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.errors import InputError
from shared.model import ExampleTable, Run
from shared.normalise import coerce_value

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FRAME_TABLE", "runs_from_example_frame"]

#: The table name runs made from a long frame carry their rows under.
FRAME_TABLE = "examples"


def runs_from_example_frame(
    frame: pd.DataFrame, *, example_key: str, table: str = FRAME_TABLE, tracker: str = "frame"
) -> list[Run]:
    """One ``Run`` per ``run_id`` of a long per-example frame, its rows as ``run.examples[table]``.

    Raises:
        InputError: no ``run_id`` or example key column, or a param that changes within a run.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"run_id": ["a", "a", "b", "b"], "params.lr": ["0.1"] * 2 + ["0.2"] * 2,
        ...                    "example": ["q1", "q2"] * 2, "correct": [1, 0, 1, 1]})
        >>> runs = runs_from_example_frame(df, example_key="example")
        >>> runs[1].params, runs[1].examples["examples"].column("correct").tolist()
        ({'lr': 0.2}, [1, 1])
    """
    columns = [str(c) for c in frame.columns]
    for need in ("run_id", example_key):
        if need not in columns:
            raise InputError(
                f"the per-example DataFrame has no {need!r} column; columns: {columns[:12]}"
            )
    meta = [c for c in columns if c.startswith(("params.", "tags."))]
    data = [
        c for c in columns if c != "run_id" and not c.startswith(("params.", "tags.", "metrics."))
    ]
    runs: list[Run] = []
    grouped = frame.groupby("run_id", sort=False, dropna=False)
    if meta:
        varying = grouped[meta].nunique(dropna=False)
        bad = varying[(varying > 1).any(axis=1)]
        if len(bad):
            run_id = bad.index[0]
            col = next(c for c in meta if bad.loc[run_id, c] > 1)
            raise InputError(
                f"{col!r} changes within run {str(run_id)!r}: a run's params and tags "
                "must be the same on every one of its rows"
            )
    for run_id, rows in grouped:
        first = rows.iloc[0]
        params = {
            c[7:]: coerce_value(first[c])
            for c in meta
            if c.startswith("params.") and first[c] == first[c] and first[c] is not None
        }
        tags = {
            c[5:]: str(first[c])
            for c in meta
            if c.startswith("tags.") and first[c] == first[c] and first[c] is not None
        }
        runs.append(
            Run(
                tracker,
                str(run_id),
                params=params,
                tags=tags,
                examples={table: ExampleTable.from_frame(table, rows[data])},
            )
        )
    return runs
