"""Runs beside a trial's run: what ``SeedEvaluator`` (``shared.seed_trials``) asks the callback.

A mixin of :class:`~wandb_compare_ext.optuna.WeightsAndBiasesCallback`, in a module of its own
so the callback's module stays one question (logging trials). These are public methods of the
callback: ``shared.seed_trials.SeedTrials`` calls them by name (duck typing) and never touches
the callback's internals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shared.seed_trials import ChildRunValue

if TYPE_CHECKING:
    import optuna

__all__ = ["ChildRuns"]


class ChildRuns:
    """Runs of their own beside a trial's run (mixed into the callback)."""

    # Provided by WeightsAndBiasesCallback.
    _metric_name: str | Sequence[str]
    _wandb_kwargs: dict[str, Any]
    _guard: Any
    _local: Any
    _initialize_run: Callable[..., Any]

    @property
    def metric_name(self) -> str | Sequence[str]:
        """The objective's metric name, or one name per objective (as given)."""
        return self._metric_name

    def child_run_value(
        self,
        trial: optuna.Trial,
        compute: Callable[[], float],
        *,
        name: str,
        metric: str,
        params: Callable[[], Mapping[str, Any]],
        job_type: str = "child",
    ) -> ChildRunValue:
        """Run ``compute()`` in a W&B run of its own, grouped with the study's runs.

        While ``compute`` runs, ``callback.run`` (and ``wandb.log`` inside ``track_in_wandb``)
        is that run, from any thread. On success its value is logged as ``metric``, ``params``
        become its config, and it finishes with exit code 0; if ``compute`` raises, exit code 1.
        If W&B is unavailable, ``compute`` still runs and ``run_id`` is None.

        Args:
            trial: the running trial.
            compute: what to run; returns the value.
            name: the run's name.
            metric: the value's metric name.
            params: called once ``compute`` returned (it may suggest them): the run's config.
            job_type: the run's W&B job type (``"seed"`` for a seed run).
        """
        label = f"trial {trial.number} run {name}"
        group = self._wandb_kwargs.get("group", trial.study.study_name)
        run = self._guard.call(
            label,
            lambda: self._initialize_run(
                group=group, job_type=job_type, name=name, reinit="create_new"
            ),
        )
        if run is None:  # W&B unavailable: the study goes on without this run
            return ChildRunValue(float(compute()), None)
        outer = getattr(self._local, "run", None)
        self._local.run = run
        exit_code = 1
        try:
            value = float(compute())
            exit_code = 0
        finally:
            self._local.run = outer
            if exit_code == 0:

                def finish() -> None:
                    run.log({metric: value})
                    run.config.update(dict(params()), allow_val_change=True)
                    run.finish(exit_code=0)

                self._guard.call(label, finish)
            else:
                self._guard.call(label, lambda: run.finish(exit_code=1))
        project = f"{run.entity}/{run.project}" if run.entity else run.project
        return ChildRunValue(value, run.id, project)
