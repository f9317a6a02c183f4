"""Public fetching API: MLflow runs as ``shared.Run`` (see ``_fetch`` for how).

Example:
    >>> from mlflow_compare_plugin.fetch import fetch_runs
    >>> # runs = fetch_runs("sqlite:///mlflow.db", experiment_names=["lora"],
    >>> #                   history_metrics=["val_loss"])
"""

from tracker_compare_kit import _guard  # noqa: F401  (first: fail clearly if `shared` is shadowed)

# isort: split

from mlflow_compare_plugin._fetch import COMPARISON_TAG, MlflowSource, fetch_runs, to_run

__all__ = ["COMPARISON_TAG", "MlflowSource", "fetch_runs", "to_run"]
