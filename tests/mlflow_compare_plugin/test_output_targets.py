"""``-o/--output`` to what is not a regular file: written to, never replaced (issue 13 item 2).

Devices are made with ``mknod`` in a temporary folder (the same major/minor numbers as
/dev/null and /dev/full); the real /dev is never written to by these tests except through the
process's own stdout.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mlflow_compare_plugin.cli import compare
from shared.cli import is_regular_target

pytestmark = pytest.mark.timeout(300)


def _args(study: Any, *more: str) -> list[str]:
    return [
        "--tracking-uri", study.uri, "--experiment-name", study.experiment,
        "--metric", "acc", "--seed-key", "seed", "--format", "json", *more,
    ]  # fmt: skip


def _char_device(folder: Path, name: str, major: int, minor: int) -> Path:
    path = folder / name
    os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(major, minor))
    return path


def test_null_device_stays_a_device(sqlite_study: Any, tmp_path: Path) -> None:
    null = _char_device(tmp_path, "null", 1, 3)
    result = CliRunner().invoke(compare, _args(sqlite_study, "-o", str(null)))
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISCHR(os.stat(null).st_mode)  # not replaced by a regular file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]  # no temporary file left


def test_full_device_is_exit_2_and_stays_a_device(sqlite_study: Any, tmp_path: Path) -> None:
    full = _char_device(tmp_path, "full", 1, 7)
    result = CliRunner().invoke(compare, _args(sqlite_study, "-o", str(full)))
    assert result.exit_code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "No space left on device" in lines[0], result.stderr
    assert str(full) in lines[0]
    assert stat.S_ISCHR(os.stat(full).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full"]


def test_fifo_reader_gets_the_output(sqlite_study: Any, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as handle:  # blocks until the command opens it for writing
            received.append(handle.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    result = CliRunner().invoke(compare, _args(sqlite_study, "-o", str(fifo)))
    reader.join(60)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    expected = CliRunner().invoke(compare, _args(sqlite_study)).stdout
    assert received and received[0].decode() == expected
    assert result.stdout == ""


def test_regular_file_is_still_replaced_atomically(sqlite_study: Any, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    inode = target.stat().st_ino
    result = CliRunner().invoke(compare, _args(sqlite_study, "-o", str(target)))
    assert result.exit_code == 0, result.stderr
    assert target.read_text().startswith("{") and target.stat().st_ino != inode  # renamed in
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_dev_stdout_in_a_pipe(sqlite_study: Any) -> None:
    # Checked first, so that a regression can never try to replace the real /dev/stdout.
    assert not is_regular_target("/dev/stdout")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    piped = subprocess.run(
        [sys.executable, "-m", "mlflow_compare_plugin", *_args(sqlite_study, "-o", "/dev/stdout")],
        capture_output=True, text=True, env=env, timeout=240,
    )  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == CliRunner().invoke(compare, _args(sqlite_study)).stdout


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604])
def test_existing_file_keeps_its_mode_and_owner(
    sqlite_study: Any, tmp_path: Path, mode: int
) -> None:
    """A private result file stays private: the replacement takes the old file's mode and
    owner (the temporary file's umask mode made a 0600 file 0644)."""
    target = tmp_path / "result.json"
    target.write_text("old\n")
    os.chmod(target, mode)
    os.chown(target, 1, 1)  # another owner (the tests run as root, who may give files away)
    result = CliRunner().invoke(compare, _args(sqlite_study, "-o", str(target)))
    assert result.exit_code == 0, result.stderr
    after = os.stat(target)
    assert stat.S_IMODE(after.st_mode) == mode
    assert (after.st_uid, after.st_gid) == (1, 1)
    assert target.read_text().startswith("{")  # replaced with the comparison
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]


def test_new_file_gets_the_umask_mode(sqlite_study: Any, tmp_path: Path) -> None:
    target = tmp_path / "new.json"
    umask = os.umask(0o027)
    try:
        result = CliRunner().invoke(compare, _args(sqlite_study, "-o", str(target)))
    finally:
        os.umask(umask)
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
