"""confirm's MLflow calls: one parent run, a child run per (configuration, seed), the decision.

The parent run holds the plan as params, and at the end the report (report.html/md,
comparison.json, table.csv, plots, confirm.json), the decision tags and the rationale as its
description (``mlflow.note.content``). Every item is a child run (``mlflow.parentRunId``)
with the configuration's params and its seed; train runs with it as MLflow's active run, so
``mlflow.log_metric`` inside train lands there. Runs of attempts that never completed (a
killed worker, a lost race) are ended FAILED and deleted, so the experiment holds one run per
(configuration, seed).
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from shared import flatten_config
from shared.normalise import canonical_metric_name

__all__ = ["MlflowConfirmTracker"]

PARENT_TAG = "confirm.study"


def _param_text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, (list, dict, bool)) or value is None else str(value)


class _Handle:
    def __init__(self, run_id: str) -> None:
        self.run_id = run_id


class MlflowConfirmTracker:
    """The ``ConfirmTracker`` of MLflow (``shared.confirm``), over one ``MlflowClient``."""

    name = "mlflow"

    def __init__(self, client: Any, experiment_id: str, tracking_uri: str) -> None:
        self.client = client
        self.experiment_id = experiment_id
        self.tracking_uri = tracking_uri

    def open_parent(self, study: str, plan: Any) -> str:
        run = self.client.create_run(self.experiment_id, run_name=study,
                                     tags={PARENT_TAG: study, "confirm.status": "running"})
        from mlflow.entities import Param

        params = {"confirm.metric": plan.metric, "confirm.goal": plan.goal,
                  "confirm.seeds": plan.seeds, "confirm.max_seeds": plan.max_seeds,
                  "confirm.step": plan.step, "confirm.alpha": plan.alpha,
                  "confirm.min_effect": plan.min_effect, "confirm.adaptive": plan.adaptive,
                  "confirm.configs": " | ".join(plan.configs)[:6000]}
        self.client.log_batch(run.info.run_id,
                              params=[Param(k, _param_text(v)) for k, v in params.items()])
        return run.info.run_id

    def start_item(self, parent: str, config: str, params: Mapping[str, Any], seed: int,
                   attempt: int) -> _Handle:
        from mlflow.entities import Param
        from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID

        run = self.client.create_run(
            self.experiment_id, run_name=f"{config} seed={seed}",
            tags={MLFLOW_PARENT_RUN_ID: parent, "confirm.config": config,
                  "confirm.attempt": str(attempt)})
        flat = {**flatten_config(dict(params)), "seed": seed}
        self.client.log_batch(run.info.run_id,
                              params=[Param(k, _param_text(v)) for k, v in flat.items()])
        return _Handle(run.info.run_id)

    def call(self, handle: _Handle, train: Callable[[], Any]) -> Any:
        import mlflow

        previous = mlflow.get_tracking_uri()
        mlflow.set_tracking_uri(self.tracking_uri)
        try:
            # nested: a user's own active run stays theirs; ours ends without a status change
            # (end_item sets it), so a failure is recorded once, by end_item.
            with mlflow.start_run(run_id=handle.run_id, nested=mlflow.active_run() is not None):
                return train()
        finally:
            mlflow.set_tracking_uri(previous)

    def logged(self, handle: _Handle, metric: str) -> float | None:
        metrics = self.client.get_run(handle.run_id).data.metrics
        want = canonical_metric_name(metric)
        for key, value in metrics.items():
            if key == metric or canonical_metric_name(key) == want:
                return float(value)
        return None

    def end_item(self, handle: _Handle, metrics: Mapping[str, float] | None,
                 error: str | None) -> None:
        import time

        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        if metrics:
            self.client.log_batch(handle.run_id,
                                  metrics=[Metric(k, float(v), now, 0) for k, v in metrics.items()])
        if error:
            self.client.set_tag(handle.run_id, "confirm.error", error[:5000])
        self.client.set_terminated(handle.run_id, "FAILED" if error else "FINISHED")

    def abandon(self, run_ids: tuple[str, ...]) -> None:
        for run_id in run_ids:
            with contextlib.suppress(Exception):  # already deleted, or never created
                self.client.set_tag(run_id, "confirm.abandoned", "true")
                self.client.set_terminated(run_id, "FAILED")
                self.client.delete_run(run_id)

    def publish(self, parent: str, comparison: Any, result: Any) -> None:
        from mlflow_compare_plugin._publish import decision_tags
        from shared.render import write_report

        with tempfile.TemporaryDirectory(prefix="tracker-compare-confirm-") as tmp:
            folder = Path(tmp) / "report"
            write_report(comparison, folder)
            (folder / "confirm.json").write_text(json.dumps(result.to_dict(), indent=2,
                                                            default=str))
            self.client.log_artifacts(parent, str(folder))
        tags = decision_tags(comparison)
        tags.update({
            "confirm.status": "complete",
            "confirm.stopped_because": result.stopped_because,
            "confirm.winner": result.winner or "none",
            "confirm.best_set": " | ".join(result.best_set)[:5000],
            "confirm.seeds_used": json.dumps(dict(result.seeds_used))[:5000],
            "confirm.total_seeds": str(result.total_seeds),
            "mlflow.note.content": result.summary()[:7000],
        })
        from mlflow.entities import RunTag

        self.client.log_batch(parent, tags=[RunTag(k, v) for k, v in tags.items()])
        self.client.set_terminated(parent, "FINISHED")

    def fail_parent(self, parent: str, message: str) -> None:
        with contextlib.suppress(Exception):  # the tracker may be the thing that failed
            self.client.set_tag(parent, "confirm.status", "failed")
            self.client.set_tag(parent, "confirm.error", message[:5000])
            self.client.set_terminated(parent, "FAILED")
