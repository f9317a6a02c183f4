"""``wandb-compare confirm`` end to end (issue 19 item 4 and 7): the real W&B SDK offline, a real
scikit-learn training function that logs with ``wandb.log``, a confirm interrupted by a real
SIGINT and resumed from its ``--storage``, then ``wandb-compare`` on the same folder.

What a user does after a confirm is look at its runs with ``wandb-compare --offline-dir``: the
decision run (no metric) must be left out with a warning, the interrupted attempt's run must not
count as a seed, and the comparison must agree with the confirm's own answer. Running the same
command again in the same folder starts a new confirm beside the first (the group and the
report folder get a new name) instead of failing after all its training.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from _study import offline_env

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(600)

# A training function logging to W&B's current run; the first time it reaches seed 1 of C=0.5
# it sends its own process a real SIGINT (a user's Ctrl-C, at a known point).
TRAIN = '''
import os, signal
import wandb
from _confirm_train import train as digits

def train(C, seed):
    marker = os.environ.get("STOP_MARKER")
    if marker and C == 0.5 and seed == 1 and not os.path.exists(marker):
        open(marker, "w").close()
        os.kill(os.getpid(), signal.SIGINT)
    wandb.log({"val/accuracy": digits(C, seed)["val_accuracy"]})
'''


def _confirm(tmp_path: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wandb_compare_ext", "confirm", "configs.yaml", "--function",
         "digits_train:train", "-m", "val/accuracy", "--project", "digits", "--mode", "offline",
         "--dir", str(tmp_path), "--seeds", "3", "--max-seeds", "6", *extra],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "digits_train.py").write_text(TRAIN)
    (tmp_path / "configs.yaml").write_text("- {C: 0.0001}\n- {C: 0.5}\n- {C: 0.6}\n")
    base = {k: v for k, v in offline_env(tmp_path).items() if k != "WANDB_SILENT"}
    base.pop("CI", None)
    return {**base, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests"),
                                                   str(tmp_path)])}


def _compare(tmp_path: Path, env: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wandb_compare_ext", "--offline-dir", str(tmp_path / "wandb"),
         "-m", "val/accuracy", "--format", "json", *extra],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)


def test_interrupted_confirm_resumes_from_its_storage_then_compare_reads_its_runs(
        tmp_path: Path, env: dict[str, str]) -> None:
    storage = ["--storage", f"sqlite:///{tmp_path / 'confirm.db'}", "--name", "digits-confirm"]
    first = _confirm(tmp_path, {**env, "STOP_MARKER": str(tmp_path / "stopped")}, *storage)
    assert first.returncode == 128 + signal.SIGINT, first.stderr[-3000:]
    assert "Traceback" not in first.stderr
    assert "resume it with the same --storage and --name" in (
        tmp_path / "confirm" / "digits-confirm" / "FAILED").read_text()
    assert "wandb: " not in first.stderr  # W&B's own banner per run stays hidden without -v

    second = _confirm(tmp_path, env, *storage, "--format", "json")
    assert second.returncode == 0, second.stderr[-3000:]
    result = json.loads(second.stdout)
    assert result["parent"] == "digits-confirm" and result["winner"] is None
    assert result["stopped_because"] == "budget spent"
    assert result["seeds_used"] == {"C=0.0001": 3, "C=0.5": 6, "C=0.6": 6}
    looks = [line for line in second.stderr.splitlines() if line.startswith("confirm: look")]
    # the resumed worker ran both looks: a line each, seeds per configuration, who left
    assert len(looks) == 2, second.stderr
    assert looks[0].startswith("confirm: look 1/2, 3 seeds per configuration, 9 runs so far "
                               "(C=0.0001: 3, C=0.5: 3, C=0.6: 3); out of the race: C=0.0001; "
                               "still in the race: C=0.5, C=0.6 (3 more seeds each)"), looks
    assert looks[1].startswith("confirm: look 2/2, 6 seeds per configuration, 15 runs so far "
                               "(C=0.0001: 3, C=0.5: 6, C=0.6: 6); stopped: budget spent"), looks
    folder = tmp_path / "confirm" / "digits-confirm"
    assert json.loads((folder / "confirm.json").read_text())["seeds_used"] == result["seeds_used"]
    assert not (folder / "FAILED").exists()  # the interruption's mark goes once decided

    # wandb-compare on the folder: the decision run left out, the interrupted run not a seed
    compared = _compare(tmp_path, env)
    assert compared.returncode == 0, compared.stderr[-3000:]
    assert "warning: 1 tracker-compare run left out" in compared.stderr
    data = json.loads(compared.stdout)
    assert data["runs"] == 15
    seeds = {c["name"]: c["n"] for c in data["configs"]}
    assert seeds == {"C=0.0001": 3, "C=0.5": 6, "C=0.6": 6}, seeds
    assert data["decision"]["winner"] is None


def test_the_same_confirm_run_again_in_the_same_folder_resumes_it(
        tmp_path: Path, env: dict[str, str]) -> None:
    """Run again in the same --dir, the same confirm is that confirm (issue 20 item 5): its
    finished items are reused, nothing trains twice, one group, its report rewritten (it used
    to train everything again and fail at the report)."""
    fixed = ["--fixed", "--seeds", "2", "--format", "json"]
    first = _confirm(tmp_path, env, *fixed)
    assert first.returncode == 0, first.stderr[-3000:]
    again = _confirm(tmp_path, env, *fixed, "-v")  # -v: W&B's own lines too
    assert again.returncode == 0, again.stderr[-3000:]
    assert "wandb: " not in first.stderr
    one, two = json.loads(first.stdout), json.loads(again.stdout)
    assert one["parent"] == two["parent"] and one["winner"] == two["winner"]
    assert (tmp_path / "confirm" / one["parent"] / "report.html").exists()
    compared = _compare(tmp_path, env, "--group", one["parent"])
    assert compared.returncode == 0, compared.stderr[-3000:]
    assert json.loads(compared.stdout)["runs"] == 6  # 3 configurations x 2 seeds, once each


def test_on_a_terminal_a_bar_per_item_and_no_wandb_banner(tmp_path: Path,
                                                          env: dict[str, str]) -> None:
    import re

    from _pty import run_in_pty

    code, output = run_in_pty(
        [sys.executable, "-m", "wandb_compare_ext", "confirm", "configs.yaml", "--function",
         "digits_train:train", "-m", "val/accuracy", "--project", "digits", "--mode", "offline",
         "--dir", str(tmp_path), "--fixed", "--seeds", "2"],
        env=env, cwd=tmp_path, rows=0, cols=0)  # a terminal reporting no size: 80 columns
    assert code == 0, output[-3000:]
    frames = [f for f in re.split(r"[\r\n]+", output) if f.strip()]
    bars = [f for f in frames if f.startswith("round 1: training item ")]
    assert {f.split(" (")[0] for f in bars} == {f"round 1: training item {k}/6"
                                                for k in range(1, 7)}, frames
    assert {len(f) for f in bars} == {80}
    assert "wandb: " not in output
    assert ("confirm: look 1/1, 2 seeds per configuration, 6 runs so far (C=0.0001: 2, "
            "C=0.5: 2, C=0.6: 2); stopped: budget spent, possibly best: C=0.5, C=0.6") in frames
