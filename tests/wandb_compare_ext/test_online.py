"""W&B runs through the real `wandb.Api`, over HTTP, from the loopback server."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _loopback_server import LoopbackWandbServer
from _study import LRS, SEEDS, STEPS, values
from _wandb_teardown import teardown_wandb
from click.testing import CliRunner

from shared.errors import InputError, TrackerUnreachable
from wandb_compare_ext._online import WandbSource, fetch_runs
from wandb_compare_ext.cli import cli

pytestmark = pytest.mark.timeout(300)
PROJECT = "loopback-team/study"


def _source(server: LoopbackWandbServer) -> WandbSource:
    return WandbSource(base_url=server.url, api_key=server.api_key, timeout=10)


def test_full_histories_through_scan_history(wandb_server: LoopbackWandbServer) -> None:
    runs = fetch_runs(_source(wandb_server), projects=[PROJECT], history_keys=["val_acc"])
    assert len(runs) == len(LRS) * len(SEEDS)
    for run in runs:
        lr, seed = run.params["optimizer.lr"], run.params["seed"]
        assert run.params == {"optimizer.lr": lr, "optimizer.name": "adam", "seed": seed}
        assert run.experiment == PROJECT and run.status == "FINISHED"
        assert run.name == f"lr{lr}-s{seed}"
        assert run.tags["wandb.group"] == f"lr={lr}"
        assert run.tags["wandb.path"] == f"{PROJECT}/{run.id}"
        logged = values(lr, seed)
        history = run.histories["val/acc"]  # `val_acc` found the logged spelling
        assert list(history.steps) == list(range(STEPS))
        np.testing.assert_array_equal(history.values, [row["val/acc"] for row in logged])
        np.testing.assert_array_equal(history.timestamps, [1.7e9 + s for s in range(STEPS)])
        assert run.metrics["val/acc"] == logged[-1]["val/acc"]
        assert "_step" not in run.metrics
    ops = wandb_server.operations()
    assert "Runs" in ops and "RunParquetHistory" in ops and "RunHistoryKeys" in ops
    # Full history, never the sampled one.
    assert "SampledHistoryPage" not in ops and "RunSampledHistory" not in ops
    ranges = [r["range"] for r in wandb_server.requests if r["path"].startswith("/files/")]
    assert ranges and all(r and r.startswith("bytes=") for r in ranges)
    asked = [r["variables"] for r in wandb_server.requests if r["operation"] == "RunParquetHistory"]
    assert all(v["liveKeys"] for v in asked)


def test_filters_order_group_sweep_and_paths(wandb_server: LoopbackWandbServer) -> None:
    source = _source(wandb_server)
    only = fetch_runs(source, projects=[PROJECT], filters={"config.optimizer.lr": 0.01})
    assert {r.params["optimizer.lr"] for r in only} == {0.01} and len(only) == 4
    sent = [r["variables"] for r in wandb_server.requests if r["operation"] == "Runs"]
    assert json.loads(sent[-1]["filters"]) == {"config.optimizer.lr": 0.01}
    ordered = fetch_runs(source, projects=[PROJECT], order="-created_at")
    assert [r.id for r in ordered][:2] == ["lr2s3", "lr2s2"]
    grouped = fetch_runs(source, projects=[PROJECT], group="lr=0.1")
    assert {r.params["optimizer.lr"] for r in grouped} == {0.1}
    swept = fetch_runs(
        source, projects=[PROJECT], sweep="sweep1", filters={"config.seed": {"$in": [0, 1]}}
    )
    assert len(swept) == 4 and {r.params["optimizer.lr"] for r in swept} == {0.001, 0.01}
    by_path = fetch_runs(source, run_paths=[f"{PROJECT}/lr1s2"])
    assert [r.id for r in by_path] == ["lr1s2"]
    default_entity = fetch_runs(source, projects=["study"], filters={"config.seed": 3})
    assert len(default_entity) == 3


def test_missing_project_is_bad_input(wandb_server: LoopbackWandbServer) -> None:
    with pytest.raises((InputError, TrackerUnreachable)):
        fetch_runs(_source(wandb_server), run_paths=[f"{PROJECT}/nope"])


def _cli(args: list[str]):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def _one_line(result, code: int, *needles: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_cli_online_compare_and_write_notes(wandb_server: LoopbackWandbServer) -> None:
    result = _cli(
        [
            "--project",
            PROJECT,
            "-m",
            "val/acc",
            "--reduce",
            "max",
            "--format",
            "json",
            "--write-notes",
            "--timeout",
            "10",
        ]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["decision"]["winner"] == "optimizer.lr=0.01"
    assert data["runs"] == 12
    assert "recorded the decision on 12 runs" in result.stderr
    for run in wandb_server.runs:
        assert "tracker-compare:" in (run.notes or "")
        winner = run.config["optimizer"]["lr"] == 0.01
        assert ("compare-winner" in run.tags) is winner
        assert ("compare-checked" in run.tags) is not winner
        assert "study" in run.tags  # the existing tags are kept
    assert wandb_server.operations().count("UpsertBucket") >= 12
    # Writing again replaces our line instead of adding another.
    again = _cli(["--project", PROJECT, "-m", "val/acc", "--write-notes", "--timeout", "10"])
    assert again.exit_code == 0, again.output
    assert all((r.notes or "").count("tracker-compare:") == 1 for r in wandb_server.runs)


def test_cli_mixes_online_and_offline(
    wandb_server: LoopbackWandbServer, offline_study: Path
) -> None:
    result = _cli(
        [
            "--project",
            PROJECT,
            "--offline-dir",
            str(offline_study),
            "-m",
            "val/acc",
            "--format",
            "json",
            "--timeout",
            "10",
        ]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["runs"] == 24
    assert all(len(c["run_keys"]) == 8 for c in data["configs"])


def test_unreachable_server_exit_3(wandb_server: LoopbackWandbServer) -> None:
    wandb_server.stop()
    result = _cli(["--project", PROJECT, "-m", "val/acc", "--timeout", "5"])
    _one_line(result, 3, "cannot reach W&B")


def test_failing_server_exit_3(wandb_server: LoopbackWandbServer) -> None:
    wandb_server.fail_status = 500
    result = _cli(["--project", PROJECT, "-m", "val/acc", "--timeout", "5"])
    _one_line(result, 3, "HTTP 500")


def test_rejected_api_key_exit_3(wandb_server: LoopbackWandbServer, monkeypatch) -> None:
    monkeypatch.setenv("WANDB_API_KEY", "k" * 40)
    result = _cli(["--project", PROJECT, "-m", "val/acc", "--timeout", "5"])
    _one_line(result, 3, "rejected the API key")


def test_client_level_rejection_is_translated(wandb_server: LoopbackWandbServer) -> None:
    """The key passes our probe, then the server starts rejecting it: the client's error."""
    source = _source(wandb_server)
    source.probe()
    wandb_server.reject_key = True
    source.probe = lambda: None  # the client alone meets the rejection now
    with pytest.raises(TrackerUnreachable, match="rejected the API key"):
        fetch_runs(source, projects=[PROJECT])


def test_unknown_metric_online(wandb_server: LoopbackWandbServer) -> None:
    result = _cli(["--project", PROJECT, "-m", "val/acuracy", "--timeout", "10"])
    _one_line(result, 2, "val/acuracy")


def test_bad_filter_json() -> None:
    result = _cli(["--project", PROJECT, "--filter", "{config.lr: 1", "-m", "acc"])
    _one_line(result, 2, "--filter")


def test_runtime_x_axis_fetches_runtime_history(wandb_server: LoopbackWandbServer) -> None:
    result = _cli(
        [
            "--project",
            PROJECT,
            "-m",
            "val/acc",
            "--reduce",
            "auc",
            "--x-axis",
            "_runtime",
            "--format",
            "json",
            "--timeout",
            "10",
        ]
    )
    # The server's runs all log at the same _runtime, so the AUC ranks like the curves.
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["x_axis"] == "_runtime" and data["decision"]["winner"] == "optimizer.lr=0.01"
    scanned = [
        r["variables"] for r in wandb_server.requests if r["operation"] == "RunParquetHistory"
    ]
    assert scanned  # full histories, not summaries, were read for the AUC
    assert any(r["path"].startswith("/files/") for r in wandb_server.requests)
    curves = [c["curve"] for c in data["configs"] if c["curve"]]
    assert curves and all(c["x_axis"] == "_runtime" for c in curves)


def test_wandb_sync_then_api_matches_offline_reader(offline_study: Path, tmp_path: Path) -> None:
    """Offline runs uploaded by the real `wandb sync`, read back through `wandb.Api`, equal
    what the offline reader reads from the same files: two independent paths agree."""
    from _loopback_server import wandb_sync

    from wandb_compare_ext.offline import find_offline_logs, load_offline_runs

    folders = [f.parent for f in find_offline_logs(offline_study)]
    offline = {r.id: r for r in load_offline_runs(offline_study).runs}
    server = LoopbackWandbServer().start()
    try:
        wandb_sync(server, folders, tmp_path)
        assert {r.name for r in server.runs} == set(offline)
        source = _source(server)
        online = fetch_runs(source, projects=[PROJECT], history_keys=["val/acc"])
        assert len(online) == 12
        for run in online:
            off = offline[run.id]
            assert run.params == off.params and run.name == off.name
            assert run.tags["wandb.group"] == off.tags["wandb.group"]
            # define_metric("val/*", step_metric="tokens") survives the upload.
            assert run.tags["wandb.step_metric.val/acc"] == "tokens"
            for key in ("val/acc", "tokens"):  # tokens: the step metric, read as well
                np.testing.assert_array_equal(run.histories[key].steps, off.histories[key].steps)
                np.testing.assert_array_equal(run.histories[key].values, off.histories[key].values)
                np.testing.assert_allclose(
                    run.histories[key].timestamps, off.histories[key].timestamps, rtol=0, atol=1e-6
                )
            assert run.metrics["best_val_acc"] == off.metrics["best_val_acc"]
        # With no --x-axis, the step metric is the x-axis online too.
        env_key, env_url = source.api_key, source.base_url
        result = CliRunner().invoke(
            cli,
            [
                "--project",
                PROJECT,
                "-m",
                "val/acc",
                "--format",
                "json",
                "--timeout",
                "10",
                "--base-url",
                env_url,
                "--reduce",
                "max",
            ],
            env={"WANDB_API_KEY": env_key},
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["x_axis"] == "tokens" and data["decision"]["winner"] == "optimizer.lr=0.01"
    finally:
        # the service first, while the server still answers (as the wandb_server fixture)
        try:
            teardown_wandb()
        finally:
            server.stop()


def test_sampled_history_is_what_we_avoid(wandb_server: LoopbackWandbServer) -> None:
    """The real client's sampled `run.history()` gets a subset; our fetch gets every row."""
    import wandb

    api = wandb.Api(api_key=wandb_server.api_key, overrides={"base_url": wandb_server.url})
    sampled = api.run(f"{PROJECT}/lr1s0").history(keys=["val/acc"], samples=10, pandas=False)
    assert "RunSampledHistory" in wandb_server.operations()
    assert len(sampled) == 10 and sampled[0]["_step"] == 0 and sampled[-1]["_step"] == STEPS - 1
    (full,) = fetch_runs(
        _source(wandb_server), run_paths=[f"{PROJECT}/lr1s0"], history_keys=["val/acc"]
    )
    assert len(full.histories["val/acc"]) == STEPS
    by_step = dict(
        zip(full.histories["val/acc"].steps, full.histories["val/acc"].values, strict=True)
    )
    assert all(by_step[row["_step"]] == row["val/acc"] for row in sampled)
