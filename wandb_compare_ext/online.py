"""Public online API: W&B runs through ``wandb.Api`` as ``shared.Run`` (see ``_online``).

Example:
    >>> from wandb_compare_ext.online import WandbSource, fetch_runs
    >>> # runs = fetch_runs(WandbSource(), projects=["team/lora"], history_keys=["val_loss"])
"""

from tracker_compare_kit import _guard  # noqa: F401  (first: fail clearly if `shared` is shadowed)

# isort: split

from wandb_compare_ext._online import (
    WandbSource,
    fetch_runs,
    run_from_api,
    step_metrics,
    write_decision,
)

__all__ = ["WandbSource", "fetch_runs", "run_from_api", "step_metrics", "write_decision"]
