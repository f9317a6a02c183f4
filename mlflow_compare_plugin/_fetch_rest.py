"""Histories from an MLflow tracking server over REST, fast and complete.

* ``GET /api/2.0/mlflow/metrics/get-history-bulk-interval``: up to 100 runs per request, one
  metric; the server returns every point of a run when it has at most ``max_results`` (2,500)
  points and evenly *samples* otherwise. Requests run concurrently on a thread pool.
* A run that comes back with exactly 2,500 points may have been sampled: its history is fetched
  again, whole, through the paged ``GET /api/2.0/mlflow/metrics/get-history``. Data used in
  statistics is never silently downsampled.

Requests go through MLflow's own ``http_request`` (so auth, TLS and proxy settings are the
client's), with retries and exponential backoff for a failing server; after the last retry the
error surfaces and the CLI maps it to ``TrackerUnreachable`` (exit 3).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from shared import History, TrackerUnreachable

__all__ = ["fetch_histories_rest", "BULK_RUNS", "BULK_POINTS"]

BULK_RUNS = 100  # the server's limit on run_ids per bulk-interval request
BULK_POINTS = 2500  # the server's limit on points per run; at this count the run may be sampled
PAGE_POINTS = 25000  # page size for the full paged history
_BULK = "/api/2.0/mlflow/metrics/get-history-bulk-interval"
_HISTORY = "/api/2.0/mlflow/metrics/get-history"


def _value(raw: Any) -> float:
    # Protobuf JSON writes NaN/Infinity as strings.
    return float(raw) if raw is not None else math.nan


def _to_history(points: list[dict[str, Any]]) -> History:
    points = sorted(points, key=lambda p: (int(p.get("step", 0)), int(p.get("timestamp", 0))))
    steps = np.fromiter((int(p.get("step", 0)) for p in points), np.int64, len(points))
    stamps = np.fromiter((int(p.get("timestamp", 0)) for p in points), np.float64, len(points))
    values = np.fromiter((_value(p.get("value")) for p in points), np.float64, len(points))
    values[values >= 1.7976931348623157e308] = np.inf  # how the SQL store keeps infinities
    values[values <= -1.7976931348623157e308] = -np.inf
    return History(steps=steps, values=values, timestamps=stamps / 1000.0)


class _Api:
    def __init__(self, host_creds: Any, retries: int, backoff: float) -> None:
        self.host_creds = host_creds
        self.retries = retries
        self.backoff = backoff

    def get(self, endpoint: str, params: list[tuple[str, Any]] | dict[str, Any]) -> dict:
        from mlflow.utils.rest_utils import http_request, verify_rest_response

        response = http_request(
            self.host_creds,
            endpoint,
            "GET",
            max_retries=self.retries,
            backoff_factor=self.backoff,
            backoff_jitter=0.2,
            params=params,
        )
        if response.status_code >= 500:
            raise TrackerUnreachable(
                f"MLflow server {self.host_creds.host} kept failing "
                f"(HTTP {response.status_code} on {endpoint}) after {self.retries} retries"
            )
        return verify_rest_response(response, endpoint).json()


def fetch_histories_rest(
    host_creds: Any,
    wanted: Iterable[tuple[str, str]],
    *,
    retries: int = 3,
    backoff: float = 1.0,
    workers: int = 8,
    on_progress: Callable[[int], None] | None = None,
) -> dict[tuple[str, str], History]:
    """Every point of each ``(run_id, metric_key)`` from an MLflow server.

    Args:
        host_creds: ``MlflowHostCreds`` of the server (``RestStore.get_host_creds()``).
        wanted: ``(run_id, metric_key)`` pairs.
        retries: retries per request for connection errors and 429/5xx answers.
        backoff: backoff factor in seconds (waits ``backoff * 2**k``).
        workers: concurrent requests.
        on_progress: called with the number of runs finished after each bulk request.

    Returns:
        ``{(run_id, key): History}``; pairs with no points are absent.

    Example:
        >>> # fetch_histories_rest(store.get_host_creds(), [(run_id, "val_loss")])
    """
    api = _Api(host_creds, retries, backoff)
    by_key: dict[str, list[str]] = {}
    for run_id, key in wanted:
        by_key.setdefault(key, []).append(run_id)
    jobs: list[tuple[str, list[str]]] = []
    for key, ids in by_key.items():
        unique = sorted(set(ids))
        # Enough requests to keep every worker (and the server's workers) busy, at most 100
        # runs each (the server's limit), at least 10 (fewer requests cost round trips).
        size = min(BULK_RUNS, max(10, math.ceil(len(unique) / max(1, workers))))
        jobs += [(key, unique[i : i + size]) for i in range(0, len(unique), size)]
    out: dict[tuple[str, str], History] = {}
    if not jobs:
        return out

    def bulk(job: tuple[str, list[str]]) -> tuple[str, dict[str, list[dict[str, Any]]]]:
        key, run_ids = job
        params = [("run_ids", r) for r in run_ids] + [
            ("metric_key", key),
            ("max_results", BULK_POINTS),
        ]
        body = api.get(_BULK, params)
        grouped: dict[str, list[dict[str, Any]]] = {r: [] for r in run_ids}
        for point in body.get("metrics", []):
            grouped.setdefault(point["run_id"], []).append(point)
        return key, grouped

    def paged(pair: tuple[str, str]) -> tuple[tuple[str, str], History]:
        run_id, key = pair
        points: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            params: dict[str, Any] = {
                "run_id": run_id,
                "metric_key": key,
                "max_results": PAGE_POINTS,
            }
            if token:
                params["page_token"] = token
            body = api.get(_HISTORY, params)
            points.extend(body.get("metrics", []))
            token = body.get("next_page_token")
            if not token:
                return pair, _to_history(points)

    long_runs: list[tuple[str, str]] = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for key, grouped in pool.map(bulk, jobs):
            for run_id, points in grouped.items():
                if len(points) >= BULK_POINTS:
                    long_runs.append((run_id, key))  # possibly sampled: fetch it whole
                elif points:
                    out[(run_id, key)] = _to_history(points)
            if on_progress is not None:
                on_progress(len(grouped))
        for pair, history in pool.map(paged, long_runs):
            if len(history):
                out[pair] = history
    return out
