"""Confirm workers started at the same instant on fresh (empty) stores all finish.

Two and four real worker processes (``_fresh_worker.py``) wait for one wall-clock instant,
then open a fresh MLflow tracking store and a fresh Optuna storage together: both sqlite files
in an empty folder, or both fresh PostgreSQL databases. Each must finish with the one decision;
afterwards the experiment has one parent, every (configuration, seed) ran once, the decision
was recorded once, and both stores still answer (no half-made schema).
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
from optuna.trial import TrialState

from tests.distributed.test_optuna_distributed import pg_database  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("_fresh_worker.py")


@pytest.mark.timeout(600)
@pytest.mark.parametrize("workers", [2, 4])
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_workers_started_together_on_fresh_stores(
    backend: str,
    workers: int,
    tmp_path: Path,
    pg_database,  # noqa: F811
) -> None:
    if backend == "sqlite":
        storage = f"sqlite:///{tmp_path / 'optuna.db'}"
        tracking = f"sqlite:///{tmp_path / 'mlflow.db'}"
    else:
        storage, tracking = pg_database("fresh_optuna"), pg_database("fresh_mlflow")
    name = f"fresh-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start_at = time.time() + 25  # after every worker's imports
    procs = [
        subprocess.Popen([sys.executable, str(WORKER), storage, tracking, name, str(start_at)],
                         cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
        for _ in range(workers)
    ]  # fmt: skip
    outputs = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=500)
            assert proc.returncode == 0, err[-3000:]
            assert "Traceback" not in err, err[-3000:]
            outputs.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert all(o == outputs[0] for o in outputs)
    assert outputs[0]["seeds_used"] == {"a": 3, "b": 3}

    trials = optuna.load_study(study_name=name, storage=storage).get_trials(deepcopy=False)
    items = [t for t in trials if t.user_attrs["confirm.kind"] == "item"]
    looks = [t for t in trials if t.user_attrs["confirm.kind"] == "look"]
    done = Counter((t.user_attrs["confirm.config"], t.user_attrs["confirm.seed"])
                   for t in items if t.state == TrialState.COMPLETE)  # fmt: skip
    assert done == Counter({(c, s): 1 for c in "ab" for s in range(3)})
    assert len([t for t in looks if t.state == TrialState.COMPLETE]) == 1  # decided once

    client = MlflowClient(tracking)
    experiment = client.get_experiment_by_name(name)
    runs = client.search_runs([experiment.experiment_id], max_results=1000,
                              run_view_type=ViewType.ALL)  # fmt: skip
    parents = [r for r in runs if "confirm.study" in r.data.tags]
    assert len(parents) == 1 and parents[0].info.run_id == outputs[0]["parent"]
    assert parents[0].data.tags["confirm.status"] == "complete"
    children = [r for r in runs if r not in parents and r.info.lifecycle_stage == "active"]
    assert len(children) == 6
    # the stores are usable afterwards: a new experiment and run in the tracking store
    other = client.create_experiment(f"after-{name}")
    client.set_terminated(client.create_run(other).info.run_id)
    assert len(client.search_runs([other])) == 1
