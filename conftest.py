"""Docstring examples of every product package, collected by pytest's own doctest support.

``pytest`` (the README's test command, and CI) collects the examples in the docstrings of
``shared``, the adapters and the kit (``testpaths`` in pyproject.toml), without
``--doctest-modules`` applying to the test modules themselves; every package found beside
this file is included, so a new adapter's examples run the day it is added.
``python -m pytest --doctest-modules shared mlflow_compare_plugin ...`` collects the same.

A docstring whose every example is marked ``+SKIP`` (it needs a tracker, a server or a
comparison made elsewhere; the W&B online source's examples get ``server``, the tests'
loopback W&B server) is an illustration, not a test: it is left out of the run and
counted in the summary, rather than reported as a skipped test.

Every docstring example runs in a fresh temporary folder (its working directory, also ``tmp``
in its namespace), with the real ``wandb`` SDK offline and isolated there (no user config, no
network) and MLflow's default tracking folder there too, so examples that log real runs
(``wandb.init(mode="offline")``, ``sqlite:///mlflow.db``) leave nothing behind.
"""

from __future__ import annotations

import doctest
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent
PRODUCT = frozenset(
    p.name
    for p in ROOT.iterdir()
    if (p / "__init__.py").is_file() and p.name not in ("tests", "benchmarks")
)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    from _pytest.doctest import DoctestModule

    if parent.config.option.doctestmodules or file_path.suffix != ".py":
        return None  # --doctest-modules given: pytest collects them itself
    try:
        package = file_path.relative_to(ROOT).parts[0]
    except ValueError:
        return None
    if package not in PRODUCT or file_path.name == "__main__.py":
        return None
    return DoctestModule.from_parent(parent, path=file_path)


@pytest.fixture(autouse=True)
def _doctest_folder(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """For docstring examples only: the temporary folder and offline trackers (module doc)."""
    from _pytest.doctest import DoctestItem

    if not isinstance(request.node, DoctestItem):
        yield
        return
    from _wandb_offline import isolate_offline_wandb  # tests/ is on the path (pyproject)
    from _wandb_teardown import teardown_wandb  # bounded: wandb's own waits without a limit

    request.getfixturevalue("doctest_namespace")["tmp"] = tmp_path
    for key in [k for k in os.environ if k.startswith(("WANDB_", "MLFLOW_"))]:
        monkeypatch.delenv(key)
    isolate_offline_wandb(monkeypatch, tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    wandb = sys.modules.get("wandb")
    if wandb is not None:  # its settings singleton keeps the first WANDB_DIR it saw
        teardown_wandb()
    server = None
    if request.node.name.startswith("wandb_compare_ext._online"):
        server = _online_examples_server(monkeypatch)
        request.getfixturevalue("doctest_namespace")["server"] = server
    try:
        yield
    finally:
        wandb = sys.modules.get("wandb")
        if wandb is not None:
            wandb.finish()
            teardown_wandb()
        if server is not None:  # after wandb's teardown: nothing of wandb still talks to it
            server.stop()


def _online_examples_server(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The online source's examples read a W&B server: the tests' loopback one (W&B's own
    backend does not run here), holding the project ``lora`` the examples read."""
    folder = str(ROOT / "tests" / "wandb_compare_ext")
    if folder not in sys.path:
        sys.path.append(folder)  # appended: tests/ holds folders named like our packages
    from _loopback_server import LoopbackWandbServer

    server = LoopbackWandbServer().start()
    for i, lr in enumerate((0.1, 0.01)):
        rows = [
            {"val/loss": round(1.0 / (s + 1) + lr, 2), "_step": s, "_timestamp": 1.7e9 + s}
            for s in range(3)
        ]
        server.add_run("lora", f"run{i}", display_name=f"lr={lr}",
                       config={"lr": lr, "seed": 0}, summary=dict(rows[-1]), history=rows)  # fmt: skip
    monkeypatch.setenv("WANDB_BASE_URL", server.url)
    monkeypatch.setenv("WANDB_API_KEY", server.api_key)
    return server


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from _pytest.doctest import DoctestItem

    illustrations = [
        item
        for item in items
        if isinstance(item, DoctestItem)
        and item.dtest is not None
        and all(example.options.get(doctest.SKIP) for example in item.dtest.examples)
    ]
    if illustrations:
        config.hook.pytest_deselected(items=illustrations)
        items[:] = [item for item in items if item not in illustrations]
        config.stash[_ILLUSTRATIONS] = len(illustrations)


_ILLUSTRATIONS = pytest.StashKey[int]()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    count = config.stash.get(_ILLUSTRATIONS, 0)
    if count:
        terminalreporter.write_line(
            f"{count} docstrings hold only +SKIP examples (illustrations): not collected"
        )
