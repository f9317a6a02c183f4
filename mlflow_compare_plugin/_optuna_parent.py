"""Which MLflow run the trials of a study nest under.

Two questions, answered here so the callback stays readable:

* Which run was active when ``optimize`` began? MLflow 3 keeps the fluent active-run stack per
  thread, so a worker thread of ``study.optimize(n_jobs=4)`` sees no active run. MLflow records
  every thread's stack (``ThreadLocalVariable.get_all_thread_values``); we read it to find the
  run of the thread that called ``optimize`` (the only other live thread with a run that is not
  one of our trial runs; the main thread's when several qualify).
* When no run was active, every worker (thread, process or machine) must agree on one study run.
  The run id is stored in the study's system attrs, written by one worker only: creating a
  study is the one atomic operation every Optuna storage offers, so a short-lived lock study
  serialises the creators (:func:`claim_parent`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna
    from mlflow.tracking import MlflowClient

__all__ = [
    "PARENT_ATTR_PREFIX",
    "STUDY_RUN_TAG",
    "STUDY_TAG",
    "claim_parent",
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


def claim_parent(
    study: optuna.Study,
    experiment_id: str,
    make: Callable[[], str],
    *,
    usable: Callable[[str], bool] = lambda _run_id: True,
    wait: float = 60.0,
) -> str:
    """The parent run id stored for ``study``, or ``make()``'s, stored atomically if none is.

    Optuna's storages have no compare-and-set for attrs (``set_study_system_attr`` is an
    upsert), but creating a study is atomic (a unique name): a short-lived lock study named
    after the study serialises the creators. The holder re-reads (a creator that finished just
    before wins), makes and stores the run id, then deletes the lock; the others wait for the
    stored id. Every worker, on any machine, so ends up with the same parent.

    Args:
        study: the study whose storage the workers share.
        experiment_id: the MLflow experiment (one parent per experiment).
        make: creates the parent run, returns its id (called by one worker only).
        usable: whether a stored run id can still be used (e.g. not deleted).
        wait: seconds to wait for a lock holder before giving up on it (it died).
    """
    import optuna

    key = f"{PARENT_ATTR_PREFIX}:{experiment_id}"
    storage, study_id = study._storage, study._study_id

    def stored() -> str | None:
        value = storage.get_study_system_attrs(study_id).get(key)
        return value if isinstance(value, str) and usable(value) else None

    found = stored()
    if found is not None:
        return found
    if _is_in_memory(study):  # only this process sees it; the caller's lock is enough
        mine = make()
        storage.set_study_system_attr(study_id, key, mine)
        return mine
    lock_name = f"{study.study_name}:tracker-compare-lock:{experiment_id}"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            lock_id = storage.create_new_study([optuna.study.StudyDirection.MINIMIZE], lock_name)
        except optuna.exceptions.DuplicatedStudyError:
            time.sleep(0.2)  # another worker is creating it
            found = stored()
            if found is not None:
                return found
            continue
        try:
            found = stored()
            if found is not None:
                return found
            mine = make()
            storage.set_study_system_attr(study_id, key, mine)
            return mine
        finally:
            storage.delete_study(lock_id)
    # The lock's holder died before storing anything: take over (best effort).
    found = stored()
    if found is not None:
        return found
    mine = make()
    storage.set_study_system_attr(study_id, key, mine)
    return mine


def shared_study_run_id(client: MlflowClient, study: optuna.Study, experiment_id: str) -> str:
    """The study run every worker of ``study`` nests its trial runs under (created once).

    Args:
        client: the MLflow client to create the run with.
        study: the Optuna study (its storage is what the workers share).
        experiment_id: where the study run lives.

    Returns:
        The run id stored in the study's system attrs.
    """

    def make() -> str:
        run = client.create_run(
            experiment_id,
            run_name=study.study_name,
            tags={STUDY_TAG: study.study_name, STUDY_RUN_TAG: "true"},
        )
        return str(run.info.run_id)

    return claim_parent(study, experiment_id, make, usable=lambda r: _usable(client, r))


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
