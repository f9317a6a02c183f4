"""Fetching MLflow runs from sqlite, PostgreSQL and a real server, checked against what was logged."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from mlflow_compare_plugin.fetch import MlflowSource, fetch_runs
from shared import InputError, TrackerUnreachable

pytestmark = pytest.mark.timeout(180)


def test_runs_and_histories_match_what_was_logged(study: Any) -> None:
    runs = fetch_runs(study.uri, experiment_names=[study.experiment], history_metrics=["val/loss"])
    assert len(runs) == len(study.lrs) * len(study.seeds)
    by_id = {r.id: r for r in runs}
    assert set(by_id) == set(study.run_ids.values())
    for (lr, seed), run_id in study.run_ids.items():
        run = by_id[run_id]
        assert run.tracker == "mlflow" and run.experiment == study.experiment_id
        assert run.params == {"lr": lr, "seed": seed, "optimizer": "adam"}  # typed
        assert run.name == f"lr={lr} seed={seed}" and run.status == "FINISHED"
        assert run.metrics["acc"] == pytest.approx(study.acc[run_id], abs=0, rel=1e-12)
        history = run.histories["val_loss"]  # the spelling the run used
        assert len(history) == study.steps
        np.testing.assert_array_equal(history.steps, np.arange(study.steps))
        np.testing.assert_allclose(history.values, study.val_loss[run_id], rtol=1e-12)
        assert history.timestamps[1] - history.timestamps[0] == pytest.approx(1.0)
        assert "tokens" not in run.histories  # only what was asked for


def test_without_timestamps_the_same_points_come_back(study: Any) -> None:
    # The command skips the wall-clock column unless the x-axis is seconds or time.
    full = fetch_runs(study.uri, experiment_names=[study.experiment], history_metrics=["val/loss"])
    lean = fetch_runs(study.uri, experiment_names=[study.experiment], history_metrics=["val/loss"],
                      timestamps=False)
    by_id = {r.id: r for r in lean}
    for run in full:
        a, b = run.histories["val_loss"], by_id[run.id].histories["val_loss"]
        np.testing.assert_array_equal(a.steps, b.steps)
        np.testing.assert_array_equal(a.values, b.values)
        assert np.isfinite(a.timestamps).all()
        if not study.uri.startswith("http"):  # SQL stores skip the column; REST always has it
            assert np.isnan(b.timestamps).all()


def test_history_route_per_backend(study: Any) -> None:
    kind = MlflowSource(study.uri).kind
    assert kind == ("rest" if study.uri.startswith("http") else "sql")


def test_no_histories_unless_asked(sqlite_study: Any) -> None:
    runs = fetch_runs(sqlite_study.uri, experiment_names=[sqlite_study.experiment])
    assert all(not r.histories for r in runs)
    assert all(
        r.metrics["val_loss"] == pytest.approx(sqlite_study.val_loss[r.id][-1]) for r in runs
    )


def test_across_experiments_filter_and_run_ids(study: Any) -> None:
    both = fetch_runs(study.uri, experiment_names=[study.experiment, study.other_experiment])
    assert len(both) == len(study.lrs) * len(study.seeds) + len(study.seeds)
    assert len({r.experiment for r in both}) == 2
    filtered = fetch_runs(
        study.uri, experiment_ids=[study.experiment_id], filter_string="params.lr = '0.01'"
    )
    assert sorted(r.id for r in filtered) == sorted(study.run_ids[(0.01, s)] for s in study.seeds)
    picked = [study.run_ids[(0.1, 0)], study.run_ids[(0.001, 3)]]
    only = fetch_runs(study.uri, run_ids=picked)
    assert [r.id for r in only] == picked


def test_search_pages_past_the_page_size(study: Any) -> None:
    source = MlflowSource(study.uri)
    pages: list[int] = []
    raw = source.search([study.experiment_id], "", on_page=pages.append, page_size=4)
    assert len(raw) == 15 and len({r.info.run_id for r in raw}) == 15
    assert pages == [4, 4, 4, 3]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"experiment_names": ["no-such-experiment"]}, "unknown experiment 'no-such-experiment'"),
        ({"experiment_ids": ["987654"]}, "unknown experiment id '987654'"),
        ({"filter_string": "params.lr == == 1"}, "bad --filter"),
        ({"filter_string": "params.lr = '42'"}, "no runs matching filter"),
        ({"run_ids": ["0" * 32]}, "unknown run id"),
        ({}, "give --experiment-name"),
    ],
)
def test_bad_input_is_an_input_error(study: Any, kwargs: dict, message: str) -> None:
    if "filter_string" in kwargs:
        kwargs = {**kwargs, "experiment_names": [study.experiment]}
    with pytest.raises(InputError, match=message):
        fetch_runs(study.uri, **kwargs)


def test_unreachable_server_is_tracker_unreachable(port_factory) -> None:
    free_port = port_factory
    with pytest.raises(TrackerUnreachable):
        fetch_runs(f"http://127.0.0.1:{free_port()}", experiment_names=["x"], retries=0)


def test_long_history_over_rest_is_complete(mlflow_server: str) -> None:
    """3,000 points per run, the whole way through ``fetch_runs``: complete and in order."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric

    client = MlflowClient(mlflow_server)
    experiment = client.create_experiment("long-history")
    n = 3000
    values = np.sin(np.arange(n) / 50.0)
    ids = []
    for seed in range(2):
        run = client.create_run(experiment)
        metrics = [Metric("loss", float(v) + seed, 1_000 + i, i) for i, v in enumerate(values)]
        for start in range(0, n, 1000):
            client.log_batch(run.info.run_id, metrics=metrics[start : start + 1000])
        ids.append(run.info.run_id)
    short = client.create_run(experiment)
    client.log_batch(short.info.run_id, metrics=[Metric("loss", 5.0, 1, 0)])
    runs = fetch_runs(mlflow_server, experiment_ids=[experiment], history_metrics=["loss"])
    by_id = {r.id: r for r in runs}
    for seed, run_id in enumerate(ids):
        history = by_id[run_id].histories["loss"]
        assert len(history) == n
        np.testing.assert_array_equal(history.steps, np.arange(n))
        np.testing.assert_allclose(history.values, values + seed)
    assert len(by_id[short.info.run_id].histories["loss"]) == 1


def test_cut_bulk_answers_are_completed(mlflow_server: str) -> None:
    """Bulk answers capped at 1,000 points for 6 runs in one request: cut runs are asked again, a
    run that alone fills an answer is paged through ``get-history`` (700 a page), NaN and
    infinities survive REST, an empty history is absent."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric

    from mlflow_compare_plugin._fetch_rest import fetch_histories_rest

    client = MlflowClient(mlflow_server)
    experiment = client.create_experiment("cut-bulk-answers")
    special = [float("nan"), float("inf"), float("-inf")]
    logged: dict[str, np.ndarray] = {}
    for n in (3000, 1, 999, 1000, 400, 0):
        run_id = client.create_run(experiment).info.run_id
        values = np.cos(np.arange(n) / 7.0) + n
        values[: min(n, 3)] = special[: min(n, 3)]
        # logged newest step first: the history must still come back ordered by step
        metrics = [Metric("m", float(values[i]), 10_000 - i, i) for i in reversed(range(n))]
        for start in range(0, n, 1000):
            client.log_batch(run_id, metrics=metrics[start : start + 1000])
        client.log_batch(run_id, metrics=[Metric("other", 1.0, 1, 0)])
        logged[run_id] = values
    progress: list[int] = []
    store = client._tracking_client.store
    got = fetch_histories_rest(
        store.get_host_creds(),
        [(run_id, "m") for run_id in logged],
        workers=2,
        bulk_points=1000,
        page_points=700,
        runs_per_request=100,
        on_progress=progress.append,
    )
    assert sum(progress) == len(logged)
    assert set(got) == {(run_id, "m") for run_id, v in logged.items() if len(v)}
    for run_id, values in logged.items():
        if len(values):
            history = got[(run_id, "m")]
            np.testing.assert_array_equal(history.steps, np.arange(len(values)))
            np.testing.assert_array_equal(history.values, values)
            np.testing.assert_allclose(history.timestamps, (10_000 - history.steps) / 1e3)


def test_nan_and_inf_survive(sqlite_study: Any) -> None:
    from mlflow import MlflowClient
    from mlflow.entities import Metric

    client = MlflowClient(sqlite_study.uri)
    experiment = client.create_experiment("nonfinite")
    run = client.create_run(experiment)
    logged = [1.0, float("nan"), float("inf"), float("-inf"), 2.0]
    client.log_batch(
        run.info.run_id, metrics=[Metric("m", v, 1_000 + i, i) for i, v in enumerate(logged)]
    )
    (fetched,) = fetch_runs(sqlite_study.uri, experiment_ids=[experiment], history_metrics=["m"])
    np.testing.assert_array_equal(fetched.histories["m"].values, np.array(logged))
