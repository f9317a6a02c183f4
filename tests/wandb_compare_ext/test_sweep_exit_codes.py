"""``wandb-compare sweep``: a sweep whose every trial failed is not a success (issue 13 item 7).

Real W&B SDK offline, real Optuna, real processes for the program sweep; the sweep command is
the real click command.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from wandb_compare_ext.sweep import sweep_command

# the SDK offline, isolated (the shared fixture in conftest.py)
pytestmark = [pytest.mark.timeout(240), pytest.mark.usefixtures("offline_wandb")]

GRID = (
    "name: {name}\nmethod: grid\n"
    "metric: {{name: acc, goal: maximize}}\n"
    "parameters:\n  lr: {{values: [0.01, 0.1]}}\n"
)




def test_missing_program_every_trial_fails_exit_1(tmp_path):
    (tmp_path / "sweep.yaml").write_text(
        GRID.format(name="missing-program") + "program: no_such_train.py\n"
    )
    result = CliRunner().invoke(sweep_command, ["sweep.yaml"])
    assert result.exit_code == 1, result.output
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: all 2 trials failed"), result.stderr
    assert "exited with code" in last


def test_function_that_never_starts_a_run_fails_exit_1(tmp_path, monkeypatch):
    (tmp_path / "idle_mod.py").write_text("def train():\n    return None\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "sweep.yaml").write_text(GRID.format(name="idle"))
    result = CliRunner().invoke(sweep_command, ["sweep.yaml", "--function", "idle_mod:train"])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().splitlines()[-1].startswith("error: all 2 trials failed")


def test_some_failed_trials_are_counted_but_exit_0(tmp_path, monkeypatch):
    (tmp_path / "half_mod.py").write_text(
        textwrap.dedent(
            """
            import wandb

            def train():
                run = wandb.init()
                if wandb.config["lr"] > 0.05:
                    raise RuntimeError("diverged")
                run.log({"acc": 0.9})
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "sweep.yaml").write_text(GRID.format(name="half"))
    result = CliRunner().invoke(sweep_command, ["sweep.yaml", "--function", "half_mod:train"])
    assert result.exit_code == 0, result.output
    assert "warning: 1 of 2 trials failed" in result.stderr


def test_config_of_random_bytes_names_the_file(tmp_path):
    config = tmp_path / "noise.yaml"
    config.write_bytes(os.urandom(64) + b"\xff\xfe")
    completed = subprocess.run(
        [sys.executable, "-m", "wandb_compare_ext", "sweep", str(config)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert completed.returncode == 2, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and str(config) in lines[0] and "UTF-8" in lines[0], completed.stderr


@pytest.mark.parametrize(("storage", "code", "said"), [
    ("sweep.db", 2, "is not a URL: for a file give sqlite:///sweep.db"),
    ("sqlite:///no-such-folder/sweep.db", 2, "no folder"),
    ("postgresql+psycopg2://postgres@127.0.0.1:5432/tc_no_such_database_h20c", 2,
     'database "tc_no_such_database_h20c" does not exist'),
], ids=["path", "missing-folder", "missing-database"])
def test_storage_mistakes_are_one_line_of_bad_input(tmp_path, storage, code, said):
    """Real PostgreSQL and sqlite: the user's to fix (exit 2), said in our words."""
    (tmp_path / "sweep.yaml").write_text(GRID.format(name="stored") + "program: train.py\n")
    completed = subprocess.run(
        [sys.executable, "-m", "wandb_compare_ext", "sweep", "sweep.yaml", "--storage", storage],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert completed.returncode == code, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0] and "storage" in lines[0], completed.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.yaml"]
