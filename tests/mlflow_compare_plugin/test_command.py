"""The whole ``mlflow compare`` command on real stores: output, reports, tags, gates, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mlflow_compare_plugin.cli import compare
from shared.render import md_text

pytestmark = pytest.mark.timeout(300)


def invoke(*args: str) -> Any:
    return CliRunner().invoke(compare, [str(a) for a in args], catch_exceptions=False)


def one_error_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    return lines[0]


def test_json_is_the_comparison_of_what_was_logged(study: Any) -> None:
    result = invoke(
        "--tracking-uri", study.uri, "--experiment-name", study.experiment,
        "--metric", "acc", "--seed-key", "seed", "--test", "paired-t", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["schema"] == "tracker-compare/comparison/v3" and data["runs"] == 15
    assert data["decision"]["winner"] == "lr=0.01"
    names = {c["name"] for c in data["configs"]}
    assert names == {f"lr={lr}" for lr in study.lrs}
    for config in data["configs"]:
        # the reduced value of every run is the acc that run logged
        for run_id, value in zip(config["runs"], config["values"], strict=True):
            assert value == pytest.approx(study.acc[run_id], rel=1e-12)
        assert len(config["runs"]) == len(study.seeds)


def test_wall_clock_axis_reads_timestamps_from_sql_stores(sqlite_study: Any) -> None:
    """The SQL fetch skips timestamps for step axes; --x-axis seconds must still get them."""
    import numpy as np

    result = invoke(
        "--tracking-uri", sqlite_study.uri, "--experiment-name", sqlite_study.experiment,
        "--metric", "val/loss:min", "--reduce", "auc", "--x-axis", "seconds", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["runs"] == 15
    for config in data["configs"]:
        for run_id, value in zip(config["runs"], config["values"], strict=True):
            # points are logged one second apart: the AUC over seconds is the AUC over steps
            expected = float(np.trapezoid(sqlite_study.val_loss[run_id]))
            assert value == pytest.approx(expected, rel=1e-9)


def test_histories_reach_the_comparison(sqlite_study: Any) -> None:
    """--reduce min uses the full val_loss history: min of each logged curve."""
    result = invoke(
        "--tracking-uri", sqlite_study.uri, "--experiment-name", sqlite_study.experiment,
        "--metric", "val/loss:min", "--reduce", "min", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    for config in data["configs"]:
        for run_id, value in zip(config["runs"], config["values"], strict=True):
            assert value == pytest.approx(float(sqlite_study.val_loss[run_id].min()))
        assert config["curve"] is None or len(config["curve"]["grid"]) > 1


def test_across_two_experiments_and_run_ids(sqlite_study: Any) -> None:
    result = invoke(
        "--tracking-uri", sqlite_study.uri, "--experiment-name", sqlite_study.experiment,
        "--experiment-name", sqlite_study.other_experiment, "-m", "acc", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["runs"] == 20
    picked = [sqlite_study.run_ids[(lr, s)] for lr in (0.1, 0.01) for s in (0, 1, 2)]
    result = invoke(
        "--tracking-uri", sqlite_study.uri, "--run-ids", ",".join(picked[:3]),
        "--run-ids", ",".join(picked[3:]), "-m", "acc", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert sorted(json.loads(result.stdout)["configs"][0]["runs"] + json.loads(result.stdout)[
        "configs"][1]["runs"]) == sorted(picked)  # fmt: skip


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "html", "json"])
def test_formats_to_output_file(sqlite_study: Any, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"out.{fmt}"
    result = invoke(
        "--tracking-uri", sqlite_study.uri, "--experiment-name", sqlite_study.experiment,
        "-m", "acc", "--format", fmt, "--output", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    assert "lr=0.01" in text and result.stdout == ""
    if fmt == "json":
        assert json.loads(text)["metric"]["name"] == "acc"
    if fmt == "html":
        assert text.lstrip().lower().startswith("<!doctype html")


def test_log_report_and_tag_winner(study: Any) -> None:
    from mlflow import MlflowClient

    result = invoke(
        "--tracking-uri", study.uri, "--experiment-name", study.experiment, "-m", "acc",
        "--seed-key", "seed", "--test", "paired-t", "--log-report", "--tag-winner",
        "--report-experiment", f"reports-{study.experiment}", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    client = MlflowClient(study.uri)
    experiment = client.get_experiment_by_name(f"reports-{study.experiment}")
    (run,) = client.search_runs([experiment.experiment_id])
    tags = run.data.tags
    assert run.info.status == "FINISHED"
    assert tags["compare.winner"] == "lr=0.01" == data["decision"]["winner"]
    assert "compare.rationale" not in tags  # the description holds it, readable in full
    assert tags["mlflow.note.content"] == md_text(data["decision"]["rationale"])
    assert run.data.params["alpha"] == "0.05" and "paired" in tags["compare.test"]
    assert sorted(tags["compare.run_ids"].split(",")) == sorted(study.run_ids.values())
    names = {f.path for f in client.list_artifacts(run.info.run_id)}
    assert {"report.html", "report.md", "comparison.json", "table.csv"} <= names
    assert any(n.endswith(".png") for n in names)
    logged = json.loads(
        Path(client.download_artifacts(run.info.run_id, "comparison.json")).read_text()
    )
    assert logged == data  # the logged JSON is the printed one
    for (lr, _seed), run_id in study.run_ids.items():
        run_tags = client.get_run(run_id).data.tags
        assert (run_tags.get("compare.winner") == "true") == (lr == 0.01)
    # the comparison run is never compared itself
    again = invoke(
        "--tracking-uri", study.uri, "--experiment-name", f"reports-{study.experiment}",
        "--experiment-name", study.experiment, "-m", "acc", "--format", "json",
    )  # fmt: skip
    assert again.exit_code == 0 and json.loads(again.stdout)["runs"] == 15


def test_fail_if_worse_gate(sqlite_study: Any) -> None:
    common = [
        "--tracking-uri", sqlite_study.uri, "--experiment-name", sqlite_study.experiment,
        "-m", "acc", "--seed-key", "seed", "--test", "paired-t", "--fail-if-worse",
    ]  # fmt: skip
    worse = invoke(*common, "--baseline", "lr=0.01")
    assert worse.exit_code == 1
    assert "significantly worse than baseline 'lr=0.01'" in one_error_line(worse)
    assert "lr=0.001" in worse.stderr and "lr=0.001" in worse.stdout  # the table still printed
    fine = invoke(*common, "--baseline", "lr=0.001")
    assert fine.exit_code == 0, fine.stderr


def test_bad_input_one_line_exit_2(sqlite_study: Any, tmp_path: Path) -> None:
    uri, exp = sqlite_study.uri, sqlite_study.experiment
    cases = [
        (["--experiment-name", "nope", "-m", "acc"], "unknown experiment 'nope'"),
        (["--experiment-name", exp, "-m", "acc", "--filter", "params.lr === 3"], "bad --filter"),
        (["--experiment-name", exp, "-m", "accuracy"], "val_loss"),  # lists what exists
        (["--experiment-name", sqlite_study.partial, "-m", "acc"], "missing in 1 of 6 runs"),
        (["--experiment-name", exp, "-m", "acc", "--filter", "params.lr = '7'"], "no runs"),
        (["--experiment-name", sqlite_study.single, "-m", "acc"], "configuration"),
        (["--experiment-name", exp, "-m", "acc", "-o", "/proc/x/out.json"], "--output"),
        (["--experiment-name", exp, "-m", "acc", "-o", tmp_path], "is a folder"),
        (["--experiment-name", exp, "-m", "acc", "--fail-if-worse"], "needs --baseline"),
        (["--experiment-name", exp, "-m", "acc", "--baseline", "lr=9"], "lr=9"),
    ]
    for args, text in cases:
        result = invoke("--tracking-uri", uri, *args)
        assert result.exit_code == 2, (args, result.stderr)
        assert text in one_error_line(result), (args, result.stderr)


def test_unwritable_output_fails_before_fetching(port_factory: Any) -> None:
    # The server does not exist: we never reach it because --output is checked first.
    result = invoke(
        "--tracking-uri", f"http://127.0.0.1:{port_factory()}", "--experiment-name", "x",
        "-m", "acc", "--output", "/proc/nope/out.json",
    )  # fmt: skip
    assert result.exit_code == 2 and "--output" in one_error_line(result)


def test_server_unreachable_exit_3(port_factory: Any) -> None:
    result = invoke(
        "--tracking-uri", f"http://127.0.0.1:{port_factory()}", "--experiment-name", "x",
        "-m", "acc", "--retries", "0",
    )  # fmt: skip
    assert result.exit_code == 3
    line = one_error_line(result)
    assert "connection refused" in line and "127.0.0.1" in line


def test_artifact_store_failing_leaves_nothing_half_logged(sqlite_study: Any) -> None:
    from mlflow import MlflowClient
    from mlflow.entities import ViewType

    client = MlflowClient(sqlite_study.uri)
    # /proc refuses new folders even for root: every artifact upload fails.
    broken = client.create_experiment("broken-artifacts", artifact_location="/proc/tc-artifacts")
    result = invoke(
        "--tracking-uri", sqlite_study.uri, "--experiment-name", sqlite_study.experiment,
        "-m", "acc", "--log-report", "--report-experiment", "broken-artifacts",
    )  # fmt: skip
    assert result.exit_code == 3
    line = one_error_line(result)
    assert "logging the report failed" in line and "deleted" in line
    assert client.search_runs([broken]) == []  # nothing active is left
    (deleted,) = client.search_runs([broken], run_view_type=ViewType.DELETED_ONLY)
    assert "compare.winner" not in deleted.data.tags  # no decision was recorded


def test_console_forms_are_the_same_command(sqlite_study: Any) -> None:
    args = [
        "--tracking-uri", sqlite_study.uri, "--experiment-name", sqlite_study.experiment,
        "-m", "acc", "--format", "json",
    ]  # fmt: skip
    module = subprocess.run(
        [sys.executable, "-m", "mlflow_compare_plugin", *args],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert module.returncode == 0, module.stderr
    assert json.loads(module.stdout) == json.loads(invoke(*args).stdout)
    helped = subprocess.run(
        [sys.executable, "-m", "mlflow_compare_plugin", "--help"],
        capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[2],
    )  # fmt: skip
    assert "--log-report" in helped.stdout and "--fail-if-worse" in helped.stdout


def test_database_unreachable_exit_3(port_factory: Any) -> None:
    result = invoke(
        "--tracking-uri", f"postgresql+psycopg2://postgres@127.0.0.1:{port_factory()}/mlflow",
        "--experiment-name", "x", "-m", "acc", "--retries", "0",
    )  # fmt: skip
    assert result.exit_code == 3
    assert "connection refused" in one_error_line(result)


def test_secondary_metrics_are_shown_but_do_not_decide(sqlite_study: Any) -> None:
    common = ["--tracking-uri", sqlite_study.uri, "--experiment-name", sqlite_study.experiment]
    both = invoke(*common, "-m", "acc", "-m", "val_loss:min", "--format", "markdown")
    assert both.exit_code == 0, both.stderr
    assert "## val_loss (secondary metric, does not decide)" in both.stdout
    first = both.stdout.split("## val_loss (secondary")[0]
    assert first.strip() == invoke(*common, "-m", "acc", "--format", "markdown").stdout.strip()
    as_json = invoke(*common, "-m", "acc", "-m", "val_loss:min", "--format", "json")
    assert json.loads(as_json.stdout)["metric"]["name"] == "acc"  # JSON is the deciding one only
