"""Bidi and zero-width characters from run data never reach the terminal raw.

Params holding U+202E (right-to-left override) and U+200B (zero-width space) are logged to a
real sqlite store; the real ``mlflow-compare`` default table must show them as ``\\u202e`` and
``\\u200b`` (they were printed raw: U+202E reorders the rest of the line as it is read).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(240)

RAW = ("\u202e", "\u200b", "\x1b")


def test_default_table_escapes_bidi_and_zero_width(tmp_path: Path) -> None:
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri)
    exp = client.create_experiment("escape", (tmp_path / "artifacts").as_uri())
    for lr, acc in (("fast\u202egnp.exe", 0.9), ("slow\u200b", 0.8)):
        for seed in range(4):
            run = client.create_run(exp)
            client.log_batch(run.info.run_id,
                             metrics=[Metric("acc", acc + 0.001 * seed, 0, 0)],
                             params=[Param("lr", lr), Param("seed", str(seed))])  # fmt: skip
            client.set_terminated(run.info.run_id)
    done = subprocess.run(
        [sys.executable, "-m", "mlflow_compare_plugin", "--tracking-uri", uri,
         "--experiment-name", "escape", "-m", "acc", "--seed-key", "seed"],
        capture_output=True, text=True, timeout=200,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for char in RAW:
        assert char not in done.stdout and char not in done.stderr, repr(char)
    assert "fast\\u202egnp.exe" in done.stdout and "slow\\u200b" in done.stdout


def test_matplotlib_glyph_warnings_reach_stderr_escaped(tmp_path: Path) -> None:
    """An HTML report plots the configuration names; matplotlib warns "Glyph 27 (<ESC>)
    missing from font(s)" quoting the raw character, and that warning reached the terminal
    raw (ESC, BEL, U+202E act on it). The bytes of stderr hold only the escapes."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri)
    exp = client.create_experiment("glyphs", (tmp_path / "artifacts").as_uri())
    for lr, acc in (("fast\x1b[31m\x07\u202egnp", 0.9), ("slow", 0.8)):
        for seed in range(4):
            run = client.create_run(exp)
            client.log_batch(run.info.run_id,
                             metrics=[Metric("acc", acc + 0.001 * seed, 0, 0)],
                             params=[Param("lr", lr), Param("seed", str(seed))])  # fmt: skip
            client.set_terminated(run.info.run_id)
    done = subprocess.run(
        [sys.executable, "-m", "mlflow_compare_plugin", "--tracking-uri", uri,
         "--experiment-name", "glyphs", "-m", "acc", "--seed-key", "seed", "--format", "html",
         "-o", str(tmp_path / "report.html")],
        capture_output=True, timeout=200,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    stderr = done.stderr
    for char in ("\x1b", "\x07", "\u202e"):
        assert char.encode() not in stderr, (char, stderr)
    assert b"Glyph 27 (\\x1b) missing" in stderr, stderr  # the warning itself is kept
