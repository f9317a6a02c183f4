"""Histories from an MLflow tracking server over REST, fast and complete.

Where the time goes (100,000 points, local ``mlflow server`` on sqlite, py-spy): ~90% is the
server's per-point Python work (SQLAlchemy ORM rows, entities, JSON), ~21-26 us of CPU per
point on the cheapest endpoint; the client only parses JSON (~2 us per point). So we pick the
endpoint with the least server work per point and keep the server's processes busy on every
core; the wall time cannot go below the server's CPU time divided by its cores.

* ``GET /ajax-api/2.0/mlflow/metrics/get-history-bulk`` (the UI's bulk endpoint): complete,
  unsampled histories of up to 100 runs for one metric, ordered by run id, with at most
  ``max_results`` (25,000) points in the whole answer. It is the cheapest for the server (one
  query, plain ``json.dumps``); ``get-history`` costs ~1.5x per point (protobuf JSON, one
  request per run), ``get-history-bulk-interval`` ~1.2x (a window query per run, protobuf
  JSON, and it samples runs above 2,500 points).
* An answer holding ``max_results`` points may have been cut: the runs before its last run
  are whole (each run's points are contiguous); the last run and the runs not reached are
  asked again. A run that alone fills an answer (>= 25,000 points) is read through the paged
  ``GET /api/2.0/mlflow/metrics/get-history``. Data used in statistics is never silently
  downsampled.
* A server without the bulk endpoint (HTTP 404) is read through paged ``get-history``.

Requests go through MLflow's own ``http_request`` (so auth, TLS and proxy settings are the
client's), with retries and exponential backoff for a failing server; after the last retry the
error surfaces and the CLI maps it to ``TrackerUnreachable`` (exit 3).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from functools import partial
from typing import Any

import numpy as np

from shared import History, TrackerUnreachable

__all__ = ["fetch_histories_rest", "BULK_RUNS", "BULK_POINTS"]

BULK_RUNS = 100  # the server's limit on run_ids per get-history-bulk request
BULK_POINTS = 25000  # the server's cap on points per get-history-bulk answer (all runs)
PAGE_POINTS = 25000  # page size for the paged get-history
_BULK = "/ajax-api/2.0/mlflow/metrics/get-history-bulk"
_HISTORY = "/api/2.0/mlflow/metrics/get-history"
_MAX_FLOAT = np.finfo(np.float64).max  # how the SQL store keeps infinities

Pair = tuple[str, str]
# A task returns the histories it read, its follow-up tasks and how many pairs it settled.
Result = tuple[dict[Pair, History], list[Callable[[], Any]], int]


def _to_history(steps: list, stamps: list, values: list) -> History:
    steps_a = np.array(steps, np.int64)
    stamps_a = np.array(stamps, np.float64)
    # float64 also parses protobuf JSON's "NaN"/"Infinity" strings; None would be a bug.
    values_a = np.array(values, np.float64)
    values_a[values_a >= _MAX_FLOAT] = np.inf
    values_a[values_a <= -_MAX_FLOAT] = -np.inf
    order = np.lexsort((stamps_a, steps_a))  # by step, then time
    return History(steps=steps_a[order], values=values_a[order], timestamps=stamps_a[order] / 1e3)


class _Api:
    def __init__(self, host_creds: Any, retries: int, backoff: float) -> None:
        self.host_creds = host_creds
        self.retries = retries
        self.backoff = backoff

    def get(self, endpoint: str, params: list[tuple[str, Any]]) -> dict | None:
        """The JSON answer, or ``None`` when the server has no such endpoint (404)."""
        from mlflow.utils.rest_utils import http_request, verify_rest_response

        response = http_request(
            self.host_creds,
            endpoint,
            "GET",
            max_retries=self.retries,
            backoff_factor=self.backoff,
            backoff_jitter=0.2,
            # A new connection per request: the server's worker processes share one listening
            # socket and a kept-alive connection stays with the process that accepted it, so
            # two of ours could end up sharing one process (and its GIL) while a core idles. A
            # new connection is taken by an idle process (a busy one is slower to wake), which
            # spreads the requests over the cores; connecting costs little next to the answer.
            extra_headers={"Connection": "close"},
            params=params,
        )
        if response.status_code >= 500:
            raise TrackerUnreachable(
                f"MLflow server {self.host_creds.host} kept failing "
                f"(HTTP {response.status_code} on {endpoint}) after {self.retries} retries"
            )
        if response.status_code == 404 and endpoint == _BULK:
            return None
        return verify_rest_response(response, endpoint).json()


def fetch_histories_rest(
    host_creds: Any,
    wanted: Iterable[Pair],
    *,
    retries: int = 3,
    backoff: float = 1.0,
    workers: int = 4,
    bulk_points: int = BULK_POINTS,
    page_points: int = PAGE_POINTS,
    runs_per_request: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> dict[Pair, History]:
    """Every point of each ``(run_id, metric_key)`` from an MLflow server.

    Args:
        host_creds: ``MlflowHostCreds`` of the server (``RestStore.get_host_creds()``).
        wanted: ``(run_id, metric_key)`` pairs.
        retries: retries per request for connection errors and 429/5xx answers.
        backoff: backoff factor in seconds (waits ``backoff * 2**k``).
        workers: concurrent requests; the default matches ``mlflow server``'s 4 worker
            processes (more only queue up in the server and add contention).
        bulk_points: ``max_results`` per bulk request (at most the server's 25,000); an answer
            this long may have been cut and its tail is asked again.
        page_points: page size of the paged ``get-history``.
        runs_per_request: runs per bulk request; by default about 4 requests per worker.
        on_progress: called with the number of pairs finished after each request.

    Returns:
        ``{(run_id, key): History}``; pairs with no points are absent.

    Example:
        >>> # fetch_histories_rest(store.get_host_creds(), [(run_id, "val_loss")])
    """
    api = _Api(host_creds, retries, backoff)
    by_key: dict[str, list[str]] = {}
    for run_id, key in wanted:
        by_key.setdefault(key, []).append(run_id)
    total = sum(len(set(ids)) for ids in by_key.values())
    # ~4 requests per worker: small enough that no worker idles long at the end, large enough
    # that the per-request cost (~5 ms of server CPU) stays small; at most the server's 100.
    size = runs_per_request or math.ceil(total / (4 * max(1, workers)))
    size = min(BULK_RUNS, max(1, size))

    def paged(pair: Pair) -> Result:
        run_id, key = pair
        steps: list[int] = []
        stamps: list[int] = []
        values: list[Any] = []
        offset: str | None = None
        while True:
            params = [("run_id", run_id), ("metric_key", key), ("max_results", page_points)]
            body = api.get(_HISTORY, params + ([("page_token", offset)] if offset else []))
            for point in (body or {}).get("metrics", []):
                steps.append(int(point.get("step", 0)))
                stamps.append(int(point.get("timestamp", 0)))
                values.append(point.get("value", math.nan))
            offset = (body or {}).get("next_page_token")
            if not offset:
                return ({pair: _to_history(steps, stamps, values)} if steps else {}), [], 1

    def bulk(key: str, run_ids: list[str]) -> Result:
        params = [("run_id", r) for r in run_ids]
        body = api.get(_BULK, [*params, ("metric_key", key), ("max_results", bulk_points)])
        if body is None:  # no bulk endpoint on this server
            return {}, [partial(paged, (r, key)) for r in run_ids], 0
        points = body.get("metrics", [])
        grouped: dict[str, list[dict[str, Any]]] = {}
        for point in points:
            grouped.setdefault(point["run_id"], []).append(point)
        done = {
            (run_id, key): _to_history(
                [p["step"] for p in run_points],
                [p["timestamp"] for p in run_points],
                [p["value"] for p in run_points],
            )
            for run_id, run_points in grouped.items()
        }
        more: list[Callable[[], Any]] = []
        left = 0  # pairs passed on to follow-up tasks
        if len(points) >= bulk_points:
            # Maybe cut. The server orders by run id, so only the last run can be partial; it
            # and the runs not reached are asked again.
            last = points[-1]["run_id"]
            del done[(last, key)]
            rest = [r for r in run_ids if (r, key) not in done and r != last]
            if len(grouped) == 1:  # one run fills a whole answer: page through it alone
                more.append(partial(paged, (last, key)))
            else:
                rest.insert(0, last)
            if rest:
                more.append(partial(bulk, key, rest))
            left = len(rest) + (len(grouped) == 1)
        return done, more, len(run_ids) - left

    tasks: list[Callable[[], Any]] = []
    for key, ids in by_key.items():
        unique = sorted(set(ids))
        tasks += [partial(bulk, key, unique[i : i + size]) for i in range(0, len(unique), size)]
    out: dict[Pair, History] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        pending = {pool.submit(task) for task in tasks}
        while pending:
            ready, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in ready:
                done, more, settled = future.result()
                out.update((pair, h) for pair, h in done.items() if len(h))
                pending |= {pool.submit(task) for task in more}
                if on_progress is not None and settled:
                    on_progress(settled)
    return out
