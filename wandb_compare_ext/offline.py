"""Public offline API: W&B offline run folders read with no server (see ``_offline``).

Example:
    >>> from wandb_compare_ext.offline import load_offline_runs
    >>> # found = load_offline_runs("experiments/")   # a folder holding wandb/offline-run-*
    >>> # found.runs[0].histories["val/acc"].values
"""

from tracker_compare_kit import _guard  # noqa: F401  (first: fail clearly if `shared` is shadowed)

# isort: split

from wandb_compare_ext._offline import (
    OfflineLog,
    OfflineRuns,
    find_offline_logs,
    load_offline_runs,
    read_offline_run,
    read_wandb_log,
)

__all__ = [
    "OfflineLog",
    "OfflineRuns",
    "find_offline_logs",
    "load_offline_runs",
    "read_offline_run",
    "read_wandb_log",
]
