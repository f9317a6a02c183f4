"""Runs beside a trial's run: what ``SeedEvaluator`` (``shared.seed_trials``) asks the callback.

A mixin of :class:`~mlflow_compare_plugin.optuna.MLflowCallback`, in a module of its own so the
callback's module stays one question (logging trials) and a reasonable size. These are public
methods of the callback: ``shared.seed_trials.SeedTrials`` calls them by name (duck typing)
and never touches the callback's internals.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mlflow_compare_plugin._optuna_parent import STUDY_TAG, shared_study_run_id
from shared.seed_trials import ChildRunValue

if TYPE_CHECKING:
    import optuna

__all__ = ["ChildRuns"]


class ChildRuns:
    """Child runs of a trial's run, and records on the study's run (mixed into the callback)."""

    # Provided by MLflowCallback.
    _metric_name: str | Sequence[str]
    _guard: Any
    _lock: Any
    _trial_runs: set[str]
    _mlflow_kwargs: dict[str, Any]
    _get_client: Callable[[], Any]
    _experiment_id: Callable[[Any], str]
    _parent_run_id: Callable[[Any, str], str]

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
        tags: Mapping[str, str] | None = None,
    ) -> ChildRunValue:
        """Run ``compute()`` in a child run of the trial's run; log its value as ``metric``.

        The child run is the active run of MLflow's fluent API while ``compute`` runs (a
        ``mlflow.log_metric`` there lands in it) and ends FINISHED, KILLED (pruned) or FAILED.
        If the tracker is unreachable, ``compute`` still runs and ``run_id`` is None. Call it
        inside ``track_in_mlflow`` so the trial has its run.

        Args:
            trial: the running trial.
            compute: what to run; returns the value.
            name: the child run's name.
            metric: the value's metric name.
            params: called once ``compute`` returned (it may suggest them): the run's params
                (values as strings).
            tags: extra tags of the run.
        """
        from mlflow.entities import Metric, Param
        from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID, MLFLOW_RUN_NAME

        from mlflow_compare_plugin._optuna_callback import (
            RUN_ATTRIBUTE_KEY,
            TRIAL_NUMBER_TAG,
            _pop_fluent,
            _push_fluent,
        )

        client = self._get_client()
        record = trial.storage.get_trial_system_attrs(trial._trial_id).get(RUN_ATTRIBUTE_KEY)
        parent = record.get("run_id") if isinstance(record, dict) else None
        label = f"trial {trial.number} run {name}"

        def create() -> Any:
            run_tags = {
                MLFLOW_RUN_NAME: name,
                STUDY_TAG: trial.study.study_name,
                TRIAL_NUMBER_TAG: str(trial.number),
                **(tags or {}),
            }
            if parent:
                run_tags[MLFLOW_PARENT_RUN_ID] = parent
            return client.create_run(self._experiment_id(trial.study), tags=run_tags)

        run = self._guard.call(label, create)
        if run is None:  # tracker down: the study goes on without this run
            return ChildRunValue(float(compute()), None)
        run_id = run.info.run_id
        with self._lock:
            # Our run on this thread's stack must not look like a parent to other threads.
            self._trial_runs.add(run_id)
        pushed = _push_fluent(run)
        status = "FAILED"
        try:
            value = float(compute())
            status = "FINISHED"
        except BaseException as error:
            status = "KILLED" if type(error).__name__ == "TrialPruned" else "FAILED"
            raise
        finally:
            _pop_fluent(pushed)
            if status == "FINISHED":
                logged = [Param(str(k), str(v)) for k, v in params().items()]
                now = int(time.time() * 1000)
                self._guard.call(
                    label,
                    lambda: client.log_batch(
                        run_id, metrics=[Metric(metric, value, now, 0)], params=logged
                    ),
                )
            self._guard.call(label, lambda: client.set_terminated(run_id, status))
        return ChildRunValue(value, run_id)

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
