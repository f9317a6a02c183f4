"""Read W&B offline run folders (``wandb/offline-run-*/run-*.wandb``) with no server.

In wandb 0.31 an offline run has no ``config.yaml`` or summary file: the ``.wandb`` transaction
log is the source of truth. :mod:`._log_format` reads its records (checking every checksum),
:mod:`._log_records` decodes history rows and the summary fast, and this module builds one
:class:`shared.Run` per run and finds the runs under a folder.

Damage (a truncated tail, a bad checksum, a broken header) never raises from
:func:`read_wandb_log`: the records before the damage are returned with a warning naming the
file. :func:`load_offline_runs` turns damage into an :class:`~shared.errors.InputError` unless
``allow_damaged=True``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shared.errors import InputError
from shared.model import History, Run
from shared.normalise import flatten_config
from wandb_compare_ext._log_format import OfflineLog, read_wandb_log
from wandb_compare_ext._log_records import (
    flatten_summary,
    history_fast,
    history_slow,
    json_value,
    read_summary,
    remove_nested,
    set_nested,
    timestamp_seconds,
)
from wandb_compare_ext._provenance import source_from_tags
from wandb_compare_ext._tables import table_tags

__all__ = [
    "OfflineLog",
    "OfflineRuns",
    "find_offline_logs",
    "load_offline_runs",
    "read_offline_run",
    "read_wandb_log",
]


# --- runs -------------------------------------------------------------------------------------

# History columns that are bookkeeping, not metrics; `_runtime` stays as a wall-clock axis.
_BOOKKEEPING = frozenset({"_step", "_timestamp"})


def read_offline_run(path: str | Path, *, warnings: list[str] | None = None) -> Run:
    """Read one offline run (its folder or its ``.wandb`` file) into a :class:`shared.Run`.

    Params are the flattened config; metrics the final summary (numbers only); histories every
    numeric key logged, with ``_step`` as steps and ``_timestamp`` as timestamps, plus
    ``_runtime`` (seconds the run was active) as a metric usable as an x-axis. Tags hold the
    W&B tags (``tag -> "true"``) and ``wandb.group``, ``wandb.notes``, ``wandb.job_type``,
    ``wandb.sweep_id``, ``wandb.tags``, ``wandb.source`` and, for metrics with a
    ``define_metric`` step metric, ``wandb.step_metric.<metric>``.

    Args:
        path: an ``offline-run-*`` folder or a ``run-*.wandb`` file.
        warnings: a list that damage warnings are appended to.

    Example:
        >>> import wandb
        >>> with wandb.init(project="digits", mode="offline", config={"lr": 0.001}) as run:
        ...     run.log({"val/acc": 0.91})
        ...     run.log({"val/acc": 0.93})
        >>> wandb.teardown()  # W&B's service process finishes writing the log
        >>> folder = next(Path("wandb").glob("offline-run-*"))  # WANDB_DIR's wandb/ folder
        >>> run = read_offline_run(folder)
        >>> run.params["lr"], run.metrics["val/acc"], run.histories["val/acc"].values.tolist()
        (0.001, 0.93, [0.91, 0.93])
    """
    from wandb.proto import wandb_internal_pb2 as pb

    file = _log_file(Path(path))
    log = read_wandb_log(file)
    if warnings is not None:
        warnings.extend(log.warnings)
    run_rec = None
    config: dict[str, Any] = {}
    metric_defs: list[Any] = []
    exit_code: int | None = None
    for payload in log.other:
        rec = pb.Record()
        rec.ParseFromString(payload)
        kind = rec.WhichOneof("record_type")
        if kind == "run":
            if run_rec is None:
                run_rec = rec.run
            for item in rec.run.config.update:
                set_nested(config, item, json_value(item.value_json))
        elif kind == "config":
            for item in rec.config.update:
                set_nested(config, item, json_value(item.value_json))
            for item in rec.config.remove:
                remove_nested(config, item)
        elif kind == "metric":
            metric_defs.append(rec.metric)
        elif kind == "exit":
            exit_code = rec.exit.exit_code
    if run_rec is None:
        if log.warnings:
            raise InputError(f"damaged W&B log {log.warnings[0]}; no run record before it")
        raise InputError(f"{file}: no run record in the W&B log")

    cols = None
    if log.history:
        cols = history_fast(log.history)
        if cols is None:
            cols = history_slow(log.history, [], file)
    summary = read_summary(log.summary) if log.summary else {}

    histories: dict[str, History] = {}
    n_rows = cols.n_rows if cols else 0
    step_of_row = np.arange(n_rows, dtype=np.int64)
    if cols is not None and "_step" in cols.rows:
        known = np.full(n_rows, -1, dtype=np.int64)
        known[cols.rows["_step"]] = cols.values["_step"].astype(np.int64)
        step_of_row = np.where(known >= 0, known, step_of_row)
    elif cols is not None and cols.step_of_row is not None:
        step_of_row = cols.step_of_row
    time_of_row = np.full(n_rows, np.nan)
    if cols is not None and "_timestamp" in cols.rows:
        time_of_row[cols.rows["_timestamp"]] = cols.values["_timestamp"]
    if cols is not None:
        for key, rows in cols.rows.items():
            if key in _BOOKKEEPING or key.startswith("_wandb") or len(rows) == 0:
                continue
            histories[key] = History(step_of_row[rows], cols.values[key], time_of_row[rows])

    metrics = flatten_summary(summary)
    for key in list(metrics):
        if key in _BOOKKEEPING:
            del metrics[key]
    # Offline logs end with `_runtime: 0` summary ticks; the history knows the real runtime.
    runtime = histories.get("_runtime")
    if runtime is not None and len(runtime):
        metrics["_runtime"] = max(metrics.get("_runtime", 0.0), float(np.nanmax(runtime.values)))

    start = timestamp_seconds(run_rec.start_time) if run_rec.HasField("start_time") else None
    end = None
    if n_rows and np.isfinite(time_of_row).any():
        end = float(np.nanmax(time_of_row))
    if start is not None and "_runtime" in metrics:
        end = max(end or 0.0, start + metrics["_runtime"])

    tags: dict[str, str] = {str(t): "true" for t in run_rec.tags}
    tags["wandb.source"] = "offline"
    tags["wandb.file"] = str(file)
    for name, value in (
        ("wandb.group", run_rec.run_group),
        ("wandb.notes", run_rec.notes),
        ("wandb.job_type", run_rec.job_type),
        ("wandb.sweep_id", run_rec.sweep_id),
        ("wandb.tags", ",".join(run_rec.tags)),
    ):
        if value:
            tags[name] = value
    for key, step_metric in _step_metrics(metric_defs, histories).items():
        tags[f"wandb.step_metric.{key}"] = step_metric
    # Tables logged under a key: where their files are (read only when compared over examples).
    tags.update(table_tags(summary))

    if exit_code is None:
        status = "RUNNING" if not log.damaged else "FAILED"
    else:
        status = "FINISHED" if exit_code == 0 else "FAILED"
    project = run_rec.project or None
    experiment = f"{run_rec.entity}/{project}" if run_rec.entity and project else project
    return Run(
        tracker="wandb",
        id=run_rec.run_id,
        name=run_rec.display_name or None,
        experiment=experiment,
        status=status,
        start_time=start,
        end_time=end,
        params=flatten_config(config),
        tags=tags,
        metrics=metrics,
        histories=histories,
        source=source_from_tags(tags),
    )


def _step_metrics(defs: Iterable[Any], histories: dict[str, History]) -> dict[str, str]:
    """``define_metric(name, step_metric=x)`` (globs expanded over logged keys): name -> x."""
    out: dict[str, str] = {}
    for d in defs:
        if not d.step_metric:
            continue
        if d.name:
            out[d.name] = d.step_metric
        elif d.glob_name:
            for key in histories:
                if fnmatch.fnmatchcase(key, d.glob_name) and key != d.step_metric:
                    out.setdefault(key, d.step_metric)
    return out


def _log_file(path: Path) -> Path:
    if path.is_file():
        return path
    files = sorted(path.glob("run-*.wandb"))
    if not files:
        raise InputError(f"{path}: no run-*.wandb file in this folder")
    return files[0]


def find_offline_logs(path: str | Path) -> list[Path]:
    """Every offline run log under ``path``.

    ``path`` may be a ``.wandb`` file, an ``offline-run-*`` folder, a ``wandb`` folder, or a
    folder that contains a ``wandb`` folder (what ``WANDB_DIR`` points at).

    Raises:
        InputError: the path does not exist or holds no runs.

    Example:
        >>> import wandb
        >>> with wandb.init(project="p", mode="offline", dir="experiments", id="abc123"):
        ...     pass
        >>> wandb.teardown()  # W&B's service process finishes writing the log
        >>> [p.name for p in find_offline_logs("experiments/")]
        ['run-abc123.wandb']
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"--offline-dir {path}: no such file or folder")
    if path.is_file():
        if path.suffix != ".wandb":
            raise InputError(f"--offline-dir {path}: not a .wandb file or a folder of runs")
        return [path]
    files = sorted(path.glob("run-*.wandb"))
    if not files:
        for base in (path, path / "wandb"):
            # `latest-run` is a symlink to one of the others: skip it to not count it twice.
            files.extend(sorted(base.glob("*run-*/run-*.wandb")))
    if not files:
        raise InputError(
            f"--offline-dir {path}: no W&B runs found (looked for offline-run-*/run-*.wandb)"
        )
    return files


@dataclass(frozen=True)
class OfflineRuns:
    """What :func:`load_offline_runs` found: the runs and the warnings about damage."""

    runs: list[Run]
    warnings: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"runs": [r.key for r in self.runs], "warnings": list(self.warnings)}


def load_offline_runs(
    paths: str | Path | Sequence[str | Path], *, allow_damaged: bool = False
) -> OfflineRuns:
    """Load every offline run under one or more paths.

    Args:
        paths: folders or files as accepted by :func:`find_offline_logs`.
        allow_damaged: keep the records before damage (with a warning) instead of raising.

    Raises:
        InputError: a missing path, no runs, or (unless ``allow_damaged``) a damaged log.

    Example:
        >>> import wandb
        >>> for folder, lr in (("exp-a", 0.01), ("exp-b", 0.1), ("exp-b", 0.1)):
        ...     with wandb.init(project="p", mode="offline", dir=folder, config={"lr": lr}) as r:
        ...         r.log({"loss": lr})
        >>> wandb.teardown()  # W&B's service process finishes writing the logs
        >>> found = load_offline_runs(["exp-a/", "exp-b/"])
        >>> sorted(run.params["lr"] for run in found.runs)
        [0.01, 0.1, 0.1]
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    from shared._progress import progress_bar

    runs: list[Run] = []
    warnings: list[str] = []
    seen: set[Path] = set()
    files = [file for base in paths for file in find_offline_logs(base)]
    # a bar on a terminal only: reading thousands of runs takes a while
    with progress_bar("reading offline runs", len(files), unit="runs") as bar:
        for file in files:
            bar.update(1)
            real = file.resolve()
            if real in seen:
                continue
            seen.add(real)
            found: list[str] = []
            run = read_offline_run(file, warnings=found)
            if found and not allow_damaged:
                raise InputError(
                    f"damaged W&B log {found[0]} (pass --allow-damaged to use the records "
                    "before the damage)"
                )
            warnings.extend(found)
            runs.append(run)
    return OfflineRuns(runs=runs, warnings=warnings)
