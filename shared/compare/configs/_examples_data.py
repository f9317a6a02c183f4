"""Per-example tables of runs -> one aligned score matrix per configuration.

The policy for imperfect tables, stated once (and in the README):

* a run without the table, a table without the example key, the score column or the cluster
  key column, duplicate example keys within a run, a score that is not a number (or a
  boolean), or an example whose cluster differs between runs: ``InputError``, one line naming
  the run;
* an example that not every run has, or whose score is missing (None / NaN) in some run: left
  out of the comparison for every run, and the warnings say how many (the comparison is on the
  examples every run scored);
* no example left: ``InputError``.

Everything is vectorised over examples (pandas indexes for the key alignment, numpy for the
scores): 50 runs x 100,000 examples align in well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from shared._example_checks import _plain_numbers
from shared.errors import InputError
from shared.model import Run

__all__ = ["ExampleData", "example_matrices"]


@dataclass(frozen=True)
class ExampleData:
    """The runs' scores on the examples every run has, aligned.

    Attributes:
        scores: per run key, its scores (float64, one per common example, in ``keys`` order).
        keys: the common example keys.
        codes: each common example's cluster code (0..G-1), or ``None`` without a cluster key.
        clusters: G (the number of example clusters; the number of examples without a key).
        left_out: examples some run has but that were left out (not in every run, or a
            missing score somewhere).
        binary: every score is 0 or 1.
    """

    scores: dict[str, np.ndarray]
    keys: np.ndarray
    codes: np.ndarray | None
    clusters: int
    left_out: int
    binary: bool


def _column(run: Run, table_name: str, name: str, what: str) -> np.ndarray:
    table = run.examples[table_name]
    if name not in table.columns:
        raise InputError(
            f"run {run.label!r}: table {table_name!r} has no {what} column {name!r}; "
            f"columns: {list(table.columns)[:12]}"
        )
    values = table.columns[name]
    return values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)


def _scores(run: Run, table_name: str, metric: str) -> np.ndarray:
    raw = _column(run, table_name, metric, "score")
    if raw.dtype.kind in "biuf":
        return raw.astype(np.float64, copy=False)
    if _plain_numbers(raw):  # the common case, in C: JSON numbers (None becomes NaN)
        return np.asarray(raw, dtype=np.float64)
    out = np.empty(raw.shape[0], dtype=np.float64)
    for i, v in enumerate(raw):  # object columns only (tuples from JSON): numbers, bools, None
        if v is None:
            out[i] = np.nan
        elif isinstance(v, (bool, int, float, np.number, np.bool_)):
            out[i] = float(v)
        else:
            raise InputError(
                f"run {run.label!r}: score {metric!r} of table {table_name!r} is not a number "
                f"at row {i}: {v!r}"
            )
    return out


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value (for messages)."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value


def _check_unique(run: Run, keys: np.ndarray, example_key: str) -> None:
    import pandas as pd

    try:
        unique = np.unique(keys).size == keys.size
    except TypeError:  # keys of mixed types: pandas can hash them
        unique = not pd.Index(keys).has_duplicates
    if unique:
        return
    index = pd.Index(keys)
    dup = index[index.duplicated()][0]
    raise InputError(
        f"run {run.label!r}: example key {example_key!r} repeats ({dup!r} appears "
        f"{int((index == dup).sum())} times); each example must appear once per run"
    )


def _align(
    runs: Sequence[Run], keys: list[np.ndarray], scores: list[np.ndarray], example_key: str
) -> tuple[np.ndarray, list[np.ndarray], int]:
    """The examples every run scored, where each run has them, and how many keys in all."""
    import pandas as pd

    indexes = []
    for run, k in zip(runs, keys, strict=True):
        _check_unique(run, k, example_key)
        indexes.append(pd.Index(k))
    common = indexes[0][~np.isnan(scores[0])]
    for index, s in zip(indexes[1:], scores[1:], strict=True):
        common = common.intersection(index[~np.isnan(s)], sort=False)
    every = len(pd.Index(np.concatenate([np.asarray(k, dtype=object) for k in keys])).unique())
    wheres = [index.get_indexer(common) for index in indexes]
    return np.asarray(common), wheres, every


def example_matrices(
    runs: Sequence[Run], table: str, metric: str, example_key: str, cluster_key: str | None
) -> ExampleData:
    """Align every run's table on the example key (policy in the module docstring).

    Example:
        >>> from shared.model import ExampleTable
        >>> t = lambda ids, s: {"eval": ExampleTable("eval", {"id": ids, "ok": s})}
        >>> runs = [Run("frame", "a", examples=t(("q1", "q2", "q3"), (1, 0, 1))),
        ...         Run("frame", "b", examples=t(("q3", "q1"), (0, 1)))]
        >>> d = example_matrices(runs, "eval", "ok", "id", None)
        >>> d.keys.tolist(), d.scores["frame:b"].tolist(), d.left_out
        (['q1', 'q3'], [1.0, 0.0], 1)
    """
    missing = [r.label for r in runs if table not in r.examples]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise InputError(
            f"{len(missing)} of {len(runs)} runs have no table {table!r}: {shown} (every run "
            "compared needs its per-example scores; leave those runs out or log the table)"
        )
    keys = [np.asarray(_column(r, table, example_key, "example key")) for r in runs]
    scores = [_scores(r, table, metric) for r in runs]
    clusters = [
        None if cluster_key is None else _column(r, table, cluster_key, "cluster key") for r in runs
    ]
    ref = keys[0]
    if all(k.shape == ref.shape and np.array_equal(k, ref) for k in keys[1:]) and not any(
        np.isnan(s).any() for s in scores
    ):
        # the usual case, every table lists the same examples in the same order: no index
        _check_unique(runs[0], ref, example_key)
        common: Any = ref
        wheres: list[Any] = [slice(None)] * len(runs)
        every = len(ref)
    else:
        common, wheres, every = _align(runs, keys, scores, example_key)
    if len(common) == 0:
        raise InputError(
            f"no example of table {table!r} has a score {metric!r} in every run "
            f"(key {example_key!r}); the runs were scored on different examples"
        )
    aligned: dict[str, np.ndarray] = {}
    codes = None
    ref_raw: Any = None
    g = len(common)
    for i, (run, where, s, c) in enumerate(zip(runs, wheres, scores, clusters, strict=True)):
        aligned[run.key] = s[where]
        if c is None:
            continue
        raw = np.asarray(c)[where]
        if codes is not None and np.array_equal(raw, ref_raw):
            continue  # the same cluster column as the first run's: nothing to convert
        mine = raw if raw.dtype.kind in "biuf" else raw.astype(str)  # "3" and 3: one cluster
        if codes is None:
            ref_run, ref, ref_raw = run, mine, raw
            uniques, codes = np.unique(mine, return_inverse=True)
            codes = codes.reshape(-1).astype(np.int64)
            g = len(uniques)
        elif i and not np.array_equal(mine, ref):
            bad = int(np.argmax(mine != ref))
            raise InputError(
                f"example {_plain(np.asarray(common)[bad])!r} is in cluster {_plain(mine[bad])!r} in run "
                f"{run.label!r} but in {_plain(ref[bad])!r} in run {ref_run.label!r}: "
                f"{cluster_key!r} must not change "
                "between runs"
            )
    stacked = np.concatenate(list(aligned.values()))
    binary = bool(np.all((stacked == 0) | (stacked == 1)))
    return ExampleData(aligned, np.asarray(common), codes, g, every - len(common), binary)
