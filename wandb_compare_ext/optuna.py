"""Optuna -> W&B: the successor of ``optuna_integration.wandb.WeightsAndBiasesCallback``.

Switching is a one-line import change::

    from wandb_compare_ext.optuna import WeightsAndBiasesCallback  # was: optuna_integration
"""

from tracker_compare_kit import _guard  # noqa: F401  (first: fail clearly if `shared` is shadowed)

# isort: split

from wandb_compare_ext._optuna_callback import WeightsAndBiasesCallback, metric_names_for
from wandb_compare_ext._optuna_seeds import (
    DECISION_ATTR,
    SEED_RUNS_ATTR,
    SEED_VALUES_ATTR,
    SeedEvaluator,
)

__all__ = [
    "DECISION_ATTR",
    "SEED_RUNS_ATTR",
    "SEED_VALUES_ATTR",
    "SeedEvaluator",
    "WeightsAndBiasesCallback",
    "metric_names_for",
]
