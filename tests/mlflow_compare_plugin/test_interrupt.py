"""Ctrl-C (SIGINT) and SIGTERM during ``--log-report``: all or nothing, exit 130 / 143.

The real ``mlflow compare`` runs as its own process against the real ``mlflow server``, behind
a loopback proxy (ours, in this test) that forwards everything but holds the third artifact
upload: the comparison run then exists with two artifacts logged. The test sends the signal
while the upload hangs, and checks that the run is gone (deleted, or ended FAILED), that no
artifact of it is left, and that the exit code is the signal's, not 1 (the gate's).
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.timeout(240)


class HoldingProxy:
    """Forwards to ``upstream``; the ``hold_at``-th artifact upload is held, never forwarded."""

    def __init__(self, upstream: str, hold_at: int = 3) -> None:
        self.upstream = urlsplit(upstream)
        self.hold_at = hold_at
        self.uploads = 0
        self.held = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.command == "PUT" and "mlflow-artifacts/artifacts" in self.path:
                    with proxy.lock:
                        proxy.uploads += 1
                        hold = proxy.uploads == proxy.hold_at
                    if hold:
                        # An upload that never completes: the client is stopped meanwhile.
                        proxy.held.set()
                        proxy.release.wait(120)
                        self.send_response(503)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
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

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HoldingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(server_study: Any) -> Iterator[HoldingProxy]:
    with HoldingProxy(server_study.uri) as p:
        yield p


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"]
)
def test_signal_during_log_report_leaves_nothing_half_logged(
    server_study: Any, proxy: HoldingProxy, signum: int, code: int
) -> None:
    from mlflow import MlflowClient
    from mlflow.entities import ViewType

    report_experiment = f"interrupted-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "mlflow_compare_plugin",
            "--tracking-uri", proxy.url, "--experiment-name", server_study.experiment,
            "--metric", "val_loss:min", "--seed-key", "seed",
            "--log-report", "--report-experiment", report_experiment,
        ],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        while not proxy.held.wait(0.2):
            if proc.poll() is not None:
                pytest.fail(f"ended before the third upload: {proc.communicate()}")
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        proxy.release.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines and lines[-1].startswith("error: "), stderr
    assert "deleted" in lines[-1] and "artifacts removed" in lines[-1], stderr
    assert "Traceback" not in stderr and "Aborted!" not in stderr
    assert stdout == ""  # no comparison printed for an interrupted command

    client = MlflowClient(server_study.uri)
    experiment = client.get_experiment_by_name(report_experiment)
    assert experiment is not None  # the comparison run was made (then undone)
    runs = client.search_runs([experiment.experiment_id], run_view_type=ViewType.ALL)
    assert len(runs) == 1
    run = runs[0]
    assert run.info.lifecycle_stage == "deleted" or run.info.status == "FAILED"
    assert run.data.tags.get("compare.status") != "complete"
    assert "compare.winner" not in run.data.tags
    assert client.list_artifacts(run.info.run_id) == []
    # the two uploads before the held one did reach the store (so there was something to undo)
    assert proxy.uploads >= 3
    active = client.search_runs([experiment.experiment_id], run_view_type=ViewType.ACTIVE_ONLY)
    assert active == []
