"""Histories from a SQL tracking store (sqlite, PostgreSQL, MySQL) in set-based queries.

``MlflowClient.get_metric_history`` costs one query (and one Python object per point) per run
and metric. Here every needed (run, metric) history comes out of MLflow's own ``metrics``
table, through MLflow's own SQLAlchemy engine and ``SqlMetric`` model, in one query per chunk
of 500 runs (SQL engines limit the number of bound parameters), executed on the DB-API cursor
(no Row object per point) and grouped and sorted with numpy.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from shared import History

__all__ = ["fetch_histories_sql", "is_sql_store"]

_CHUNK = 500
# MLflow's SQL store cannot hold infinities and stores them as the largest float; turn them
# back into infinities so they are treated as non-finite, as the user logged them.
_FLOAT_MAX = sys.float_info.max
# One packed integer ((run code * n_keys + key code) * 2 + is_nan) instead of three columns:
# each column is one Python object per point, and building those objects is most of the cost.
_ROW = np.dtype([("code", "i8"), ("step", "i8"), ("timestamp", "f8"), ("value", "f8")])
_ROW_NO_TIME = np.dtype([("code", "i8"), ("step", "i8"), ("value", "f8")])


def is_sql_store(store: Any) -> bool:
    """True for MLflow's ``SqlAlchemyStore`` (any SQL backend)."""
    try:
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    except Exception:  # mlflow without SQL support installed
        return False
    return isinstance(store, SqlAlchemyStore) and hasattr(store, "engine")


def fetch_histories_sql(
    store: Any,
    wanted: Iterable[tuple[str, str]],
    *,
    chunk: int = _CHUNK,
    timestamps: bool = True,
    on_progress: Callable[[int], None] | None = None,
) -> dict[tuple[str, str], History]:
    """Every point of each ``(run_id, metric_key)`` in ``wanted``.

    Args:
        store: MLflow's ``SqlAlchemyStore`` (``is_sql_store(store)`` is true).
        wanted: ``(run_id, metric_key)`` pairs.
        chunk: runs per query.
        timestamps: read each point's wall-clock time too; without it (a step or metric x-axis)
            the histories' timestamps are NaN and a fifth of the per-point cost is saved.
        on_progress: called after each chunk with the number of (run, key) pairs it read.

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
    # Rows carry small integer codes for (run, metric), not the 32-character run id and the
    # key: fewer Python objects per point, which is most of the cost of reading 10^5+ rows.
    key_code = sa.case({key: i for i, key in enumerate(keys)}, value=SqlMetric.key)
    out: dict[tuple[str, str], History] = {}
    engine = store.engine
    with engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            for start in range(0, len(run_ids), chunk):
                part: Sequence[str] = run_ids[start : start + chunk]
                wanted = (
                    sa.values(
                        sa.column("code", sa.Integer),
                        sa.column("run_uuid", sa.String),
                        name="wanted",
                    )
                    .data(list(enumerate(part)))
                    .cte("wanted")
                )
                # No ORDER BY: numpy sorts the points faster than the database does.
                statement = (
                    sa.select(
                        (wanted.c.code * len(keys) + key_code) * 2
                        + sa.cast(SqlMetric.is_nan, sa.Integer),
                        SqlMetric.step,
                        *([SqlMetric.timestamp] if timestamps else []),
                        SqlMetric.value,
                    )
                    .join(wanted, SqlMetric.run_uuid == wanted.c.run_uuid)
                    # ``key || ''`` keeps the planner off the primary-key index (which leads
                    # with ``key``): without statistics SQLite would otherwise scan every
                    # point of the metric once per wanted run. Via the run_uuid index it
                    # reads only the wanted runs' points.
                    .where(SqlMetric.key.op("||")("").in_(keys))
                )
                sql, params = _compile(statement, engine.dialect)
                cursor.execute(sql, params)
                # The DB-API cursor, not SQLAlchemy's Result: no Row object per point.
                _split(cursor.fetchall(), part, keys, by_run, out, timestamps)
                if on_progress is not None:
                    on_progress(sum(len(by_run[run_id]) for run_id in part))
        finally:
            cursor.close()
    return out


def _compile(statement: Any, dialect: Any) -> tuple[str, Any]:
    """SQL text and parameters for the DB-API cursor of ``dialect`` (qmark or pyformat)."""
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    if dialect.positional:
        return str(compiled), [compiled.params[name] for name in compiled.positiontup]
    return str(compiled), compiled.params


def _split(
    rows: list[Any],
    runs: Sequence[str],
    keys: Sequence[str],
    by_run: dict[str, set[str]],
    out: dict[tuple[str, str], History],
    timestamps: bool = True,
) -> None:
    """Group coded rows into one History per (run, key), ordered by step then timestamp."""
    if not rows:
        return
    dtype = _ROW if timestamps else _ROW_NO_TIME
    table = np.fromiter(rows, dtype=dtype, count=len(rows))  # one C pass over the tuples
    codes, is_nan = np.divmod(table["code"], 2)
    step = table["step"]
    stamp = table["timestamp"] / 1000.0 if timestamps else np.full(len(table), np.nan)
    value = table["value"].copy()
    value[is_nan.astype(bool)] = np.nan
    value[value >= _FLOAT_MAX] = np.inf
    value[value <= -_FLOAT_MAX] = -np.inf
    order = np.lexsort((stamp, step, codes))
    codes, step, stamp, value = codes[order], step[order], stamp[order], value[order]
    bounds = np.flatnonzero(np.diff(codes)) + 1
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [len(codes)]))
    for begin, end in zip(starts.tolist(), ends.tolist(), strict=True):
        run_code, key_code = divmod(int(codes[begin]), len(keys))
        run_id, key = runs[run_code], keys[key_code]
        if key in by_run.get(run_id, ()):
            out[(run_id, key)] = History(
                steps=step[begin:end], values=value[begin:end], timestamps=stamp[begin:end]
            )
