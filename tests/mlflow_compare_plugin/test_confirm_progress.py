"""``mlflow-compare confirm`` while it trains, on a real terminal (a pty) and in a pipe (issue 19
item 7): 21 runs in 244 s printed nothing until the end.

In a pipe: a line per look on stderr (seeds so far per configuration, who left the race, who
goes on, what was decided) and nothing else. On a terminal: the same lines, and a bar per
training item (``round r: training item k/n``), with MLflow's INFO lines kept away.
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

pytestmark = pytest.mark.timeout(600)

LOOKS = [
    "confirm: look 1/2, 2 seeds per configuration, 6 runs so far (C=0.0001: 2, C=0.5: 2, "
    "C=0.6: 2); out of the race: C=0.0001; still in the race: C=0.5, C=0.6 (2 more seeds each)",
    "confirm: look 2/2, 4 seeds per configuration, 10 runs so far (C=0.0001: 2, C=0.5: 4, "
    "C=0.6: 4); stopped: budget spent, possibly best: C=0.5, C=0.6",
]


def _args(tmp_path: Path) -> list[str]:
    (tmp_path / "configs.yaml").write_text("- {C: 0.0001}\n- {C: 0.5}\n- {C: 0.6}\n")
    return [sys.executable, "-m", "mlflow_compare_plugin", "confirm", "configs.yaml",
            "--function", "_confirm_train:train", "-m", "val_accuracy", "--seeds", "2",
            "--max-seeds", "4", "--step", "2", "--tracking-uri",
            f"sqlite:///{tmp_path / 'mlflow.db'}"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("CI", "TRACKER_COMPARE_PROGRESS", "COLUMNS", "LINES")}
    return {**env, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])}


def test_on_a_terminal_a_bar_per_item_and_a_line_per_look(tmp_path: Path) -> None:
    code, output = run_in_pty(_args(tmp_path), env=_env(), cwd=tmp_path, rows=30, cols=110)
    assert code == 0, output[-3000:]
    frames = [f for f in re.split(r"[\r\n]+", output) if f.strip()]
    for look in LOOKS:
        assert look in frames, frames
    # every item of both rounds drew its bar: round 1 has 6 items, round 2 the 4 in the race
    items = {m.group(1, 2) for f in frames
             if (m := re.match(r"round (\d): training item (\d+/\d+) \(C=", f))}
    assert items == {("1", f"{k}/6") for k in range(1, 7)} | {("2", f"{k}/4")
                                                             for k in range(1, 5)}, items
    assert any(re.match(r"round 2: training item 4/4 \(C=0\.6, seed 3\): +75%\|.*\| 3/4 done "
                        r"\[\d\d:\d\d\]$", f) for f in frames), frames
    assert all(len(f) < 110 for f in frames if f.startswith("round "))
    assert " INFO " not in output  # MLflow's and Alembic's log lines stay hidden
    assert "Possibly best: C=0.5, C=0.6" in output


def test_in_a_pipe_only_the_look_lines(tmp_path: Path) -> None:
    done = subprocess.run(_args(tmp_path), env=_env(), cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.splitlines() == LOOKS
