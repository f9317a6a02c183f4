"""The tracker-neutral run model: one ``Run`` for MLflow, W&B and DataFrame rows."""

from shared.model._examples import ExampleTable
from shared.model._history import History
from shared.model._run import SOURCE_KEYS, Run

__all__ = ["SOURCE_KEYS", "ExampleTable", "History", "Run"]
