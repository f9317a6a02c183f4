"""A URL answering HTML (a web app, a login page) instead of MLflow's API: one clear line.

A real HTTP server on 127.0.0.1 answers every request with a 200 or 404 web page; the real
``mlflow-compare`` process must say the URI is not an MLflow server, naming the endpoint only
when MLflow's message has one (a 200 page made it say "... with a web page to was").
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(params=[200, 404])
def html_server(request: pytest.FixtureRequest) -> Iterator[str]:
    status = request.param

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _page(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = b"<!DOCTYPE html><html><body>Welcome to the wiki</body></html>"
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _page

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_html_answer_is_one_clear_line(html_server: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mlflow_compare_plugin", "--tracking-uri", html_server,
         "--experiment-name", "x", "-m", "acc"],
        capture_output=True, text=True, timeout=200,
    )  # fmt: skip
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and "not an MLflow tracking server" in lines[0], done.stderr
    assert "with a web page" in lines[0] and "check --tracking-uri" in lines[0]
    # the endpoint is named only when there is one: never "to was"
    assert " to was" not in lines[0]
    if " page to " in lines[0]:
        assert " page to /api/" in lines[0], lines[0]
