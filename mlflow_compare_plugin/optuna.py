"""Optuna -> MLflow: the successor of ``optuna_integration.mlflow.MLflowCallback``.

Switching is a one-line import change::

    from mlflow_compare_plugin.optuna import MLflowCallback  # was: optuna_integration.mlflow
"""

from tracker_compare_kit import _guard  # noqa: F401  (first: fail clearly if `shared` is shadowed)

# isort: split

from mlflow_compare_plugin._optuna_callback import (
    RUN_ATTRIBUTE_KEY,
    RUN_ID_ATTRIBUTE_KEY,
    TRIAL_ID_TAG,
    TRIAL_NUMBER_TAG,
    MLflowCallback,
    metric_names_for,
)
from mlflow_compare_plugin._optuna_parent import PARENT_ATTR_PREFIX, STUDY_RUN_TAG, STUDY_TAG
from mlflow_compare_plugin._optuna_seeds import SEED_RUNS_ATTR, SEED_VALUES_ATTR, SeedEvaluator

__all__ = [
    "MLflowCallback",
    "PARENT_ATTR_PREFIX",
    "RUN_ATTRIBUTE_KEY",
    "RUN_ID_ATTRIBUTE_KEY",
    "SEED_RUNS_ATTR",
    "SEED_VALUES_ATTR",
    "STUDY_RUN_TAG",
    "STUDY_TAG",
    "SeedEvaluator",
    "TRIAL_ID_TAG",
    "TRIAL_NUMBER_TAG",
    "metric_names_for",
]
