"""Ctrl-C / SIGTERM during ``mlflow confirm``: nothing is left RUNNING.

The real ``mlflow confirm`` process trains with a ``--function`` whose train writes a marker
and then hangs (a long training step); the test sends the signal then, and checks the exit
code, that no traceback is printed, and that neither the confirm's parent run nor the
interrupted item's run is left RUNNING in the real sqlite store.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient

pytestmark = pytest.mark.timeout(300)

TRAIN = '''
import os, time

def train(lr, seed):
    open(os.environ["MARKER"], "a").write(f"{lr} {seed}\\n")
    time.sleep(600)  # interrupted here
    return {"acc": lr}
'''


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"]
)
@pytest.mark.parametrize("storage", [False, True], ids=["memory", "sqlite-storage"])
def test_interrupted_confirm_leaves_nothing_running(
    tmp_path: Path, signum: int, code: int, storage: bool
) -> None:
    (tmp_path / "hanging_train.py").write_text(TRAIN)
    (tmp_path / "configs.yaml").write_text("- {name: a, lr: 0.1}\n- {name: b, lr: 0.2}\n")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    marker = tmp_path / "started"
    args = [sys.executable, "-m", "mlflow_compare_plugin", "confirm", "configs.yaml",
            "--function", "hanging_train:train", "-m", "acc", "--tracking-uri", uri,
            "--experiment-name", "interrupted", "--name", "stopped"]  # fmt: skip
    if storage:
        args += ["--storage", f"sqlite:///{tmp_path / 'optuna.db'}"]
    env = {**os.environ, "MARKER": str(marker),
           "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}  # fmt: skip
    proc = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        time.sleep(0.5)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == code, stderr
    assert "Traceback" not in stderr, stderr
    assert stderr.strip().splitlines()[-1].startswith("error: "), stderr

    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("interrupted")
    runs = client.search_runs([experiment.experiment_id], run_view_type=ViewType.ALL)
    parents = [r for r in runs if "confirm.study" in r.data.tags]
    assert len(parents) == 1
    assert parents[0].info.status == "FAILED"
    assert parents[0].data.tags["confirm.status"] == "failed"
    assert parents[0].data.tags["confirm.error"].startswith("interrupted")
    items = [r for r in runs if r not in parents]
    assert len(items) == 1 and items[0].info.status == "FAILED"
    assert items[0].data.tags["confirm.error"] == "interrupted"
