"""Read W&B runs through ``wandb.Api`` and write the decision back.

* runs by project (``ENTITY/PROJECT``) with Mongo-style filters, order, group and sweep id, or
  by path (``ENTITY/PROJECT/RUN_ID``); configs flattened with ``shared.flatten_config``;
* full histories through ``run.scan_history(keys=...)`` for just the keys needed (never the
  sampled ``run.history()``), with ``_step`` as steps and ``_timestamp`` as timestamps;
  ``_runtime`` (seconds the run was active) can be fetched as an x-axis like any metric;
* errors: a server that is down or keeps failing -> ``TrackerUnreachable`` (exit 3), a rejected
  API key -> ``TrackerUnreachable`` too (README: exit 3 "API key rejected"), a bad path or
  filter -> ``InputError`` (exit 2); each one line.

Example (``server``: your W&B server, e.g. ``https://api.wandb.ai`` and your key; these
examples run against a loopback server holding the project ``lora``: two finished runs that
logged ``val/loss``):
    >>> source = WandbSource(base_url=server.url, api_key=server.api_key, timeout=10)
    >>> runs = fetch_runs(source, projects=[f"{server.entity}/lora"],
    ...                   filters={"state": "finished"}, history_keys=["val_loss"])
    >>> [(r.name, r.params["lr"], r.histories["val/loss"].values.tolist()) for r in runs]
    [('lr=0.1', 0.1, [1.1, 0.6, 0.43]), ('lr=0.01', 0.01, [1.01, 0.51, 0.34])]
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

import numpy as np

from shared.errors import InputError, TrackerCompareError, TrackerUnreachable
from shared.model import History, Run
from shared.normalise import canonical_metric_name, flatten_config
from wandb_compare_ext._provenance import source_from_tags
from wandb_compare_ext._tables import table_tags

__all__ = ["WandbSource", "fetch_runs", "run_from_api", "step_metrics", "write_decision"]

_DEFAULT_URL = "https://api.wandb.ai"
_STATUS = {
    "finished": "FINISHED",
    "running": "RUNNING",
    "pending": "RUNNING",
    "failed": "FAILED",
    "crashed": "FAILED",
    "killed": "KILLED",
    "preempted": "KILLED",
}
# History columns that are bookkeeping, not metrics (`_runtime` stays: a wall-clock axis).
_BOOKKEEPING = {"_step", "_timestamp"}


class WandbSource:
    """A connection to a W&B server through the real ``wandb.Api``.

    Args:
        base_url: the server (default: ``$WANDB_BASE_URL`` or api.wandb.ai).
        api_key: the key (default: ``$WANDB_API_KEY`` or ``wandb login``'s netrc entry).
        timeout: seconds per API request.

    Example:
        >>> source = WandbSource(base_url=server.url, api_key=server.api_key, timeout=10)
        >>> source.probe()  # the server answers and the key is accepted, or one-line error
        >>> [run.name for run in source.api.runs(f"{server.entity}/lora")]
        ['lr=0.1', 'lr=0.01']
    """

    def __init__(
        self, base_url: str | None = None, api_key: str | None = None, timeout: int = 30
    ) -> None:
        self.base_url = (base_url or os.environ.get("WANDB_BASE_URL") or _DEFAULT_URL).rstrip("/")
        self.api_key = api_key or os.environ.get("WANDB_API_KEY") or None
        self.timeout = timeout
        self._api: Any = None

    def probe(self) -> None:
        """One Viewer request by hand, so a dead server, a failing one and a rejected key
        each get their own clear message at once (the client would retry for ``timeout``
        seconds and then report all three alike)."""
        if not self.api_key:
            return  # the client will find the netrc key or say it has none
        body = json.dumps(
            {"query": "query Viewer { viewer { id entity } }", "operationName": "Viewer"}
        ).encode()
        token = base64.b64encode(f"api:{self.api_key}".encode()).decode()
        request = urllib.request.Request(
            f"{self.base_url}/graphql",
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Basic {token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=min(self.timeout, 15)) as response:
                response.read()
        except urllib.error.HTTPError as error:
            if error.code in (401, 403):
                raise TrackerUnreachable(
                    f"W&B at {self.base_url} rejected the API key (HTTP {error.code}); check "
                    "WANDB_API_KEY or run `wandb login`"
                ) from None
            raise TrackerUnreachable(
                f"W&B at {self.base_url} is failing (HTTP {error.code} {error.reason})"
            ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise TrackerUnreachable(f"cannot reach W&B at {self.base_url}: {reason}") from None

    @property
    def api(self) -> Any:
        """The ``wandb.Api`` (created on first use, after :meth:`probe`)."""
        if self._api is None:
            self.probe()
            import wandb

            try:
                self._api = wandb.Api(
                    overrides={"base_url": self.base_url},
                    api_key=self.api_key,
                    timeout=self.timeout,
                )
            except Exception as error:
                raise self.translate(error) from None
        return self._api

    def translate(self, error: BaseException) -> TrackerCompareError:
        """A wandb exception as our one-line error with the right exit code."""
        if isinstance(error, TrackerCompareError):
            return error
        text = " ".join(str(error).split())
        name = type(error).__name__
        lowered = text.lower()
        if (
            "no authentication configured" in lowered
            or "api key" in lowered
            and ("no " in lowered or "not configured" in lowered)
        ):
            return InputError(f"no W&B API key: set WANDB_API_KEY or run `wandb login` ({text})")
        if name == "AuthenticationError" or "not logged in" in lowered or "401" in lowered:
            if "did not respond" in lowered or "timed out" in lowered:
                return TrackerUnreachable(f"W&B at {self.base_url} did not answer: {text}")
            return TrackerUnreachable(f"W&B at {self.base_url} rejected the API key: {text}")
        if any(
            word in lowered
            for word in ("did not respond", "timed out", "connection", "unreachable", " 50")
        ) or name in ("CommError", "ConnectionError", "Timeout"):
            return TrackerUnreachable(f"W&B at {self.base_url} is unreachable or failing: {text}")
        if "could not find" in lowered or "not found" in lowered:
            return InputError(text)
        return TrackerUnreachable(f"W&B request failed: {name}: {text}")


def _split_project(path: str, default_entity: str | None) -> tuple[str | None, str]:
    parts = [p for p in path.strip().split("/") if p]
    if len(parts) == 1:
        return default_entity, parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    raise InputError(f"--project {path!r}: use ENTITY/PROJECT or PROJECT")


def _seconds(value: Any) -> float | None:
    if not value:
        return None
    try:
        text = str(value).replace("Z", "+00:00")
        stamp = datetime.fromisoformat(text)
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=timezone.utc)  # W&B returns UTC without a zone
        return stamp.timestamp()
    except ValueError:
        return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _flat_summary(summary: Any) -> dict[str, float]:
    out: dict[str, float] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            if "_type" in node:  # media, histograms, tables: not a number
                return
            for key, child in node.items():
                if not prefix and key == "_wandb":
                    continue
                walk(f"{prefix}.{key}" if prefix else str(key), child)
            return
        number = _number(node)
        if number is not None and prefix and prefix not in _BOOKKEEPING:
            out[prefix] = number

    walk("", summary)
    return out


def _history_key_names(attrs: dict[str, Any]) -> list[str]:
    keys = attrs.get("historyKeys") or {}
    if isinstance(keys, str):
        try:
            keys = json.loads(keys)
        except ValueError:
            keys = {}
    return list((keys.get("keys") or {}).keys()) if isinstance(keys, dict) else []


def _spellings(wanted: Iterable[str], available: Sequence[str]) -> list[str]:
    """Which logged keys the wanted names refer to (``val_loss`` finds ``val/loss``)."""
    by_canonical: dict[str, list[str]] = {}
    for key in available:
        by_canonical.setdefault(canonical_metric_name(key), []).append(key)
    out: list[str] = []
    for name in wanted:
        canonical = by_canonical.get(canonical_metric_name(name), [])
        found = [name] if name in available else canonical
        for key in found:
            if key not in out:
                out.append(key)
    return out


def step_metrics(internal: Any, logged: Sequence[str]) -> dict[str, str]:
    """``define_metric`` step metrics from a run's ``config["_wandb"]["m"]``: metric -> x-axis.

    W&B stores each ``define_metric`` as a ``MetricRecord`` keyed by protobuf field number:
    ``"1"`` name, ``"2"`` glob, ``"5"`` the 1-based index of its step metric in the same list
    (seen in what ``wandb sync`` sends). Globs are expanded over the logged keys.

    Example:
        >>> step_metrics({"m": [{"1": "tokens"}, {"2": "val/*", "5": 1}]}, ["val/acc", "tokens"])
        {'val/acc': 'tokens'}
    """
    import fnmatch

    if isinstance(internal, dict) and "value" in internal and "m" not in internal:
        internal = internal["value"]
    entries = internal.get("m") if isinstance(internal, dict) else None
    if not isinstance(entries, list):
        return {}
    out: dict[str, str] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        index = entry.get("5")
        if not isinstance(index, int) or not 1 <= index <= len(entries):
            continue
        step = entries[index - 1]
        step_name = step.get("1") if isinstance(step, dict) else None
        if not step_name:
            continue
        if entry.get("1"):
            out[str(entry["1"])] = str(step_name)
        elif entry.get("2"):
            for key in logged:
                if fnmatch.fnmatchcase(key, str(entry["2"])) and key != step_name:
                    out.setdefault(key, str(step_name))
    return out


def run_from_api(
    api_run: Any,
    history_keys: Iterable[str] = (),
    page_size: int = 1000,
    api: Any = None,
    logged: dict[str, list[str]] | None = None,
) -> Run:
    """One ``wandb.apis.public.Run`` as a :class:`shared.Run`, with full histories of
    ``history_keys`` (as spelled by the user; matched to the logged keys) read through
    ``scan_history``. ``logged``, when given, receives the run's logged history keys under
    ``run.key`` (some, such as ``_runtime``, are in no summary).

    Example:
        >>> api = WandbSource(base_url=server.url, api_key=server.api_key).api
        >>> run = run_from_api(api.run(f"{server.entity}/lora/run0"), ["val_loss"])
        >>> run.key, run.status, run.histories["val/loss"].steps.tolist()
        ('wandb:run0', 'FINISHED', [0, 1, 2])
    """
    history_keys = list(history_keys)
    attrs = dict(getattr(api_run, "_attrs", {}) or {})
    entity, project = api_run.entity, api_run.project
    params = flatten_config(dict(api_run.config or {}))
    summary = _flat_summary(dict(api_run.summary_metrics or {}))
    available = _history_key_names(attrs)
    histories: dict[str, History] = {}
    with_time = "_timestamp" in available
    raw = getattr(api_run, "rawconfig", None) or {}
    if "_wandb" not in raw and history_keys and api is not None:
        # wandb 0.31's `api.runs(lazy=False)` drops `_wandb` (the define_metric records) from
        # rawconfig when it processes a run's attributes twice; `api.run(path)` keeps it.
        raw = getattr(api.run(f"{entity}/{project}/{api_run.id}"), "rawconfig", None) or {}
    axes = step_metrics(raw.get("_wandb"), available)
    keys = _spellings(history_keys, available)
    # A metric's define_metric step metric may become the default x-axis: read it too.
    keys += [axes[k] for k in keys if k in axes and axes[k] in available and axes[k] not in keys]
    for key in keys:
        if key in _BOOKKEEPING:
            continue
        # scan_history returns only rows holding every requested key: one scan per metric,
        # so metrics logged at different steps do not hide each other's rows.
        wanted = ["_step", key] + (["_timestamp"] if with_time else [])
        steps: list[int] = []
        values: list[float] = []
        stamps: list[float] = []
        for row in api_run.scan_history(keys=wanted, page_size=page_size, use_cache=False):
            number = _number(row.get(key))
            if number is None:
                continue
            steps.append(int(row.get("_step", len(steps))))
            values.append(number)
            stamp = _number(row.get("_timestamp"))
            stamps.append(stamp if stamp is not None else float("nan"))
        histories[key] = History(
            np.asarray(steps, dtype=np.int64),
            np.asarray(values, dtype=np.float64),
            np.asarray(stamps, dtype=np.float64),
        )
    tags: dict[str, str] = {str(t): "true" for t in (api_run.tags or [])}
    for key, axis in axes.items():
        tags[f"wandb.step_metric.{key}"] = axis
    tags.update(table_tags(dict(api_run.summary_metrics or {})))
    tags["wandb.source"] = "api"
    tags["wandb.path"] = f"{entity}/{project}/{api_run.id}"
    for name, value in (
        ("wandb.group", getattr(api_run, "group", None)),
        ("wandb.notes", getattr(api_run, "notes", None)),
        ("wandb.job_type", getattr(api_run, "job_type", None)),
        ("wandb.sweep_id", attrs.get("sweepName")),
        ("wandb.tags", ",".join(api_run.tags or [])),
    ):
        if value:
            tags[name] = str(value)
    if logged is not None:
        logged[f"wandb:{api_run.id}"] = list(available)
    return Run(
        tracker="wandb",
        id=api_run.id,
        name=getattr(api_run, "display_name", None) or api_run.name,
        experiment=f"{entity}/{project}",
        status=_STATUS.get(str(api_run.state).lower(), str(api_run.state).upper() or None),
        start_time=_seconds(attrs.get("createdAt")),
        end_time=_seconds(attrs.get("heartbeatAt")),
        params=params,
        tags=tags,
        metrics=summary,
        histories=histories,
        source=source_from_tags(tags),
    )


def fetch_runs(
    source: WandbSource,
    *,
    projects: Sequence[str] = (),
    run_paths: Sequence[str] = (),
    filters: dict[str, Any] | None = None,
    order: str | None = None,
    group: str | None = None,
    sweep: str | None = None,
    history_keys: Sequence[str] = (),
    logged: dict[str, list[str]] | None = None,
) -> list[Run]:
    """Runs from W&B projects (filtered) and run paths, as :class:`shared.Run`.

    Args:
        source: the connection.
        projects: ``ENTITY/PROJECT`` (or ``PROJECT`` for the key's default entity).
        run_paths: ``ENTITY/PROJECT/RUN_ID``.
        filters: a Mongo-style W&B filter (``{"config.lr": {"$gt": 0.01}}``).
        order: W&B order (``-created_at``, ``+summary_metrics.acc``).
        group: only runs in this W&B group; sweep: only this sweep's runs.
        history_keys: metrics to read in full (``scan_history``).
        logged: receives each run's logged history keys (see :func:`run_from_api`).

    Raises:
        TrackerUnreachable: the server is down, failing, or rejects the key.
        InputError: a project or run that does not exist, or a bad filter.
    """
    api = source.api
    combined: dict[str, Any] = dict(filters or {})
    if group is not None:
        # --group "": the ungrouped runs (W&B stores no group as null)
        want = {"group": group or None}
        combined = {"$and": [combined, want]} if combined else want
    if sweep:
        combined = {"$and": [combined, {"sweep": sweep}]} if combined else {"sweep": sweep}
    from shared._progress import progress_bar

    runs: list[Run] = []
    seen: set[str] = set()
    try:
        default_entity = None
        for project_path in projects:
            entity, project = _split_project(project_path, default_entity)
            if entity is None:
                default_entity = entity = api.default_entity
            found = api.runs(
                f"{entity}/{project}",
                filters=combined or None,
                order=order or "+created_at",
                per_page=100,
                lazy=False,
            )
            # counts up (asking for the total costs a query of its own); on a terminal only
            with progress_bar(f"fetching {entity}/{project}", None, unit="runs") as bar:
                for api_run in found:
                    run = run_from_api(api_run, history_keys, api=api, logged=logged)
                    bar.update(1)
                    if run.key not in seen:
                        seen.add(run.key)
                        runs.append(run)
        for path in run_paths:
            parts = [p for p in path.strip().split("/") if p]
            if len(parts) != 3:
                raise InputError(f"--run-path {path!r}: use ENTITY/PROJECT/RUN_ID")
            run = run_from_api(api.run("/".join(parts)), history_keys, api=api, logged=logged)
            if run.key not in seen:
                seen.add(run.key)
                runs.append(run)
    except TrackerCompareError:
        raise
    except Exception as error:
        raise source.translate(error) from None
    return runs


def write_decision(source: WandbSource, comparison: Any, runs: Sequence[Run]) -> int:
    """Record the decision on every compared online run: a notes line and a tag.

    The notes get one line ``tracker-compare: <rationale>`` (replacing an earlier such line);
    the tags get ``compare-winner`` on the winning configuration's runs and ``compare-checked``
    on the others. Offline runs are skipped (they are not on the server).

    Returns:
        How many runs were updated.
    """
    from shared.compare import as_comparison

    data = as_comparison(comparison)
    winner = data.decision.winner
    rationale = " ".join((data.decision.rationale or "").split())
    winners: set[str] = set()
    for config in data.configs:
        if config.name == winner:
            winners.update(config.run_keys)
    api = source.api
    written = 0
    try:
        for run in runs:
            path = run.tags.get("wandb.path")
            if run.tracker != "wandb" or not path:
                continue
            api_run = api.run(path)
            lines = [
                line
                for line in (api_run.notes or "").splitlines()
                if not line.startswith("tracker-compare:")
            ]
            lines.append(f"tracker-compare: {rationale}"[:2000])
            api_run.notes = "\n".join(line for line in lines if line)
            tag = "compare-winner" if run.key in winners else "compare-checked"
            tags = [
                t for t in (api_run.tags or []) if t not in ("compare-winner", "compare-checked")
            ]
            api_run.tags = [*tags, tag]
            api_run.update()
            written += 1
    except TrackerCompareError:
        raise
    except Exception as error:
        raise source.translate(error) from None
    return written
