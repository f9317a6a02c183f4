"""Which MLflow run the trials of a study nest under.

Two questions, answered here so the callback stays readable:

* Which run was active when ``optimize`` began? MLflow 3 keeps the fluent active-run stack per
  thread, so a worker thread of ``study.optimize(n_jobs=4)`` sees no active run. MLflow records
  every thread's stack (``ThreadLocalVariable.get_all_thread_values``); we read it to find the
  run of the thread that called ``optimize`` (the only other live thread with a run that is not
  one of our trial runs; the main thread's when several qualify).
* When no run was active, every worker (thread, process or machine) must agree on one study run.
  The run id is stored in the study's system attrs; concurrent creators converge by writing,
  letting the writes settle and re-reading (last writer wins for everyone), and the losers
  delete the run they created before logging anything to it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna
    from mlflow.tracking import MlflowClient

__all__ = [
    "PARENT_ATTR_PREFIX",
    "STUDY_RUN_TAG",
    "STUDY_TAG",
    "visible_active_run_id",
    "shared_study_run_id",
]

#: study system attr (suffixed with the experiment id) holding the shared parent run id.
PARENT_ATTR_PREFIX = "tracker_compare:mlflow_parent_run_id"
#: tag on the study run the callback creates.
STUDY_RUN_TAG = "tracker_compare.study_run"
STUDY_TAG = "optuna.study_name"


def _stack_top(stack: Any, exclude: set[str]) -> str | None:
    for active in reversed(list(stack or ())):
        run_id = getattr(getattr(active, "info", None), "run_id", None)
        if run_id and run_id not in exclude:
            return str(run_id)
    return None


def visible_active_run_id(exclude: set[str]) -> str | None:
    """The run that the caller of ``optimize`` has active, seen from any thread.

    Args:
        exclude: run ids to ignore (the trial runs our decorator pushed on worker threads).

    Returns:
        The run id, or ``None`` when no run is active (or several threads have different runs
        and none of them is the main thread).
    """
    from mlflow.tracking import fluent

    stack_var = fluent._active_run_stack
    own = _stack_top(stack_var.get(), exclude)
    if own is not None:
        return own
    try:
        per_thread = stack_var.get_all_thread_values()
    except AttributeError:  # an MLflow without per-thread bookkeeping
        return None
    live = {t.ident for t in threading.enumerate()}
    me = threading.get_ident()
    candidates: dict[int, str] = {}
    for ident, stack in per_thread.items():
        if ident == me or ident not in live:
            continue
        top = _stack_top(stack, exclude)
        if top is not None:
            candidates[ident] = top
    distinct = set(candidates.values())
    if len(distinct) == 1:
        return distinct.pop()
    return candidates.get(threading.main_thread().ident or -1)


def _is_in_memory(study: optuna.Study) -> bool:
    import optuna

    storage = study._storage
    # The cached storage wraps the real one; look through it.
    backend = getattr(storage, "_backend", storage)
    return isinstance(backend, optuna.storages.InMemoryStorage)


def shared_study_run_id(
    client: MlflowClient,
    study: optuna.Study,
    experiment_id: str,
    *,
    settle: float = 1.0,
) -> str:
    """The study run every worker of ``study`` nests its trial runs under (created once).

    Args:
        client: the MLflow client to create the run with.
        study: the Optuna study (its storage is what the workers share).
        experiment_id: where the study run lives.
        settle: seconds to let concurrent creators' writes land before re-reading (skipped for
            in-memory storage, which only this process can see).

    Returns:
        The run id stored in the study's system attrs.
    """
    key = f"{PARENT_ATTR_PREFIX}:{experiment_id}"
    storage, study_id = study._storage, study._study_id
    stored = storage.get_study_system_attrs(study_id).get(key)
    if isinstance(stored, str) and _usable(client, stored):
        return stored
    run = client.create_run(
        experiment_id,
        run_name=study.study_name,
        tags={STUDY_TAG: study.study_name, STUDY_RUN_TAG: "true"},
    )
    mine = run.info.run_id
    storage.set_study_system_attr(study_id, key, mine)
    if _is_in_memory(study):
        return mine
    time.sleep(settle)
    winner = storage.get_study_system_attrs(study_id).get(key, mine)
    if winner != mine:
        # Another worker won; nothing was logged under ours yet, so it can go.
        # A leftover empty run would be harmless; the election result is what matters.
        with contextlib.suppress(Exception):
            client.delete_run(mine)
    return str(winner)


def _usable(client: MlflowClient, run_id: str) -> bool:
    try:
        return client.get_run(run_id).info.lifecycle_stage == "active"
    except Exception as error:
        # Only a run that is really gone (deleted or from another server) is replaced; a
        # server that is down must surface as an error, not as a second study run.
        code = getattr(error, "error_code", "")
        if code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
            return False
        raise
