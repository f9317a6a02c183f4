"""The sweep callback under W&B's own ``wandb.agent``: peers and results on a W&B server.

The server is the loopback W&B server of these tests (real ``wandb.Api`` over HTTP on
127.0.0.1); this process's run is a real offline W&B run, as an agent's run would be.
"""

from __future__ import annotations

import pytest
import wandb
from _loopback_server import LoopbackWandbServer
from _wandb_teardown import teardown_wandb

from shared.errors import InputError
from wandb_compare_ext.sweep import SweepCallback

CONFIG = {
    "method": "random",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"lr": {"values": [0.1, 0.2]}, "seed": {"values": [0, 1, 2]}},
    "early_terminate": {"type": "hyperband", "min_iter": 1, "eta": 3},
}
CURVES = {
    (0.1, 0): [1.0, 0.5, 0.25],
    (0.1, 1): [1.0, 0.5, 0.26],
    (0.2, 0): [2.0, 1.5, 1.20],
    (0.2, 1): [2.0, 1.5, 1.21],
}


@pytest.fixture
def server(tmp_path, monkeypatch):
    srv = LoopbackWandbServer()
    for i, ((lr, seed), curve) in enumerate(CURVES.items()):
        srv.add_run(
            "demo",
            f"peer{i}",
            config={"lr": lr, "seed": seed},
            summary={"loss": curve[-1]},
            history=[{"_step": s, "loss": v} for s, v in enumerate(curve)],
            sweep="sw1",
            internal={"cli_version": "0.31.0"},  # every W&B run's config has "_wandb"
        )
    srv.add_run("demo", "other", config={"lr": 0.1, "seed": 0}, summary={"loss": 9.0},
                history=[{"_step": 0, "loss": 9.0}], sweep="another-sweep",
                internal={"cli_version": "0.31.0"})  # fmt: skip
    srv.start()
    monkeypatch.setenv("WANDB_BASE_URL", srv.url)
    monkeypatch.setenv("WANDB_API_KEY", srv.api_key)
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_ERROR_REPORTING", "false")
    for name in ("CONFIG", "CACHE", "DATA"):
        monkeypatch.setenv(f"WANDB_{name}_DIR", str(tmp_path / f".wandb-{name.lower()}"))
    teardown_wandb()
    try:
        yield srv
    finally:
        # the service first, while the server still answers (as the wandb_server fixture)
        try:
            teardown_wandb()
        finally:
            srv.stop()


@pytest.mark.timeout(120)
def test_agent_callback_judges_against_the_sweeps_runs_and_records_results(server):
    run = wandb.init(config={"lr": 0.1, "seed": 2})
    try:
        sweep = SweepCallback.for_wandb_agent(
            CONFIG, run=run, project=f"{server.entity}/demo", sweep_id="sw1"
        )
        for value in (1.0, 0.5, 0.24):
            sweep.log({"loss": value})
            # band 1: 1, 1, 2, 2 and ours 1 -> threshold sorted[int(5/3)] = 1: not worse;
            # band 3: 0.25, 0.26, 1.2, 1.21 and ours 0.24 -> threshold 0.25: not worse
            assert sweep.should_stop() is False
        assert sweep.decision.band == 3 and sweep.decision.threshold == pytest.approx(0.25)
        # a run as bad as 3.0 at its first report is stopped against the same peers
        bad = SweepCallback.for_wandb_agent(
            CONFIG, run=run, project=f"{server.entity}/demo", sweep_id="sw1"
        )
        bad.report(3.0)
        assert bad.should_stop() is True

        comparison = sweep.finish()
        best, other = sweep.configurations
        assert dict(best.config) == {"lr": 0.1} and best.n == 3  # two peers and this run
        assert best.mean == pytest.approx((0.25 + 0.26 + 0.24) / 3)
        assert dict(other.config) == {"lr": 0.2} and other.n == 2
        assert "sweep-best" in run.tags  # this run's configuration leads
        assert comparison.decision.winner == "lr=0.1"
    finally:
        run.finish()
    # the decision is recorded on the sweep's runs on the server, not on other sweeps' runs
    tags = {r.name: r.tags for r in server.runs}
    assert tags["peer0"] == ["compare-winner"] and tags["peer1"] == ["compare-winner"]
    assert tags["peer2"] == ["compare-checked"] and tags["peer3"] == ["compare-checked"]
    assert tags["other"] == []
    assert all(
        (r.notes or "").startswith("tracker-compare:") for r in server.runs if r.name != "other"
    )


def test_agent_callback_needs_a_sweep(server):
    run = wandb.init()
    try:
        with pytest.raises(InputError, match="^sweep_id: this run is not part of a W&B sweep"):
            SweepCallback.for_wandb_agent(CONFIG, run=run, project="x/y")
    finally:
        run.finish()
