"""``wandb_compare_ext.confirm`` and ``wandb-compare confirm`` with the real W&B SDK offline and
a real scikit-learn training job (``tests/_confirm_train.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _study import offline_env

from wandb_compare_ext import confirm
from wandb_compare_ext.offline import load_offline_runs

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from _confirm_train import train  # noqa: E402


@pytest.fixture
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = offline_env(tmp_path)
    for key, value in env.items():
        if key.startswith("WANDB_"):
            monkeypatch.setenv(key, value)
    return env


def test_sklearn_training_offline_one_group_decision_in_notes_and_report_spec(
        tmp_path: Path, offline: dict[str, str]) -> None:
    import wandb

    def logs_to_wandb(C: float, seed: int) -> None:  # noqa: N803
        wandb.log({"val/accuracy": train(C, seed)["val_accuracy"]})

    configs = [{"name": "underfit", "C": 1e-4}, {"name": "good", "C": 0.5}]
    result = confirm(configs, logs_to_wandb, metric="val/accuracy", seeds=3, max_seeds=10,
                     project="digits", entity="team", mode="offline", dir=tmp_path)
    assert result.winner == "good" and result.stopped_because == "decided"
    assert result.seeds_used == {"underfit": 3, "good": 3}
    runs = load_offline_runs(tmp_path / "wandb").runs
    assert {r.tags["wandb.group"] for r in runs} == {result.parent}
    items = [r for r in runs if r.tags["wandb.job_type"] == "confirm"]
    assert sorted((r.name, r.params["seed"])
                  for r in items) == sorted((f"{c} seed={s}", s) for c in ("underfit", "good")
                                            for s in range(3))
    assert all(0 < r.metrics["val/accuracy"] <= 1 for r in items)
    decision = [r for r in runs if r.tags["wandb.job_type"] == "confirm-decision"]
    assert len(decision) == 1
    assert decision[0].tags["wandb.notes"].startswith("Stopped after 1 look(s): decided")
    folder = tmp_path / "confirm" / result.parent
    spec = json.loads((folder / "report-spec.json").read_text())
    assert "team" in json.dumps(spec) and "digits" in json.dumps(spec)
    assert json.loads((folder / "confirm.json").read_text())["winner"] == "good"
    assert (folder / "report.html").exists()


def test_cli_with_a_program_offline(tmp_path: Path, offline: dict[str, str]) -> None:
    (tmp_path / "configs.yaml").write_text("- {C: 0.0001}\n- {C: 0.5}\n")
    program = f"{sys.executable} {ROOT / 'tests' / '_confirm_program.py'}"
    out = subprocess.run(
        [sys.executable, "-m", "wandb_compare_ext", "confirm", "configs.yaml", "--program",
         program, "-m", "val/accuracy", "--project", "digits", "--mode", "offline", "--dir",
         str(tmp_path), "--format", "json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={**{k: v for k, v in os.environ.items() if k != "WANDB_ENTITY"}, **offline,
             "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout)
    assert result["winner"] == "C=0.5" and result["seeds_used"] == {"C=0.0001": 3, "C=0.5": 3}
    runs = load_offline_runs(tmp_path / "wandb").runs
    items = [r for r in runs if r.tags.get("wandb.job_type") == "confirm"]
    assert len(items) == 6 and {r.tags["wandb.group"] for r in items} == {result["parent"]}
    # no entity for an offline run without an account: the report, but no Report spec
    decision = [r for r in runs if r.tags.get("wandb.job_type") == "confirm-decision"]
    assert len(decision) == 1 and decision[0].tags["wandb.group"] == result["parent"]
    folder = tmp_path / "confirm" / result["parent"]
    assert (folder / "report.html").exists() and not (folder / "report-spec.json").exists()


def _sweep_train(sweep) -> None:
    """A sweep trial: one seed of the digits job (the sweep's noisy single-seed estimate)."""
    c = sweep.config
    sweep.log({"val/accuracy": train(c["C"], 0)["val_accuracy"] - 0.001 * c.get("layers", 0)})


@pytest.mark.parametrize("with_layers", [False, True])
def test_cli_from_a_local_sweep(tmp_path: Path, offline: dict[str, str], with_layers: bool) -> None:
    from wandb_compare_ext.sweep import run_sweep

    parameters = {"C": {"values": [1e-4, 0.05, 0.5]}}
    if with_layers:  # a key the confirm's function does not take
        parameters["layers"] = {"values": [1, 2]}
    config = {"method": "grid", "metric": {"name": "val/accuracy", "goal": "maximize"},
              "parameters": parameters}
    storage = f"sqlite:///{tmp_path}/sweep.db"
    run_sweep(config, _sweep_train, storage=storage, study_name="digits-sweep")
    out = subprocess.run(
        [sys.executable, "-m", "wandb_compare_ext", "confirm", "--from-sweep", "digits-sweep",
         "--study-storage", storage, "--top", "2", "--function", "_confirm_train:train",
         "-m", "val_accuracy", "--project", "digits", "--mode", "offline", "--dir",
         str(tmp_path / "confirm"), "--format", "json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={**os.environ, **offline, "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}"})
    if with_layers:
        assert out.returncode == 2, out.stderr[-2000:]
        assert "has key 'layers' that train() does not accept" in out.stderr
        assert not (tmp_path / "confirm" / "wandb").exists()  # nothing ran
        return
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout)
    assert set(result["seeds_used"]) == {"C=0.05", "C=0.5"}  # the sweep's top 2


def test_wandb_compare_on_confirm_output_skips_the_decision_run(
        tmp_path: Path, offline: dict[str, str]) -> None:
    """Issue 19 item 4: ``wandb compare`` on confirm's offline runs exited 2 because the
    decision run (``job_type="confirm-decision"``) lacks the metric; it is left out, said so."""
    import wandb
    from click.testing import CliRunner

    from wandb_compare_ext.cli import cli

    def logs_to_wandb(C: float, seed: int) -> None:  # noqa: N803
        wandb.log({"val/accuracy": train(C, seed)["val_accuracy"]})

    configs = [{"name": "underfit", "C": 1e-4}, {"name": "good", "C": 0.5}]
    confirm(configs, logs_to_wandb, metric="val/accuracy", seeds=3, adaptive=False,
            project="digits", mode="offline", dir=tmp_path)
    result = CliRunner().invoke(cli, ["--offline-dir", str(tmp_path / "wandb"), "-m",
                                      "val/accuracy", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "warning: 1 tracker-compare run left out" in result.stderr
    data = json.loads(result.stdout)
    assert data["runs"] == 6 and data["decision"]["winner"] == "C=0.5"
