"""Per-example tables of MLflow runs: one artifact per run, in bulk, nothing else.

``--examples PATH`` names the artifact path given to ``mlflow.log_table`` (or
``eval_results_table.json``, which ``mlflow.evaluate`` logs); ``--examples traces`` reads the
MLflow 3 GenAI evaluation assessments on the runs' traces instead. Only that artifact is read
per run, never a run's other artifacts, and all runs at once:

* tracking server: one ``GET /get-artifact?run_uuid=..&path=..`` per run (the server resolves
  the run's artifact location, proxied or not), concurrently. ``MlflowClient.download_artifacts``
  costs three round trips per run (the run, a listing, the file), one after another;
* SQL stores: the runs' artifact locations in one query, then the files read (local folders)
  or downloaded (any other artifact store) concurrently;
* anything else: ``MlflowClient.download_artifacts`` per run, concurrently;
* traces: ``MlflowClient.search_traces(run_id=...)`` per run without spans, concurrently; one row
  per trace: ``trace_id``, ``request`` (the request preview), ``client_request_id``, its tags as
  ``tags.<name>``, and one column per assessment name (the latest valid value; booleans and
  ``yes``/``no`` ratings as 1/0).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote, urlparse

from mlflow_compare_plugin._tracker_errors import tracker_errors
from shared import InputError, Run, TrackerUnreachable
from shared._example_files import attach_tables, table_from_bytes
from shared._gc import paused_gc
from shared.cli import is_connection_problem
from shared.model import ExampleTable

__all__ = ["TRACES", "fetch_example_tables", "traces_table"]

#: ``--examples traces``: the GenAI assessments on each run's traces, not an artifact.
TRACES = "traces"
_GET_ARTIFACT = "/get-artifact"
# Ratings MLflow's judges give (CategoricalRating) read as scores.
_RATINGS = {"yes": 1, "no": 0}


def fetch_example_tables(
    source: Any,
    runs: Sequence[Run],
    table: str,
    *,
    workers: int = 8,
    on_progress: Callable[[int], None] | None = None,
) -> list[Run]:
    """Read table ``table`` of every run into ``run.examples[table]``.

    Args:
        source: an open ``MlflowSource``.
        runs: the runs (changed in place and returned).
        table: the artifact path given to ``log_table`` (``eval.json``, ``eval.parquet``,
            ``eval_results_table.json``), or ``"traces"`` for GenAI assessments.
        workers: concurrent reads.
        on_progress: called with 1 after each run.

    Raises:
        InputError: runs without the table (named), or a file that is not a table.
        TrackerUnreachable: the server is down or keeps failing.

    Example:
        >>> # source = MlflowSource("http://127.0.0.1:5000"); runs = fetch_runs(source=source, ...)
        >>> # fetch_example_tables(source, runs, "eval_results_table.json")
    """
    runs = list(runs)
    if not runs:
        return runs
    if table == TRACES:
        read = _traces(source, runs, workers, on_progress)
        return attach_tables(runs, table, read, where="traces with assessments")
    path = _clean_path(table)
    with tracker_errors("cannot read the table artifacts"):
        if source.kind == "rest":
            blobs = _rest(source, [r.id for r in runs], path, workers, on_progress)
        else:
            uris = _artifact_uris(source, [r.id for r in runs], workers)
            blobs = _by_uri(source, uris, path, workers, on_progress)
    with paused_gc():  # 50 x 100,000 rows: 4x faster without the collector (shared/_gc.py)
        tables = {
            run_id: None if data is None else table_from_bytes(table, data, path=path)
            for run_id, data in blobs.items()
        }
    return attach_tables(runs, table, tables, where="table artifact")


def _clean_path(table: str) -> str:
    path = table.strip().strip("/")
    if not path or ".." in path.split("/"):
        raise InputError(f"--examples {table!r} is not an artifact path (e.g. eval.json)")
    return path


def _pool_map(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    workers: int,
    on_progress: Callable[[int], None] | None,
) -> list[Any]:
    out = []
    with ThreadPoolExecutor(max(1, min(workers, len(items)))) as pool:
        for result in pool.map(fn, items):
            out.append(result)
            if on_progress is not None:
                on_progress(1)
    return out


# --- tracking server --------------------------------------------------------------------------
def _rest(
    source: Any,
    run_ids: list[str],
    path: str,
    workers: int,
    on_progress: Callable[[int], None] | None,
) -> dict[str, bytes | None]:
    from mlflow.utils.rest_utils import http_request

    creds = source.store.get_host_creds()

    def one(run_id: str) -> bytes | None:
        response = http_request(
            creds,
            _GET_ARTIFACT,
            "GET",
            max_retries=source.retries,
            backoff_factor=1.0,
            backoff_jitter=0.2,
            params={"run_uuid": run_id, "path": path},
        )
        if response.status_code == 404 or (
            response.status_code == 400 and b"RESOURCE_DOES_NOT_EXIST" in response.content
        ):
            return None
        if response.status_code >= 500 and b"RESOURCE_DOES_NOT_EXIST" not in response.content:
            raise TrackerUnreachable(
                f"MLflow server {creds.host} kept failing (HTTP {response.status_code} on "
                f"{_GET_ARTIFACT}) after {source.retries} retries"
            )
        if response.status_code >= 400:
            return None
        return response.content

    return dict(zip(run_ids, _pool_map(one, run_ids, workers, on_progress), strict=True))


# --- SQL and other stores ---------------------------------------------------------------------
def _artifact_uris(source: Any, run_ids: list[str], workers: int) -> dict[str, str]:
    """Each run's artifact root: one query on a SQL store, else one ``get_run`` per run."""
    if source.kind == "sql":
        import sqlalchemy as sa
        from mlflow.store.tracking.dbmodels.models import SqlRun

        out: dict[str, str] = {}
        with source.store.engine.connect() as connection:
            for i in range(0, len(run_ids), 500):  # bound parameters stay few
                chunk = run_ids[i : i + 500]
                query = sa.select(SqlRun.run_uuid, SqlRun.artifact_uri).where(
                    SqlRun.run_uuid.in_(chunk)
                )
                out.update(dict(connection.execute(query).all()))
        return out

    def one(run_id: str) -> str:
        return source.client.get_run(run_id).info.artifact_uri

    return dict(zip(run_ids, _pool_map(one, run_ids, workers, None), strict=True))


def _local_folder(uri: str) -> str | None:
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        return unquote(parsed.path)
    if parsed.scheme == "" or (len(parsed.scheme) == 1 and os.name == "nt"):
        return uri
    return None


def _by_uri(
    source: Any,
    uris: dict[str, str],
    path: str,
    workers: int,
    on_progress: Callable[[int], None] | None,
) -> dict[str, bytes | None]:
    from mlflow.exceptions import MlflowException

    def one(run_id: str) -> bytes | None:
        root = uris.get(run_id)
        if root is None:
            return None
        folder = _local_folder(root)
        if folder is not None:  # a local artifact store: read the one file, nothing else
            try:
                with open(os.path.join(folder, *path.split("/")), "rb") as handle:
                    return handle.read()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                return None
        with tempfile.TemporaryDirectory() as tmp:
            try:
                local = source.client.download_artifacts(run_id, path, tmp)
            except (MlflowException, OSError) as error:
                if is_connection_problem(error):
                    raise
                return None
            if os.path.isdir(local):
                return None
            with open(local, "rb") as handle:
                return handle.read()

    proxied = [run_id for run_id, uri in uris.items() if uri.startswith("mlflow-artifacts:")]
    if proxied:
        # Only the server that stored them can serve these: a missing table would mislead.
        raise InputError(
            f"the artifacts of {len(proxied)} runs are held by a tracking server "
            f"({uris[proxied[0]]}); read them through it: --tracking-uri http://HOST:PORT"
        )
    ids = list(uris)
    return dict(zip(ids, _pool_map(one, ids, workers, on_progress), strict=True))


# --- GenAI assessments on traces --------------------------------------------------------------
def _score(value: Any) -> Any:
    """An assessment value as a score: booleans and yes/no ratings as 1/0, others as given."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.strip().lower() in _RATINGS:
        return _RATINGS[value.strip().lower()]
    return value


def traces_table(traces: Sequence[Any], name: str = TRACES) -> ExampleTable:
    """One row per trace: ``trace_id``, ``request``, ``client_request_id``, ``tags.<name>``,
    and each assessment's latest valid value under its name.

    Example:
        >>> traces_table([]).column_names
        ('trace_id', 'request', 'client_request_id')
    """
    records = []
    for trace in traces:
        info = trace.info
        row: dict[str, Any] = {
            "trace_id": info.trace_id,
            "request": info.request_preview,
            "client_request_id": info.client_request_id,
        }
        for key, value in sorted((info.tags or {}).items()):
            if not key.startswith("mlflow."):
                row[f"tags.{key}"] = value
        latest: dict[str, tuple[float, Any]] = {}
        for assessment in info.assessments or []:
            if getattr(assessment, "valid", True) is False:
                continue  # overridden by a later assessment
            when = float(getattr(assessment, "create_time_ms", 0) or 0)
            value = getattr(assessment, "value", None)
            if value is None:
                value = getattr(getattr(assessment, "feedback", None), "value", None)
            if assessment.name not in latest or when >= latest[assessment.name][0]:
                latest[assessment.name] = (when, _score(value))
        row.update({k: v for k, (_w, v) in latest.items()})
        records.append(row)
    if not records:
        return ExampleTable(name, {"trace_id": (), "request": (), "client_request_id": ()})
    return ExampleTable.from_records(name, records)


def _traces(
    source: Any, runs: list[Run], workers: int, on_progress: Callable[[int], None] | None
) -> dict[str, ExampleTable | None]:
    def one(run: Run) -> ExampleTable | None:
        traces: list[Any] = []
        token = None
        while True:
            page = source.client.search_traces(
                experiment_ids=[run.experiment] if run.experiment else None,
                run_id=run.id,
                include_spans=False,  # assessments live on the trace info; spans are heavy
                max_results=500,
                page_token=token,
            )
            traces.extend(page)
            token = page.token
            if not token:
                break
        return traces_table(traces) if traces else None

    with tracker_errors("cannot read the runs' traces"):
        return dict(
            zip([r.id for r in runs], _pool_map(one, runs, workers, on_progress), strict=True)
        )
