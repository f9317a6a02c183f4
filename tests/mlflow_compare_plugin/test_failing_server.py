"""A tracking server that starts failing mid-fetch: retried with backoff, then exit 3.

The failure is real HTTP: a loopback proxy (ours, in this test) forwards every request to the
real ``mlflow server`` until the fetch reaches the metric histories, then answers 500.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest
from click.testing import CliRunner

from mlflow_compare_plugin.cli import compare

pytestmark = pytest.mark.timeout(180)


class FailingProxy:
    """Forwards to ``upstream``; paths containing any of ``fail_on`` get HTTP ``status``."""

    def __init__(self, upstream: str, fail_on: tuple[str, ...], status: int = 500) -> None:
        self.upstream = urlsplit(upstream)
        self.fail_on = fail_on
        self.status = status
        self.failed: list[str] = []
        self.forwarded: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if any(part in self.path for part in proxy.fail_on):
                    proxy.failed.append(self.path)
                    self.send_response(proxy.status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                proxy.forwarded.append(self.path)
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FailingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(server_study: Any) -> Iterator[FailingProxy]:
    with FailingProxy(server_study.uri, fail_on=("get-history",)) as p:
        yield p


def test_failing_mid_fetch_is_retried_then_exit_3(server_study: Any, proxy: FailingProxy) -> None:
    result = CliRunner().invoke(
        compare,
        [
            "--tracking-uri", proxy.url, "--experiment-name", server_study.experiment,
            "--metric", "val_loss:min", "--reduce", "min", "--retries", "2",
        ],
    )  # fmt: skip
    assert result.exit_code == 3, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "history" in lines[0]
    # the search went through
    assert any("runs/search" in path for path in proxy.forwarded)
    # every history request was tried 1 + 2 times, then we gave up
    assert proxy.failed and all(proxy.failed.count(path) == 3 for path in set(proxy.failed))
    assert result.stdout == ""  # no half-written output


def test_the_same_fetch_through_a_healthy_proxy_works(server_study: Any) -> None:
    """Control: the proxy itself is transparent, so the failure above is the 500s."""
    with FailingProxy(server_study.uri, fail_on=()) as healthy:
        result = CliRunner().invoke(
            compare,
            [
                "--tracking-uri", healthy.url, "--experiment-name", server_study.experiment,
                "--metric", "val_loss:min", "--reduce", "min", "--format", "json",
            ],
        )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert any("metrics/get-history-bulk?" in path for path in healthy.forwarded)


def test_server_without_the_bulk_endpoint_is_read_per_run(server_study: Any) -> None:
    """A server answering 404 on the UI's bulk endpoint: the public paged get-history instead."""
    from mlflow_compare_plugin.fetch import fetch_runs

    with FailingProxy(server_study.uri, fail_on=("get-history-bulk",), status=404) as old:
        runs = fetch_runs(
            old.url, experiment_names=[server_study.experiment], history_metrics=["val_loss"]
        )
    assert old.failed and any("metrics/get-history?" in path for path in old.forwarded)
    for run in runs:
        np.testing.assert_allclose(run.histories["val_loss"].values, server_study.val_loss[run.id])
