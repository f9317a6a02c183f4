"""A user's own ``shared`` folder next to their script must give one clear line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("adapter", ["mlflow_compare_plugin", "wandb_compare_ext"])
def test_adapter_reports_a_shadowing_shared_folder(tmp_path, adapter):
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "__init__.py").write_text("USER_CODE = True\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # `python -c` puts the current folder first on sys.path, as running a script beside it does.
    proc = subprocess.run(
        [sys.executable, "-c", f"import {adapter}._guard"],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert "ShadowedCoreError" in last
    assert str(tmp_path / "shared") in last and "rename your own 'shared' folder" in last


@pytest.mark.parametrize("adapter", ["mlflow_compare_plugin", "wandb_compare_ext"])
def test_adapter_accepts_the_real_core(adapter):
    proc = subprocess.run([sys.executable, "-c", f"import {adapter}._guard"], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
