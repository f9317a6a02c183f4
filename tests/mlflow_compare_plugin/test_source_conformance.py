"""MLflow passes the conformance suite every source passes (``tests/_source_suite.py``), on
each store it reads differently: sqlite (set-based SQL), PostgreSQL (SQL) and a real
``mlflow server`` (REST); the world logged through the real ``MlflowClient``."""

from __future__ import annotations

import contextlib
import sys
import uuid

import pytest

from _source_suite import (  # isort: skip
    LRS,
    METRIC,
    SEEDS,
    TESTS,
    SourceCase,
    run_name,
    values,
)

globals().update(TESTS)

_T0 = 1_700_000_000_000


def log_world(uri: str) -> str:
    """The suite's world in a new experiment: six runs under a parent run, and a comparison
    run of ours (tagged as ``--log-report`` tags it). Returns the experiment's name."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param, RunTag

    from shared.source import OWN_RUN_TAG

    client = MlflowClient(uri)
    name = f"world-{uuid.uuid4().hex[:8]}"
    experiment = client.create_experiment(name)
    with contextlib.redirect_stdout(sys.stderr):
        parent = client.create_run(experiment, run_name="parent", start_time=_T0).info.run_id
        client.set_terminated(parent)
        for lr in LRS:
            for seed in SEEDS:
                run = client.create_run(
                    experiment,
                    run_name=run_name(lr, seed),
                    tags={"mlflow.parentRunId": parent},
                    start_time=_T0,
                )
                metrics = [
                    Metric(key, value, _T0 + 1000 * step, step)
                    for step, row in enumerate(values(lr, seed))
                    for key, value in row.items()
                ]
                params = [Param("lr", str(lr)), Param("seed", str(seed))]
                client.log_batch(run.info.run_id, metrics=metrics, params=params)
                client.set_terminated(run.info.run_id)
        ours = client.create_run(experiment, run_name="comparison").info.run_id
        client.log_batch(
            ours,
            metrics=[Metric(METRIC, 0.5, _T0, 0)],
            tags=[RunTag(OWN_RUN_TAG, "true")],
        )
        client.set_terminated(ours)
    return name


@pytest.fixture(scope="module")
def _worlds(tmp_path_factory: pytest.TempPathFactory, mlflow_server: str, pg_url: str) -> dict:
    sqlite = f"sqlite:///{tmp_path_factory.mktemp('world') / 'mlflow.db'}"
    return {uri: log_world(uri) for uri in (sqlite, pg_url, mlflow_server)}


@pytest.fixture(params=["sqlite", "postgresql", "server"])
def source_case(request: pytest.FixtureRequest, _worlds: dict) -> SourceCase:
    from mlflow_compare_plugin._source import MlflowRuns

    (uri,) = [
        u for u in _worlds if u.startswith({"server": "http"}.get(request.param, request.param))
    ]
    source = MlflowRuns(uri, experiment_names=[_worlds[uri]], show_progress=False)
    return SourceCase(source, has_parent=True, has_own_run=True)
