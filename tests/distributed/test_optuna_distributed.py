"""Distributed tuning: 4 worker processes, one Optuna study on PostgreSQL, one MLflow server.

Real components only: the machine's PostgreSQL (a fresh database per test, dropped afterwards;
``TRACKER_COMPARE_PG_URL`` overrides ``postgresql://postgres@127.0.0.1:5432/postgres``) holds
the Optuna RDB storage and the MLflow server's backend store; ``mlflow server`` runs on
127.0.0.1. One worker is killed mid-trial; heartbeats fail its trial and
``RetryFailedTrialCallback`` retries it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import optuna
import psycopg2
import pytest
from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient
from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID
from optuna.trial import TrialState

from mlflow_compare_plugin.optuna import PARENT_ATTR_PREFIX, STUDY_RUN_TAG, TRIAL_ID_TAG

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("_worker.py")
PG_URL = os.environ.get("TRACKER_COMPARE_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _with_database(url: str, name: str) -> str:
    """The SQLAlchemy URL of database ``name`` on the server of ``url`` (driver psycopg2)."""
    parts = urlsplit(url)
    scheme = "postgresql+psycopg2" if parts.scheme in ("postgres", "postgresql") else parts.scheme
    return urlunsplit(parts._replace(scheme=scheme, path=f"/{name}"))


@pytest.fixture
def pg_database() -> Iterator[Callable[[str], str]]:
    """Creates fresh databases on the real PostgreSQL; drops them afterwards."""
    try:
        admin = psycopg2.connect(PG_URL.replace("postgresql+psycopg2://", "postgresql://"))
    except psycopg2.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_URL} ({str(error).strip()}): start it "
            "(Debian: pg_ctlcluster 15 main start) or set TRACKER_COMPARE_PG_URL",
            pytrace=False,
        )
    admin.autocommit = True
    created: list[str] = []

    def create(prefix: str) -> str:
        name = f"tc_{prefix}_{uuid.uuid4().hex[:10]}"
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return _with_database(PG_URL, name)

    yield create
    with admin.cursor() as cur:
        for name in created:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mlflow_server(pg_database, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    log = open(tmp_path / "mlflow-server.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("mlflow")), "server",
            "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
            "--backend-store-uri", pg_database("mlflow"),
            "--default-artifact-root", str(tmp_path / "artifacts"),
        ],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((tmp_path / "mlflow-server.log").read_text()[-2000:])
            time.sleep(0.3)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_four_workers_one_parent_killed_worker_retried(
    pg_database, mlflow_server: str, tmp_path: Path
) -> None:
    storage_url = pg_database("optuna")
    study_name = f"dist-{uuid.uuid4().hex[:8]}"
    optuna.create_study(study_name=study_name, storage=storage_url)
    marker = tmp_path / "victim-started"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2"}

    def start(*extra: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, str(WORKER), storage_url, study_name, mlflow_server, "40", *extra],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip

    victim = start("--victim", str(marker))
    workers = [start() for _ in range(3)]
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert victim.poll() is None, victim.stdout.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the victim never started a trial"
            time.sleep(0.1)
        victim.kill()  # SIGKILL mid-trial: no callback, no clean-up, like a lost machine
        victim.wait(timeout=30)
        for worker in workers:
            out, _ = worker.communicate(timeout=200)
            assert worker.returncode == 0, out.decode()[-3000:]
    finally:
        for proc in [victim, *workers]:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    study = optuna.load_study(study_name=study_name, storage=storage_url)
    assert optuna.get_all_study_names(storage_url) == [study_name]  # no lock study left
    trials = study.get_trials(deepcopy=False)
    killed_number = int(marker.read_text())
    states = Counter(t.state for t in trials)
    assert states[TrialState.FAIL] == 1
    assert states[TrialState.COMPLETE] >= 40
    assert set(states) <= {TrialState.COMPLETE, TrialState.FAIL}  # nothing left RUNNING
    killed = study.trials[killed_number]
    assert killed.state == TrialState.FAIL
    retries = [t for t in trials if t.system_attrs.get("failed_trial") == killed_number]
    assert len(retries) == 1 and retries[0].state == TrialState.COMPLETE
    assert retries[0].params == killed.params

    client = MlflowClient(mlflow_server)
    experiment = client.get_experiment_by_name(study_name)
    # ALL: deleted runs too, so a duplicate study run created and then removed would show.
    runs = client.search_runs(
        [experiment.experiment_id], max_results=5000, run_view_type=ViewType.ALL
    )
    study_runs = [r for r in runs if r.data.tags.get(STUDY_RUN_TAG) == "true"]
    assert len(study_runs) == 1  # four workers raced to create it; exactly one did
    parent = study_runs[0].info.run_id
    stored = study._storage.get_study_system_attrs(study._study_id)[
        f"{PARENT_ATTR_PREFIX}:{experiment.experiment_id}"
    ]
    assert stored == parent
    children = [r for r in runs if r.info.run_id != parent]
    assert all(r.info.lifecycle_stage == "active" for r in runs)
    assert Counter(r.data.tags.get(MLFLOW_PARENT_RUN_ID) for r in children) == {
        parent: len(children)
    }
    by_trial = Counter(r.data.tags[TRIAL_ID_TAG] for r in children)
    # Every trial in the storage has exactly one run: no duplicates, nothing lost.
    assert by_trial == Counter(str(t._trial_id) for t in trials)
    run_of = {r.data.tags[TRIAL_ID_TAG]: r for r in children}
    assert run_of[str(killed._trial_id)].info.status == "FAILED"
    assert (
        run_of[str(retries[0]._trial_id)].info.run_id != run_of[str(killed._trial_id)].info.run_id
    )
    for trial in trials:
        if trial.state == TrialState.COMPLETE:
            run = run_of[str(trial._trial_id)]
            assert run.info.status == "FINISHED"
            assert run.data.metrics["value"] == trial.value
            assert run.data.metrics["inside"] == trial.params["x"]
            history = client.get_metric_history(run.info.run_id, "value")
            assert [m.step for m in history] == [0, 1, 2, 2]
