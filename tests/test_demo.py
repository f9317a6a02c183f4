"""The README's main command, ``bash .ci/demo``, as a user with nothing but Python.

On a copy of the checkout, run by an unprivileged user (``nobody`` when the tests run as root)
whose PATH holds only the few basic commands the script uses and the system's python3: no
apt-get, no Chromium or chromium-driver, no PostgreSQL client, no root. The demo must finish
(exit 0, every step run, report.html logged) and leave nothing in the checkout but demo-out/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What .ci/demo and .ci/setup call, and nothing else (chromium, psql, apt-get stay out of reach).
TOOLS = ("bash", "sh", "env", "tar", "find", "mktemp", "id", "dirname", "rm", "mkdir", "cat",
         "uname", "ls", "cp", "mv", "readlink", "sed", "grep", "sort", "head")  # fmt: skip
SKIP = {".git", "demo-out", "build", "mlruns", "wandb", "file:"}


def _python() -> str:
    """A system python3 an unprivileged user can run (not a virtualenv, not root's pyenv)."""
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3"):
        if os.access(candidate, os.X_OK):
            return candidate
    return sys.executable


def _copy_checkout(dest: Path) -> None:
    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        parts = Path(info.name).parts
        top = parts[1] if len(parts) > 1 else ""
        if top in SKIP or top.startswith(".venv") or top.endswith(".egg-info"):
            return None
        if "__pycache__" in parts or ".pytest_cache" in parts or ".hypothesis" in parts:
            return None
        return info

    archive = dest.parent / "src.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(ROOT, arcname=".", filter=keep)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="tar")
    archive.unlink()


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.timeout(1500)
def test_demo_runs_with_only_python_and_leaves_only_demo_out() -> None:
    # Under /tmp, not pytest's tmp_path: its parent folder is private to the user running the
    # tests, and the demo runs as another one.
    with tempfile.TemporaryDirectory(prefix="tc-demo-", dir="/tmp") as folder:
        _run_demo(Path(folder))


def _run_demo(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    home = tmp_path / "home"
    tools = tmp_path / "bin"
    for folder in (checkout, home, tools):
        folder.mkdir()
    _copy_checkout(checkout)
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, tool
        (tools / tool).symlink_to(found)
    (tools / "python3").symlink_to(_python())
    for name in ("chromium", "chromedriver", "psql", "apt-get", "sudo"):
        assert shutil.which(name, path=str(tools)) is None
    before = _listing(checkout)

    env = {"HOME": str(home), "PATH": str(tools), "LANG": "C.UTF-8", "TMPDIR": str(tmp_path)}
    command = ["bash", str(checkout / ".ci" / "demo")]
    if os.geteuid() == 0:  # as root, become nobody: the demo must not need root
        os.chmod(tmp_path, 0o755)
        for path in (tmp_path, *tmp_path.rglob("*")):
            os.lchown(path, 65534, 65534)
        command = [shutil.which("setpriv") or "setpriv", "--reuid=65534", "--regid=65534",
                   "--clear-groups", "--", *command]  # fmt: skip
    done = subprocess.run(
        command, cwd=checkout, env=env, capture_output=True, text=True, timeout=1400
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-4000:]
    for step in range(1, 8):
        assert f"== {step}." in done.stdout, (step, log[-2000:])
    assert "HTML report logged to MLflow: file://" in done.stdout
    report = done.stdout.split("HTML report logged to MLflow: file://", 1)[1].split()[0]
    assert Path(report).is_file() and Path(report).is_relative_to(checkout / "demo-out")
    # the demo ends with the MLflow UI address of that report (issue 19 item 9)
    last = done.stdout.strip().splitlines()[-1]
    run_id = Path(report).parent.parent.name  # .../<run id>/artifacts/report.html
    assert last.startswith("then open the comparison run's report at: http://127.0.0.1:5000/#/")
    assert last.endswith(f"/runs/{run_id}/artifacts/report.html"), (last, report)
    assert (checkout / "demo-out" / "wandb-report.json").is_file()
    added = _listing(checkout) - before
    assert added and all(p == "demo-out" or p.startswith("demo-out/") for p in added), sorted(
        p for p in added if not p.startswith("demo-out")
    )[:10]
    assert before <= _listing(checkout)  # nothing removed either
