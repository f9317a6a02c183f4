"""A user's own ``shared`` folder next to their script must give one clear line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_guard_reports_a_shadowing_shared_folder(tmp_path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "__init__.py").write_text("USER_CODE = True\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # `python -c` puts the current folder first on sys.path, as running a script beside it does.
    proc = subprocess.run(
        [sys.executable, "-c", "import tracker_compare_kit._guard"],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert "ShadowedCoreError" in last
    assert str(tmp_path / "shared") in last and "rename your own 'shared' folder" in last


def test_guard_accepts_the_real_core():
    proc = subprocess.run([sys.executable, "-c", "import tracker_compare_kit._guard"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


PUBLIC_MODULES = [
    "mlflow_compare_plugin.cli",
    "mlflow_compare_plugin.fetch",
    "mlflow_compare_plugin.optuna",
    "mlflow_compare_plugin.publish",
    "wandb_compare_ext.cli",
    "wandb_compare_ext.offline",
    "wandb_compare_ext.online",
    "wandb_compare_ext.optuna",
    "wandb_compare_ext.report",
    "wandb_compare_ext.sweep",
]


@pytest.fixture
def user_folder(tmp_path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "__init__.py").write_text("USER_CODE = True\n")
    return tmp_path


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_every_public_module_checks_before_touching_shared(user_folder, module):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", f"import {module}"], cwd=user_folder, env=env,
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines()[-1].startswith(
        "tracker_compare_kit._guard.ShadowedCoreError: tracker-compare's core package"
    )


@pytest.mark.parametrize("adapter", ["mlflow_compare_plugin", "wandb_compare_ext"])
def test_python_dash_m_gives_one_line_and_exit_2(user_folder, adapter):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", adapter, "--help"], cwd=user_folder, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: tracker-compare's core package 'shared'")
