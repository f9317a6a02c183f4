"""``wandb-compare sweep CONFIG.yaml`` end to end, bayes sweeps, and hyperband in programs.

Real W&B SDK in offline mode, real Optuna on SQLite, real processes for program sweeps.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import optuna
import pytest
from click.testing import CliRunner

from wandb_compare_ext.sweep import load_sweep_config, run_sweep, sweep_command
from wandb_compare_ext.sweep._keys import ATTR_CONFIG, ATTR_STOP
from wandb_compare_ext.sweep._study import sampler as _sampler

REPO = Path(__file__).resolve().parents[2]


# the SDK offline, isolated (the shared fixture in conftest.py)
pytestmark = pytest.mark.usefixtures("offline_wandb")


TRAIN_MODULE = textwrap.dedent(
    """
    import wandb

    def train():
        wandb.init()
        c = wandb.config
        wandb.log({"acc": 1.0 - (c["lr"] - 0.01) ** 2, "epoch": 0})
    """
)


@pytest.mark.timeout(120)
def test_cli_runs_a_sweep_and_resumes_it(tmp_path, monkeypatch):
    (tmp_path / "my_train_mod.py").write_text(TRAIN_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "sweep.yaml").write_text(
        "name: cli-demo\nmethod: random\nrun_cap: 3\n"
        "metric: {name: acc, goal: maximize}\n"
        "parameters:\n  lr: {distribution: log_uniform_values, min: 0.001, max: 0.1}\n"
    )
    storage = f"sqlite:///{tmp_path}/cli.db"
    args = ["sweep.yaml", "--function", "my_train_mod:train", "--storage", storage, "--seed", "3"]
    result = CliRunner().invoke(sweep_command, [*args, "--count", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split()[:3] for line in lines[:2]] == [
        ["trial", "0", "COMPLETE"],
        ["trial", "1", "COMPLETE"],
    ]
    assert lines[-1] == "stopped: count (study cli-demo)"
    assert lines[-2].startswith("best: trial ")
    result = CliRunner().invoke(sweep_command, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["study_name"] == "cli-demo" and data["stop_reason"] == "run_cap"
    assert [t["number"] for t in data["trials"]] == [2]
    study = optuna.load_study(study_name="cli-demo", storage=storage)
    assert len(study.trials) == 3
    best = max(study.trials, key=lambda t: t.value)
    assert data["best"]["number"] == best.number
    assert data["best"]["config"]["lr"] == pytest.approx(best.user_attrs[ATTR_CONFIG]["lr"])


@pytest.mark.timeout(120)
def test_bayes_uses_a_model_based_sampler_within_the_supports(tmp_path):
    config = {
        "method": "bayes",
        "metric": {"name": "loss"},
        "parameters": {
            "lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
            "layers": {"distribution": "q_uniform", "min": 1, "max": 5, "q": 1},
            "act": {"values": ["relu", "gelu"]},
            "drop": {"distribution": "beta", "a": 2, "b": 2},
        },
    }

    def train(sweep):
        c = sweep.config
        loss = (c["layers"] - 3) ** 2 + abs(c["drop"] - 0.5) + (c["act"] == "relu")
        sweep.log({"loss": loss + abs(c["lr"] - 0.01)})

    storage = f"sqlite:///{tmp_path}/bayes.db"
    result = run_sweep(config, train, count=13, storage=storage, seed=0, study_name="b")
    assert len(result.trials) == 13 and all(t.state == "COMPLETE" for t in result.trials)
    study = optuna.load_study(study_name="b", storage=storage)
    assert isinstance(_sampler(load_sweep_config(config), 0), optuna.samplers.TPESampler)
    for t in result.trials:
        c = t.config
        assert 1e-4 <= c["lr"] <= 1e-1 and c["act"] in ("relu", "gelu")
        assert c["layers"] in (1.0, 2.0, 3.0, 4.0, 5.0) and 0 <= c["drop"] <= 1
    # what TPE saw: the native value for lr, W&B quantiles for the others
    assert set(study.trials[-1].params) == {"lr", "layers:u", "act", "drop:u"}


PROGRAM = textwrap.dedent(
    """
    import time
    import wandb
    from wandb_compare_ext.sweep import SweepCallback

    run = wandb.init()
    sweep = SweepCallback.from_env()
    number = sweep.trial.number
    offset = 0.0 if number == 0 else 10.0  # trial 0 is good, the later ones are worse
    polite = number == 2  # trial 2 asks should_stop() itself; trial 1 never asks
    for epoch in range(8):
        sweep.log({"loss": offset + 1.0 / (epoch + 1)})
        if polite and sweep.should_stop():
            break
        time.sleep(0.0 if number == 0 else 1.0)
    sweep.finish()
    run.finish()
    """
)


@pytest.mark.timeout(180)
def test_program_sweep_hyperband_stops_the_process_or_the_program_stops_itself(tmp_path):
    program = tmp_path / "train.py"
    program.write_text(PROGRAM)
    storage = f"sqlite:///{tmp_path}/hb.db"
    config = {
        "method": "grid",
        "program": str(program),
        "metric": {"name": "loss"},
        "parameters": {"variant": {"values": [0, 1, 2]}},
        "early_terminate": {"type": "hyperband", "min_iter": 1, "eta": 3},
    }
    result = run_sweep(
        config, storage=storage, study_name="hb", program_env={"PYTHONPATH": str(REPO)}
    )
    assert [t.state for t in result.trials] == ["COMPLETE", "PRUNED", "PRUNED"]
    assert result.trials[0].value == pytest.approx(1 / 8)
    trials = optuna.load_study(study_name="hb", storage=storage).trials
    assert len(trials[0].intermediate_values) == 8
    # trial 1 ignores should_stop(): the runner stops its process, as W&B's agent does;
    # it was judged at band 1 (values 1 and 11 -> threshold sorted[int(2/3)] = 1).
    assert "band 1" in result.trials[1].message and ATTR_STOP in trials[1].user_attrs
    assert 1 <= len(trials[1].intermediate_values) < 3  # 1 s between reports: no time for more
    # trial 2 asks should_stop() itself. Band 1: values 1, 11, 11 -> threshold
    # sorted[int(3/3)] = 11, and 11 is not worse: it goes on. Band 3 (third report): values
    # 1/3 (trial 0) and 10.33 (trial 1 has fewer reports) -> threshold 1/3: it stops.
    assert trials[2].intermediate_values == pytest.approx({1: 11.0, 2: 10.5, 3: 10 + 1 / 3})
    assert "band 3" in result.trials[2].message and ATTR_STOP in trials[2].user_attrs
    assert all(t.state == optuna.trial.TrialState.PRUNED for t in trials[1:])


RUNNER = textwrap.dedent(
    """
    import json, os, sys
    from wandb_compare_ext.sweep import run_sweep

    config, storage = json.loads(sys.argv[1]), sys.argv[2]

    def train(sweep):
        if os.environ.get("CRASH_ON") == str(sweep.config["x"]):
            sweep.log({"loss": 1.0})
            os._exit(1)  # the runner process dies mid-trial
        sweep.log({"loss": float(sweep.config["x"])})

    run_sweep(config, train, storage=storage, study_name="resume", heartbeat_interval=1)
    """
)


@pytest.mark.timeout(180)
def test_a_dead_runners_trial_is_failed_and_the_sweep_resumes(tmp_path):
    config = {
        "method": "grid",
        "metric": {"name": "loss"},
        "parameters": {"x": {"values": [1, 2, 3, 4]}},
    }
    storage = f"sqlite:///{tmp_path}/resume.db"
    env = {**os.environ, "PYTHONPATH": str(REPO), "CRASH_ON": "3"}
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(config), storage],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr[-2000:]
    study = optuna.load_study(study_name="resume", storage=storage)
    running = [t for t in study.trials if t.state == optuna.trial.TrialState.RUNNING]
    assert len(running) == 1 and running[0].user_attrs[ATTR_CONFIG] == {"x": 3}
    done_before = {t.user_attrs[ATTR_CONFIG]["x"] for t in study.trials if t.state.is_finished()}
    time.sleep(2.5)  # past the grace period (2 heartbeats) of the dead runner's trial

    def train(sweep):
        sweep.log({"loss": float(sweep.config["x"])})

    result = run_sweep(config, train, storage=storage, study_name="resume", heartbeat_interval=1)
    assert result.stop_reason == "grid_complete"
    study = optuna.load_study(study_name="resume", storage=storage)
    by_x = {t.user_attrs[ATTR_CONFIG]["x"]: t for t in study.trials}
    assert len(study.trials) == 4 and set(by_x) == {1, 2, 3, 4}  # nothing lost, nothing twice
    assert by_x[3].state == optuna.trial.TrialState.FAIL  # the dead runner's trial
    assert by_x[3].intermediate_values == {1: 1.0}  # what it reported before dying is kept
    resumed = {t.config["x"] for t in result.trials}
    assert resumed == {1, 2, 4} - done_before
    assert all(by_x[x].state == optuna.trial.TrialState.COMPLETE for x in (1, 2, 4))


PLAIN_PROGRAM = textwrap.dedent(
    """
    import os, time
    import wandb

    run = wandb.init()
    number = int(run.name.rsplit("-", 1)[1])  # the runner names runs <study>-<trial number>
    for epoch in range(8):
        wandb.log({"loss": 10.0 * number + 1.0 / (epoch + 1)})
        time.sleep(0.0 if number == 0 else 1.0)
    run.finish()
    """
)


@pytest.mark.timeout(180)
def test_program_with_only_wandb_log_is_stopped_from_wandbs_log(tmp_path):
    program = tmp_path / "plain.py"
    program.write_text(PLAIN_PROGRAM)
    storage = f"sqlite:///{tmp_path}/plain.db"
    config = {
        "method": "grid",
        "program": str(program),
        "metric": {"name": "loss"},
        "parameters": {"variant": {"values": [0, 1]}},
        "early_terminate": {"type": "hyperband", "min_iter": 1, "eta": 3},
    }
    result = run_sweep(config, storage=storage, study_name="plain")
    assert [t.state for t in result.trials] == ["COMPLETE", "PRUNED"]
    assert result.trials[0].value == pytest.approx(1 / 8)  # the run's summary in W&B's log
    trials = optuna.load_study(study_name="plain", storage=storage).trials
    # every report of run 0 read back from W&B's log; run 1 stopped at band 1 (11 > 1)
    assert trials[0].intermediate_values == pytest.approx({i: 1 / i for i in range(1, 9)})
    assert "band 1" in result.trials[1].message
    assert 1 <= len(trials[1].intermediate_values) < 8
