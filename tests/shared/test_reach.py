"""One "tracker unreachable" classifier for every caller, over five real kinds of error.

Each error is made by the real HTTP client both trackers use (requests) against real sockets
on 127.0.0.1: a closed port (connection refused), a host name that cannot resolve (DNS), a
server that accepts and never answers (timeout), a server answering 503 (a failing tracker)
and one answering a web page where JSON was expected (a wrong URL: bad input, not
unreachable). ``handle_errors``' classifier and the Optuna callbacks' ``LoggingGuard`` must
give the same answer, the expected one.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from shared.cli import is_connection_problem
from shared.retry import unreachable

pytestmark = pytest.mark.timeout(120)


def _serve(status: int, body: bytes, kind: str) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/api/2.0/mlflow/experiments/get"


@pytest.fixture
def error_of() -> Iterator[Callable[[str], BaseException]]:
    servers: list[Any] = []

    def make(kind: str) -> BaseException:
        try:
            if kind == "refused":
                with socket.socket() as probe:  # a port nobody listens on
                    probe.bind(("127.0.0.1", 0))
                    port = probe.getsockname()[1]
                requests.get(f"http://127.0.0.1:{port}/", timeout=5)
            elif kind == "dns":
                requests.get("http://tracker.invalid/api", timeout=5)
            elif kind == "timeout":
                silent = socket.socket()
                silent.bind(("127.0.0.1", 0))
                silent.listen(1)  # accepts into its backlog, never answers
                servers.append(silent)
                requests.get(f"http://127.0.0.1:{silent.getsockname()[1]}/", timeout=0.5)
            elif kind == "http-503":
                server, url = _serve(503, b'{"error": "unavailable"}', "application/json")
                servers.append(server)
                requests.get(url, timeout=5).raise_for_status()
            elif kind == "html":
                server, url = _serve(200, b"<!DOCTYPE html><html>Wiki</html>", "text/html")
                servers.append(server)
                requests.get(url, timeout=5).json()
        except Exception as error:  # noqa: BLE001 (the error is what the test is about)
            return error
        raise AssertionError(f"{kind}: no error")

    yield make
    for server in servers:
        if isinstance(server, socket.socket):
            server.close()
        else:
            server.shutdown()
            server.server_close()


@pytest.mark.parametrize(("kind", "expected"), [
    ("refused", True), ("dns", True), ("timeout", True), ("http-503", True), ("html", False),
])
def test_both_callers_classify_alike(error_of: Callable[[str], BaseException], kind: str,
                                     expected: bool) -> None:
    error = error_of(kind)
    assert is_connection_problem(error) is expected, repr(error)
    assert unreachable(error) is expected, repr(error)
    # wrapped by a tracker's own exception (MLflow's and W&B's wrappers chain the cause)
    try:
        raise RuntimeError("API request failed") from error
    except RuntimeError as wrapped:
        assert is_connection_problem(wrapped) is expected
        assert unreachable(wrapped) is expected
