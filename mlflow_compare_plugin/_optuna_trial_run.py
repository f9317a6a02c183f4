"""A trial's MLflow run: the names it is found by, and making a run the active fluent run.

Shared by the callback (``_optuna_callback``) and its child runs (``_optuna_child_runs``), in a
module of its own so that both import it and neither imports the other.

Example:
    >>> RUN_ATTRIBUTE_KEY, TRIAL_NUMBER_TAG
    ('tracker_compare:mlflow_run', 'optuna.trial_number')
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "RUN_ATTRIBUTE_KEY",
    "RUN_ID_ATTRIBUTE_KEY",
    "TRIAL_ID_TAG",
    "TRIAL_NUMBER_TAG",
    "pop_fluent",
    "push_fluent",
]

#: trial system attr the deprecated callback used (kept for tools that read it).
RUN_ID_ATTRIBUTE_KEY = "mlflow_run_id"
#: our trial system attr: ``{"trial_id": int, "run_id": str}``. The trial id guards against
#: ``RetryFailedTrialCallback``, which copies system attrs into the retried trial.
RUN_ATTRIBUTE_KEY = "tracker_compare:mlflow_run"
TRIAL_ID_TAG = "optuna.trial_id"
TRIAL_NUMBER_TAG = "optuna.trial_number"


def push_fluent(run: Any) -> Any:
    """Make ``run`` the active run of this thread's fluent API; returns the handle to pop.

    ``mlflow.start_run(run_id=...)`` would do it with three extra tracker calls (get, update,
    get) and ``end_run`` a fourth; the stack is per thread in MLflow 3, so pushing onto it is
    enough and keeps ``n_jobs > 1`` cheap. Falls back to the public API if MLflow changes.
    """
    from mlflow.tracking import fluent

    stack_var = getattr(fluent, "_active_run_stack", None)
    if stack_var is None or not hasattr(stack_var, "get"):
        return fluent.start_run(run_id=run.info.run_id, nested=True)
    active = fluent.ActiveRun(run)
    stack_var.get().append(active)
    return active


def pop_fluent(active: Any) -> None:
    """Take ``active`` (from :func:`push_fluent`) off this thread's fluent run stack."""
    from mlflow.tracking import fluent

    stack_var = getattr(fluent, "_active_run_stack", None)
    if stack_var is None or not hasattr(stack_var, "get"):
        fluent.end_run()
        return
    stack = stack_var.get()
    for i in range(len(stack) - 1, -1, -1):
        # The objective may have ended it itself (mlflow.end_run()); then it is gone already.
        if stack[i] is active:
            del stack[i]
            break
