"""The tracker-neutral run model: one ``Run`` for MLflow, W&B and DataFrame rows."""

from shared.model._history import History
from shared.model._run import Run

__all__ = ["History", "Run"]
