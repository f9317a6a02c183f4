"""Runs as a pandas DataFrame in MLflow's ``search_runs`` convention, and back.

One tabular form for both trackers (``run_id``, ``params.x``, ``metrics.y``, ``tags.z``), so a
pandas user sees the same columns for W&B runs as for MLflow runs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from shared.errors import InputError
from shared.model import Run
from shared.normalise import coerce_value

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["runs_to_frame", "runs_from_frame"]


def _to_timestamp(seconds: float | None) -> Any:
    import pandas as pd

    return pd.NaT if seconds is None else pd.Timestamp(seconds, unit="s", tz="UTC")


def runs_to_frame(runs: Sequence[Run]) -> pd.DataFrame:
    """One row per run with MLflow ``search_runs`` columns.

    Columns: ``run_id``, ``experiment_id``, ``status``, ``start_time``, ``end_time`` (UTC
    timestamps), ``tracker``, ``run_key``, ``run_name``, then ``metrics.*``, ``params.*`` and
    ``tags.*`` and ``source.*`` (where the run came from, see ``Run.source``), sorted. Params
    keep their types; a run without a column gets NaN/None.

    Example:
        >>> from shared.model import Run
        >>> df = runs_to_frame([Run("wandb", "x1", params={"lr": 0.1}, metrics={"acc": 0.9})])
        >>> list(df.columns)[:3], float(df.loc[0, "params.lr"])
        (['run_id', 'experiment_id', 'status'], 0.1)
    """
    import pandas as pd

    rows: list[dict[str, Any]] = []
    for run in runs:
        row: dict[str, Any] = {
            "run_id": run.id,
            "experiment_id": run.experiment,
            "status": run.status,
            "start_time": _to_timestamp(run.start_time),
            "end_time": _to_timestamp(run.end_time),
            "tracker": run.tracker,
            "run_key": run.key,
            "run_name": run.name,
        }
        row.update({f"metrics.{k}": v for k, v in run.metrics.items()})
        row.update({f"params.{k}": v for k, v in run.params.items()})
        row.update({f"tags.{k}": v for k, v in run.tags.items()})
        row.update({f"source.{k}": v for k, v in run.source.items()})
        rows.append(row)
    fixed = ["run_id", "experiment_id", "status", "start_time", "end_time", "tracker", "run_key",
             "run_name"]
    frame = pd.DataFrame(rows, columns=None if rows else fixed)
    rest = sorted(c for c in frame.columns if c not in fixed)
    ordered = fixed + [
        c for p in ("metrics.", "params.", "tags.", "source.") for c in rest if c.startswith(p)
    ]
    return frame.reindex(columns=ordered)


def _is_missing(value: Any) -> bool:
    """None, NaN or NaT; lists and other containers count as present."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    import pandas as pd

    if isinstance(value, (list, tuple, dict)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # array-like cells: present
        return False


def _seconds(value: Any) -> float | None:
    if _is_missing(value):
        return None
    if isinstance(value, (int, float)):
        # search_runs(output_format="list") style: milliseconds since the epoch
        return float(value) / 1000.0 if value > 1e11 else float(value)
    import pandas as pd

    return pd.Timestamp(value).timestamp()


def _upcast_int_columns(frame: pd.DataFrame) -> set[str]:
    """``params.*`` columns of whole numbers that pandas made float because a cell is missing
    (``pd.read_csv`` reads seeds 0, 1, "" as 0.0, 1.0, NaN): their values are ints again.

    Example:
        >>> import pandas as pd
        >>> sorted(_upcast_int_columns(pd.DataFrame({"params.seed": [3, None],
        ...                                          "params.lr": [1.0, 2.0]})))
        ['params.seed']
    """
    import numpy as np

    out = set()
    for col in frame.columns:
        values = frame[col]
        if not str(col).startswith("params.") or values.dtype.kind != "f":
            continue
        present = values.dropna().to_numpy()
        if len(present) < len(values) and np.all(np.isfinite(present) & (present % 1 == 0)):
            out.add(str(col))
    return out


def runs_from_frame(frame: pd.DataFrame, *, tracker: str | None = None) -> list[Run]:
    """Runs from a ``search_runs``-style DataFrame (from MLflow, or made by hand).

    ``run_id`` is optional (the row index is used); string params are coerced to numbers and
    bools (``coerce_value``); NaN cells mean "not logged" and are left out.

    Raises:
        InputError: the frame has no ``params.*`` and no ``metrics.*`` columns, or repeats a run.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"run_id": ["a"], "params.lr": ["1e-4"], "metrics.acc": [0.9]})
        >>> runs_from_frame(df)[0].params
        {'lr': 0.0001}
    """
    columns = [str(c) for c in frame.columns]
    if not any(c.startswith(("params.", "metrics.")) for c in columns):
        raise InputError(
            "the DataFrame has no 'params.*' or 'metrics.*' columns (expected mlflow.search_runs form)"
        )
    if tracker is None:
        tracker = "mlflow" if "artifact_uri" in columns else "frame"
    upcast = _upcast_int_columns(frame)
    runs: list[Run] = []
    seen: set[str] = set()
    for index, row in zip(frame.index, frame.to_dict(orient="records"), strict=True):
        run_id = row.get("run_id")
        run_id = str(index) if _is_missing(run_id) else str(run_id)
        if run_id in seen:
            raise InputError(f"run {run_id!r} appears twice in the DataFrame")
        seen.add(run_id)
        params, metrics, tags, source = {}, {}, {}, {}
        for col, value in row.items():
            col = str(col)
            if _is_missing(value):
                continue
            if col.startswith("params."):
                params[col[7:]] = int(value) if col in upcast else coerce_value(value)
            elif col.startswith("metrics."):
                try:
                    metrics[col[8:]] = float(value)
                except (TypeError, ValueError):
                    raise InputError(f"metric {col!r} of run {run_id!r} is not a number: {value!r}") from None
            elif col.startswith("tags."):
                tags[col[5:]] = str(value)
            elif col.startswith("source."):
                source[col[7:]] = str(value)
        name = row.get("run_name")
        if _is_missing(name):
            name = tags.get("mlflow.runName")
        run_tracker = row.get("tracker")
        experiment = row.get("experiment_id")
        status = row.get("status")
        runs.append(
            Run(
                tracker=str(run_tracker) if not _is_missing(run_tracker) else tracker,
                id=run_id,
                name=None if _is_missing(name) else str(name),
                experiment=None if _is_missing(experiment) else str(experiment),
                status=None if _is_missing(status) else str(status),
                start_time=_seconds(row.get("start_time")),
                end_time=_seconds(row.get("end_time")),
                params=params,
                tags=tags,
                metrics=metrics,
                # an MLflow frame names the parent run in a tag (search_runs' convention)
                source=source or ({"parent_run": tags["mlflow.parentRunId"]}
                                  if tags.get("mlflow.parentRunId") else {}),
            )
        )
    return runs
