"""``confirm``: configurations x seeds into W&B (one group), seeds added where the answer is open.

Example:
    >>> from wandb_compare_ext import confirm
    >>> result = confirm(configs, train, metric="val/acc", project="digits",
    ...                  mode="offline")  # doctest: +SKIP
"""

from __future__ import annotations

from tracker_compare_kit import _guard  # noqa: F401  (first: fail clearly if `shared` is shadowed)

# isort: split

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from shared.confirm import ConfirmResult, run_confirm
from shared.confirm._start import start
from shared.errors import InputError

__all__ = ["ConfirmResult", "confirm"]


def confirm(
    configs: Sequence[Mapping[str, Any]] | str | os.PathLike[str],
    train: Callable[..., Any],
    *,
    metric: str,
    goal: str | None = None,
    seeds: int = 3,
    max_seeds: int = 20,
    adaptive: bool = True,
    min_effect: float = 0.0,
    alpha: float = 0.05,
    storage: str | None = None,
    project: str = "confirm",
    entity: str | None = None,
    mode: str | None = None,
    dir: str | os.PathLike[str] | None = None,  # noqa: A002 (wandb.init's name)
    name: str | None = None,
    step: int = 3,
    max_attempts: int = 3,
    max_tasks: int | None = None,
    item_timeout: float | None = None,
    heartbeat_interval: int = 2,
    grace_period: int = 8,
    program: bool = False,
    on_tracker: Callable[[Any], None] | None = None,
) -> ConfirmResult | None:
    """Train every configuration over seeds as W&B runs of one group, until decided.

    The design, the arguments it shares and the result are those of
    ``mlflow_compare_plugin.confirm``; the W&B ones: ``project``, ``entity``, ``mode``
    (``"offline"``/``"online"``, default $WANDB_MODE or online) and ``dir`` (where W&B writes,
    and where the report and the Report spec go: ``<dir>/confirm/<group>/``). ``parent`` in
    the result is the group's name. ``program`` (used by ``wandb-compare confirm
    --program``): ``train`` starts a program whose own ``wandb.init()`` makes the item's run;
    ``on_tracker`` receives the tracker (for the program's environment). ``item_timeout``:
    as in MLflow's (a function that runs over is abandoned, not killed: its later
    ``wandb.log`` calls may land in whichever run is current then).
    """
    import optuna

    from wandb_compare_ext._confirm_tracker import WandbConfirmTracker

    mode = mode or os.environ.get("WANDB_MODE") or "online"
    if mode not in ("offline", "online"):
        raise InputError(f"mode must be 'offline' or 'online', got {mode!r}")
    plan, queue = start(configs, metric, goal, optuna=optuna, storage=storage, name=name,
                        heartbeat=heartbeat_interval, grace=grace_period, seeds=seeds,
                        max_seeds=max_seeds, step=step, adaptive=adaptive,
                        min_effect=min_effect, alpha=alpha, max_attempts=max_attempts)
    directory = str(dir or os.environ.get("WANDB_DIR") or os.getcwd())
    tracker = WandbConfirmTracker(project, entity=entity, mode=mode, directory=directory,
                                  program=program)
    if on_tracker is not None:
        on_tracker(tracker)
    return run_confirm(plan, train, tracker, queue, max_tasks=max_tasks,
                       item_timeout=item_timeout)

