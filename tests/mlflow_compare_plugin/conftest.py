"""Real MLflow back ends for the adapter's tests: a server, sqlite stores and PostgreSQL.

* ``mlflow_server``: a real ``mlflow server`` on 127.0.0.1 (free port, sqlite backend,
  temporary artifact root), shared by the session; polled until it answers, killed at the end.
* ``pg_url``: a fresh PostgreSQL database on the machine's server (``TRACKER_COMPARE_PG_URL``,
  default ``postgresql://postgres@127.0.0.1:5432/postgres``), dropped at the end.
* ``populated``: one store per back end (sqlite, postgres, server) filled once per session by
  logging through the real ``MlflowClient``; see ``log_study`` for the data.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

MLFLOW_BIN = str(Path(sys.executable).parent / "mlflow")
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 300.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process serving {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@contextlib.contextmanager
def running_mlflow_server(root: Path, *, artifacts: Path | None = None) -> Iterator[str]:
    """Start ``mlflow server`` with a sqlite backend under ``root``; yield its URL."""
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = open(root / "server.log", "wb")  # noqa: SIM115 - closed below
    env = {**os.environ, "MLFLOW_TRACKING_URI": "", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            MLFLOW_BIN, "server",
            "--host", "127.0.0.1",
            "--port", str(port),
            "--workers", "1",
            "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}",
            "--artifacts-destination", str(artifacts or root / "artifacts"),
        ],
        cwd=root, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/health", proc=proc)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
        log.close()


@pytest.fixture(scope="session")
def port_factory():
    """A function returning a free loopback TCP port."""
    return free_port


@pytest.fixture(scope="session")
def server_factory():
    """``running_mlflow_server(root, artifacts=None)``: a context manager for an extra server."""
    return running_mlflow_server


@pytest.fixture(scope="session")
def _server_and_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    root = tmp_path_factory.mktemp("mlflow-server")
    with running_mlflow_server(root) as url:
        yield url, f"sqlite:///{root / 'mlflow.db'}"


@pytest.fixture(scope="session")
def mlflow_server(_server_and_db: tuple[str, str]) -> str:
    """URL of a real ``mlflow server`` on 127.0.0.1 (sqlite backend), shared by the session."""
    return _server_and_db[0]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    import psycopg2
    from sqlalchemy.engine import make_url

    admin_url = make_url(os.environ.get("TRACKER_COMPARE_PG_URL", PG_DEFAULT))
    name = f"tc_mlflow_{os.getpid()}_{uuid.uuid4().hex[:8]}"

    def admin():
        conn = psycopg2.connect(
            host=admin_url.host, port=admin_url.port or 5432, user=admin_url.username,
            password=admin_url.password, dbname=admin_url.database or "postgres",
        )  # fmt: skip
        conn.autocommit = True
        return conn

    conn = admin()
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    yield admin_url.set(database=name, drivername="postgresql").render_as_string(
        hide_password=False
    )
    conn = admin()
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


# --------------------------------------------------------------------------- the data
LRS = (0.001, 0.01, 0.1)
SEEDS = (0, 1, 2, 3, 4)
STEPS = 30
# lr=0.01 is clearly best; lr=0.001 and 0.1 differ by little (seed noise decides nothing).
ACC = {0.001: 0.80, 0.01: 0.90, 0.1: 0.805}


@dataclass(frozen=True)
class Study:
    """What ``log_study`` wrote, so tests can check the fetch against it."""

    uri: str
    experiment: str
    experiment_id: str
    other_experiment: str
    single: str
    partial: str
    run_ids: dict[tuple[float, int], str]
    acc: dict[str, float]
    val_loss: dict[str, np.ndarray]
    lrs: tuple[float, ...] = LRS
    seeds: tuple[int, ...] = SEEDS
    steps: int = STEPS


def _curve(lr: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed * 1000 + int(lr * 1e4))
    floor = 1.0 - ACC[lr]
    return floor + np.exp(-np.arange(STEPS) / 6.0) + rng.normal(0, 0.002, STEPS)


def log_study(uri: str, tag: str, artifact_root: Path | None = None) -> Study:
    """Log 3 configurations x 5 seeds (histories of val_loss, tokens; last acc) and extras."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    client = MlflowClient(uri)

    def experiment(name: str) -> str:
        location = None if artifact_root is None else str(artifact_root / name)
        return client.create_experiment(name, artifact_location=location)

    main = experiment(f"lora-{tag}")
    t0 = 1_700_000_000_000

    def log_one(lr: float, seed: int) -> tuple[float, int, str, float, np.ndarray]:
        run = client.create_run(main, run_name=f"lr={lr} seed={seed}", start_time=t0)
        run_id = run.info.run_id
        curve = _curve(lr, seed)
        a = ACC[lr] + float(np.random.default_rng([seed, int(lr * 1e4)]).normal(0, 0.004))
        metrics = [Metric("val_loss", float(v), t0 + 1000 * s, s) for s, v in enumerate(curve)]
        metrics += [Metric("tokens", float(512 * (s + 1)), t0 + 1000 * s, s) for s in range(STEPS)]
        metrics.append(Metric("acc", a, t0 + 1000 * STEPS, STEPS))
        params = [Param("lr", str(lr)), Param("seed", str(seed)), Param("optimizer", "adam")]
        client.log_batch(run_id, metrics=metrics, params=params)
        client.set_terminated(run_id, end_time=t0 + 1000 * STEPS)
        return lr, seed, run_id, a, curve

    run_ids: dict[tuple[float, int], str] = {}
    acc: dict[str, float] = {}
    val_loss: dict[str, np.ndarray] = {}
    # Concurrent logging: a tracking server answers ~100 ms per request on this machine.
    with ThreadPoolExecutor(6) as pool, contextlib.redirect_stdout(sys.stderr):
        jobs = [(lr, seed) for lr in LRS for seed in SEEDS]
        for lr, seed, run_id, a, curve in pool.map(lambda job: log_one(*job), jobs):
            run_ids[(lr, seed)] = run_id
            acc[run_id] = a
            val_loss[run_id] = curve

    def log_extra(experiment_id: str, name: str | None, metrics: list, params: dict) -> None:
        run = client.create_run(experiment_id, run_name=name)
        client.log_batch(
            run.info.run_id, metrics=metrics, params=[Param(k, v) for k, v in params.items()]
        )
        client.set_terminated(run.info.run_id)

    other = experiment(f"lora-{tag}-more")
    single = experiment(f"single-{tag}")
    partial = experiment(f"partial-{tag}")
    extras = []
    for seed in SEEDS:
        extras.append(
            (
                other,
                f"lr=0.3 seed={seed}",
                [Metric("acc", 0.5 + 0.001 * seed, t0, 0), Metric("val_loss", 2.0, t0, 0)],
                {"lr": "0.3", "seed": str(seed), "optimizer": "adam"},
            )
        )
        extras.append(
            (
                single,
                None,
                [Metric("acc", 0.7 + 0.01 * seed, t0, 0)],
                {"lr": "0.1", "seed": str(seed)},
            )
        )
    for lr in (0.1, 0.01):
        for seed in (0, 1, 2):
            acc_metric = [] if (lr, seed) == (0.1, 2) else [Metric("acc", 0.6 + lr, t0, 0)]
            extras.append(
                (
                    partial,
                    f"p lr={lr} seed={seed}",
                    acc_metric + [Metric("loss", 1.0, t0, 0)],
                    {"lr": str(lr), "seed": str(seed)},
                )
            )
    with ThreadPoolExecutor(6) as pool, contextlib.redirect_stdout(sys.stderr):
        list(pool.map(lambda job: log_extra(*job), extras))
    return Study(
        uri=uri,
        experiment=f"lora-{tag}",
        experiment_id=main,
        other_experiment=f"lora-{tag}-more",
        single=f"single-{tag}",
        partial=f"partial-{tag}",
        run_ids=run_ids,
        acc=acc,
        val_loss=val_loss,
    )


@pytest.fixture(scope="session")
def sqlite_study(tmp_path_factory: pytest.TempPathFactory) -> Study:
    root = tmp_path_factory.mktemp("sqlite-store")
    return log_study(f"sqlite:///{root / 'mlflow.db'}", "sqlite", artifact_root=root / "art")


@pytest.fixture(scope="session")
def pg_study(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Study:
    root = tmp_path_factory.mktemp("pg-artifacts")
    return log_study(pg_url, "pg", artifact_root=root)


@pytest.fixture(scope="session")
def server_study(
    _server_and_db: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Study:
    """The study, read through the server. It is logged with the real client straight into the
    server's own sqlite database (the same rows the server would write, ~10x faster than
    ~100 logging requests to a server on a 2-core machine)."""
    url, db_uri = _server_and_db
    study = log_study(db_uri, "server", artifact_root=tmp_path_factory.mktemp("server-art"))
    return dataclasses.replace(study, uri=url)


@pytest.fixture(params=["sqlite", "postgres", "server"])
def study(request: pytest.FixtureRequest) -> Study:
    """The same study on each back end."""
    name = {"sqlite": "sqlite_study", "postgres": "pg_study", "server": "server_study"}
    return request.getfixturevalue(name[request.param])
