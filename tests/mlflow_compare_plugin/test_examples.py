"""Per-example tables from MLflow: logged by the real ``log_table``, ``mlflow.evaluate`` and
GenAI feedback on real traces, into sqlite stores and a real ``mlflow server``; read back by
``fetch_example_tables`` and ``mlflow compare --examples``."""

from __future__ import annotations

import contextlib
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from mlflow_compare_plugin.cli import compare

pytestmark = pytest.mark.timeout(600)

LRS = (0.01, 0.1)
SEEDS = (0, 1, 2)
N_EXAMPLES = 60  # 20 passages x 3 questions


def scores(lr: float, seed: int) -> Any:
    """One run's per-example table: lr=0.1 answers more questions right."""
    import pandas as pd

    rng = np.random.default_rng([seed, int(lr * 1000)])
    ids = [f"q{i}" for i in range(N_EXAMPLES)]
    p = 0.55 if lr == 0.01 else 0.8
    return pd.DataFrame(
        {
            "id": ids,
            "passage": [f"p{i // 3}" for i in range(N_EXAMPLES)],
            "correct": (rng.random(N_EXAMPLES) < p).astype(int),
            "judge": rng.integers(1, 6, N_EXAMPLES).astype(float),
        }
    )


@dataclass
class Logged:
    uri: str
    experiment: str
    run_ids: dict[tuple[float, int], str]


def log_tables(uri: str, experiment: str, artifact_file: str = "eval/table.json") -> Logged:
    """2 configurations x 3 seeds, each with a table logged by the real ``log_table`` and an
    artifact of its own that the fetch must never read."""
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    experiment_id = client.create_experiment(experiment)

    def one(job: tuple[float, int]) -> tuple[tuple[float, int], str]:
        lr, seed = job
        run = client.create_run(experiment_id, run_name=f"lr={lr} seed={seed}")
        run_id = run.info.run_id
        client.log_param(run_id, "lr", lr)
        client.log_param(run_id, "seed", seed)
        client.log_table(run_id, data=scores(lr, seed), artifact_file=artifact_file)
        client.log_text(run_id, "not a table", "notes/readme.txt")
        client.set_terminated(run_id)
        return job, run_id

    with ThreadPoolExecutor(3) as pool, contextlib.redirect_stdout(sys.stderr):
        run_ids = dict(pool.map(one, [(lr, s) for lr in LRS for s in SEEDS]))
    return Logged(uri, experiment, run_ids)


@pytest.fixture(scope="module")
def sqlite_tables(tmp_path_factory: pytest.TempPathFactory) -> Logged:
    root = tmp_path_factory.mktemp("examples-sqlite")
    return log_tables(f"sqlite:///{root / 'mlflow.db'}", "tables")


@pytest.fixture(scope="module")
def server_tables(mlflow_server: str) -> Logged:
    """Logged through the real server: the tables go up as proxied artifacts."""
    return log_tables(mlflow_server, "tables-over-http")


@pytest.fixture(params=["sqlite", "server"])
def logged(request: pytest.FixtureRequest) -> Logged:
    return request.getfixturevalue(f"{request.param}_tables")


def _fetch(logged: Logged, table: str) -> list[Any]:
    from mlflow_compare_plugin._fetch import MlflowSource, fetch_runs
    from mlflow_compare_plugin._fetch_examples import fetch_example_tables

    source = MlflowSource(logged.uri)
    runs = fetch_runs(source=source, experiment_names=[logged.experiment], show_progress=False)
    return fetch_example_tables(source, runs, table)


def test_tables_read_back_as_logged(logged: Logged) -> None:
    runs = _fetch(logged, "eval/table.json")
    assert len(runs) == len(LRS) * len(SEEDS)
    by_id = {run_id: key for key, run_id in logged.run_ids.items()}
    for run in runs:
        table = run.examples["eval/table.json"]
        expected = scores(*by_id[run.id])
        assert list(table.column_names) == list(expected.columns)
        assert list(table.column("id")) == expected["id"].tolist()
        assert list(table.column("passage")) == expected["passage"].tolist()
        assert list(table.column("correct")) == expected["correct"].tolist()
        assert list(table.column("judge")) == expected["judge"].tolist()


def test_a_run_without_the_table_is_named(logged: Logged) -> None:
    from shared import InputError

    with pytest.raises(InputError) as error:
        _fetch(logged, "eval/other.json")
    message = str(error.value)
    assert "'eval/other.json' is missing in 6 of 6 runs" in message
    assert "lr=0.1 seed=2" in message and "and 1 more)" in message and "\n" not in message


def test_parquet_tables(tmp_path: Path) -> None:
    logged = log_tables(f"sqlite:///{tmp_path / 'mlflow.db'}", "pq", artifact_file="eval.parquet")
    runs = _fetch(logged, "eval.parquet")
    by_id = {run_id: key for key, run_id in logged.run_ids.items()}
    for run in runs:
        expected = scores(*by_id[run.id])
        assert (
            run.examples["eval.parquet"].column("correct").tolist() == expected["correct"].tolist()
        )


def test_mlflow_evaluate_results_table(tmp_path: Path) -> None:
    """``mlflow.evaluate`` with a per-row metric logs eval_results_table.json; we read it."""
    import mlflow
    import pandas as pd
    from mlflow.metrics import MetricValue, make_metric

    def correct(predictions: Any, targets: Any, metrics: Any) -> MetricValue:
        per_row = (predictions == targets).astype(int).tolist()
        return MetricValue(scores=per_row, aggregate_results={"mean": float(np.mean(per_row))})

    metric = make_metric(eval_fn=correct, greater_is_better=True, name="correct")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    experiment_id = mlflow.create_experiment("evaluate")
    truth = np.arange(30) % 2
    expected = {}
    try:
        for seed in (0, 1):
            rng = np.random.default_rng(seed)
            pred = np.where(rng.random(30) < 0.7, truth, 1 - truth)
            data = pd.DataFrame({"id": [f"x{i}" for i in range(30)], "label": truth, "pred": pred})
            with mlflow.start_run(experiment_id=experiment_id) as run:
                mlflow.log_param("seed", seed)
                mlflow.evaluate(
                    data=data, predictions="pred", targets="label", extra_metrics=[metric],
                    evaluator_config={"log_model_explainability": False},
                )  # fmt: skip
            expected[run.info.run_id] = (pred == truth).astype(int).tolist()
    finally:
        mlflow.set_tracking_uri(None)
    runs = _fetch(Logged(uri, "evaluate", {}), "eval_results_table.json")
    assert {run.id for run in runs} == set(expected)
    for run in runs:
        table = run.examples["eval_results_table.json"]
        assert list(table.column("correct/score")) == expected[run.id]
        assert list(table.column("id")) == [f"x{i}" for i in range(30)]


def _log_traces(uri: str, experiment: str) -> dict[str, dict[str, tuple[int, str]]]:
    """Real traces in real runs, each given feedback with ``log_feedback`` (a bool and a
    rating) and, for some, an overriding later assessment."""
    import mlflow

    mlflow.set_tracking_uri(uri)
    experiment_id = mlflow.create_experiment(experiment)
    expected: dict[str, dict[str, tuple[int, str]]] = {}

    @mlflow.trace
    def answer(question: str) -> str:
        return question.upper()

    try:
        for seed in (0, 1):
            with mlflow.start_run(experiment_id=experiment_id) as run:
                trace_ids = []
                for i in range(5):
                    answer(f"question {i}")
                    trace_ids.append(mlflow.get_last_active_trace_id())
            mlflow.flush_trace_async_logging()
            rows = {}
            for i, trace_id in enumerate(trace_ids):
                ok = (i + seed) % 2 == 0
                mlflow.log_feedback(trace_id=trace_id, name="correct", value=ok)
                rating = "yes" if i < 3 else "no"
                mlflow.log_feedback(trace_id=trace_id, name="helpful", value=rating)
                rows[trace_id] = (int(ok), f"question {i}")
            expected[run.info.run_id] = rows
    finally:
        mlflow.set_tracking_uri(None)
    return expected


@pytest.mark.parametrize("where", ["sqlite", "server"])
def test_genai_assessments_on_traces(where: str, tmp_path: Path, request: Any) -> None:
    uri = (
        f"sqlite:///{tmp_path / 'mlflow.db'}"
        if where == "sqlite"
        else request.getfixturevalue("mlflow_server")
    )
    experiment = f"genai-{where}-{tmp_path.name}"
    expected = _log_traces(uri, experiment)
    runs = _fetch(Logged(uri, experiment, {}), "traces")
    assert {run.id for run in runs} == set(expected)
    for run in runs:
        table = run.examples["traces"]
        assert len(table) == 5
        rows = dict(zip(table.column("trace_id"), table.column("correct"), strict=True))
        assert rows == {t: ok for t, (ok, _q) in expected[run.id].items()}
        requests = [json.loads(r)["question"] for r in table.column("request")]
        assert sorted(requests) == sorted(q for _ok, q in expected[run.id].values())
        assert sorted(table.column("helpful")) == [0, 0, 1, 1, 1]


# --- the command -------------------------------------------------------------------------------
def invoke(*args: str) -> Any:
    return CliRunner().invoke(compare, [str(a) for a in args], catch_exceptions=False)


def one_error_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def _args(logged: Logged, *more: str) -> list[str]:
    return ["--tracking-uri", logged.uri, "--experiment-name", logged.experiment, *more]


def test_example_key_needs_examples(sqlite_tables: Logged) -> None:
    result = invoke(*_args(sqlite_tables, "-m", "correct", "--example-key", "id"))
    assert result.exit_code == 2
    assert "--example-key needs --examples TABLE" in one_error_line(result)


@pytest.mark.parametrize(
    "options, needles",
    [
        (["--example-key", "qid"], ["--example-key 'qid' is not a column", "6 of 6 runs",
                                    "'passage'"]),
        (["--example-key", "passage"], ["--example-key 'passage' repeats within a run",
                                        "lr=0.1 seed=2: 'p0' x3"]),
        (["--example-key", "id", "--cluster-key", "topic"], ["--cluster-key 'topic'"]),
    ],
)  # fmt: skip
def test_bad_example_columns(sqlite_tables: Logged, options: list[str], needles: list[str]) -> None:
    result = invoke(
        *_args(sqlite_tables, "--examples", "eval/table.json", "-m", "correct:max", *options)
    )
    assert result.exit_code == 2, result.stderr
    line = one_error_line(result)
    for needle in needles:
        assert needle in line, line


def test_non_numeric_scores_name_the_runs(sqlite_tables: Logged) -> None:
    result = invoke(
        *_args(
            sqlite_tables, "--examples", "eval/table.json", "-m", "passage", "--example-key", "id"
        )
    )
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "--metric 'passage': scores in table 'eval/table.json' must be numbers" in line
    assert "6 of 6 runs" in line and "'p0' (row 0)" in line


def test_missing_table_in_some_runs(tmp_path: Path) -> None:
    from mlflow import MlflowClient

    logged = log_tables(f"sqlite:///{tmp_path / 'mlflow.db'}", "partial")
    client = MlflowClient(logged.uri)
    extra = client.create_run(
        client.get_experiment_by_name("partial").experiment_id, run_name="no table"
    )
    client.log_param(extra.info.run_id, "lr", 0.1)
    client.log_param(extra.info.run_id, "seed", 3)
    client.set_terminated(extra.info.run_id)
    result = invoke(
        *_args(logged, "--examples", "eval/table.json", "-m", "correct", "--example-key", "id")
    )
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "table artifact 'eval/table.json' is missing in 1 of 7 runs (no table)" in line


def test_compare_over_examples_and_seeds(logged: Logged) -> None:
    """The whole command over the logged tables: each run's value is the mean of the scores
    it logged, the pair is tested over examples and seeds, clustered by passage."""
    result = invoke(
        *_args(logged, "--examples", "eval/table.json", "--example-key", "id",
               "--cluster-key", "passage", "-m", "correct:max", "--seed-key", "seed",
               "--format", "json")
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["examples"]["table"] == "eval/table.json"
    assert data["examples"]["n_examples"] == N_EXAMPLES and data["examples"]["n_clusters"] == 20
    by_id = {run_id: key for key, run_id in logged.run_ids.items()}
    for config in data["configs"]:
        for run_id, value in zip(config["runs"], config["values"], strict=True):
            assert value == pytest.approx(scores(*by_id[run_id])["correct"].mean(), rel=1e-12)
    (pair,) = data["pairs"]
    assert pair["test"] == "examples-seeds"
    assert data["decision"]["winner"] == "lr=0.1"


def test_gate_and_report_over_examples(sqlite_tables: Logged) -> None:
    from mlflow import MlflowClient

    base = _args(
        sqlite_tables, "--examples", "eval/table.json", "--example-key", "id", "-m", "correct",
        "--seed-key", "seed",
    )  # fmt: skip
    result = invoke(*base, "--baseline", "lr=0.1", "--fail-if-worse", "--log-report")
    assert result.exit_code == 1, result.stderr
    assert "significantly worse than baseline 'lr=0.1': lr=0.01" in result.stderr
    client = MlflowClient(sqlite_tables.uri)
    (report,) = client.search_runs(
        [client.get_experiment_by_name(sqlite_tables.experiment).experiment_id],
        filter_string="tags.`tracker_compare.comparison` = 'true'",
    )
    assert {a.path for a in client.list_artifacts(report.info.run_id)} >= {
        "comparison.json",
        "report.html",
    }
    # the comparison run is never compared (nor asked for a table) next time
    again = invoke(*base, "--format", "json")
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["runs"] == len(LRS) * len(SEEDS)


def test_proxied_artifacts_read_from_the_database_say_to_use_the_server(
    server_tables: Logged, _server_and_db: tuple[str, str]
) -> None:
    """Tables logged through a server live in its artifact store: reading the server's
    database directly must say so, not call them missing."""
    from shared import InputError

    with pytest.raises(InputError, match=r"held by a tracking server \(mlflow-artifacts:/"):
        _fetch(Logged(_server_and_db[1], server_tables.experiment, {}), "eval/table.json")
