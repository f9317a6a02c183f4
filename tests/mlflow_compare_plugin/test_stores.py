"""Issue 13 items 3-6 and 10: what a comparison does to (and says about) tracking stores.

Real stores only: sqlite files written by the real ``MlflowClient``, the machine's PostgreSQL
(a database and a role that do not exist, an empty database), a loopback HTTP server that is
not MLflow, and a socket that accepts connections but never answers.
"""

from __future__ import annotations

import math
import os
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlflow_compare_plugin.cli import compare

pytestmark = pytest.mark.timeout(300)

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}


def _log_small_study(uri: str, infinite: bool = False) -> None:
    """Two learning rates x 5 seeds of ``acc``; with ``infinite`` one run logs +inf last."""
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    experiment = client.create_experiment("small")
    for lr in (0.1, 0.2):
        for seed in range(5):
            run = client.create_run(experiment, run_name=f"lr={lr} seed={seed}")
            run_id = run.info.run_id
            client.log_param(run_id, "lr", str(lr))
            client.log_param(run_id, "seed", str(seed))
            value = 0.5 + lr + 0.003 * seed
            client.log_metric(run_id, "acc", value, step=0)
            if infinite and (lr, seed) == (0.1, 0):
                value = math.inf
            client.log_metric(run_id, "acc", value, step=1)
            client.set_terminated(run_id)


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


# ------------------------------------------------------------------ item 3: infinite last value
def test_infinite_latest_metric_is_left_out_with_a_warning(tmp_path: Path) -> None:
    db = tmp_path / "mlflow.db"
    _log_small_study(f"sqlite:///{db}", infinite=True)
    # MLflow's SQL store keeps the infinity as the largest float:
    stored = sqlite3.connect(db).execute("SELECT max(value) FROM latest_metrics").fetchone()[0]
    assert stored == sys.float_info.max
    result = CliRunner().invoke(
        compare,
        ["--tracking-uri", f"sqlite:///{db}", "--experiment-name", "small", "-m", "acc",
         "--seed-key", "seed", "--reduce", "last", "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "Overflow" not in result.stderr and "RuntimeWarning" not in result.stderr
    import json

    data = json.loads(result.stdout)
    counts = sorted(c["n"] for c in data["configs"])
    assert counts == [4, 5]  # the infinite run is not a number in any test
    assert all(math.isfinite(v) for c in data["configs"] for v in c["values"] if v is not None)
    assert any("non-finite" in w and "lr=0.1 seed=0" in w for w in data["warnings"])


# ------------------------------------------------------------------ item 4: PostgreSQL refuses
def _pg(database: str | None = None, user: str | None = None) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(os.environ.get("TRACKER_COMPARE_PG_URL", PG_DEFAULT))
    if database:
        url = url.set(database=database)
    if user:
        url = url.set(username=user, password=None)
    return url.render_as_string(hide_password=False)


@pytest.mark.parametrize("missing", ["database", "role"])
def test_postgres_missing_database_or_role_is_exit_2_at_once(missing: str) -> None:
    name = f"tc_missing_{uuid.uuid4().hex[:8]}"
    uri = _pg(database=name) if missing == "database" else _pg(user=name)
    started = time.monotonic()
    result = CliRunner().invoke(
        compare, ["--tracking-uri", uri, "--experiment-name", "x", "-m", "acc"]
    )
    elapsed = time.monotonic() - started
    assert result.exit_code == 2, result.stderr
    lines = _lines(result.stderr)
    assert len(lines) == 1, result.stderr
    assert f'{missing} "{name}" does not exist' in lines[0]  # the server's own words
    assert "the server said" in lines[0]
    assert elapsed < 10  # no retries: MLflow's own take ~15 s, ours with backoff ~4 s


def test_empty_postgres_database_is_not_made_a_store() -> None:
    import psycopg2
    import sqlalchemy as sa

    name = f"tc_empty_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(_pg())
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        result = CliRunner().invoke(
            compare, ["--tracking-uri", _pg(database=name), "--experiment-name", "x", "-m", "acc"]
        )
        assert result.exit_code == 2, result.stderr
        assert "not an MLflow tracking store" in result.stderr
        engine = sa.create_engine(_pg(database=name))
        try:
            with engine.connect() as connection:
                assert sa.inspect(connection).get_table_names() == []  # still empty
        finally:
            engine.dispose()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


# ------------------------------------------------------------------ item 5: never create a store
def test_sqlite_in_a_missing_folder_is_not_created(tmp_path: Path) -> None:
    db = tmp_path / "no" / "such" / "mlflow.db"
    result = CliRunner().invoke(
        compare, ["--tracking-uri", f"sqlite:///{db}", "--experiment-name", "x", "-m", "acc"]
    )
    assert result.exit_code == 2, result.stderr
    lines = _lines(result.stderr)
    assert len(lines) == 1 and str(db) in lines[0] and "does not exist" in lines[0]
    assert list(tmp_path.iterdir()) == []  # no folder, no database


def test_sqlite_file_that_is_not_a_store_is_left_alone(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()  # a real, empty sqlite database
    before = empty.read_bytes()
    result = CliRunner().invoke(
        compare, ["--tracking-uri", f"sqlite:///{empty}", "--experiment-name", "x", "-m", "acc"]
    )
    assert result.exit_code == 2 and "not an MLflow tracking store" in result.stderr
    assert empty.read_bytes() == before  # MLflow's tables were not added


def test_no_uri_does_not_create_mlflow_db_in_the_working_folder(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "mlflow_compare_plugin", "--experiment-name", "x", "-m", "acc"],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert completed.returncode == 2, completed.stderr
    lines = _lines(completed.stderr)
    assert len(lines) == 1, completed.stderr
    assert str(tmp_path / "mlflow.db") in lines[0] and "MLFLOW_TRACKING_URI" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_log_report_creates_only_what_it_logs_into(tmp_path: Path) -> None:
    from mlflow import MlflowClient

    db = tmp_path / "mlflow.db"
    _log_small_study(f"sqlite:///{db}")
    before = {e.name for e in MlflowClient(f"sqlite:///{db}").search_experiments()}
    result = CliRunner().invoke(
        compare,
        ["--tracking-uri", f"sqlite:///{db}", "--experiment-name", "small", "-m", "acc",
         "--seed-key", "seed", "--log-report", "--report-experiment", "comparisons"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    after = {e.name for e in MlflowClient(f"sqlite:///{db}").search_experiments()}
    assert after - before == {"comparisons"}
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "mlruns") == ["mlflow.db"]


# ------------------------------------------------------------------ item 6: quiet unless -v
def test_read_only_store_with_log_report_is_one_line_unless_verbose(tmp_path: Path) -> None:
    db = tmp_path / "mlflow.db"
    _log_small_study(f"sqlite:///{db}")
    read_only = f"sqlite:///file:{db}?mode=ro&uri=true"
    args = ["--tracking-uri", read_only, "--experiment-name", "small", "-m", "acc",
            "--seed-key", "seed", "--log-report"]  # fmt: skip
    # cwd: MLflow derives a local artifact folder ("file:...") from this URI; keep it in tmp
    quiet = subprocess.run(
        [sys.executable, "-m", "mlflow_compare_plugin", *args],
        env=_env(), capture_output=True, text=True, timeout=240, cwd=tmp_path,
    )  # fmt: skip
    assert quiet.returncode == 2, quiet.stderr
    lines = _lines(quiet.stderr)
    assert len(lines) == 1 and "readonly database" in lines[0], quiet.stderr
    loud = subprocess.run(
        [sys.executable, "-m", "mlflow_compare_plugin", *args, "-v"],
        env=_env(), capture_output=True, text=True, timeout=240, cwd=tmp_path,
    )  # fmt: skip
    assert loud.returncode == 2
    assert "ERROR mlflow" in loud.stderr and len(_lines(loud.stderr)) > 10


# ------------------------------------------------------------------ item 10: servers
def test_a_web_server_that_is_not_mlflow(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<html><body><h1>Hello</h1></body></html>")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        result = CliRunner().invoke(
            compare,
            ["--tracking-uri", f"http://127.0.0.1:{port}", "--experiment-name", "x", "-m", "acc"],
        )
    finally:
        server.terminate()
        server.wait(10)
    assert result.exit_code == 2, result.stderr
    lines = _lines(result.stderr)
    assert len(lines) == 1 and "not an MLflow tracking server" in lines[0], result.stderr
    assert "<" not in lines[0]  # no HTML body


def test_silent_server_with_no_retries_is_bounded_by_the_timeout() -> None:
    # Accepts connections (the kernel's backlog) but never answers a byte.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        port = silent.getsockname()[1]
        started = time.monotonic()
        result = CliRunner().invoke(
            compare,
            ["--tracking-uri", f"http://127.0.0.1:{port}", "--experiment-name", "x", "-m", "acc",
             "--retries", "0", "--timeout", "2"],
        )  # fmt: skip
        elapsed = time.monotonic() - started
    assert result.exit_code == 3, result.stderr
    assert len(_lines(result.stderr)) == 1 and "timed out" in result.stderr
    assert elapsed < 15  # MLflow's own default would wait 120 s


def test_folder_store_hint_is_shown_whole(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        compare, ["--tracking-uri", str(tmp_path), "--experiment-name", "x", "-m", "acc"]
    )
    assert result.exit_code == 2, result.stderr
    lines = _lines(result.stderr)
    assert len(lines) == 1 and "MLFLOW_ALLOW_FILE_STORE" in lines[0], result.stderr
    assert not lines[0].endswith("...")
