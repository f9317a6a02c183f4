"""W&B as ``shared.source.Source``: offline run folders, and runs read through ``wandb.Api``.

The reading itself is in ``_offline`` (the ``.wandb`` logs, every history already in them) and
``_online`` (``api.runs`` and ``scan_history``); this module gives both the interface the core
and the conformance suite use. W&B writes its answers as Reports and run notes, never as runs,
so no run is ours to leave out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shared.model import History, Run
from shared.source import Source
from wandb_compare_ext._provenance import OPTION_HINTS

__all__ = ["WandbOffline", "WandbOnline"]


class WandbOffline(Source):
    """Offline runs under folders (``wandb/offline-run-*``), read with no server.

    Args:
        folders: folders or ``.wandb`` files, as ``--offline-dir``.
        allow_damaged: keep the records before damage (the warnings go to ``warnings``).
        sweep, group: keep only this sweep's or group's runs (no server filters them).

    Example:
        >>> # found = shared.source.read_runs(WandbOffline(["wandb/"]), metrics=["val/acc"])
    """

    tracker = "wandb"
    option_hints = OPTION_HINTS

    def __init__(
        self,
        folders: Sequence[str | Path],
        *,
        allow_damaged: bool = False,
        sweep: str | None = None,
        group: str | None = None,
    ) -> None:
        self.folders = list(folders)
        self.allow_damaged = allow_damaged
        self.sweep = sweep
        self.group = group
        self.warnings: list[str] = []

    def runs(self) -> list[Run]:
        from wandb_compare_ext._offline import load_offline_runs
        from wandb_compare_ext._provenance import keep_source

        found = load_offline_runs(self.folders, allow_damaged=self.allow_damaged)
        self.warnings = list(found.warnings)
        runs = list(found.runs)
        if self.sweep or self.group is not None:  # group "": the runs in no group
            runs = keep_source(runs, sweep=self.sweep, group=self.group)
        return runs

    def histories(
        self, wanted: Sequence[tuple[Run, str]], *, timestamps: bool = True
    ) -> dict[tuple[str, str], History]:
        # The log holds every history and reading it decodes them all: they are on the runs.
        return {(run.id, key): run.histories[key] for run, key in wanted if key in run.histories}


class WandbOnline(Source):
    """Runs of W&B projects (filtered) and run paths, through the real ``wandb.Api``.

    Args:
        connection: a ``WandbSource`` (server URL, key, timeout).
        projects, run_paths, filters, order, group, sweep: the selection, as ``wandb compare``.

    Example:
        >>> # found = shared.source.read_runs(WandbOnline(WandbSource(), projects=["team/p"]))
    """

    tracker = "wandb"
    option_hints = OPTION_HINTS

    def __init__(
        self,
        connection: Any,
        *,
        projects: Sequence[str] = (),
        run_paths: Sequence[str] = (),
        filters: dict[str, Any] | None = None,
        order: str | None = None,
        group: str | None = None,
        sweep: str | None = None,
    ) -> None:
        self.connection = connection
        self.selection = {
            "projects": list(projects),
            "run_paths": list(run_paths),
            "filters": filters,
            "order": order,
            "group": group,
            "sweep": sweep,
        }
        # run.key -> the history keys it logged (filled by runs(), read by metric_keys)
        self.logged: dict[str, list[str]] = {}

    def runs(self) -> list[Run]:
        from wandb_compare_ext._online import fetch_runs

        self.logged.clear()
        return fetch_runs(self.connection, **self.selection, logged=self.logged)

    def metric_keys(self, runs: Sequence[Run], name: str) -> dict[str, str]:
        """As the core resolves it, over each run's summary and every history key it logged
        (``_runtime`` is logged but in no summary: still an x-axis to read)."""
        from shared.normalise import resolve_metric

        logged = self.logged
        seen = [
            Run(run.tracker, run.id, run.name,
                metrics=dict.fromkeys(run.metric_names() | set(logged.get(run.key, ())), 0.0))
            for run in runs
        ]  # fmt: skip
        return resolve_metric(seen, name)

    def histories(
        self, wanted: Sequence[tuple[Run, str]], *, timestamps: bool = True
    ) -> dict[tuple[str, str], History]:
        from shared.errors import TrackerCompareError
        from wandb_compare_ext._online import run_from_api

        keys: dict[str, list[str]] = {}
        runs: dict[str, Run] = {}
        for run, key in wanted:
            keys.setdefault(run.id, []).append(key)
            runs[run.id] = run
        api = self.connection.api
        out: dict[tuple[str, str], History] = {}
        try:
            for run_id, run_keys in keys.items():
                # One scan per key (what ``fetch_runs`` does with ``history_keys``), and the
                # keys' define_metric step metrics with them: a possible default x-axis.
                read = run_from_api(api.run(runs[run_id].tags["wandb.path"]), run_keys, api=api)
                out.update(((run_id, key), history) for key, history in read.histories.items())
                # `api.runs` may drop the define_metric records (see run_from_api): the
                # step metrics read with the run itself are the ones the x-axis default uses
                runs[run_id].tags.update(
                    (tag, axis) for tag, axis in read.tags.items()
                    if tag.startswith("wandb.step_metric.")
                )
        except TrackerCompareError:
            raise
        except Exception as error:
            raise self.connection.translate(error) from None
        return out
