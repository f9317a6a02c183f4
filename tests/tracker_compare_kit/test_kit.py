"""The adapter kit: one start-up hook for every tracker CLI, one shadowing guard, the build step.

The hook is exercised in fresh interpreters (it changes ``sys.meta_path``); the install tests
(tests/mlflow_compare_plugin/test_install.py) run it from a real ``pip install``.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KIT = ROOT / "tracker_compare_kit"


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_kit_needs_only_the_standard_library() -> None:
    # _build is the one exception: it runs inside pip's build, where setuptools is present.
    allowed = set(sys.stdlib_module_names) | {"__future__", "tracker_compare_kit"}
    for path in KIT.glob("*.py"):
        extra = _imported_roots(path) - allowed - ({"setuptools"} if path.name == "_build.py" else set())
        assert extra == set(), f"{path.name} imports {extra}"
    # The start-up module loads nothing at start-up beyond sys: os inside install(), and the
    # quiet signal handlers' modules only in an `mlflow compare`/`wandb compare` process.
    startup = ast.parse((KIT / "_startup.py").read_text())
    top = {a.name.split(".")[0] for n in startup.body if isinstance(n, ast.Import) for a in n.names}
    top |= {n.module.split(".")[0] for n in startup.body
            if isinstance(n, ast.ImportFrom) and n.level == 0 and n.module}
    assert top - {"__future__"} == {"sys"}
    assert _imported_roots(KIT / "_startup.py") <= {
        "__future__", "sys", "os", "contextlib", "signal", "threading"}


def _run(code: str, cwd: Path, extra_path: Path | None = None) -> subprocess.CompletedProcess:
    paths = [str(ROOT)] + ([str(extra_path)] if extra_path else [])
    env = {k: v for k, v in os.environ.items() if k != "TRACKER_COMPARE_NO_HOOK"}
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


@pytest.fixture
def toy_cli(tmp_path: Path) -> Path:
    """A third CLI and a provider of a command for it: the hook table is all they need."""
    (tmp_path / "toycli").mkdir()
    (tmp_path / "toycli" / "__init__.py").write_text("")
    (tmp_path / "toycli" / "main.py").write_text(
        "import click\n\n@click.group()\ndef cli():\n    pass\n"
    )
    (tmp_path / "toyprovider.py").write_text(
        "import click\n\n@click.command()\ndef compare():\n    click.echo('compared')\n"
    )
    return tmp_path


def test_one_hook_module_serves_any_cli_module_and_command(toy_cli: Path) -> None:
    code = (
        "import sys\n"
        "from tracker_compare_kit import _startup as s\n"
        "hook = s.Hook('toycli.main', 'compare', 'toyprovider')\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, '_tracker_compare_hook', 0)]\n"
        "s.install((hook,)); s.install((hook,))\n"
        "print(sum(1 for f in sys.meta_path if getattr(f, '_tracker_compare_hook', 0)))\n"
        "print('toyprovider' in sys.modules)\n"
        "from toycli.main import cli\n"
        "print(sorted(cli.commands))\n"
        "print(s.register(sys.modules['toycli.main'], hook))\n"
        "cli(['compare'])\n"
    )
    result = _run(code, toy_cli, toy_cli)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["1", "False", "['compare']", "True", "compared"]
    assert result.stderr == ""


def test_a_broken_provider_costs_one_warning_naming_the_tool(toy_cli: Path) -> None:
    (toy_cli / "toyprovider.py").write_text("raise RuntimeError('provider is broken')\n")
    code = (
        "import importlib, sys\n"
        "from tracker_compare_kit import _startup as s\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, '_tracker_compare_hook', 0)]\n"
        "s.install((s.Hook('toycli.main', 'compare', 'toyprovider'),))\n"
        "import toycli.main\n"
        "importlib.reload(toycli.main)\n"
        "print(sorted(toycli.main.cli.commands))\n"
    )
    result = _run(code, toy_cli, toy_cli)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert result.stderr.splitlines() == [
        "tracker-compare: `toycli compare` unavailable: RuntimeError: provider is broken"
    ]

