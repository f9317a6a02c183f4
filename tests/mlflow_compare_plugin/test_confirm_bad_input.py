"""Bad input to the real ``mlflow confirm`` is exit 2 in one line, not a bug (exit 4).

A configurations file that is not UTF-8 (saved as Latin-1), and a ``--program`` whose quotes
do not close: both are the user's to fix, found before any store is opened. So are a storage
given as a path and a storage URL naming a database or folder that does not exist.
"""

from __future__ import annotations

import os
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


def test_confirm_is_quiet_on_a_new_store_unless_verbose(tmp_path: Path) -> None:
    """MLflow's INFO lines ("Creating initial MLflow database tables...") are hidden like in
    ``mlflow compare``; ``-v`` shows them."""
    (tmp_path / "quiet_train.py").write_text("def train(lr, seed):\n    return {'acc': lr}\n")
    (tmp_path / "configs.yaml").write_text("- {name: a, lr: 0.1}\n- {name: b, lr: 0.2}\n")
    import os

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path),
                                                        os.environ.get("PYTHONPATH", "")])}
    runs = {}
    for verbose in (False, True):
        uri = f"sqlite:///{tmp_path / f'mlflow-{verbose}.db'}"
        runs[verbose] = subprocess.run(
            [sys.executable, "-m", "mlflow_compare_plugin", "confirm", "configs.yaml",
             "--function", "quiet_train:train", "-m", "acc", "--seeds", "2", "--max-seeds", "2",
             "--tracking-uri", uri, *(["-v"] if verbose else [])],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=200,
        )  # fmt: skip
        assert runs[verbose].returncode == 0, runs[verbose].stderr
    assert " INFO " not in runs[False].stderr, runs[False].stderr
    assert "Creating initial MLflow database tables" in runs[True].stderr


PG_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432"


@pytest.mark.parametrize("option", ["--storage", "--study-storage"])
@pytest.mark.parametrize(("storage", "said"), [
    ("confirm.db", "is not a URL: for a file give sqlite:///confirm.db"),
    ("/tmp/confirm.db", "is not a URL"),
    ("sqlite:///no-such-folder/confirm.db", "no-such-folder"),
    (f"{PG_SERVER}/tc_no_such_database_h20c", 'database "tc_no_such_database_h20c" does not exist'),
], ids=["relative-path", "absolute-path", "missing-folder", "missing-database"])
def test_storage_mistakes_are_bad_input(tmp_path: Path, option: str, storage: str,
                                        said: str) -> None:
    """A path where a URL belongs, or a URL of a database that does not exist, is the user's
    to fix (exit 2), not an unreachable storage (exit 3); nothing is created."""
    (tmp_path / "configs.yaml").write_text("- {name: a, lr: 0.1}\n- {name: b, lr: 0.2}\n")
    source = ["configs.yaml"] if option == "--storage" else ["--from-study", "search"]
    line = _one_error_line(_confirm(tmp_path, *source, option, storage,
                                    "--program", "python train.py"))
    assert said in line and "storage" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["configs.yaml"]


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("case", ["missing-database", "closed-port"])
def test_tracking_database_missing_or_down_is_one_line(tmp_path: Path, case: str) -> None:
    """A PostgreSQL tracking store whose database does not exist (exit 2) or whose server is
    down (exit 3): one line, as `mlflow compare` says it, not MLflow's retry warnings."""
    (tmp_path / "configs.yaml").write_text("- {name: a, lr: 0.1}\n- {name: b, lr: 0.2}\n")
    uri = (f"{PG_SERVER}/tc_no_such_database_h20c" if case == "missing-database"
           else f"postgresql+psycopg2://postgres@127.0.0.1:{_closed_port()}/test")
    done = subprocess.run(
        [sys.executable, "-m", "mlflow_compare_plugin", "confirm", "configs.yaml",
         "--program", "python train.py", "-m", "acc", "--tracking-uri", uri],
        cwd=tmp_path, capture_output=True, text=True, timeout=200,
    )  # fmt: skip
    assert done.returncode == (2 if case == "missing-database" else 3), done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot open tracking store"), lines
    assert ("does not exist" if case == "missing-database" else "connection refused") in lines[0]


def test_a_required_train_argument_missing_from_a_configuration(tmp_path: Path) -> None:
    """Found before anything runs (it used to fail three attempts first): one line naming the
    configuration and the argument; nothing trained, no store made."""
    (tmp_path / "needs_wd.py").write_text(
        "def train(lr, weight_decay, seed):\n"
        "    open('trained', 'a').write('x')\n"
        "    return {'acc': lr}\n")
    (tmp_path / "configs.yaml").write_text(
        "- {name: a, lr: 0.1, weight_decay: 0.0}\n- {name: b, lr: 0.2}\n")
    done = subprocess.run(
        [sys.executable, "-m", "mlflow_compare_plugin", "confirm", "configs.yaml",
         "--function", "needs_wd:train", "-m", "acc",
         "--tracking-uri", f"sqlite:///{tmp_path / 'mlflow.db'}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=200,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path),
                                                           os.environ.get("PYTHONPATH", "")])},
    )  # fmt: skip
    line = _one_error_line(done)
    assert "configuration 'b'" in line and "'weight_decay'" in line
    assert not (tmp_path / "trained").exists() and not (tmp_path / "mlflow.db").exists()


def test_identical_configurations_are_refused(tmp_path: Path) -> None:
    (tmp_path / "configs.yaml").write_text(
        "- {name: a, lr: 0.1}\n- {name: b, lr: 0.2}\n- {name: c, lr: 0.1}\n")
    line = _one_error_line(_confirm(tmp_path, "configs.yaml", "--program", "python train.py"))
    assert "'a' and 'c' have the same params" in line
    assert not (tmp_path / "mlflow.db").exists()
