"""``WeightsAndBiasesCallback``: successor of ``optuna_integration.wandb.WeightsAndBiasesCallback``.

Same arguments (``metric_name``, ``wandb_kwargs``, ``as_multirun``) and decorator
(``track_in_wandb``), same logged keys, config and tags. What the deprecated one loses:

* with ``n_jobs > 1`` it shares W&B's process-global ``wandb.run`` between trials, so trials
  land in each other's runs or are dropped (about 9 of 20 with ``n_jobs=4``). Ours gives each
  trial its own run object (``wandb.init(reinit="create_new")``) and logs through that object;
* in one-run mode a trial finishing out of order would be logged at a step lower than the
  run's current one, which W&B drops; ours logs it at the next step with ``trial_number``;
* intermediate values (``trial.report``) become the trial run's history, with their steps;
* runs of one study are grouped (``group`` = study name unless ``wandb_kwargs`` sets one),
  failed trials end with a non-zero exit code, and W&B failures warn once and never stop the
  study. Offline mode (``mode="offline"`` or ``WANDB_MODE=offline``) works as online does;
* with ``track_in_wandb``, the objective's own ``wandb.log(...)`` lands in its trial's run from
  every thread (``n_jobs`` 1 or more), also when a user's run was active before ``optimize``:
  that run gets none of the trials' rows and is not finished. ``wandb.run`` is the trial's run
  when trials run one at a time in the main thread (``n_jobs=1``) and ``None`` while they run in
  worker threads. How, and the limits: ``_optuna_routing``;
* no trial run stays open: a trial whose objective raises is logged (FAIL or PRUNED) and
  finished by the decorator itself (Optuna calls no callback when ``optimize`` re-raises); an
  ask-and-tell trial is finished by ``log_trial`` or, once told, by the next decorated trial or
  callback call.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.objectives import check_metric_name, metric_names_for
from shared.retry import LoggingGuard
from wandb_compare_ext import _optuna_routing
from wandb_compare_ext._optuna_child_runs import ChildRuns

if TYPE_CHECKING:
    import optuna

__all__ = ["WeightsAndBiasesCallback", "metric_names_for"]


@dataclass
class _Pending:
    """A trial run the decorator opened, waiting for the trial to be logged and finished."""

    run: Any
    study: Any
    running: bool = True  # the objective has not returned yet


class _Discard:
    """This thread's "run" when W&B could not make one: the objective's rows are dropped
    (the failure is already recorded) rather than sent to another run or raising."""

    def log(self, *args: Any, **kwargs: Any) -> None:
        return None


class WeightsAndBiasesCallback(ChildRuns):
    """Log Optuna trials to Weights & Biases (drop-in for optuna-integration's callback).

    Args:
        metric_name: name of the objective's metric, or one name per objective.
        wandb_kwargs: arguments for ``wandb.init`` (``project``, ``mode``, ``tags``...).
        as_multirun: one W&B run per trial, grouped by study; otherwise one run for the study
            with one step per trial.
        log_intermediate_values: with ``as_multirun``, log ``trial.report`` values as history.
        retries: extra attempts for a failing W&B call before giving up (then warn once).
        retry_wait: seconds before the first retry (doubling).
        retry_cooldown: once W&B is found unreachable, seconds during which logging is
            skipped rather than waiting on timeouts trial after trial.

    Example:
        >>> import optuna, wandb
        >>> from wandb_compare_ext.offline import load_offline_runs
        >>> from wandb_compare_ext.optuna import WeightsAndBiasesCallback
        >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
        >>> cb = WeightsAndBiasesCallback(
        ...     wandb_kwargs={"project": "p", "mode": "offline"}, as_multirun=True)
        >>> study = optuna.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=4, n_jobs=2,
        ...                callbacks=[cb])
        >>> wandb.teardown()  # W&B's service process finishes writing the offline logs
        >>> len(load_offline_runs(".").runs)  # one offline run per trial
        4
    """

    def __init__(
        self,
        metric_name: str | Sequence[str] = "value",
        wandb_kwargs: dict[str, Any] | None = None,
        as_multirun: bool = False,
        *,
        log_intermediate_values: bool = True,
        retries: int = 2,
        retry_wait: float = 0.5,
        retry_cooldown: float = 30.0,
    ) -> None:
        self._metric_name = check_metric_name(metric_name)
        self._wandb_kwargs = dict(wandb_kwargs or {})
        self._as_multirun = as_multirun
        self._log_intermediate_values = log_intermediate_values
        self._guard = LoggingGuard("W&B", retries=retries, wait=retry_wait, cooldown=retry_cooldown)
        # Guards our bookkeeping and wandb.init (not thread-safe); never held around the
        # objective.
        self._lock = threading.Lock()
        self._init_lock = threading.Lock()
        # Per thread: the run of the trial (or seed) running there. The routed wandb.log reads
        # the same object, so callback.run and wandb.log always agree.
        self._local = _optuna_routing.THREAD
        # (id(storage), trial id) -> the decorator's run (the entry keeps the storage alive, so
        # the id is not reused meanwhile); per storage, the trial ids already logged. Weak keys:
        # a new in-memory study numbers its trials from 0 again, possibly at a reused id().
        self._trial_runs: dict[tuple[int, int], _Pending] = {}
        self._done: weakref.WeakKeyDictionary[Any, set[int]] = weakref.WeakKeyDictionary()
        self._study_run: Any = None
        self._next_step = 0
        if not self._as_multirun:
            self._study_run = self._initialize_run()

    # ------------------------------------------------------------------ public API

    @property
    def run(self) -> Any:
        """The W&B run of the trial running in this thread (``track_in_wandb``), else the
        study's run. ``wandb.log`` inside a decorated objective goes to the same run; pass
        ``callback.run`` to threads the objective starts itself."""
        run = getattr(self._local, "run", None)
        return None if isinstance(run, _Discard) else (run or self._study_run)

    @property
    def logging_failures(self) -> list[str]:
        """What could not be logged, one line each."""
        return list(self._guard.failures)

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        self.log_trial(study, trial)

    def log_trial(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        """Log a finished trial (also the explicit call for ask-and-tell studies).

        Example:
            >>> import optuna, wandb
            >>> from wandb_compare_ext.offline import load_offline_runs
            >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
            >>> callback = WeightsAndBiasesCallback(wandb_kwargs={"mode": "offline"},
            ...                                     as_multirun=True)
            >>> study = optuna.create_study()
            >>> trial = study.ask({"x": optuna.distributions.FloatDistribution(0, 1)})
            >>> frozen = study.tell(trial, 0.5)
            >>> callback.log_trial(study, frozen)
            >>> wandb.teardown()
            >>> load_offline_runs(".").runs[0].metrics["value"]
            0.5
        """
        self._log(study, trial)
        if self._as_multirun:
            self._close_told_trials()

    def _log(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        values = trial.values
        try:
            names = metric_names_for(self._metric_name, len(values)) if values is not None else []
        except ValueError:
            # Bad names are the user's to fix: raise as the deprecated callback does, after
            # ending the run the decorator opened (it must not stay open).
            if self._as_multirun:
                mine, pending = self._claim(study._storage, trial._trial_id)
                if mine and pending is not None:
                    self._guard.call(
                        f"trial {trial.number}", lambda: pending.run.finish(exit_code=1)
                    )
            raise
        metrics: dict[str, Any] = dict(zip(names, values or (), strict=True))
        if self._as_multirun:
            metrics["trial_number"] = trial.number
        attributes = {"direction": [d.name for d in study.directions]}
        label = f"trial {trial.number}"
        if self._as_multirun:
            self._log_trial_run(study, trial, names, metrics, attributes)
        else:
            self._guard.call(label, lambda: self._log_one_run(trial, metrics, attributes))

    def track_in_wandb(self) -> Callable:
        """Decorator giving each trial its W&B run while the objective runs.

        With ``as_multirun`` the trial's run is created when the trial starts; inside the
        objective ``wandb.log(...)`` and ``callback.run`` are that run, from any thread, and
        with ``n_jobs=1`` so is ``wandb.run``. A user's run active before ``optimize`` gets none
        of the trial's rows. No lock is held while the objective runs.

        Example:
            >>> import optuna, wandb
            >>> from wandb_compare_ext.offline import load_offline_runs
            >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
            >>> callback = WeightsAndBiasesCallback(wandb_kwargs={"mode": "offline"},
            ...                                     as_multirun=True)
            >>> @callback.track_in_wandb()
            ... def objective(trial):
            ...     wandb.log({"power": 2})  # lands in the trial's run
            ...     return trial.suggest_float("x", 0, 1)
            >>> optuna.create_study().optimize(objective, n_trials=2, callbacks=[callback])
            >>> wandb.teardown()
            >>> [run.metrics["power"] for run in load_offline_runs(".").runs]
            [2.0, 2.0]
        """

        def decorator(func: Callable) -> Callable:
            @functools.wraps(func)
            def wrapper(trial: optuna.trial.Trial) -> Any:
                if not self._as_multirun:
                    return func(trial)
                self._close_told_trials()
                run = self._guard.call(
                    f"trial {trial.number}", lambda: self._trial_run(trial.study, trial)
                )
                pending = None
                if run is not None:
                    pending = _Pending(run, trial.study)
                    with self._lock:
                        self._trial_runs[(id(trial.storage), trial._trial_id)] = pending
                here = run if run is not None else _Discard()
                outer = _optuna_routing.enter(here, lendable=run is not None)
                try:
                    result = func(trial)
                except BaseException as error:
                    _optuna_routing.exit_(here, outer)
                    if pending is not None:
                        # Optuna re-raises without calling callbacks: end the run here.
                        self._finish_raised(trial, error)
                    raise
                _optuna_routing.exit_(here, outer)
                if pending is not None:
                    pending.running = False
                return result

            return wrapper

        return decorator

    # ------------------------------------------------------------------ internals

    def _claim(self, storage: Any, trial_id: int) -> tuple[bool, _Pending | None]:
        """Whether this caller logs the trial (first come), and the decorator's run if any."""
        with self._lock:
            done = self._done.setdefault(storage, set())
            if trial_id in done:
                return False, None
            done.add(trial_id)
            return True, self._trial_runs.pop((id(storage), trial_id), None)

    def _log_trial_run(
        self,
        study: optuna.Study,
        trial: optuna.trial.FrozenTrial,
        names: list[str],
        metrics: dict[str, Any],
        attributes: dict[str, Any],
        state: str | None = None,
    ) -> None:
        mine, pending = self._claim(study._storage, trial._trial_id)
        if not mine:
            return  # the decorator or another thread logged it already
        label = f"trial {trial.number}"
        run = pending.run if pending is not None else None
        if run is None:
            run = self._guard.call(label, lambda: self._trial_run(study, trial))
        if run is not None:
            self._guard.call(
                label,
                lambda: self._log_multirun(run, study, trial, names, metrics, attributes, state),
            )

    def _finish_raised(self, trial: optuna.trial.Trial, error: BaseException) -> None:
        """Log and finish the run of a trial whose objective raised (FAIL, or PRUNED)."""
        import optuna

        state = "PRUNED" if isinstance(error, optuna.TrialPruned) else "FAIL"
        study = trial.study
        attributes = {"direction": [d.name for d in study.directions]}
        try:
            frozen = trial.storage.get_trial(trial._trial_id)  # params and reports so far
        except Exception as storage_error:  # the storage, not W&B: still end the run
            self._guard.give_up(f"trial {trial.number}", storage_error)
            mine, pending = self._claim(trial.storage, trial._trial_id)
            if mine and pending is not None:
                self._guard.call(f"trial {trial.number}", lambda: pending.run.finish(exit_code=1))
            return
        metrics = {"trial_number": trial.number}
        self._log_trial_run(study, frozen, [], metrics, attributes, state)

    def _close_told_trials(self) -> None:
        """Log and finish decorator runs whose trial was told but never logged (ask-and-tell
        without ``log_trial``), so no run stays open and none catches later rows."""
        with self._lock:
            waiting = [(k, p) for k, p in self._trial_runs.items() if not p.running]
        for (_, trial_id), pending in waiting:
            try:
                frozen = pending.study._storage.get_trial(trial_id)
            except Exception:
                continue  # the storage lost it: nothing to log; the next call tries again
            if frozen.state.is_finished():
                try:
                    self._log(pending.study, frozen)
                except ValueError as error:  # metric names: raised to the trial's own logger
                    self._guard.give_up(f"trial {frozen.number}", error)

    def _initialize_run(self, **overrides: Any) -> Any:
        import wandb

        with self._init_lock:
            run = wandb.init(**{**self._wandb_kwargs, **overrides})
        if not isinstance(run, wandb.sdk.wandb_run.Run):
            raise RuntimeError(
                f"Cannot create a Run. Expected wandb.sdk.wandb_run.Run as a return. Got: {type(run)}."
            )
        return run

    def _trial_run(self, study: optuna.Study, trial: Any) -> Any:
        overrides: dict[str, Any] = {
            "group": self._wandb_kwargs.get("group", study.study_name),
            # A run of its own that moves no global (wandb.run stays a user's run, and other
            # trials may be running); _optuna_routing routes wandb.log to it.
            "reinit": "create_new",
        }
        run = self._initialize_run(**overrides)
        # Offline runs have no generated name; the id stands in for it.
        run.name = f"trial/{trial.number}/{run.name or run.id}"
        return run

    def _log_multirun(
        self,
        run: Any,
        study: optuna.Study,
        trial: optuna.trial.FrozenTrial,
        names: list[str],
        metrics: dict[str, Any],
        attributes: dict[str, Any],
        state: str | None = None,
    ) -> None:
        state = state or trial.state.name
        final_step: int | None = None
        if self._log_intermediate_values and trial.intermediate_values:
            key = names[0] if names else self._first_name()
            used = -1
            for step, value in sorted(trial.intermediate_values.items()):
                # W&B drops a step below the run's current one (the objective may have logged
                # already) and merges rows of one step: use the report's step when it can be,
                # the next free one otherwise, and keep the report's step as a column.
                used = max(int(step), used + 1, int(run.step))
                run.log({key: value, "optuna_step": int(step)}, step=used)
            # A row logged with an explicit step stays open until a later step: a step-less
            # log would merge into (and overwrite) the last intermediate value.
            final_step = used + 1
        run.log({**trial.params, **metrics}, step=final_step)
        run.config.update({**attributes, **trial.params}, allow_val_change=True)
        run.tags = (*tuple(self._wandb_kwargs.get("tags", ())), study.study_name)
        run.summary["state"] = state
        run.finish(exit_code=1 if state == "FAIL" else 0)

    def _first_name(self) -> str:
        name = self._metric_name
        return name if isinstance(name, str) else (name[0] if name else "value")

    def _log_one_run(
        self,
        trial: optuna.trial.FrozenTrial,
        metrics: dict[str, Any],
        attributes: dict[str, Any],
    ) -> None:
        import wandb

        with self._lock:
            # Like the deprecated callback: the process's run; a new one after wandb.finish().
            run = wandb.run
            if run is None:
                run = self._study_run = self._initialize_run()
                self._next_step = 0
            data = {**trial.params, **metrics}
            step = trial.number
            if step < self._next_step:
                # W&B drops a step lower than the run's current one: log at the next step and
                # say which trial it was.
                data["trial_number"] = trial.number
                step = self._next_step
            run.log(data, step=step)
            self._next_step = step + 1
            run.config.update(attributes, allow_val_change=True)
