"""What both adapters' ``confirm`` do before their tracker calls: the metric's goal suffix,
the plan and the work queue (one place, so the two trackers cannot drift apart)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.confirm._configs import load_configs
from shared.confirm._plan import Plan
from shared.confirm._queue import WorkQueue
from shared.errors import InputError
from shared.normalise._goal import resolve_goal

__all__ = ["split_metric", "start"]


def split_metric(metric: str, goal: str | None) -> tuple[str, str]:
    """``"val_loss:min"`` -> ``("val_loss", "minimize")``; an explicit goal wins, else the
    suffix, else the name (the rule ``mlflow compare`` uses: ``shared.normalise.resolve_goal``).

    Example:
        >>> split_metric("val_loss:min", None), split_metric("acc", None)
        (('val_loss', 'minimize'), ('acc', 'maximize'))
        >>> split_metric("val_loss", None)
        ('val_loss', 'minimize')
    """
    if not metric.strip() or metric.strip().startswith(":"):
        raise InputError("metric must name a metric")
    name, goal, _conflict = resolve_goal(metric, goal)
    return name, goal


def check_name(name: str | None) -> None:
    """A confirm's name also names files (the W&B report under ``--dir``): no path in it.

    Example:
        >>> check_name("lr-sweep-2")
        >>> check_name("../../x")
        Traceback (most recent call last):
        ...
        shared.errors.InputError: --name '../../x' is not a plain name: ...
    """
    if name is None:
        return
    if (not name.strip() or "/" in name or "\\" in name or name.startswith(".")
            or any(ord(c) < 32 or ord(c) == 127 for c in name)):
        raise InputError(f"--name {name!r} is not a plain name: no slashes, no leading dot, "
                         "no control characters (it also names the report's files)")


def start(
    configs: Sequence[Mapping[str, Any]] | Any,
    metric: str,
    goal: str | None,
    *,
    optuna: Any,
    storage: str | None,
    name: str | None,
    heartbeat: int,
    grace: int,
    **design: Any,
) -> tuple[Plan, WorkQueue]:
    """The plan (configurations, metric, goal, ``design``: seeds, max_seeds, step, adaptive,
    min_effect, alpha, max_attempts) and its work queue on ``storage`` (Optuna passed in)."""
    check_name(name)
    metric, goal = split_metric(metric, goal)
    plan = Plan(load_configs(configs), metric, goal=goal, **design)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    queue = WorkQueue(storage, optuna, name or plan.key(), max_attempts=design["max_attempts"],
                      heartbeat=heartbeat, grace=grace)
    return plan, queue
