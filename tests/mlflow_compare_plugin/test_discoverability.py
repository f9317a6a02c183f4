"""Finding confirm and the tests from the command line (issue 19 item 9): ``mlflow compare
confirm`` through the ``mlflow`` CLI, ``confirm`` in ``mlflow-compare --help``, the accepted
tests in ``--test``'s help, and no message naming a command that does not exist."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}",
        "MLFLOW_TRACKING_URI": "",
        "COLUMNS": "200",
    }
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, env=env, timeout=600)


def test_mlflow_compare_confirm_runs_through_the_mlflow_cli(tmp_path: Path) -> None:
    (tmp_path / "configs.yaml").write_text(
        "- {name: underfit, C: 0.0001}\n- {name: good, C: 0.5}\n"
    )
    out = _run(
        str(BIN / "mlflow"),
        "compare",
        "confirm",
        "configs.yaml",
        "--function",
        "_confirm_train:train",
        "-m",
        "val_accuracy",
        "--fixed",
        "--seeds",
        "2",
        "--tracking-uri",
        f"sqlite:///{tmp_path}/mlflow.db",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["seeds_used"] == {"underfit": 2, "good": 2}
    helped = _run(str(BIN / "mlflow"), "compare", "confirm", "--help", cwd=tmp_path)
    assert helped.returncode == 0 and "Usage: mlflow compare confirm" in helped.stdout


def test_help_lists_confirm_and_the_tests(tmp_path: Path) -> None:
    from shared.compare.inference._registry import TESTS

    for command in (
        [str(BIN / "mlflow-compare"), "--help"],
        [str(BIN / "mlflow"), "compare", "--help"],
    ):
        out = _run(*command, cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        text = " ".join(out.stdout.split())
        assert "Commands: confirm" in text
        joined = "".join(out.stdout.split())  # click may wrap "friedman-nemenyi" at its hyphen
        assert all(name in joined for name in TESTS), text


def test_no_message_names_a_missing_command() -> None:
    sources = [
        p
        for d in ("shared", "mlflow_compare_plugin", "wandb_compare_ext")
        for p in (ROOT / d).rglob("*.py")
    ]
    assert not [p for p in sources if "no confirm command" in p.read_text()]
