"""A loopback W&B server for tests: real HTTP on 127.0.0.1, answering what the real client sends.

Not a stub: the real ``wandb.Api`` (and wandb-core, which makes its HTTP calls) and
``wandb_workspaces`` run unmodified and talk HTTP to this server; nothing in wandb is
monkeypatched. It implements the GraphQL operations they send (found by logging the requests
and reading the client source) over data the test stores in it, and serves run history as
parquet files with HTTP range reads, as W&B's storage does:

* ``Viewer``, ``GetDefaultEntity`` (who the API key belongs to);
* ``Runs`` (Mongo-style ``filters`` evaluated here, ``order``, cursor pagination), ``Run``;
* ``RunHistoryKeys``, ``RunParquetHistory`` (parquet URLs + live rows), ``HistoryPage``,
  ``SampledHistoryPage`` / ``RunSampledHistory``;
* ``UpsertBucket`` (notes, tags, summary), ``ProjectInternalId``, ``upsertView`` (reports) and
  whatever report look-ups ``wandb_workspaces`` makes;
* ``GET``/``HEAD`` of ``/files/<entity>/<project>/<run>/history.parquet`` with ``Range``;
* ``RunFiles`` (``run.files()``, ``run.file(name)``) over the files the client uploaded
  (``wandb sync`` uploads a logged Table's ``media/table/*.table.json``), and ``GET`` of
  ``/files/<entity>/<project>/<run>/<name>`` for ``File.download()``.

Every request is recorded in ``server.requests`` so tests can assert what the client asked.
Failure modes for the error tests: ``reject_key`` (401, as W&B answers a bad key) and
``fail_status`` (every request answered with that status).

Example:
    >>> with LoopbackWandbServer() as server:  # doctest: +SKIP
    ...     server.add_run("proj", "r1", config={"lr": 0.1}, history=[{"acc": 0.5}])
    ...     api = wandb.Api(api_key=server.api_key, overrides={"base_url": server.url})
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["LoopbackWandbServer", "StoredRun", "DEFAULT_API_KEY", "wandb_sync"]

DEFAULT_API_KEY = "loopback0" + "0" * 31  # 40 characters, the length W&B keys have


@dataclass
class StoredRun:
    """One run as the server stores it."""

    entity: str
    project: str
    name: str  # the run id in paths
    display_name: str
    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    group: str | None = None
    job_type: str | None = None
    notes: str | None = None
    state: str = "finished"
    sweep: str | None = None
    created_at: str = "2026-01-01T00:00:00"
    storage_id: str = ""
    internal: dict[str, Any] = field(default_factory=dict)  # config["_wandb"]

    def node(self) -> dict[str, Any]:
        """The run as W&B's GraphQL ``Run`` type (every field either fragment selects)."""
        last_step = max(
            (int(row.get("_step", i)) for i, row in enumerate(self.history)), default=-1
        )
        return {
            "id": self.storage_id,
            "projectId": 1,
            "name": self.name,
            "displayName": self.display_name,
            "tags": list(self.tags),
            "sweepName": self.sweep,
            "state": self.state,
            "config": json.dumps(
                {k: {"value": v, "desc": None} for k, v in self.config.items()}
                | ({"_wandb": {"value": self.internal, "desc": None}} if self.internal else {})
            ),
            "group": self.group,
            "jobType": self.job_type,
            "commit": None,
            "readOnly": False,
            "createdAt": self.created_at,
            "heartbeatAt": self.created_at,
            "description": self.notes,
            "notes": self.notes,
            "systemMetrics": "{}",
            "summaryMetrics": json.dumps(self.summary, allow_nan=True),
            "historyLineCount": len(self.history),
            "user": {"name": "loopback", "username": "loopback"},
            "historyKeys": self.history_keys(last_step),
        }

    def history_keys(self, last_step: int | None = None) -> dict[str, Any]:
        keys: dict[str, int] = {}
        for row in self.history:
            for key in row:
                keys[key] = keys.get(key, 0) + 1
        if last_step is None:
            last_step = len(self.history) - 1
        return {
            "lastStep": last_step,
            "keys": {
                k: {"typeCounts": [{"type": "number", "count": n}], "monotonic": False}
                for k, n in keys.items()
            },
        }

    def rows(self) -> list[dict[str, Any]]:
        """History rows with ``_step`` filled in."""
        out = []
        for i, row in enumerate(self.history):
            r = dict(row)
            r.setdefault("_step", i)
            out.append(r)
        return out

    def parquet(self) -> bytes:
        """The history as one parquet file, the way W&B exports run history."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = self.rows()
        keys: list[str] = []
        for row in rows:
            for k in row:
                if k not in keys:
                    keys.append(k)
        columns = {}
        for k in keys:
            values = [row.get(k) for row in rows]
            if k == "_step":
                columns[k] = pa.array(values, type=pa.int64())
            else:
                columns[k] = pa.array(
                    [None if v is None else float(v) for v in values], type=pa.float64()
                )
        buffer = io.BytesIO()
        # Small row groups so readers that fetch by range make several range requests.
        pq.write_table(pa.table(columns), buffer, row_group_size=64)
        return buffer.getvalue()


_OP_RE = re.compile(r"\b(query|mutation)\s+(\w+)")


def _get_path(doc: dict[str, Any], path: str) -> tuple[bool, Any]:
    node: Any = doc
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False, None
    return True, node


def _compare(op: str, have: Any, want: Any) -> bool:
    try:
        if op == "$eq":
            return have == want or (isinstance(have, list) and want in have)
        if op == "$ne":
            return not _compare("$eq", have, want)
        if op == "$gt":
            return have is not None and have > want
        if op == "$gte":
            return have is not None and have >= want
        if op == "$lt":
            return have is not None and have < want
        if op == "$lte":
            return have is not None and have <= want
        if op == "$in":
            if isinstance(have, list):
                return any(h in want for h in have)
            return have in want
        if op == "$nin":
            return not _compare("$in", have, want)
        if op == "$regex":
            return isinstance(have, str) and re.search(want, have) is not None
    except TypeError:
        return False
    raise ValueError(f"unsupported filter operator {op}")


def _matches(doc: dict[str, Any], flt: Any) -> bool:
    """Mongo-style filter evaluation, the subset W&B documents for ``api.runs``."""
    if not flt:
        return True
    for key, cond in flt.items():
        if key == "$and":
            if not all(_matches(doc, c) for c in cond):
                return False
            continue
        if key == "$or":
            if not any(_matches(doc, c) for c in cond):
                return False
            continue
        if key == "$nor":
            if any(_matches(doc, c) for c in cond):
                return False
            continue
        found, have = _get_path(doc, key)
        if not found and key.endswith(".value"):
            found, have = _get_path(doc, key[: -len(".value")])
        if isinstance(cond, dict) and cond and all(k.startswith("$") for k in cond):
            for op, want in cond.items():
                if op == "$exists":
                    if bool(want) != found:
                        return False
                elif not _compare(op, have, want):
                    return False
        elif not (found and _compare("$eq", have, cond)):
            return False
    return True


class LoopbackWandbServer:
    """The server. Use as a context manager or call :meth:`start` / :meth:`stop`.

    Args:
        api_key: the one key it accepts.
        entity: the viewer's entity (default entity of the key).
    """

    def __init__(self, *, api_key: str = DEFAULT_API_KEY, entity: str = "loopback-team"):
        self.api_key = api_key
        self.entity = entity
        self.runs: list[StoredRun] = []
        self.requests: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.projects: list[tuple[str, str]] = []  # created through CreateProject
        self.uploads: dict[str, bytes] = {}  # run files PUT by the client
        self.fail_status: int | None = None
        self.reject_key = False
        self._lock = threading.Lock()
        self._parquet_cache: dict[str, bytes] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- data ---------------------------------------------------------------------------------

    def add_run(
        self,
        project: str,
        name: str,
        *,
        entity: str | None = None,
        display_name: str | None = None,
        **fields: Any,
    ) -> StoredRun:
        """Store a run; ``fields`` are :class:`StoredRun` fields (config, history...)."""
        run = StoredRun(
            entity=entity or self.entity,
            project=project,
            name=name,
            display_name=display_name or name,
            storage_id=base64.b64encode(f"Run:v1:{name}:{project}".encode()).decode(),
            **fields,
        )
        with self._lock:
            self.runs.append(run)
        return run

    def find_run(self, entity: str, project: str, name: str) -> StoredRun | None:
        for run in self.runs:
            if (run.entity, run.project, run.name) == (entity, project, name):
                return run
        return None

    def operations(self) -> list[str]:
        """Names of the GraphQL operations received, in order."""
        return [r["operation"] for r in self.requests if r.get("operation")]

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LoopbackWandbServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                server._handle(self, "POST")

            def do_GET(self) -> None:
                server._handle(self, "GET")

            def do_HEAD(self) -> None:
                server._handle(self, "HEAD")

            def do_PUT(self) -> None:
                server._handle(self, "PUT")

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> LoopbackWandbServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- HTTP ---------------------------------------------------------------------------------

    def _authorised(self, handler: BaseHTTPRequestHandler) -> bool:
        header = handler.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                user_key = base64.b64decode(header[6:]).decode()
            except ValueError:
                return False
            return user_key.split(":", 1)[-1] == self.api_key and not self.reject_key
        if header.startswith("Bearer "):
            return header[7:] == self.api_key and not self.reject_key
        return False

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        head: bool = False,
    ) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            handler.send_header(k, v)
        handler.end_headers()
        if not head:
            handler.wfile.write(body)

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        record: dict[str, Any] = {
            "method": method,
            "path": handler.path,
            "range": handler.headers.get("Range"),
            "operation": None,
        }
        body: dict[str, Any] = {}
        if handler.path.startswith("/graphql") and raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = {}
            op = body.get("operationName") or ""
            if not op:
                m = _OP_RE.search(body.get("query", ""))
                op = m.group(2) if m else ""
            record["operation"] = op
            record["variables"] = body.get("variables") or {}
            record["query"] = body.get("query", "")
        with self._lock:
            self.requests.append(record)
        if handler.path.startswith("/sdk/otel"):  # wandb-core's telemetry: accept and drop
            self._send(handler, 200, b"{}")
            return
        if self.fail_status:
            self._send(handler, self.fail_status, b'{"errors":[{"message":"internal error"}]}')
            return
        if handler.path.startswith("/files/") and handler.path.split("?")[0].endswith(
            "/file_stream"
        ):
            if not self._authorised(handler):
                self._send(handler, 401, b'{"error":"user is not logged in"}')
                return
            self._file_stream(handler, raw)
            return
        if handler.path.startswith("/upload/"):  # run files (requirements.txt...): accepted
            with self._lock:
                self.uploads[handler.path] = raw
            self._send(handler, 200, b"")
            return
        if handler.path.startswith("/files/"):
            self._serve_file(handler, method)
            return
        if not handler.path.startswith("/graphql"):
            self._send(handler, 404, b'{"error":"not found"}')
            return
        if not self._authorised(handler):
            self._send(handler, 401, b'{"errors":[{"message":"user is not logged in"}]}')
            return
        try:
            data = self._graphql(record["operation"], body.get("variables") or {}, body)
            out = json.dumps({"data": data}, allow_nan=False, default=_json_default)
        except _GraphQLError as error:
            out = json.dumps({"errors": [{"message": str(error)}], "data": None})
        self._send(handler, 200, out.encode())

    def run_files(self, run: StoredRun) -> dict[str, bytes]:
        """The files the client uploaded for ``run`` (``wandb sync``, a live run), by name."""
        prefix = f"/upload/{run.entity}/{run.project}/{run.name}/"
        with self._lock:
            return {p[len(prefix) :]: b for p, b in self.uploads.items() if p.startswith(prefix)}

    def _run_files(self, variables: dict[str, Any]) -> dict[str, Any]:
        """``RunFiles`` (``run.files()`` / ``run.file(name)``): the uploaded files, with URLs
        this server serves (W&B answers with signed storage URLs)."""
        import hashlib

        run = self._run_or_error(variables, "name")
        files = self.run_files(run)
        names = variables.get("fileNames") or list(files)
        edges = []
        for i, name in enumerate(n for n in names if n in files):
            url = f"{self.url}/files/{run.entity}/{run.project}/{run.name}/{name}"
            data = files[name]
            edges.append({
                "node": {
                    "id": base64.b64encode(f"File:{run.name}:{name}".encode()).decode(),
                    "name": name,
                    "url": url,
                    "directUrl": url,
                    "sizeBytes": len(data),
                    "mimetype": "application/json" if name.endswith(".json") else None,
                    "updatedAt": run.created_at,
                    "md5": base64.b64encode(hashlib.md5(data).digest()).decode(),
                },
                "cursor": str(i + 1),
            })  # fmt: skip
        return {
            "project": {
                "internalId": "UHJvamVjdDox",
                "run": {
                    "fileCount": len(files),
                    "files": {
                        "edges": edges,
                        "pageInfo": {"endCursor": str(len(edges)), "hasNextPage": False},
                    },
                },
            }
        }

    def _serve_file(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = handler.path.split("?")[0].split("/")
        if len(parts) > 5 and parts[5] != "history.parquet":
            # /files/<entity>/<project>/<run>/<name...>: a file the client uploaded
            run = self.find_run(parts[2], parts[3], parts[4])
            data = self.run_files(run).get("/".join(parts[5:])) if run else None
            if data is None:
                self._send(handler, 404, b"")
            else:
                self._send(handler, 200, data, "application/octet-stream", head=method == "HEAD")
            return
        # /files/<entity>/<project>/<run>/history.parquet
        if len(parts) != 6 or parts[5] != "history.parquet":
            self._send(handler, 404, b"")
            return
        run = self.find_run(parts[2], parts[3], parts[4])
        if run is None:
            self._send(handler, 404, b"")
            return
        data = self._parquet_cache.get(handler.path)
        if data is None:
            data = self._parquet_cache[handler.path] = run.parquet()
        head = method == "HEAD"
        spec = handler.headers.get("Range")
        if not spec:
            self._send(
                handler, 200, data, "application/octet-stream", {"Accept-Ranges": "bytes"}, head
            )
            return
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", spec.strip())
        if not m:
            self._send(handler, 416, b"")
            return
        first, last = m.groups()
        size = len(data)
        if first == "":
            start, end = max(0, size - int(last)), size - 1
        else:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        if start >= size or start > end:
            self._send(handler, 416, b"", headers={"Content-Range": f"bytes */{size}"})
            return
        self._send(
            handler,
            206,
            data[start : end + 1],
            "application/octet-stream",
            {"Content-Range": f"bytes {start}-{end}/{size}", "Accept-Ranges": "bytes"},
            head,
        )

    # --- GraphQL ------------------------------------------------------------------------------

    def _project_runs(self, entity: str | None, project: str) -> list[StoredRun]:
        entity = entity or self.entity
        return [r for r in self.runs if r.entity == entity and r.project == project]

    def _run_or_error(self, variables: dict[str, Any], key: str) -> StoredRun:
        entity = variables.get("entity") or variables.get("entityName") or self.entity
        project = variables.get("project") or variables.get("projectName")
        name = variables.get(key)
        run = self.find_run(entity, project, name)
        if run is None:
            raise _GraphQLError(f"run {entity}/{project}/{name} not found")
        return run

    def _graphql(self, op: str, variables: dict[str, Any], body: dict[str, Any]) -> Any:
        query = body.get("query", "")
        viewer = {
            "id": "VXNlcjox",
            "entity": self.entity,
            "username": "loopback",
            "email": "loopback@example.invalid",
            "admin": False,
            "flags": "{}",
            "teams": {"edges": [{"node": {"name": self.entity}}]},
        }
        if op in ("Viewer", "GetDefaultEntity") or (
            not op and "viewer" in query and "project" not in query
        ):
            return {"viewer": viewer}
        if op == "ServerFeaturesQuery":
            return {"serverInfo": {"features": []}}
        if op == "Runs":
            return self._runs_query(variables)
        if op in ("Run", "RunFullData", "RunLightweight"):
            run = self._run_or_error(variables, "name")
            return {"project": {"run": run.node(), "internalId": "UHJvamVjdDox"}}
        if op == "RunHistoryKeys":
            run = self._run_or_error(variables, "name")
            return {"project": {"run": {"historyKeys": run.node()["historyKeys"]}}}
        if op == "RunParquetHistory":
            run = self._run_or_error(variables, "runName")
            url = f"{self.url}/files/{run.entity}/{run.project}/{run.name}/history.parquet"
            return {"project": {"run": {"parquetHistory": {"parquetUrls": [url], "liveData": []}}}}
        if op == "HistoryPage":
            run = self._run_or_error(variables, "run")
            lo, hi = int(variables.get("minStep", 0)), int(variables.get("maxStep", 1 << 62))
            rows = [
                json.dumps(r, default=_json_default) for r in run.rows() if lo <= r["_step"] < hi
            ]
            return {"project": {"run": {"history": rows[: int(variables.get("pageSize", 500))]}}}
        if op in ("SampledHistoryPage", "RunSampledHistory"):
            key = "run" if "run" in variables else "name"
            run = self._run_or_error(variables, key)
            specs = variables.get("spec") or variables.get("specs") or []
            specs = [specs] if isinstance(specs, (str, dict)) else specs
            out = []
            for spec in specs:
                spec = json.loads(spec) if isinstance(spec, str) else spec
                keys = spec.get("keys") or []
                rows = [
                    {k: r[k] for k in keys if k in r}
                    for r in run.rows()
                    if all(k in r for k in keys)
                ]
                # Like W&B: at most `samples` rows, spread over the run (first and last kept).
                n = int(spec.get("samples", 500))
                if len(rows) > n > 1:
                    picks = sorted({round(i * (len(rows) - 1) / (n - 1)) for i in range(n)})
                    rows = [rows[i] for i in picks]
                out.append(rows[:n])
            return {"project": {"run": {"sampledHistory": out}}}
        if op == "RunFiles":
            return self._run_files(variables)
        if op == "GetProjects":
            return self._projects_query(variables)
        if op == "CreateProject":
            created = self._create_project(variables.get("input") or {})
            return {"result": {"project": created, "model": created, "inserted": True}}
        if op == "CreateRunFiles":
            run = self._run_or_error(variables, "run")
            return {
                "createRunFiles": {
                    "runID": run.storage_id,
                    "uploadHeaders": [],
                    "files": [
                        {
                            "name": f,
                            "uploadUrl": f"{self.url}/upload/{run.entity}/{run.project}/{run.name}/{f}",
                        }
                        for f in variables.get("files") or []
                    ],
                }
            }
        if op == "UpsertBucket":
            return self._upsert_bucket(variables)
        if op == "ProjectInternalId" or (
            "internalId" in query and "project(" in query and "runs(" not in query
        ):
            return {
                "project": {
                    "id": "UHJvamVjdDox",
                    "internalId": "UHJvamVjdDox",
                    "name": variables.get("projectName") or variables.get("project"),
                }
            }
        if op.lower() == "upsertview":
            return self._upsert_view(variables)
        if op in ("View", "Views", "GetView", "LoadView"):
            vid = variables.get("id")
            view = self.views.get(vid)
            if view is None:
                raise _GraphQLError(f"view {vid} not found")
            return {"view": view}
        raise _GraphQLError(f"loopback server: operation {op or '(unnamed)'} not implemented")

    def _project_names(self, entity: str) -> list[str]:
        names = [r.project for r in self.runs if r.entity == entity]
        names += [p for e, p in self.projects if e == entity]
        return list(dict.fromkeys(names))

    def _projects_query(self, variables: dict[str, Any]) -> dict[str, Any]:
        entity = variables.get("entity") or self.entity
        user = {
            "id": "VXNlcjox",
            "name": "loopback",
            "username": "loopback",
            "email": None,
            "admin": False,
            "flags": "{}",
            "entity": self.entity,
            "deletedAt": None,
            "apiKeys": {"edges": []},
            "teams": {"edges": [{"node": {"name": self.entity}}]},
        }
        edges = [
            {
                "node": {
                    "__typename": "Project",
                    "id": f"UHJvamVjdDo{i}",
                    "name": name,
                    "entityName": entity,
                    "createdAt": "2026-01-01T00:00:00",
                    "isBenchmark": False,
                    "user": user,
                }
            }
            for i, name in enumerate(self._project_names(entity))
        ]
        return {
            "models": {
                "pageInfo": {"__typename": "PageInfo", "endCursor": None, "hasNextPage": False},
                "edges": edges,
            }
        }

    def _create_project(self, data: dict[str, Any]) -> dict[str, Any]:
        entity = data.get("entityName") or self.entity
        name = data.get("name")
        with self._lock:
            self.projects.append((entity, name))
        return {
            "id": "UHJvamVjdDo5",
            "name": name,
            "entityName": entity,
            "description": data.get("description"),
            "access": None,
            "views": None,
        }

    def _runs_query(self, variables: dict[str, Any]) -> dict[str, Any]:
        runs = self._project_runs(variables.get("entity"), variables["project"])
        filters = variables.get("filters")
        if isinstance(filters, str):
            filters = json.loads(filters)
        docs = []
        for run in runs:
            doc = {
                "name": run.name,
                "display_name": run.display_name,
                "displayName": run.display_name,
                "state": run.state,
                "group": run.group,
                "jobType": run.job_type,
                "sweep": run.sweep,
                "tags": list(run.tags),
                "created_at": run.created_at,
                "createdAt": run.created_at,
                # `config.lr` and `config.lr.value` both address the value (_matches).
                "config": dict(run.config),
                "summary_metrics": run.summary,
            }
            if _matches(doc, filters):
                docs.append((doc, run))
        order = variables.get("order") or "-created_at"
        desc = order.startswith("-")
        field_name = order.lstrip("+-")

        def sort_key(item: tuple[dict[str, Any], StoredRun]) -> tuple[int, Any]:
            found, value = _get_path(item[0], field_name)
            if not found:
                found, value = _get_path(item[0], field_name.replace(".value", ""))
            return (0 if found and value is not None else 1, value if found else 0)

        present = [d for d in docs if sort_key(d)[0] == 0]
        absent = [d for d in docs if sort_key(d)[0] == 1]
        try:
            present.sort(key=lambda d: sort_key(d)[1], reverse=desc)
        except TypeError:
            present.sort(key=lambda d: str(sort_key(d)[1]), reverse=desc)
        docs = present + absent
        per_page = int(variables.get("perPage") or 50)
        start = int(variables.get("cursor") or 0)
        page = docs[start : start + per_page]
        end = start + len(page)
        return {
            "project": {
                "internalId": "UHJvamVjdDox",
                "runCount": len(docs),
                "readOnly": False,
                "runs": {
                    "edges": [
                        {"node": run.node(), "cursor": str(start + i + 1)}
                        for i, (_doc, run) in enumerate(page)
                    ],
                    "pageInfo": {"endCursor": str(end), "hasNextPage": end < len(docs)},
                },
            }
        }

    def _upsert_bucket(self, variables: dict[str, Any]) -> dict[str, Any]:
        """Update a run by storage id, or create/update one by name (what `wandb sync` and a
        live run send)."""
        storage_id = variables.get("id")
        inserted = False
        if storage_id:
            run = next((r for r in self.runs if r.storage_id == storage_id), None)
            if run is None:
                raise _GraphQLError(f"bucket {storage_id} not found")
        else:
            entity = variables.get("entity") or self.entity
            project = variables.get("project") or "uncategorized"
            name = variables.get("name")
            if not name:
                raise _GraphQLError("upsertBucket needs an id or a name")
            run = self.find_run(entity, project, name)
            if run is None:
                run = self.add_run(project, name, entity=entity, state="running")
                inserted = True
        with self._lock:
            if variables.get("notes") is not None:
                run.notes = variables["notes"]
            if variables.get("description") is not None:
                run.notes = variables["description"]
            if variables.get("tags") is not None:
                run.tags = list(variables["tags"])
            if variables.get("displayName") or variables.get("display_name"):
                run.display_name = variables.get("displayName") or variables["display_name"]
            if variables.get("groupName"):
                run.group = variables["groupName"]
            if variables.get("jobType"):
                run.job_type = variables["jobType"]
            if variables.get("sweep"):
                run.sweep = variables["sweep"]
            if variables.get("state"):
                run.state = variables["state"]
            if variables.get("config"):
                config = json.loads(variables["config"])
                # Stored unwrapped; `_wandb` (metric definitions, telemetry) is kept apart.
                for key, value in config.items():
                    value = (
                        value.get("value")
                        if isinstance(value, dict) and "value" in value
                        else value
                    )
                    if key == "_wandb":
                        run.internal = value
                    else:
                        run.config[key] = value
            if variables.get("summaryMetrics"):
                run.summary.update(json.loads(variables["summaryMetrics"]))
        node = run.node()
        node["project"] = {
            "id": "UHJvamVjdDox",
            "name": run.project,
            "entity": {"id": "RW50aXR5OjE=", "name": run.entity},
        }
        return {"upsertBucket": {"bucket": node, "inserted": inserted}}

    def _file_stream(self, handler: BaseHTTPRequestHandler, raw: bytes) -> None:
        """W&B's file stream: history lines, the summary and the exit code of a run."""
        parts = handler.path.split("?")[0].split("/")
        run = self.find_run(parts[2], parts[3], parts[4]) if len(parts) >= 6 else None
        if run is None:
            self._send(handler, 404, b'{"error":"run not found"}')
            return
        try:
            if handler.headers.get("Content-Encoding") == "gzip":
                import gzip

                raw = gzip.decompress(raw)
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send(handler, 400, b'{"error":"bad json"}')
            return
        files = body.get("files") or {}
        with self._lock:
            for line in (files.get("wandb-history.jsonl") or {}).get("content") or []:
                run.history.append(json.loads(line))
            summary = (files.get("wandb-summary.json") or {}).get("content") or []
            if summary:
                run.summary = json.loads(summary[-1])
            if body.get("complete"):
                run.state = "finished" if not body.get("exitcode") else "failed"
            self._parquet_cache.clear()
        self._send(handler, 200, b'{"exitcode": null, "limits": {}}')

    def _upsert_view(self, variables: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            vid = (
                variables.get("id")
                or base64.b64encode(f"View:{len(self.views) + 1}".encode()).decode()
            )
            spec = variables.get("spec")
            view = {
                "id": vid,
                "name": variables.get("name") or f"report-{len(self.views) + 1}",
                "displayName": variables.get("displayName"),
                "description": variables.get("description"),
                "type": variables.get("type"),
                "spec": spec,
                "entityName": variables.get("entityName"),
                "projectName": variables.get("projectName"),
                "createdAt": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "updatedAt": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "user": {"id": "VXNlcjox", "username": "loopback", "name": "loopback"},
                "project": {
                    "id": "UHJvamVjdDox",
                    "name": variables.get("projectName"),
                    "entityName": variables.get("entityName"),
                },
                "previewUrl": None,
                "coverUrl": None,
                "parentId": variables.get("parentId"),
                "variables": variables,
            }
            self.views[vid] = view
        return {"upsertView": {"view": view, "inserted": True}}


class _GraphQLError(Exception):
    pass


def _json_default(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    raise TypeError(f"cannot encode {type(value).__name__}")


def wandb_sync(server: LoopbackWandbServer, folders: list[Path], home: Path) -> None:
    """Upload offline runs to the server with the real `wandb sync` (as a user would)."""
    import subprocess
    import sys

    from _study import offline_env

    wandb_bin = str(Path(sys.executable).parent / "wandb")
    env = offline_env(home)
    del env["WANDB_MODE"]
    env.update(WANDB_BASE_URL=server.url, WANDB_API_KEY=server.api_key)
    result = subprocess.run(
        [wandb_bin, "sync", *map(str, folders)],
        env=env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-2000:])
