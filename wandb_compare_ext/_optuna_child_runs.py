"""Runs beside a trial's run: what ``SeedEvaluator`` (``shared.seed_trials``) asks the callback.

A mixin of :class:`~wandb_compare_ext.optuna.WeightsAndBiasesCallback`, in a module of its own
so the callback's module stays one question (logging trials). ``child_run_value`` and
``metric_name`` come from ``shared.seed_trials.ChildRunHost``; here are only W&B's calls: a run
of its own grouped with the study's runs, which ``callback.run`` (and ``wandb.log`` inside
``track_in_wandb``) is while the seed runs, from any thread; on success its value is logged,
the params become its config and it finishes with exit code 0, else with exit code 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from shared.seed_trials import ChildRunEnd, ChildRunHost

if TYPE_CHECKING:
    import optuna

__all__ = ["ChildRuns"]


class ChildRuns(ChildRunHost):
    """Runs of their own beside a trial's run (mixed into the callback).

    ``child_run_value(..., job_type="child")``: the run's W&B job type (``"seed"``...).
    """

    # Provided by WeightsAndBiasesCallback.
    _wandb_kwargs: dict[str, Any]
    _local: Any
    _initialize_run: Callable[..., Any]

    def _open_child_run(self, trial: optuna.Trial, name: str, job_type: str = "child") -> Any:
        group = self._wandb_kwargs.get("group", trial.study.study_name)
        return self._initialize_run(group=group, job_type=job_type, name=name, reinit="create_new")

    def _enter_child_run(self, run: Any) -> Any:
        outer = getattr(self._local, "run", None)
        self._local.run = run  # what callback.run and the routed wandb.log use in this thread
        return outer

    def _exit_child_run(self, token: Any) -> None:
        self._local.run = token

    def _end_child_run(self, run: Any, label: str, end: ChildRunEnd) -> None:
        if end.error is not None or end.value is None:
            self._guard.call(label, lambda: run.finish(exit_code=1))
            return

        def finish() -> None:
            run.log({end.metric: end.value})
            run.config.update(dict(end.params()), allow_val_change=True)
            run.finish(exit_code=0)

        self._guard.call(label, finish)

    def _child_run_where(self, run: Any) -> tuple[str, str | None]:
        return run.id, (f"{run.entity}/{run.project}" if run.entity else run.project)
