"""``confirm``: configurations x seeds into W&B (one group), seeds added where the answer is open.

Example:
    >>> import math
    >>> from wandb_compare_ext import confirm
    >>> def train(lr, seed):  # a stand-in for training: lr 0.01 is clearly better
    ...     return {"val/acc": 0.9 - 5 * abs(lr - 0.01) + 0.01 * math.sin(1000 * lr + 7 * seed)}
    >>> result = confirm([{"lr": 0.001}, {"lr": 0.01}], train, metric="val/acc",
    ...                  project="digits", mode="offline")
    >>> result.winner, result.stopped_because
    ('lr=0.01', 'decided')
"""

from __future__ import annotations

from tracker_compare_kit import _guard  # noqa: F401  (first: fail clearly if `shared` is shadowed)

# isort: split

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shared.confirm import ConfirmResult
from shared.confirm._start import ConfirmOptions, confirm_with
from shared.errors import InputError

if TYPE_CHECKING:
    from typing_extensions import Unpack

__all__ = ["ConfirmResult", "confirm"]


def confirm(
    configs: Sequence[Mapping[str, Any]] | str | os.PathLike[str],
    train: Callable[..., Any],
    *,
    metric: str,
    project: str = "confirm",
    entity: str | None = None,
    mode: str | None = None,
    dir: str | os.PathLike[str] | None = None,  # noqa: A002 (wandb.init's name)
    program: bool = False,
    on_tracker: Callable[[Any], None] | None = None,
    verbose: bool = False,
    **options: Unpack[ConfirmOptions],
) -> ConfirmResult | None:
    """Train every configuration over seeds as W&B runs of one group, until decided.

    The design, the arguments it shares (``options``: ``shared.confirm._start.confirm_with``)
    and the result are those of ``mlflow_compare_plugin.confirm``; the W&B ones: ``project``,
    ``entity``, ``mode`` (``"offline"``/``"online"``, default $WANDB_MODE or online) and ``dir`` (where W&B writes,
    and where the report and the Report spec go: ``<dir>/confirm/<group>/``). ``parent`` in
    the result is the group's name. ``program`` (used by ``wandb-compare confirm
    --program``): ``train`` starts a program whose own ``wandb.init()`` makes the item's run;
    ``on_tracker`` receives the tracker (for the program's environment). ``verbose``: W&B's
    own messages (``wandb: Tracking run ...``) are shown, not silenced. ``item_timeout``:
    as in MLflow's (a function that runs over is abandoned, not killed: its later
    ``wandb.log`` calls may land in whichever run is current then).
    """
    import optuna

    from wandb_compare_ext._confirm_tracker import WandbConfirmTracker

    mode = mode or os.environ.get("WANDB_MODE") or "online"
    if mode not in ("offline", "online"):
        raise InputError(f"mode must be 'offline' or 'online', got {mode!r}")

    def tracker() -> WandbConfirmTracker:
        directory = str(dir or os.environ.get("WANDB_DIR") or os.getcwd())
        made = WandbConfirmTracker(project, entity=entity, mode=mode, directory=directory,
                                   program=program, verbose=verbose)
        if on_tracker is not None:
            on_tracker(made)
        return made

    return confirm_with(configs, train, tracker, optuna=optuna, metric=metric, **options)
