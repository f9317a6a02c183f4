"""What both adapters' ``confirm`` share: their options and defaults (:class:`ConfirmOptions`,
:func:`confirm_with`), the metric's goal suffix, the plan and the work queue (one place, so the
two trackers cannot drift apart; an adapter adds only where its runs go and its tracker)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict

from shared.confirm._configs import load_configs
from shared.confirm._loop import ConfirmTracker, run_confirm
from shared.confirm._plan import Plan
from shared.confirm._program import check_signature
from shared.confirm._queue import WorkQueue
from shared.confirm._result import ConfirmResult
from shared.errors import InputError
from shared.normalise._goal import resolve_goal

__all__ = ["ConfirmOptions", "confirm_with", "split_metric", "start"]


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


class ConfirmOptions(TypedDict, total=False):
    """The options of every adapter's ``confirm`` beside ``metric`` and where the runs go
    (their meaning and defaults: :func:`confirm_with`)."""

    goal: str | None
    seeds: int
    max_seeds: int
    adaptive: bool
    min_effect: float
    alpha: float
    storage: str | None
    name: str | None
    step: int
    max_attempts: int
    max_tasks: int | None
    item_timeout: float | None
    heartbeat_interval: int
    grace_period: int


def confirm_with(
    configs: Sequence[Mapping[str, Any]] | str | os.PathLike[str],
    train: Callable[..., Any],
    tracker: Callable[[], ConfirmTracker],
    *,
    optuna: Any,
    metric: str,
    goal: str | None = None,
    seeds: int = 3,
    max_seeds: int = 20,
    adaptive: bool = True,
    min_effect: float = 0.0,
    alpha: float = 0.05,
    storage: str | None = None,
    name: str | None = None,
    step: int = 3,
    max_attempts: int = 3,
    max_tasks: int | None = None,
    item_timeout: float | None = None,
    heartbeat_interval: int = 2,
    grace_period: int = 8,
) -> ConfirmResult | None:
    """An adapter's ``confirm``: the plan and its queue, then ``tracker()``, then the work.

    ``tracker`` is called only once the configurations and options are accepted, so bad input
    never reaches a tracker. ``optuna`` is passed in (the core never imports it).

    Args:
        configs: a list of dicts of params (a ``name`` key optional) or a YAML/JSON file.
        train: ``train(**params, seed=seed)`` returns the metric, a dict of metrics, or logs
            them to the tracker's active run itself.
        metric: the compared metric (``val_loss:min`` style suffixes are accepted).
        goal: ``"maximize"`` or ``"minimize"`` (default: from the suffix, else maximize).
        seeds, max_seeds, adaptive, min_effect, alpha: the design (``adaptive`` False runs
            exactly ``seeds`` seeds and compares once).
        storage: Optuna RDB URL for the work items (None: this process only, in memory).
        name: the confirm's name; default derived from the plan, so running the same call
            again resumes (or returns) the same confirm.
        step: seeds added per round; max_attempts: tries per (configuration, seed).
        max_tasks: stop this worker after that many tasks (returns None unless decided).
        item_timeout: seconds a train call may run before its attempt fails and is retried
            (``shared.confirm._timeout``; None: no limit).
        heartbeat_interval, grace_period: seconds between a worker's heartbeats, and without
            one before its task is retried elsewhere (RDB storages only).

    Example:
        >>> import optuna
        >>> from shared.confirm._loop import ConfirmTracker
        >>> def tracker() -> ConfirmTracker:
        ...     raise AssertionError("never reached: the configurations are refused first")
        >>> confirm_with([{"lr": 0.1}], lambda lr, seed: lr, tracker, optuna=optuna,
        ...              metric="acc")
        Traceback (most recent call last):
        ...
        shared.errors.InputError: confirm needs at least 2 configurations, got 1
    """
    plan, queue = start(configs, metric, goal, optuna=optuna, storage=storage, name=name,
                        heartbeat=heartbeat_interval, grace=grace_period, seeds=seeds,
                        max_seeds=max_seeds, step=step, adaptive=adaptive,
                        min_effect=min_effect, alpha=alpha, max_attempts=max_attempts)
    check_signature(train, plan.configs)  # before the tracker is opened: nothing made
    return run_confirm(plan, train, tracker(), queue, max_tasks=max_tasks,
                       item_timeout=item_timeout)
