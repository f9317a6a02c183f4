"""What ``--log-report`` and ``--tag-winner`` leave in MLflow, read back through MlflowClient.

The comparison run is a row like any other: the question as params, the answer as metrics
(valid keys, the numbers of comparison.json), no tag holding "None", short tag keys. Winner
tags are replaced by each answer to the same question (``_record.question_id``), never
accumulated; a run that still wins another question keeps ``compare.winner``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from mlflow_compare_plugin.cli import compare

pytestmark = pytest.mark.timeout(300)


def invoke(*args: Any) -> Any:
    return CliRunner().invoke(compare, [str(a) for a in args], catch_exceptions=False)


def _log(uri: str, experiment: str, lr: float, acc: float, loss: float, seeds=range(5)) -> list:
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    client = MlflowClient(uri)
    found = client.get_experiment_by_name(experiment)
    # Artifacts (the logged report) beside the store, not in ./mlruns of the working directory.
    artifacts = (Path(uri.removeprefix("sqlite:///")).parent / "artifacts").as_uri()
    exp = found.experiment_id if found else client.create_experiment(experiment, artifacts)
    ids = []
    for seed in seeds:
        rng = np.random.default_rng([seed, int(lr * 1e4)])
        run = client.create_run(exp, run_name=f"lr={lr} seed={seed}")
        client.log_batch(
            run.info.run_id,
            metrics=[Metric("acc", acc + float(rng.normal(0, 0.003)), 0, 0),
                     Metric("loss", loss + float(rng.normal(0, 0.003)), 0, 0)],
            params=[Param("lr", str(lr)), Param("seed", str(seed))],
        )  # fmt: skip
        client.set_terminated(run.info.run_id)
        ids.append(run.info.run_id)
    return ids


def _comparison_run(uri: str, experiment: str, data: dict) -> Any:
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    exp = client.get_experiment_by_name(experiment).experiment_id
    runs = client.search_runs([exp], "tags.`tracker_compare.comparison` = 'true'",
                              order_by=["attributes.start_time DESC"])  # fmt: skip
    assert runs
    logged = Path(client.download_artifacts(runs[0].info.run_id, "comparison.json")).read_text()
    assert json.loads(logged) == data
    return runs[0]


def test_comparison_run_has_question_params_answer_metrics_and_clean_tags(tmp_path: Path) -> None:
    from mlflow.utils.validation import _validate_metric_name

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    for lr, acc in ((0.1, 0.80), (0.01, 0.90), (0.001, 0.805)):
        _log(uri, "record", lr, acc, 1 - acc)
    result = invoke("--tracking-uri", uri, "--experiment-name", "record", "-m", "acc",
                    "--seed-key", "seed", "--log-report", "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    run = _comparison_run(uri, "record", data)
    params, metrics, tags = run.data.params, run.data.metrics, run.data.tags

    # The question, as params.
    assert params["metric"] == "acc" and params["goal"] == "maximize"
    assert params["reduce"] == "last" and params["test"] == "auto"
    assert params["alpha"] == "0.05" and params["correction"] == "holm"
    assert params["seed_key"] == "seed" and params["group_by"] == "lr"
    assert params["experiments"] == run.info.experiment_id
    assert len(params["question"]) == 12
    assert not any(v in ("None", "") for v in params.values()), params
    # The answer, as a fixed handful of metrics: every key valid, every number the one in
    # comparison.json; per configuration and per pair the numbers are logged tables.
    from mlflow_compare_plugin._record import ANSWER_METRICS

    for key in metrics:
        _validate_metric_name(key)
    assert set(metrics) <= {f"compare/{k}" for k in ANSWER_METRICS}
    winner = next(c for c in data["configs"] if c["name"] == data["decision"]["winner"])
    assert metrics["compare/winner_mean"] == pytest.approx(winner["mean"], rel=1e-12)
    assert metrics["compare/winner_std"] == pytest.approx(winner["std"], rel=1e-12)
    assert metrics["compare/winner_ci_low"] == pytest.approx(winner["ci"][0], rel=1e-12)
    assert metrics["compare/winner_ci_high"] == pytest.approx(winner["ci"][1], rel=1e-12)
    assert metrics["compare/winner_n"] == winner["n"] == 5
    # 3 configurations: "which is best?", each compared with the best (k - 1 pairs, MCB's
    # simultaneous intervals: no p-values, so no smallest adjusted p is logged)
    assert data["question"].startswith("which configuration is best")
    assert len(data["pairs"]) == 2 and {p["test"] for p in data["pairs"]} == {"mcb"}
    assert metrics["compare/n_pairs"] == 2
    assert metrics["compare/n_significant"] == sum(p["significant"] for p in data["pairs"])
    assert "compare/min_p_adj" not in metrics
    assert metrics["compare/n_runs"] == 15 and metrics["compare/n_configs"] == 3
    assert metrics["compare/winner_found"] == (1 if data["decision"]["winner"] else 0)
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    configs = json.loads(Path(client.download_artifacts(run.info.run_id, "configs.json")).read_text())
    rows = [dict(zip(configs["columns"], row, strict=True)) for row in configs["data"]]
    assert [r["config"] for r in rows][0] == "lr=0.01" and [r["rank"] for r in rows] == [1, 2, 3]
    for r in rows:
        c = next(c for c in data["configs"] if c["name"] == r["config"])
        # MLflow writes tables with 10 digits (pandas' JSON); comparison.json has them all
        assert r["mean"] == pytest.approx(c["mean"], rel=1e-9) and r["n"] == c["n"]
    pairs = json.loads(Path(client.download_artifacts(run.info.run_id, "pairs.json")).read_text())
    rows = [dict(zip(pairs["columns"], row, strict=True)) for row in pairs["data"]]
    for r, p in zip(rows, data["pairs"], strict=True):
        assert (r["a"], r["b"]) == (p["a"], p["b"])
        assert r["p_adj"] is None and p["p_adjusted"] is None
        assert r["diff"] == pytest.approx(p["diff"], rel=1e-9, abs=1e-10)
    # Tags: the decision in words, nothing that reads "None", keys short enough to read.
    assert tags["compare.winner"] == data["decision"]["winner"] == "lr=0.01"
    assert tags["compare.status"] == "complete"
    assert not [k for k, v in tags.items() if v.strip() in ("None", "none None", "nan")], tags
    ours = [k for k in tags if k.startswith("compare.")]
    assert ours and all(len(k) <= 20 for k in ours), ours
    # sortable in MLflow: a search on the params and metrics finds the comparison run
    from mlflow import MlflowClient

    found = MlflowClient(uri).search_runs(
        [run.info.experiment_id], "params.metric = 'acc' and metrics.`compare/n_configs` = 3"
    )
    assert [r.info.run_id for r in found] == [run.info.run_id]


def test_unpaired_comparison_leaves_absent_values_out(tmp_path: Path) -> None:
    """No seed key (unpaired) and no seeds_needed: no param or tag says "None"."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    _log(uri, "unpaired", 0.1, 0.80, 0.2)
    _log(uri, "unpaired", 0.01, 0.95, 0.05, seeds=range(5, 10))  # no shared seed
    result = invoke("--tracking-uri", uri, "--experiment-name", "unpaired", "-m", "acc",
                    "--group-by", "lr", "--log-report", "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    run = _comparison_run(uri, "unpaired", data)
    assert "seed_key" not in run.data.params or data["seed_key"] is not None
    values = [*run.data.params.values(), *run.data.tags.values()]
    assert "None" not in values and "nan" not in values
    assert all(math.isfinite(v) for v in run.data.metrics.values())


def _winner_tags(uri: str, ids: list[str]) -> list[dict[str, str]]:
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    return [
        {k: v for k, v in client.get_run(i).data.tags.items() if k.startswith("compare.")}
        for i in ids
    ]


def test_tag_winner_replaces_the_winners_of_the_same_question(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    fast = _log(uri, "winners", 0.1, 0.90, 0.30)
    slow = _log(uri, "winners", 0.01, 0.80, 0.10)
    acc = ("--tracking-uri", uri, "--experiment-name", "winners", "--seed-key", "seed",
           "--tag-winner", "--format", "json")  # fmt: skip

    first = invoke(*acc, "-m", "acc")
    assert first.exit_code == 0, first.stderr
    assert json.loads(first.stdout)["decision"]["winner"] == "lr=0.1"
    tagged = _winner_tags(uri, fast)
    assert all(t["compare.winner"] == "true" for t in tagged)
    question = tagged[0]["compare.question"]
    assert len(question) == 12 and all(t["compare.question"] == question for t in tagged)
    assert all(t["compare.winner_of"] == "acc: lr=0.1" for t in tagged)
    assert not any(_winner_tags(uri, slow))

    # Another question (loss): lr=0.01 wins it; lr=0.1 keeps its acc win.
    loss = invoke(*acc, "-m", "loss:min")
    assert loss.exit_code == 0, loss.stderr
    assert all(t["compare.winner"] == "true" for t in _winner_tags(uri, slow))
    assert all(t["compare.question"] == question for t in _winner_tags(uri, fast))

    # New runs arrive and the acc question is answered again: lr=0.001 wins it now.
    better = _log(uri, "winners", 0.001, 0.97, 0.50)
    again = invoke(*acc, "-m", "acc")
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["decision"]["winner"] == "lr=0.001"
    assert "took the winner tags off 5 runs" in again.stderr
    assert all(t["compare.winner"] == "true" for t in _winner_tags(uri, better))
    assert all(t["compare.question"] == question for t in _winner_tags(uri, better))
    # lr=0.1 lost the later answer of its only question: no winner tag left at all
    assert _winner_tags(uri, fast) == [{} for _ in fast]
    # lr=0.01 lost the acc question too, but still wins the loss question
    for t in _winner_tags(uri, slow):
        assert t["compare.winner"] == "true" and t["compare.winner_of"] == "loss: lr=0.01"
        assert question not in t["compare.question"].split()

    # Answered once more with no reliable winner (same question, filtered to two close
    # configurations): every winner tag of the question goes.
    close = _log(uri, "winners", 0.3, 0.97, 0.50)
    none = invoke(*acc, "-m", "acc", "--filter", "params.lr != '0.1' and params.lr != '0.01'")
    assert none.exit_code == 0, none.stderr
    assert json.loads(none.stdout)["decision"]["winner"] is None
    assert _winner_tags(uri, better + close) == [{} for _ in better + close]
    assert all(t["compare.winner"] == "true" for t in _winner_tags(uri, slow))


def test_a_big_sweep_logs_a_fixed_handful_of_metrics(tmp_path: Path) -> None:
    """Issue 19 item 3: 60 configurations logged 480 metrics on main; now at most ~20, the same
    keys for any sweep size, with the ranked configurations in a logged table."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from _sweep_store import make_sweep_store
    from mlflow import MlflowClient

    uri, _exp = make_sweep_store(tmp_path / "sweep.db", n_configs=60, n_seeds=4, steps=3)
    result = invoke("--tracking-uri", uri, "--experiment-name", "sweep", "-m", "val_loss",
                    "--seed-key", "seed", "--log-report", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    run = _comparison_run(uri, "sweep", data)
    metrics = run.data.metrics
    assert len(metrics) <= 20, sorted(metrics)
    assert all(k.startswith("compare/") for k in metrics)
    assert metrics["compare/n_configs"] == 60 and metrics["compare/n_runs"] == 240
    best = data["decision"]["best_set"] or [data["decision"]["winner"]]
    assert metrics["compare/n_best_set"] == len(best)
    means = sorted(c["mean"] for c in data["configs"])
    assert metrics["compare/best_mean"] == pytest.approx(means[0])  # val_loss: minimised
    assert metrics["compare/runner_up_mean"] == pytest.approx(means[1])
    # the name reads as the question and the answer even cut at 40 characters
    assert run.info.run_name.startswith("val_loss min: ")
    assert ("wins" in run.info.run_name) or ("possibly best" in run.info.run_name)
    table = json.loads(Path(MlflowClient(uri).download_artifacts(
        run.info.run_id, "configs.json")).read_text())
    rows = [dict(zip(table["columns"], row, strict=True)) for row in table["data"]]
    assert len(rows) == 60 and [r["mean"] for r in rows] == pytest.approx(means, rel=1e-9)
    assert {r["config"] for r in rows if r["possibly_best"]} == set(best)

