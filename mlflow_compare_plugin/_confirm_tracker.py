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
import math
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from shared import flatten_config
from shared.normalise import canonical_metric_name

__all__ = ["MlflowConfirmTracker"]

PARENT_TAG = "confirm.study"
#: the plan's key on the parent: a rerun under the same name resumes only the same plan
PLAN_TAG = "confirm.plan"


def _param_text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, (list, dict, bool)) or value is None else str(value)


def _metric(metrics: Mapping[str, float], metric: str) -> float | None:
    """``metric`` among a run's metrics, in any spelling ``compare`` accepts."""
    want = canonical_metric_name(metric)
    for key, value in metrics.items():
        if key == metric or canonical_metric_name(key) == want:
            return float(value)
    return None


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
                                     tags={PARENT_TAG: study, PLAN_TAG: plan.key(),
                                           "confirm.status": "running"})
        from mlflow.entities import Param

        params = {"confirm.metric": plan.metric, "confirm.goal": plan.goal,
                  "confirm.seeds": plan.seeds, "confirm.max_seeds": plan.max_seeds,
                  "confirm.step": plan.step, "confirm.alpha": plan.alpha,
                  "confirm.min_effect": plan.min_effect, "confirm.adaptive": plan.adaptive,
                  "confirm.configs": " | ".join(plan.configs)[:6000]}
        self.client.log_batch(run.info.run_id,
                              params=[Param(k, _param_text(v)) for k, v in params.items()])
        return run.info.run_id

    def _search(self, filter_string: str) -> list[Any]:
        runs, token = [], None
        while True:
            page = self.client.search_runs([self.experiment_id], filter_string,
                                           max_results=1000, page_token=token)
            runs.extend(page)
            token = page.token
            if not token:
                return runs

    def resume(self, study: str, plan: Any) -> Any:
        """The parent tagged ``confirm.study=study`` in this experiment, reopened, with its
        children: FINISHED with the metric is a finished item, any other an unfinished one."""
        from shared.confirm._loop import Resumed, refuse_resume

        # every parent, matched here: a name may hold quotes a filter string would need escaped
        parents = [r for r in self._search(f"tags.`{PARENT_TAG}` LIKE '%'")
                   if r.data.tags.get(PARENT_TAG) == study]
        if not parents:
            return None
        where = f"MLflow experiment {self.experiment_id}"
        if len(parents) > 1:
            raise refuse_resume(study, where, f"{len(parents)} times (parent runs "
                                f"{', '.join(r.info.run_id for r in parents[:3])})")
        parent = parents[0]
        if parent.data.tags.get(PLAN_TAG) != plan.key():
            raise refuse_resume(study, where, "with another plan (configurations, metric or "
                                "seeds), or made before a rerun could resume it")
        done: dict[tuple[str, int], tuple[str, float]] = {}
        unfinished = []
        children = self._search(f"tags.`mlflow.parentRunId` = '{parent.info.run_id}'")
        for child in sorted(children, key=lambda r: r.info.start_time or 0):
            config = child.data.tags.get("confirm.config")
            seed = child.data.params.get("seed")
            value = _metric(child.data.metrics, plan.metric)
            key = (str(config), int(seed)) if seed is not None and seed.isdigit() else None
            if (child.info.status == "FINISHED" and value is not None and math.isfinite(value)
                    and key is not None
                    and config in plan.configs and key not in done):
                done[key] = (child.info.run_id, value)
            else:
                unfinished.append(child.info.run_id)
        # running again: the interrupted confirm's FAILED mark goes (publish or fail_parent
        # ends it again)
        with contextlib.suppress(Exception):
            self.client.delete_tag(parent.info.run_id, "confirm.error")
        self.client.set_tag(parent.info.run_id, "confirm.status", "running")
        self.client.update_run(parent.info.run_id, status="RUNNING")
        return Resumed(parent.info.run_id, done, tuple(unfinished))

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
        return _metric(self.client.get_run(handle.run_id).data.metrics, metric)

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
