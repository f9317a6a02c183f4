"""confirm's W&B calls: every run in one group, the decision in notes and a Report spec.

Each (configuration, seed) is a W&B run (offline or online) in the group named after the
confirm, ``job_type="confirm"``, with the configuration's params and its seed as config; train
runs with it as W&B's current run, so ``wandb.log`` inside train lands there. The decision is
one more run of the group (``job_type="confirm-decision"``) whose notes hold the summary and
rationale and whose summary holds the result; the report (report.html/md, comparison.json,
confirm.json) and the W&B Report spec (``report-spec.json``) are written to
``<dir>/confirm/<group>/``. Runs of attempts that never completed are deleted (offline: their
run folder; online: through the API).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from shared import Run
from shared.normalise import canonical_metric_name

__all__ = ["WandbConfirmTracker"]


def _metric(values: Mapping[str, Any], metric: str) -> float | None:
    """``metric`` among a run's summary values, in any spelling ``compare`` accepts."""
    want = canonical_metric_name(metric)
    for key, value in values.items():
        if key == metric or canonical_metric_name(key) == want:
            with contextlib.suppress(TypeError, ValueError):
                return float(value)
    return None


class _Handle:
    def __init__(self, run: Any, run_id: str | None = None) -> None:
        self.run = run  # None when a program owns the run
        self.run_id = run_id or run.id


class WandbConfirmTracker:
    """The ``ConfirmTracker`` of W&B (``shared.confirm``)."""

    name = "wandb"

    def __init__(self, project: str, *, entity: str | None, mode: str, directory: str,
                 program: bool = False, verbose: bool = False) -> None:
        self.project = project
        self.verbose = verbose  # W&B's own "wandb: ..." lines: only when asked (-v)
        self.program = program  # a program's own wandb.init() makes the item's run
        self.current: _Handle | None = None
        self.entity = entity
        self.mode = mode
        self.dir = Path(directory)
        self.group = ""
        self._old_decisions: list[str] = []  # decision runs of an earlier run, replaced

    def _init(self, **kwargs: Any) -> Any:
        import wandb

        # silent unless -v: a line per look is confirm's own report; W&B's banner per run is
        # noise (set explicitly either way: -v wins over a WANDB_SILENT in the environment)
        quiet = {"silent": not self.verbose}

        return wandb.init(project=self.project, entity=self.entity, mode=self.mode,
                          dir=str(self.dir), group=self.group,
                          settings=wandb.Settings(console="off", **quiet), **kwargs)

    def open_parent(self, study: str, plan: Any) -> str:
        """The group of a new confirm: the study's name (a rerun of the same confirm in this
        directory resumes it instead: ``resume``)."""
        self.group = study
        # the plan's key beside the report's folder: a rerun under this name resumes only
        # this plan
        self._plan_file(study).parent.mkdir(parents=True, exist_ok=True)
        self._plan_file(study).write_text(json.dumps({"plan": plan.key()}) + "\n")
        return study

    def _plan_file(self, study: str) -> Path:
        return self.dir / "confirm" / f"{study}.plan.json"

    def _group_runs(self, group: str) -> list[Run]:
        """The runs of ``group`` in this directory's run folders (offline or online: W&B
        writes the log of both), oldest first; a damaged folder is passed over."""
        from shared.errors import InputError
        from wandb_compare_ext._offline import read_offline_run

        runs = []
        for folder in sorted((self.dir / "wandb").glob("*run-*")):
            if not folder.is_dir():
                continue
            with contextlib.suppress(InputError, OSError):
                run = read_offline_run(folder)
                if run.tags.get("wandb.group") == group:
                    runs.append(run)
        return sorted(runs, key=lambda r: r.start_time or 0.0)

    def resume(self, study: str, plan: Any) -> Any:
        """The group ``study`` already in this directory: its item runs FINISHED with the
        metric are finished items, any other item run an unfinished one."""
        from shared.confirm._loop import Resumed, refuse_resume

        folder = self.dir / "confirm" / study
        runs = self._group_runs(study)
        try:
            stored = json.loads(self._plan_file(study).read_text()).get("plan")
        except (OSError, ValueError, AttributeError):
            stored = None
        if stored is None and not runs:
            return None
        if stored != plan.key():
            raise refuse_resume(study, f"W&B directory {str(self.dir)!r}",
                                "with another plan (configurations, metric or seeds), or made "
                                "before a rerun could resume it")
        done: dict[tuple[str, int], tuple[str, float]] = {}
        unfinished = []
        for run in runs:
            kind = run.tags.get("wandb.job_type")
            if kind == "confirm-decision":
                self._old_decisions.append(run.id)
                continue
            if kind != "confirm":
                continue
            config, _, seed = (run.name or "").rpartition(" seed=")
            value = _metric(run.metrics, plan.metric)
            key = (config, int(seed)) if seed.isdigit() else None
            if (run.status == "FINISHED" and value is not None and math.isfinite(value)
                    and key is not None and config in plan.configs and key not in done):
                done[key] = (run.id, value)
            else:
                unfinished.append(run.id)
        (folder / "FAILED").unlink(missing_ok=True)  # running again
        self.group = study
        return Resumed(study, done, tuple(unfinished))

    def start_item(self, parent: str, config: str, params: Mapping[str, Any], seed: int,
                   attempt: int) -> _Handle:
        self.group = parent
        if self.program:
            from wandb_compare_ext.sweep._study import new_run_id

            self.current = _Handle(None, new_run_id())  # the program's run, made by its init
            self.current.name = f"{config} seed={seed}"  # type: ignore[attr-defined]
            return self.current
        run = self._init(job_type="confirm", name=f"{config} seed={seed}",
                         config={**params, "seed": seed},
                         tags=["confirm"], notes=f"confirm {parent}: {config}, seed {seed}, "
                                                 f"attempt {attempt}")
        return _Handle(run)

    def call(self, handle: _Handle, train: Callable[[], Any]) -> Any:
        return train()  # wandb.init made it the current run: wandb.log goes there

    def program_env(self) -> dict[str, str]:
        """Inside an item: the program's ``wandb.init()`` makes the item's run in the group."""
        handle = self.current
        assert handle is not None
        env = {"WANDB_RUN_ID": handle.run_id, "WANDB_RUN_GROUP": self.group,
               "WANDB_PROJECT": self.project, "WANDB_DIR": str(self.dir),
               "WANDB_MODE": self.mode, "WANDB_JOB_TYPE": "confirm",
               "WANDB_NAME": getattr(handle, "name", handle.run_id)}
        if self.entity:
            env["WANDB_ENTITY"] = self.entity
        return env

    def logged(self, handle: _Handle, metric: str) -> float | None:
        if handle.run is None:  # a program's run: read W&B's log of it, as the sweep runner
            from wandb_compare_ext.sweep._wandb_log import find_log, read_log

            value, reports = read_log(find_log(handle.run_id, [str(self.dir)]), metric,
                                      finished=True)
            return value if value is not None else (reports[-1] if reports else None)
        return _metric(dict(handle.run.summary), metric)

    def end_item(self, handle: _Handle, metrics: Mapping[str, float] | None,
                 error: str | None) -> None:
        if handle.run is None:
            return  # the program ended its own run; the item's trial holds the error
        if metrics:
            handle.run.summary.update(dict(metrics))
        if error:
            handle.run.summary["confirm.error"] = error[:2000]
        handle.run.finish(exit_code=1 if error else 0)
        self._wait_written(handle.run_id)

    def abandon(self, run_ids: tuple[str, ...]) -> None:
        for run_id in run_ids:
            for folder in self.dir.glob(f"wandb/*-run-*-{run_id}"):
                shutil.rmtree(folder, ignore_errors=True)
            if self.mode == "online":
                with contextlib.suppress(Exception):  # already gone
                    import wandb

                    entity = self.entity or wandb.Api().default_entity
                    wandb.Api().run(f"{entity}/{self.project}/{run_id}").delete()

    def _report_project(self) -> str | None:
        entity = self.entity or os.environ.get("WANDB_ENTITY")
        if entity is None and self.mode == "online":
            with contextlib.suppress(Exception):
                import wandb

                entity = wandb.Api().default_entity
        return f"{entity}/{self.project}" if entity else None

    def publish(self, parent: str, comparison: Any, result: Any) -> None:
        from shared.render import write_report

        self.group = parent
        folder = self.dir / "confirm" / parent
        # an interruption marked the confirm FAILED; resumed and decided, it is not
        (folder / "FAILED").unlink(missing_ok=True)
        for ours in ("confirm.json", "report-spec.json"):  # a rerun's report replaces them
            (folder / ours).unlink(missing_ok=True)
        write_report(comparison, folder)
        (folder / "confirm.json").write_text(json.dumps(result.to_dict(), indent=2, default=str))
        target = self._report_project()
        spec = "no W&B entity known: give entity= (or set WANDB_ENTITY) for a Report spec"
        if target is not None:
            from wandb_compare_ext._report import build_report, write_report_spec

            runs = [Run("wandb", rid, experiment=None, metrics={})
                    for c in comparison.configs for rid in c.run_ids]
            report = build_report(comparison, runs, project=target,
                                  title=f"confirm {parent}: {comparison.metric}")
            spec = str(write_report_spec(report, folder / "report-spec.json"))
        run = self._init(job_type="confirm-decision", name=f"{parent} decision",
                         notes=result.summary(), tags=["confirm", "decision"],
                         config={"confirm": {k: v for k, v in result.to_dict().items()
                                             if k in ("study", "storage")}})
        run.summary.update({
            "confirm.stopped_because": result.stopped_because,
            "confirm.winner": result.winner or "none",
            "confirm.best_set": list(result.best_set),
            "confirm.seeds_used": dict(result.seeds_used),
            "confirm.report": str(folder),
            "confirm.report_spec": spec,
        })
        run.finish()
        self._wait_written(run.id)
        # a rerun of a decided confirm decides again: the earlier decision run goes
        self.abandon(tuple(self._old_decisions))
        self._old_decisions.clear()

    def _wait_written(self, run_id: str, timeout: float = 15.0) -> None:
        """Offline, W&B's service may still be writing the run's log when ``finish()`` returns:
        wait (bounded) until it holds the run and exit records, so a reader right after
        confirm (``wandb-compare --offline-dir``, a sync) sees every run whole."""
        if self.mode != "offline":
            return
        import time

        from wandb.proto import wandb_internal_pb2 as pb

        from wandb_compare_ext._log_format import read_wandb_log
        from wandb_compare_ext.sweep._wandb_log import find_log

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            path = find_log(run_id, [str(self.dir)])
            if path is not None:
                kinds = set()
                with contextlib.suppress(Exception):  # a half-written block: read again
                    for payload in read_wandb_log(path).other:
                        record = pb.Record()
                        record.ParseFromString(payload)
                        kinds.add(record.WhichOneof("record_type"))
                if {"run", "exit"} <= kinds:
                    return
            time.sleep(0.05)

    def fail_parent(self, parent: str, message: str) -> None:
        self.group = parent
        with contextlib.suppress(Exception):  # the tracker may be the thing that failed
            folder = self.dir / "confirm" / parent
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "FAILED").write_text(message + "\n")
