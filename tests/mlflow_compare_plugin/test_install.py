"""``mlflow compare`` in the real ``mlflow`` executable after a real ``pip install``.

Each test installs the repository into a fresh virtualenv made here (``python -m venv``; mlflow
and the build tools come from the project's environment through a path entry, so nothing is
downloaded: pip runs with ``--no-index --no-build-isolation --no-deps``), then runs real
executables in subprocesses. ``bin/mlflow`` is written exactly as pip writes the console script
of mlflow's own entry point (``mlflow.cli:cli``), because mlflow itself is not reinstalled.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(300)

REPO = Path(__file__).resolve().parents[2]
HOOKS = {
    "tracker_compare.pth": "import tracker_compare_kit._startup\n",
    "tracker_compare.start": "tracker_compare_kit._startup:install\n",
}


@dataclass
class Venv:
    root: Path
    purelib: Path
    env: dict[str, str]

    @property
    def python(self) -> str:
        return str(self.root / "bin" / "python")

    def run(
        self, *args: str, check: bool = True, cwd: Path | None = None, env: dict | None = None
    ) -> subprocess.CompletedProcess:
        result = subprocess.run(
            list(args), capture_output=True, text=True, env=env or self.env, timeout=240,
            cwd=cwd or self.root,
        )  # fmt: skip
        if check and result.returncode != 0:
            raise AssertionError(f"{args} -> {result.returncode}\n{result.stdout}\n{result.stderr}")
        return result

    def pip(self, *args: str) -> subprocess.CompletedProcess:
        return self.run(
            self.python, "-m", "pip", *args, "--no-input", "--disable-pip-version-check",
        )  # fmt: skip

    def install(self, editable: bool) -> None:
        target = ["-e", str(REPO)] if editable else [str(REPO)]
        self.pip("install", "--no-deps", "--no-build-isolation", "--no-index", *target)

    def hook_files(self) -> dict[str, str]:
        # Every start-up file of ours, including any left over from older names.
        return {
            p.name: p.read_text()
            for p in self.purelib.glob("tracker_compare*")
            if p.suffix in (".pth", ".start")
        }


@pytest.fixture
def venv(tmp_path: Path) -> Iterator[Venv]:
    root = tmp_path / "venv"
    subprocess.run(
        [sys._base_executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=120
    )
    purelib = Path(
        subprocess.run(
            [str(root / "bin" / "python"), "-c",
             "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )  # fmt: skip
    # A bare path line (not addsitedir): the project environment's packages are importable
    # but its own .pth files are not processed, so only this venv's hooks are in play.
    (purelib / "_project_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (root / "bin" / "mlflow").write_text(
        f"#!{root / 'bin' / 'python'}\nimport sys\nfrom mlflow.cli import cli\n"
        "if __name__ == '__main__':\n    sys.exit(cli())\n"
    )
    (root / "bin" / "mlflow").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(PIP_NO_INDEX="1", PYTHONDONTWRITEBYTECODE="1", MLFLOW_TRACKING_URI="")
    yield Venv(root, purelib, env)


def check_mlflow_compare(venv: Venv) -> None:
    helped = venv.run(str(venv.root / "bin" / "mlflow"), "compare", "--help")
    assert helped.stdout.startswith("Usage: mlflow compare [OPTIONS]")
    assert "--log-report" in helped.stdout and "--experiment-name" in helped.stdout
    assert "tracker-compare" not in helped.stderr  # no warning from the hook
    listed = venv.run(str(venv.root / "bin" / "mlflow"), "--help")
    assert "compare" in listed.stdout.split("Commands:")[1]
    own = venv.run(str(venv.root / "bin" / "mlflow-compare"), "--help")
    assert own.stdout.startswith("Usage: mlflow-compare [OPTIONS]")


def test_editable_install_registers_and_uninstall_removes(venv: Venv, tmp_path: Path) -> None:
    venv.install(editable=True)
    assert venv.hook_files() == HOOKS  # really in purelib, exactly one line each
    check_mlflow_compare(venv)
    # The hook loads nothing until mlflow.cli is imported, and then only our command.
    probe = venv.run(
        venv.python, "-c",
        "import sys; import mlflow; a = 'mlflow_compare_plugin.cli' in sys.modules\n"
        "import mlflow.cli; b = 'mlflow_compare_plugin.cli' in sys.modules\n"
        "print(a, b, 'compare' in mlflow.cli.cli.commands)",
        cwd=tmp_path,
    )  # fmt: skip
    assert probe.stdout.split() == ["False", "True", "True"]
    venv.pip("uninstall", "-y", "tracker-compare")
    assert venv.hook_files() == {}
    gone = venv.run(str(venv.root / "bin" / "mlflow"), "compare", "--help", check=False)
    assert gone.returncode == 2 and "No such command 'compare'" in gone.stderr


def test_regular_install_registers_and_uninstall_removes(venv: Venv, tmp_path: Path) -> None:
    venv.install(editable=False)
    assert venv.hook_files() == HOOKS
    check_mlflow_compare(venv)
    where = venv.run(
        venv.python, "-c", "import mlflow_compare_plugin.cli as m; print(m.__file__)", cwd=tmp_path
    )
    assert where.stdout.strip().startswith(str(venv.purelib))  # the installed copy, not the repo
    venv.pip("uninstall", "-y", "tracker-compare")
    assert venv.hook_files() == {}
    assert not (venv.purelib / "mlflow_compare_plugin").exists()


def test_hook_is_idempotent_and_harmless(venv: Venv, tmp_path: Path) -> None:
    venv.install(editable=True)
    quiet = venv.run(venv.python, "-c", "pass", cwd=tmp_path)
    assert quiet.stdout == "" and quiet.stderr == ""
    once = venv.run(
        venv.python, "-c",
        "import sys\nfrom tracker_compare_kit import _startup\n"
        "_startup.install(); _startup.install()\n"
        "print(sum(1 for f in sys.meta_path if getattr(f, '_tracker_compare_hook', None)))\n"
        "import mlflow.cli\n_startup.install()\n"
        "print(list(mlflow.cli.cli.commands).count('compare'))",
        cwd=tmp_path,
    )  # fmt: skip
    assert once.stdout.split() == ["1", "1"]
    # A broken mlflow (not a click group) costs one warning line, once, and nothing else.
    broken = tmp_path / "broken"
    (broken / "mlflow" / "cli").mkdir(parents=True)
    (broken / "mlflow" / "__init__.py").write_text("")
    (broken / "mlflow" / "cli" / "__init__.py").write_text("cli = None\n")
    env = {**venv.env, "PYTHONPATH": str(broken)}
    result = subprocess.run(
        [venv.python, "-c", "import mlflow.cli, importlib; importlib.reload(mlflow.cli); print('ok')"],
        capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0 and result.stdout.strip() == "ok"
    warnings = [line for line in result.stderr.splitlines() if "tracker-compare" in line]
    assert len(warnings) == 1 and "not a click group" in warnings[0]
    # An mlflow that fails to import fails as it would without us; start-up is untouched.
    (broken / "mlflow" / "__init__.py").write_text("raise ImportError('mlflow is broken')\n")
    start = subprocess.run(
        [venv.python, "-c", "pass"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=tmp_path,
    )
    assert start.returncode == 0 and start.stderr == ""
    # Opting out for one process.
    off = venv.run(
        venv.python, "-c", "import sys; print(any(getattr(f, '_tracker_compare_hook', None) "
        "for f in sys.meta_path))", cwd=tmp_path, env={**venv.env, "TRACKER_COMPARE_NO_HOOK": "1"},
    )  # fmt: skip
    assert off.stdout.strip() == "False"
