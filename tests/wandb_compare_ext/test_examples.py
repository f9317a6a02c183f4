"""W&B Tables as per-example scores: written by the real SDK offline, read from the run
folders, and read online through the real ``wandb.Api`` from the loopback server after the
real ``wandb sync`` uploaded them; ``wandb compare --examples`` on both."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _loopback_server import LoopbackWandbServer, wandb_sync
from _study import offline_env
from _tables_study import LRS, SEEDS, scores
from click.testing import CliRunner

pytestmark = pytest.mark.timeout(600)
HERE = Path(__file__).resolve().parent
PROJECT = "tables"


@pytest.fixture(scope="module")
def table_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder holding ``wandb/`` with 6 offline runs, each with an ``eval`` Table."""
    base = tmp_path_factory.mktemp("wandb_tables")
    result = subprocess.run(
        [sys.executable, str(HERE / "_tables_study.py"), PROJECT],
        env=offline_env(base), cwd=base, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(list((base / "wandb").glob("offline-run-*"))) == len(LRS) * len(SEEDS)
    return base


def _check(runs: list[Any]) -> None:
    assert len(runs) == len(LRS) * len(SEEDS)
    for run in runs:
        table = run.examples["eval"]
        expected = scores(run.params["lr"], run.params["seed"])
        assert table.column_names == ("id", "passage", "correct")
        for name, values in expected.items():
            assert list(table.column(name)) == values


def test_offline_tables_read_from_the_run_folders(table_runs: Path) -> None:
    from wandb_compare_ext._offline import load_offline_runs
    from wandb_compare_ext._tables import fetch_example_tables

    runs = load_offline_runs([table_runs]).runs
    assert all(r.tags["wandb.table.eval"].startswith("media/table/eval_") for r in runs)
    _check(fetch_example_tables(runs, "eval"))


def test_online_tables_through_the_api_after_wandb_sync(table_runs: Path, tmp_path: Path) -> None:
    from wandb_compare_ext._offline import find_offline_logs
    from wandb_compare_ext._online import WandbSource, fetch_runs
    from wandb_compare_ext._tables import fetch_example_tables

    folders = [f.parent for f in find_offline_logs(table_runs)]
    with LoopbackWandbServer() as server:
        wandb_sync(server, folders, tmp_path)
        for path in folders:  # `wandb sync` marks what it uploaded; others may sync again
            for marker in path.glob("*.synced"):
                marker.unlink()
        source = WandbSource(base_url=server.url, api_key=server.api_key, timeout=10)
        runs = fetch_runs(source, projects=[PROJECT])
        _check(fetch_example_tables(runs, "eval", source=source))
        downloads = [
            r["path"]
            for r in server.requests
            if r["path"].startswith("/files/") and r["method"] == "GET"
        ]
        # one download per run, of the table file only
        assert len(downloads) == len(runs) and all(p.endswith(".table.json") for p in downloads)
        assert server.operations().count("RunFiles") == len(runs)
        # the command, online: the same comparison as from the offline folders
        from wandb_compare_ext.cli import cli

        args = ["--project", PROJECT, "--base-url", server.url, "--examples", "eval",
                "--example-key", "id", "-m", "correct:max", "--seed-key", "seed",
                "--format", "json"]  # fmt: skip
        online = CliRunner().invoke(cli, args, env={"WANDB_API_KEY": server.api_key})
        assert online.exit_code == 0, online.stderr
    offline = _invoke([*args[4:], "--offline-dir", str(table_runs)])
    assert offline.exit_code == 0, offline.stderr
    online_data, offline_data = json.loads(online.stdout), json.loads(offline.stdout)
    assert online_data["pairs"][0]["p_value"] == pytest.approx(offline_data["pairs"][0]["p_value"])
    assert online_data["examples"] == offline_data["examples"]


def _invoke(args: list[str]) -> Any:
    from wandb_compare_ext.cli import cli

    return CliRunner().invoke(cli, args, catch_exceptions=False)


def _one_line_error(result: Any, *needles: str) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_missing_table_names_the_runs_and_the_tables_logged(table_runs: Path) -> None:
    result = _invoke(
        ["--offline-dir", str(table_runs), "--examples", "evals", "-m", "correct",
         "--example-key", "id"]
    )  # fmt: skip
    _one_line_error(result, "W&B Table 'evals' is missing in 6 of 6 runs", "Tables logged: eval")


def test_duplicate_keys_and_missing_columns(table_runs: Path) -> None:
    base = ["--offline-dir", str(table_runs), "--examples", "eval", "-m", "correct"]
    _one_line_error(
        _invoke([*base, "--example-key", "passage"]),
        "--example-key 'passage' repeats within a run in table 'eval'",
    )
    _one_line_error(
        _invoke([*base, "--example-key", "question"]),
        "--example-key 'question' is not a column of table 'eval' in 6 of 6 runs",
    )


def test_compare_offline_tables_over_examples_and_seeds(table_runs: Path) -> None:
    result = _invoke(
        ["--offline-dir", str(table_runs), "--examples", "eval", "--example-key", "id",
         "--cluster-key", "passage", "-m", "correct:max", "--seed-key", "seed",
         "--format", "json"]
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["examples"]["n_examples"] == 60 and data["examples"]["n_clusters"] == 20
    assert data["pairs"][0]["test"] == "examples-seeds"
    assert data["decision"]["winner"] == "lr=0.1"
    for config in data["configs"]:
        lr = config["params"]["lr"]
        expected = sorted(np.mean(scores(lr, seed)["correct"]) for seed in SEEDS)
        assert sorted(config["values"]) == pytest.approx(expected, rel=1e-12)
