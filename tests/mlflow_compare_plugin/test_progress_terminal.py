"""``mlflow compare`` on a real terminal (a pty) and in a pipe, issue 19 item 7.

On a sweep the default path (a SQL store, no histories) was silent for seconds: opening the
store, fetching the runs and the statistics drew nothing (14-17 s on 2,000 runs on a loaded
machine). On a terminal each step now shows what it does and a moving clock; in a pipe
nothing is added (the output stays byte-stable for scripts).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from _pty import run_in_pty  # noqa: E402
from _sweep_store import make_sweep_store  # noqa: E402

COMMAND = [str(Path(sys.executable).with_name("mlflow-compare"))]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """60 configurations x 3 seeds (180 runs) in a sqlite store."""
    return make_sweep_store(tmp_path_factory.mktemp("sweep") / "sweep.db", n_configs=60,
                            n_seeds=3, steps=2)


def terminal_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("CI", "TRACKER_COMPARE_PROGRESS", "COLUMNS", "LINES")}
    return {**env, "PYTHONPATH": str(ROOT)}


def frames(output: str) -> list[str]:
    return [f for f in re.split(r"[\r\n]+", output) if f.strip()]


@pytest.mark.parametrize("size", [(40, 120), (0, 0)])
def test_default_path_on_a_terminal_shows_the_fetch_and_the_statistics(
        sweep: tuple[str, str], size: tuple[int, int]) -> None:
    uri, experiment = sweep
    code, output = run_in_pty(COMMAND + ["--tracking-uri", uri, "--experiment-id", experiment,
                                         "-m", "val_loss"], env=terminal_env(),
                              rows=size[0], cols=size[1], timeout=300)
    assert code == 0, output
    shown = frames(output)
    assert any(f.startswith("opening the tracking store [") for f in shown), output[:2000]
    # the SQL route counts the runs it found (drawn once they are counted, before params)
    assert any(re.match(r"fetching runs: (0|180) runs \[\d\d:\d\d\]", f) for f in shown), shown
    assert any(f.startswith("comparing 180 runs [") for f in shown), shown
    assert "60 configurations, 180 runs (3 per configuration)" in output
    assert " INFO " not in output  # MLflow's own log lines stay hidden


def test_in_a_pipe_nothing_is_added(sweep: tuple[str, str]) -> None:
    uri, experiment = sweep
    done = subprocess.run(COMMAND + ["--tracking-uri", uri, "--experiment-id", experiment,
                                     "-m", "val_loss"],
                          env=terminal_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith("tracker-compare: val_loss\n")
    forced = subprocess.run(COMMAND + ["--tracking-uri", uri, "--experiment-id", experiment,
                                       "-m", "val_loss"],
                            env={**terminal_env(), "TRACKER_COMPARE_PROGRESS": "1"},
                            capture_output=True, text=True, timeout=300)
    assert forced.returncode == 0 and forced.stdout == done.stdout  # asked for: stderr only
    assert "fetching runs: " in forced.stderr and "comparing 180 runs [" in forced.stderr


def test_a_tracking_server_on_a_terminal_shows_the_fetch_and_the_statistics(
        tmp_path: Path, server_factory) -> None:  # noqa: ANN001 (conftest's factory)
    """The REST route: runs searched page by page from a real ``mlflow server``."""
    root = tmp_path / "server"
    root.mkdir()
    _, experiment = make_sweep_store(root / "mlflow.db", n_configs=60, n_seeds=3, steps=2)
    with server_factory(root) as url:
        code, output = run_in_pty(COMMAND + ["--tracking-uri", url, "--experiment-id",
                                             experiment, "-m", "val_loss"],
                                  env=terminal_env(), timeout=300)
    assert code == 0, output
    shown = frames(output)
    assert any(f.startswith("opening the tracking store [") for f in shown), output[:2000]
    assert any(re.match(r"fetching runs: (0|180) runs \[\d\d:\d\d\]$", f) for f in shown), shown
    assert any(f.startswith("comparing 180 runs [") for f in shown), shown
    assert "60 configurations, 180 runs (3 per configuration)" in output
