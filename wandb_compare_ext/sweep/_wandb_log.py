"""What W&B itself wrote about a sweep run: its ``run-<id>.wandb`` transaction log.

W&B writes this log for every run, offline or online, so the runner can learn a run's summary
and its metric reports with no server, even from a program that only calls ``wandb.log`` or
from a function that finished its run itself (``wandb.finish()``). Reading uses the adapter's
offline reader (:mod:`wandb_compare_ext._offline`, :mod:`wandb_compare_ext._log_format`).

Example::

    path = find_log("abc123", [os.environ.get("WANDB_DIR"), "."])
    value, reports = read_log(path, "val/loss", finished=True)
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shared.errors import TrackerCompareError
from wandb_compare_ext.sweep._hyperband import clean_history

__all__ = ["find_log", "mirror_reports", "read_log", "read_run_log"]

# finish() can return a moment before W&B's service has written the log's last records.
_LOG_WAIT_SECONDS = 10.0


def find_log(run_id: str, bases: Sequence[str | None]) -> Path | None:
    """The ``run-<id>.wandb`` log of run ``run_id`` under one of ``bases`` (``WANDB_DIR``s)."""
    for base in bases:
        if not base:
            continue
        for folder in (Path(base) / "wandb", Path(base)):
            hits = sorted(folder.glob(f"*run-*-{run_id}/run-{run_id}.wandb"))
            if hits:
                return hits[-1]
    return None


def read_run_log(path: Path | None, *, finished: bool) -> Any:
    """W&B's log of a run as a ``shared.Run``, or None if there is none (yet).

    Args:
        path: the ``.wandb`` file.
        finished: the run has finished: wait (a few seconds at most) until the log holds the
            run's exit record, since W&B's service writes it on its own schedule.
    """
    if path is None or not Path(path).parent.exists():
        return None
    from wandb_compare_ext._offline import read_offline_run

    deadline = time.monotonic() + (_LOG_WAIT_SECONDS if finished else 0.0)
    delay = 0.02
    while True:
        try:
            run = read_offline_run(path, warnings=[])
        except (TrackerCompareError, OSError):
            run = None
        if run is not None and (not finished or run.status in ("FINISHED", "FAILED")):
            return run
        if time.monotonic() >= deadline:
            return run
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def read_log(
    path: Path | None, metric: str, *, finished: bool = False
) -> tuple[float | None, list[float]]:
    """The metric's summary value and its reports as W&B recorded them; ``(None, [])`` if none.

    The metric name is matched as ``shared.resolve_metric`` does (``val/loss`` ~ ``val.loss``).
    """
    from shared.normalise import resolve_metric

    run = read_run_log(path, finished=finished)
    if run is None:
        return None, []
    try:
        spelling = resolve_metric([run], metric)[run.key]
    except TrackerCompareError:
        return None, []
    history = run.histories.get(spelling)
    reports = clean_history(history.values) if history is not None else []
    value = run.metrics.get(spelling)
    if value is None or not math.isfinite(value):
        value = reports[-1] if reports else None
    return value, reports


def mirror_reports(trial: Any, known: Sequence[float], reports: Sequence[float]) -> None:
    """Record on ``trial`` the reports it does not have yet (report ``i`` is step ``i``).

    Reports are numbered from 1 in the order W&B logged them, in the log as in the callback,
    so a report recorded twice carries the same number and value.
    """
    with warnings.catch_warnings():
        # Optuna warns when a step is reported twice and keeps the first: same value here.
        warnings.simplefilter("ignore", UserWarning)
        for i in range(len(known), len(reports)):
            trial.report(float(reports[i]), step=i + 1)
