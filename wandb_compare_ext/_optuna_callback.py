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
  study. Offline mode (``mode="offline"`` or ``WANDB_MODE=offline``) works as online does.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from shared.objectives import metric_names_for
from shared.retry import LoggingGuard

if TYPE_CHECKING:
    import optuna

__all__ = ["WeightsAndBiasesCallback", "metric_names_for"]


class WeightsAndBiasesCallback:
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
        >>> import optuna
        >>> from wandb_compare_ext.optuna import WeightsAndBiasesCallback
        >>> cb = WeightsAndBiasesCallback(  # doctest: +SKIP
        ...     wandb_kwargs={"project": "p", "mode": "offline"}, as_multirun=True)
        >>> study = optuna.create_study()  # doctest: +SKIP
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=8, n_jobs=4,
        ...                callbacks=[cb])  # doctest: +SKIP
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
        if not isinstance(metric_name, Sequence):
            raise TypeError(
                f"Expected metric_name to be string or sequence of strings, got {type(metric_name)}."
            )
        self._metric_name = metric_name
        self._wandb_kwargs = dict(wandb_kwargs or {})
        self._as_multirun = as_multirun
        self._log_intermediate_values = log_intermediate_values
        self._guard = LoggingGuard("W&B", retries=retries, wait=retry_wait, cooldown=retry_cooldown)
        # Guards our bookkeeping and wandb.init (not thread-safe); never held around the
        # objective.
        self._lock = threading.Lock()
        self._init_lock = threading.Lock()
        self._local = threading.local()
        self._trial_runs: dict[int, Any] = {}
        self._study_run: Any = None
        self._next_step = 0
        if not self._as_multirun:
            self._study_run = self._initialize_run()

    # ------------------------------------------------------------------ public API

    @property
    def run(self) -> Any:
        """The W&B run of the trial running in this thread (``track_in_wandb``), else the
        study's run. Use ``callback.run.log(...)`` in objectives run with ``n_jobs > 1``:
        ``wandb.run`` is one per process."""
        return getattr(self._local, "run", None) or self._study_run

    @property
    def logging_failures(self) -> list[str]:
        """What could not be logged, one line each."""
        return list(self._guard.failures)

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        self.log_trial(study, trial)

    def log_trial(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        """Log a finished trial (also the explicit call for ask-and-tell studies).

        Example:
            >>> frozen = study.tell(trial, 0.5)  # doctest: +SKIP
            >>> callback.log_trial(study, frozen)  # doctest: +SKIP
        """
        values = trial.values
        # Bad names are the user's to fix: raise as the deprecated callback does.
        names = metric_names_for(self._metric_name, len(values)) if values is not None else []
        metrics: dict[str, Any] = dict(zip(names, values or (), strict=True))
        if self._as_multirun:
            metrics["trial_number"] = trial.number
        attributes = {"direction": [d.name for d in study.directions]}
        label = f"trial {trial.number}"
        if self._as_multirun:
            with self._lock:
                run = self._trial_runs.pop(trial._trial_id, None)
            if run is None:
                run = self._guard.call(label, lambda: self._trial_run(study, trial))
            if run is not None:
                self._guard.call(
                    label, lambda: self._log_multirun(run, study, trial, names, metrics, attributes)
                )
        else:
            self._guard.call(label, lambda: self._log_one_run(trial, metrics, attributes))

    def track_in_wandb(self) -> Callable:
        """Decorator giving each trial its W&B run while the objective runs.

        With ``as_multirun`` the trial's run is created when the trial starts. With ``n_jobs=1``
        it is also ``wandb.run`` (so ``wandb.log`` works, as before); from any thread it is
        ``callback.run``. No lock is held while the objective runs.

        Example:
            >>> @callback.track_in_wandb()  # doctest: +SKIP
            ... def objective(trial):
            ...     callback.run.log({"power": 2})
            ...     return trial.suggest_float("x", 0, 1)
        """

        def decorator(func: Callable) -> Callable:
            @functools.wraps(func)
            def wrapper(trial: optuna.trial.Trial) -> Any:
                if not self._as_multirun:
                    return func(trial)
                run = self._guard.call(
                    f"trial {trial.number}", lambda: self._trial_run(trial.study, trial)
                )
                if run is not None:
                    with self._lock:
                        self._trial_runs[trial._trial_id] = run
                self._local.run = run
                try:
                    return func(trial)
                finally:
                    self._local.run = None

            return wrapper

        return decorator

    # ------------------------------------------------------------------ internals

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
        import wandb

        overrides: dict[str, Any] = {"group": self._wandb_kwargs.get("group", study.study_name)}
        with self._lock:
            ours_open = bool(self._trial_runs)
        main = threading.current_thread() is threading.main_thread()
        if not (main and wandb.run is None and not ours_open):
            # Another trial may be running: a run of its own, not the process-global one.
            overrides["reinit"] = "create_new"
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
    ) -> None:
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
        run.summary["state"] = trial.state.name
        run.finish(exit_code=1 if trial.state.name == "FAIL" else 0)

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
