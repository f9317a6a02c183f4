"""Module-level ``wandb.log`` inside a ``track_in_wandb`` objective goes to the trial's run.

What W&B 0.31 offers (read in ``wandb/sdk/wandb_init.py``, ``lib/module.py``, ``wandb_run.py``):

* ``wandb.run``, ``wandb.log``, ``wandb.config``, ``wandb.summary`` (and a dozen more) are plain
  module attributes: one set per process. ``wandb.init()`` points them at the new run
  (``_set_global_run``) unless ``reinit="create_new"``, which leaves them alone (its docs: "does
  not update wandb.run and top-level functions like wandb.log"); ``Run.finish()`` resets them
  (``module.unset_globals``) only when ``wandb.run`` is that run.
* So W&B has no per-thread current run: runs that live at the same time are meant to be used
  through their objects (``run.log``). A leftover run or a user's run keeps the globals, which is
  how trial rows used to land in the wrong run.

What this module does, for the duration of decorated trials only:

* every trial run is created with ``reinit="create_new"``, so creating it moves no global;
* ``wandb.log`` is a router: in a thread running a trial (or a ``SeedEvaluator`` seed) it calls
  that run's ``log``; in a thread that ran trials before and runs none now (an Optuna worker
  between trials, where Optuna's callbacks run) it calls what ``wandb.log`` was when the study's
  first trial started (a user's run's ``log``, or W&B's "call wandb.init() first" error); in any
  other thread it raises a one-line ``wandb.Error`` naming the supported form, because there a
  trial's rows cannot be told from the user's (threads the objective starts itself: give them
  ``callback.run``);
* the other globals are single objects that cannot route. While one trial runs alone in the main
  thread (``n_jobs=1``) they are lent to it the way ``wandb.init`` does it (``wandb.run``,
  ``wandb.config``, ``wandb.summary`` are the trial's run); while trials run in worker threads
  (``n_jobs > 1``) they name no run (W&B's own ``unset_globals``): ``wandb.run`` is ``None``, and
  ``wandb.config`` / ``wandb.summary`` raise a one-line ``wandb.Error`` naming
  ``callback.run.config`` / ``callback.run.summary``, rather than writing into a user's run;
* when the last trial ends, the globals found before (a user's run, or none) are put back,
  unless something else made a run global meanwhile. A user's run is never finished here.

Limits: a run made global by ``wandb.init()`` while trials run takes ``wandb.log`` until the
next trial starts; ``wandb.run.log`` with ``n_jobs > 1`` fails (``wandb.run`` is ``None``).
Lending uses the functions ``wandb.init`` and ``Run.finish`` use (``wandb_init._set_global_run``,
``module.unset_globals``, private to W&B; without the first, ``module.set_global``).
"""

from __future__ import annotations

import threading
from typing import Any

__all__ = ["THREAD", "enter", "exit_", "router_installed"]

#: per thread: ``run`` (the run of the trial or seed running here) and ``worker`` (a trial ran
#: here before). Shared by every callback so the router and ``callback.run`` agree.
THREAD = threading.local()

_SUPPORTED = (
    "wandb.log was called from a thread that runs no trial while track_in_wandb trials run; "
    "in threads the objective starts, log with run = callback.run; run.log(...)"
)


class _Router:
    """Stands in for ``wandb.log`` while decorated trials run (see the module docstring)."""

    __name__ = "log"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        import wandb

        run = getattr(THREAD, "run", None)
        if run is not None:
            return run.log(*args, **kwargs)
        with _lock:
            fallback, active = _state["fallback"], _state["active"]
        if not active:  # called through a reference kept after the trials ended
            if wandb.run is not None:
                return wandb.run.log(*args, **kwargs)
            raise wandb.Error("You must call wandb.init() before wandb.log()")
        if getattr(THREAD, "worker", False):
            if fallback is None:
                raise wandb.Error("You must call wandb.init() before wandb.log()")
            return fallback(*args, **kwargs)
        raise wandb.Error(_SUPPORTED)


class _NoRun:
    """Stands in for ``wandb.config`` / ``wandb.summary`` while trials run in worker threads:
    every use fails at once, naming the supported form."""

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_name", name)

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        import wandb

        name = object.__getattribute__(self, "_name")
        raise wandb.Error(
            f"wandb.{name} names no run while track_in_wandb trials run in worker threads "
            f"(n_jobs > 1); use callback.run.{name}"
        )

    __getitem__ = __setitem__ = __delitem__ = _fail

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        return self._fail()

    def __setattr__(self, key: str, value: Any) -> None:
        self._fail()


_ROUTER = _Router()
_lock = threading.Lock()
#: active: decorated trials running; saved: wandb.run found when the first started; fallback:
#: wandb.log then; lent: the trial run the globals are lent to.
_state: dict[str, Any] = {"active": 0, "saved": None, "fallback": None, "lent": None}


def _public_set_global(run: Any) -> None:
    """Lend ``wandb.run``/``log``/``config``/``summary`` to ``run`` through public attributes."""
    import wandb

    wandb.run, wandb.log = run, run.log
    wandb.config, wandb.summary = run.config, run.summary


def _public_unset_globals() -> None:
    import wandb

    wandb.run = None


def _global_functions() -> tuple[Any, Any]:
    """W&B's own setters of its globals (what ``wandb.init`` and ``Run.finish`` call); the
    public attributes when ``wandb`` has no ``sdk`` (a user's test suite replaced the module
    with a mock, as optuna-integration's own tests do: ``sys.modules["wandb"] = MagicMock()``)."""
    try:
        from wandb.sdk import wandb_init
        from wandb.sdk.lib import module
    except ImportError:
        return _public_set_global, _public_unset_globals

    set_global = getattr(wandb_init, "_set_global_run", None)
    if set_global is None:
        # The lower-level setter wandb_init's uses, with the globals users touch most.
        def set_global(run: Any) -> None:
            module.set_global(run=run, config=run.config, log=run.log, summary=run.summary)

    return set_global, module.unset_globals


def _hide(unset_globals: Any) -> None:
    """No run answers to W&B's globals; ``config`` and ``summary`` say what to use instead."""
    import wandb

    unset_globals()
    wandb.config = _NoRun("config")
    wandb.summary = _NoRun("summary")


def router_installed() -> bool:
    """Whether ``wandb.log`` is the router now (only while decorated trials run).

    Example:
        >>> router_installed()
        False
    """
    import wandb

    return wandb.log is _ROUTER


def enter(run: Any, *, lendable: bool) -> Any:
    """``run`` becomes this thread's trial run; returns what :func:`exit_` needs.

    Args:
        run: the trial's (or seed's) run; anything with ``log``.
        lendable: whether ``run`` is a real W&B run the globals may be lent to.
    """
    import wandb

    set_global, unset_globals = _global_functions()
    outer = getattr(THREAD, "run", None)
    THREAD.run = run
    THREAD.worker = True
    with _lock:
        if _state["active"] == 0:
            _state["saved"] = wandb.run
            _state["fallback"] = wandb.log if wandb.log is not _ROUTER else None
        _state["active"] += 1
        alone = _state["active"] == 1 and threading.current_thread() is threading.main_thread()
        if alone and lendable:
            set_global(run)
            _state["lent"] = run
        elif not isinstance(wandb.config, _NoRun):
            # Trials overlap (or this one cannot be lent): no run may answer to wandb.run.
            _hide(unset_globals)
            _state["lent"] = None
        wandb.log = _ROUTER
    return outer


def exit_(run: Any, outer: Any) -> None:
    """End what :func:`enter` began for ``run``; ``outer`` is its return value."""
    import wandb

    set_global, unset_globals = _global_functions()
    THREAD.run = outer
    with _lock:
        _state["active"] -= 1
        if _state["lent"] is run:
            _state["lent"] = None
            if wandb.run is run:
                unset_globals()
        if _state["active"] > 0:
            if wandb.run is None and not isinstance(wandb.config, _NoRun):
                _hide(unset_globals)
            wandb.log = _ROUTER
            return
        saved = _state["saved"]
        _state["saved"] = _state["fallback"] = None
        if wandb.run is None:
            if saved is not None and not getattr(saved, "_is_finished", False):
                set_global(saved)  # the user's run answers to wandb.* again
            else:
                unset_globals()
        elif wandb.log is _ROUTER:
            # Someone made a run global while trials ran: its log, as wandb.init would.
            wandb.log = wandb.run.log
