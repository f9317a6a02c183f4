"""Bad input to the real ``mlflow confirm`` is exit 2 in one line, not a bug (exit 4).

A configurations file that is not UTF-8 (saved as Latin-1), and a ``--program`` whose quotes
do not close: both are the user's to fix, found before any store is opened.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(240)


def _confirm(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    return subprocess.run(
        [sys.executable, "-m", "mlflow_compare_plugin", "confirm", *args, "-m", "acc",
         "--tracking-uri", uri],
        cwd=tmp_path, capture_output=True, text=True, timeout=200,
    )  # fmt: skip


def _one_error_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


def test_configs_file_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "configs.yaml").write_bytes("- {name: caf\u00e9, lr: 0.1}\n".encode("latin-1"))
    line = _one_error_line(_confirm(tmp_path, "configs.yaml", "--program", "python train.py"))
    assert "not UTF-8" in line and "configs.yaml" in line
    assert not (tmp_path / "mlflow.db").exists()


def test_program_with_unbalanced_quote(tmp_path: Path) -> None:
    (tmp_path / "configs.yaml").write_text("- {name: a, lr: 0.1}\n- {name: b, lr: 0.2}\n")
    line = _one_error_line(_confirm(tmp_path, "configs.yaml", "--program", "python 'train.py"))
    assert "--program" in line and "No closing quotation" in line
    assert not (tmp_path / "mlflow.db").exists()


@pytest.mark.parametrize("name", ["../../x", "a/b", ".hidden"])
def test_name_that_is_a_path_is_refused(tmp_path: Path, name: str) -> None:
    """The name also names the report's files (W&B writes them under --dir): ``../../x``
    wrote outside it."""
    (tmp_path / "configs.yaml").write_text("- {name: a, lr: 0.1}\n- {name: b, lr: 0.2}\n")
    line = _one_error_line(
        _confirm(tmp_path, "configs.yaml", "--program", "python train.py", "--name", name)
    )
    assert "--name" in line and "not a plain name" in line
    assert not (tmp_path / "mlflow.db").exists()


def test_from_study_with_a_missing_sqlite_file_does_not_create_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-study.db"
    line = _one_error_line(_confirm(
        tmp_path, "--from-study", "search", "--study-storage", f"sqlite:///{missing}",
        "--program", "python train.py",
    ))  # fmt: skip
    assert "no sqlite file" in line and str(missing) in line
    assert not missing.exists()
