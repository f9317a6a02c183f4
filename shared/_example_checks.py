"""Per-example tables checked before a comparison: one line naming the runs when unusable.

A table that cannot be compared is refused whole, before any statistic, with the runs at
fault named: a run without the table, a missing example key, score or cluster column,
duplicate example keys within a run, and scores that are not numbers (booleans count as 0/1).
The core checks the same (``shared/compare/configs/_examples_data.py``) but stops at the first run;
here every run at fault is named at once. Examples present in some runs and not others, and
missing scores, are the comparison's business (it states its policy), not an input error.

Messages name parameters as a Python caller writes them (``example_key='id'``); the command
lines print them as options (``--example-key 'id'``).

Example:
    >>> from shared.model import ExampleTable, Run
    >>> run = Run("frame", "r1", examples={"eval": ExampleTable("eval", {"id": ("a", "a"),
    ...                                                                  "ok": (1, 0)})})
    >>> check_example_tables([run], "eval", score="ok", example_key="id")
    Traceback (most recent call last):
    ...
    shared.errors.InputError: example_key='id' repeats within a run in table 'eval' (r1: 'a' x2)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from shared.errors import InputError, Param
from shared.model import Run

__all__ = ["check_example_tables", "numeric_scores"]

_SHOWN = 5


def _runs_text(items: Sequence[str], total: int) -> str:
    shown = ", ".join(items[:_SHOWN])
    more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
    return f"{len(items)} of {total} runs ({shown}{more})"


_NUMBER_TYPES = frozenset({bool, int, float, type(None), np.float64, np.int64, np.bool_})


def _plain_numbers(items: Sequence[Any]) -> bool:
    """Whether every item is a bool, int, float or None (one C loop over the types; strings,
    which numpy would parse as numbers, are not)."""
    return set(map(type, items)) <= _NUMBER_TYPES


def _same_keys(a: Any, b: Any) -> bool:
    """Whether two key columns hold the same keys in the same order (a C-speed comparison,
    far cheaper than hashing 100,000 keys again)."""
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    return tuple(a) == tuple(b)


def numeric_scores(values: Any) -> tuple[np.ndarray | None, str | None]:
    """Scores as float64, or ``None`` and the first value that is not a number.

    Booleans are 0/1; ``None`` becomes NaN (a missing score: the comparison leaves that
    example out for every run and says how many, its stated policy).

    Example:
        >>> numeric_scores((True, 0, 0.5))[0].tolist()
        [1.0, 0.0, 0.5]
        >>> numeric_scores((1, "good"))[1]
        "'good' (row 1)"
    """
    array = values if isinstance(values, np.ndarray) else None
    if array is not None and array.dtype.kind in "biuf":
        scores = array.astype(np.float64, copy=False)
    elif _plain_numbers(items := list(values)):
        scores = np.asarray(items, dtype=np.float64)  # None becomes NaN
    else:
        bad = next(
            (
                i
                for i, v in enumerate(items)
                if v is not None
                and (isinstance(v, str) or not isinstance(v, (bool, int, float, np.number)))
            ),
            None,
        )
        if bad is not None:
            return None, f"{items[bad]!r} (row {bad})"
        scores = np.asarray([np.nan if v is None else v for v in items], dtype=np.float64)
    return scores, None


def check_example_tables(
    runs: Sequence[Run],
    table: str,
    *,
    score: str,
    example_key: str | None = None,
    cluster_key: str | None = None,
) -> None:
    """Refuse unusable per-example tables, naming the runs (see the module's list).

    Args:
        runs: runs carrying ``run.examples[table]``.
        table: the table's name.
        score: the score column (``metric``).
        example_key: the column identifying an example, if given.
        cluster_key: the column grouping examples, if given.

    Raises:
        InputError: one line naming the problem and the runs.
    """
    total = len(runs)
    missing = [run.label for run in runs if table not in run.examples]
    if missing:
        raise InputError(
            Param("examples", repr(table)),
            f": the table was not read for {_runs_text(missing, total)}",
        )
    for param, column in (("example_key", example_key), ("metric", score),
                          ("cluster_key", cluster_key)):  # fmt: skip
        if column is None:
            continue
        lacking = [run for run in runs if column not in run.examples[table].columns]
        if lacking:
            columns = list(lacking[0].examples[table].column_names)
            raise InputError(
                Param(param, repr(column)),
                f" is not a column of table {table!r} in "
                f"{_runs_text([r.label for r in lacking], total)}; its columns: {columns}",
            )
    if example_key is not None:
        repeats = []
        unique: Any = None  # the last key column proven free of repeats
        for run in runs:
            keys = run.examples[table].columns[example_key]
            if unique is not None and _same_keys(keys, unique):
                continue  # the usual case: every run lists the same examples, checked once
            if len(set(keys.tolist() if isinstance(keys, np.ndarray) else keys)) == len(keys):
                unique = keys
            else:
                counts = Counter(keys.tolist() if isinstance(keys, np.ndarray) else keys)
                key, n = counts.most_common(1)[0]
                repeats.append(f"{run.label}: {key!r} x{n}")
        if repeats:
            raise InputError(
                Param("example_key", repr(example_key)),
                f" repeats within a run in table {table!r} "
                f"({'; '.join(repeats[:_SHOWN])}{' ...' if len(repeats) > _SHOWN else ''})",
            )
    bad = []
    for run in runs:
        _scores, problem = numeric_scores(run.examples[table].columns[score])
        if problem is not None:
            bad.append(f"{run.label}: {problem}")
    if bad:
        raise InputError(
            Param("metric", repr(score)),
            f": scores in table {table!r} must be numbers (booleans count as "
            f"0/1); {len(bad)} of {total} runs have others ({'; '.join(bad[:3])}"
            f"{' ...' if len(bad) > 3 else ''})"
        )
