"""Histories from a SQL tracking store (sqlite, PostgreSQL, MySQL) in set-based queries.

``MlflowClient.get_metric_history`` costs one query (and one Python object per point) per run
and metric. Here every needed (run, metric) history comes out of MLflow's own ``metrics``
table, through MLflow's own SQLAlchemy engine and ``SqlMetric`` model, in one query per chunk
of 500 runs (SQL engines limit the number of bound parameters), straight into numpy columns.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from shared import History

__all__ = ["fetch_histories_sql", "is_sql_store"]

_CHUNK = 500
# MLflow's SQL store cannot hold infinities and stores them as the largest float; turn them
# back into infinities so they are treated as non-finite, as the user logged them.
_FLOAT_MAX = sys.float_info.max


def is_sql_store(store: Any) -> bool:
    """True for MLflow's ``SqlAlchemyStore`` (any SQL backend)."""
    try:
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    except Exception:  # mlflow without SQL support installed
        return False
    return isinstance(store, SqlAlchemyStore) and hasattr(store, "engine")


def _columns(rows: list[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    steps = np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows))
    stamps = np.fromiter((r[3] for r in rows), dtype=np.float64, count=len(rows)) / 1000.0
    values = np.fromiter((r[4] for r in rows), dtype=np.float64, count=len(rows))
    nan = np.fromiter((bool(r[5]) for r in rows), dtype=bool, count=len(rows))
    values[nan] = np.nan
    values[values >= _FLOAT_MAX] = np.inf
    values[values <= -_FLOAT_MAX] = -np.inf
    return steps, stamps, values, nan


def fetch_histories_sql(
    store: Any, wanted: Iterable[tuple[str, str]], *, chunk: int = _CHUNK
) -> dict[tuple[str, str], History]:
    """Every point of each ``(run_id, metric_key)`` in ``wanted``.

    Args:
        store: MLflow's ``SqlAlchemyStore`` (``is_sql_store(store)`` is true).
        wanted: ``(run_id, metric_key)`` pairs.
        chunk: runs per query.

    Returns:
        ``{(run_id, key): History}`` ordered by step, then timestamp (the order MLflow's own
        history uses); pairs with no points are absent.

    Example:
        >>> # store = MlflowClient("sqlite:///mlruns.db")._tracking_client.store
        >>> # fetch_histories_sql(store, [("a1b2...", "val_loss")])
    """
    import sqlalchemy as sa
    from mlflow.store.tracking.dbmodels.models import SqlMetric

    by_run: dict[str, set[str]] = {}
    for run_id, key in wanted:
        by_run.setdefault(run_id, set()).add(key)
    if not by_run:
        return {}
    run_ids = sorted(by_run)
    keys = sorted(set().union(*by_run.values()))
    columns = (
        SqlMetric.run_uuid,
        SqlMetric.key,
        SqlMetric.step,
        SqlMetric.timestamp,
        SqlMetric.value,
        SqlMetric.is_nan,
    )
    out: dict[tuple[str, str], History] = {}
    with store.engine.connect() as connection:
        for start in range(0, len(run_ids), chunk):
            part: Sequence[str] = run_ids[start : start + chunk]
            statement = (
                sa.select(*columns)
                .where(SqlMetric.run_uuid.in_(part), SqlMetric.key.in_(keys))
                .order_by(SqlMetric.run_uuid, SqlMetric.key, SqlMetric.step, SqlMetric.timestamp)
            )
            rows = connection.execute(statement).all()
            _split(rows, by_run, out)
    return out


def _split(
    rows: list[Any], by_run: dict[str, set[str]], out: dict[tuple[str, str], History]
) -> None:
    """Cut the ordered rows into one History per (run, key), keeping only the wanted pairs."""
    if not rows:
        return
    steps, stamps, values, _nan = _columns(rows)
    begin = 0
    n = len(rows)
    while begin < n:
        run_id, key = rows[begin][0], rows[begin][1]
        end = begin + 1
        while end < n and rows[end][0] == run_id and rows[end][1] == key:
            end += 1
        if key in by_run.get(run_id, ()):
            out[(run_id, key)] = History(
                steps=steps[begin:end], values=values[begin:end], timestamps=stamps[begin:end]
            )
        begin = end
