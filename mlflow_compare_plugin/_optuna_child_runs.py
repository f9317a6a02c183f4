"""Runs beside a trial's run: what ``SeedEvaluator`` (``shared.seed_trials``) asks the callback.

A mixin of :class:`~mlflow_compare_plugin.optuna.MLflowCallback`, in a module of its own so the
callback's module stays one question (logging trials). ``child_run_value`` and ``metric_name``
come from ``shared.seed_trials.ChildRunHost``; here are only MLflow's calls: a child run of the
trial's run, active for MLflow's fluent API while the seed runs, ended FINISHED, KILLED (pruned)
or FAILED. ``SeedTrials`` calls the public methods by name and never the callback's internals.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from mlflow_compare_plugin._optuna_parent import STUDY_TAG, shared_study_run_id
from mlflow_compare_plugin._optuna_trial_run import (
    RUN_ATTRIBUTE_KEY,
    TRIAL_NUMBER_TAG,
    pop_fluent,
    push_fluent,
)
from shared.seed_trials import ChildRunEnd, ChildRunHost

if TYPE_CHECKING:
    import optuna

__all__ = ["ChildRuns"]


class ChildRuns(ChildRunHost):
    """Child runs of a trial's run, and records on the study's run (mixed into the callback).

    ``child_run_value(..., tags=None)``: ``tags`` are extra tags of the child run.
    """

    # Provided by MLflowCallback.
    _mlflow_kwargs: dict[str, Any]
    _lock: Any
    _trial_runs: set[str]
    _get_client: Callable[[], Any]
    _experiment_id: Callable[[Any], str]
    _parent_run_id: Callable[[Any, str], str]

    def _open_child_run(
        self, trial: optuna.Trial, name: str, tags: Mapping[str, str] | None = None
    ) -> Any:
        from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID, MLFLOW_RUN_NAME

        record = trial.storage.get_trial_system_attrs(trial._trial_id).get(RUN_ATTRIBUTE_KEY)
        parent = record.get("run_id") if isinstance(record, dict) else None
        run_tags = {
            MLFLOW_RUN_NAME: name,
            STUDY_TAG: trial.study.study_name,
            TRIAL_NUMBER_TAG: str(trial.number),
            **(tags or {}),
        }
        if parent:
            run_tags[MLFLOW_PARENT_RUN_ID] = parent
        run = self._get_client().create_run(self._experiment_id(trial.study), tags=run_tags)
        with self._lock:
            # Our run on this thread's stack must not look like a parent to other threads.
            self._trial_runs.add(run.info.run_id)
        return run

    def _enter_child_run(self, run: Any) -> Any:
        return push_fluent(run)

    def _exit_child_run(self, token: Any) -> None:
        pop_fluent(token)

    def _end_child_run(self, run: Any, label: str, end: ChildRunEnd) -> None:
        from mlflow.entities import Metric, Param

        client = self._get_client()
        run_id = run.info.run_id
        if end.error is None and end.value is not None:
            logged = [Param(str(k), str(v)) for k, v in end.params().items()]
            metric = Metric(end.metric, end.value, int(time.time() * 1000), 0)
            self._guard.call(
                label, lambda: client.log_batch(run_id, metrics=[metric], params=logged)
            )
            status = "FINISHED"
        else:
            status = "KILLED" if type(end.error).__name__ == "TrialPruned" else "FAILED"
        self._guard.call(label, lambda: client.set_terminated(run_id, status))

    def _child_run_where(self, run: Any) -> tuple[str, str | None]:
        return run.info.run_id, None

    def record_on_study_run(
        self,
        study: optuna.Study,
        *,
        tags: Mapping[str, str],
        folder: str | os.PathLike[str] | None = None,
        artifact_path: str | None = None,
    ) -> str | None:
        """Log ``tags`` (and the files of ``folder`` as artifacts) on the study's run.

        The study's run is the run trials nest under (``nested=True``) or else the study run
        shared by every worker. Returns its id (None if the tracker was unreachable).
        """
        from mlflow.entities import RunTag

        client = self._get_client()

        def record() -> str:
            experiment_id = self._experiment_id(study)
            if self._mlflow_kwargs.get("nested"):
                parent = self._parent_run_id(study, experiment_id)
            else:
                parent = shared_study_run_id(client, study, experiment_id)
            if folder is not None:
                client.log_artifacts(parent, str(folder), artifact_path=artifact_path)
            client.log_batch(parent, tags=[RunTag(k, v) for k, v in tags.items()])
            return parent

        return self._guard.call("study run record", record)
