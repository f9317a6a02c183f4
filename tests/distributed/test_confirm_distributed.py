"""Distributed confirm: 4 workers on a fresh PostgreSQL database and a real MLflow server.

One worker is SIGKILLed mid-item (a lost machine): its item is retried elsewhere once its
heartbeats stop. Afterwards every (configuration, seed) ran to completion exactly once, the
experiment has one parent and one active run per item, the killed attempt's run is deleted,
and the decision was recorded once (one finished look per round, one published parent).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import optuna
import pytest
from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient
from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID
from optuna.trial import TrialState

from tests.distributed.test_optuna_distributed import mlflow_server, pg_database  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("_confirm_worker.py")


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_four_confirm_workers_one_killed(pg_database, mlflow_server: str,  # noqa: F811
                                         tmp_path: Path) -> None:
    storage = pg_database("confirm")
    name = f"confirm-dist-{uuid.uuid4().hex[:8]}"
    marker = tmp_path / "victim-started"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "2"}

    def start(*extra: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, str(WORKER), storage, mlflow_server, name, *extra],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    victim = start("--victim", str(marker))
    workers: list[subprocess.Popen] = []
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert victim.poll() is None, victim.stdout.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the victim never started an item"
            time.sleep(0.1)
        workers = [start() for _ in range(3)]
        time.sleep(1.0)  # the others are working: the victim dies mid-item
        victim.kill()
        victim.wait(timeout=30)
        outputs = []
        for worker in workers:
            out, _ = worker.communicate(timeout=300)
            assert worker.returncode == 0, out.decode()[-3000:]
            outputs.append(json.loads(out.decode().strip().splitlines()[-1]))
    finally:
        for proc in [victim, *workers]:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    # every worker returns the one decision
    assert all(o == outputs[0] for o in outputs)
    result = outputs[0]
    assert result["winner"] is None and set(result["best_set"]) == {"a", "b"}
    assert result["seeds_used"] == {"a": 5, "b": 5, "c": 3}  # c left the race after look 1

    trials = optuna.load_study(study_name=name, storage=storage).get_trials(deepcopy=False)
    items = [t for t in trials if t.user_attrs["confirm.kind"] == "item"]
    looks = [t for t in trials if t.user_attrs["confirm.kind"] == "look"]
    done = Counter((t.user_attrs["confirm.config"], t.user_attrs["confirm.seed"])
                   for t in items if t.state == TrialState.COMPLETE)
    expected = {(c, s) for c, n in result["seeds_used"].items() for s in range(n)}
    assert set(done) == expected and set(done.values()) == {1}  # each exactly once
    killed_config, killed_seed = marker.read_text().split()
    failed = [t for t in items if t.state == TrialState.FAIL]
    assert len(failed) == 1 and failed[0].user_attrs["confirm.seed"] == int(killed_seed)
    assert {t.state for t in trials} <= {TrialState.COMPLETE, TrialState.FAIL}
    assert Counter(t.user_attrs["confirm.round"] for t in looks
                   if t.state == TrialState.COMPLETE) == {0: 1, 1: 1}

    client = MlflowClient(mlflow_server)
    experiment = client.get_experiment_by_name(name)
    runs = client.search_runs([experiment.experiment_id], max_results=1000,
                              run_view_type=ViewType.ALL)
    parents = [r for r in runs if "confirm.study" in r.data.tags]
    assert len(parents) == 1
    parent = parents[0]
    assert parent.info.run_id == result["parent"] and parent.info.status == "FINISHED"
    assert parent.data.tags["confirm.status"] == "complete"
    assert parent.data.tags["confirm.stopped_because"] == result["stopped_because"]
    assert "report.html" in {a.path for a in client.list_artifacts(parent.info.run_id)}
    children = [r for r in runs if r.data.tags.get(MLFLOW_PARENT_RUN_ID) == parent.info.run_id]
    active = [r for r in children if r.info.lifecycle_stage == "active"]
    assert Counter((r.data.tags["confirm.config"], r.data.params["seed"]) for r in active) == \
        Counter({(c, str(s)): 1 for c, s in expected})
    assert all(r.info.status == "FINISHED" for r in active)
    deleted = [r for r in children if r.info.lifecycle_stage == "deleted"]
    assert len(deleted) == 1 and deleted[0].info.status == "FAILED"
    assert deleted[0].info.run_id == failed[0].user_attrs["confirm.run_id"]
    values = {(r.data.tags["confirm.config"], int(r.data.params["seed"])):
              r.data.metrics["val_acc"] for r in active}
    by_trial = {(t.user_attrs["confirm.config"], t.user_attrs["confirm.seed"]): t.value
                for t in items if t.state == TrialState.COMPLETE}
    assert values == pytest.approx(by_trial)
