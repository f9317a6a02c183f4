"""Confirm: run configurations x seeds, add seeds only where the answer is still open, decide.

The tracker-neutral core of ``mlflow_compare_plugin.confirm`` and ``wandb_compare_ext.confirm``:
the plan and its alpha-spending stopping rule (``_plan``, ``_rule``), the work items on an
Optuna storage (``_queue``; Optuna is passed in, never imported here), the worker loop
(``_loop``) and the result (``_result``). The adapters write only their tracker calls
(:class:`ConfirmTracker`).
"""

from __future__ import annotations

from shared.confirm._configs import load_configs
from shared.confirm._loop import ConfirmTracker, compare_items, run_confirm
from shared.confirm._plan import DEFAULT_RHO, Plan, config_names, spent
from shared.confirm._queue import Task, WorkQueue
from shared.confirm._result import STOP_REASONS, ConfirmFailed, ConfirmResult
from shared.confirm._rule import LookOutcome, look_outcome

__all__ = [
    "DEFAULT_RHO",
    "STOP_REASONS",
    "ConfirmFailed",
    "ConfirmResult",
    "ConfirmTracker",
    "LookOutcome",
    "Plan",
    "Task",
    "WorkQueue",
    "compare_items",
    "config_names",
    "load_configs",
    "look_outcome",
    "run_confirm",
    "spent",
]
