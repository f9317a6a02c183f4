"""Docstring examples of every product package, collected by pytest's own doctest support.

``pytest`` (the README's test command, and CI) collects the examples in the docstrings of
``shared``, the adapters and the kit (``testpaths`` in pyproject.toml), without
``--doctest-modules`` applying to the test modules themselves; every package found beside
this file is included, so a new adapter's examples run the day it is added.
``python -m pytest --doctest-modules shared mlflow_compare_plugin ...`` collects the same.

A docstring whose every example is marked ``+SKIP`` (it needs a tracker, a server or a
comparison made elsewhere) is an illustration, not a test: it is left out of the run and
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
    yield
    wandb = sys.modules.get("wandb")
    if wandb is not None:
        wandb.finish()
        teardown_wandb()


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
