"""Suite-wide rules (CI may skip nothing) and the headless Chromium fixtures."""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    outcome = yield
    report = outcome.get_result()
    # In CI a skipped test would hide a missing install step: count it as a failure.
    if os.environ.get("CI") and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which may skip nothing: {report.longrepr}"


def _load_chromium() -> ModuleType:
    # By path: `tests` is not importable as a package (baycomp installs a top-level `tests`).
    name = "_tracker_compare_chromium"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("_chromium.py"))
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def chromium() -> ModuleType:
    """The ``tests/_chromium.py`` helpers: ``inspect``, ``network``, ``in_mlflow_like_iframe``."""
    return _load_chromium()


@pytest.fixture(scope="session")
def browser(chromium: ModuleType) -> Iterator[object]:
    """One headless Chromium (through chromedriver) for the whole session, ended afterwards."""
    assert os.access(chromium.CHROMIUM, os.X_OK) and os.access(chromium.CHROMEDRIVER, os.X_OK), (
        "headless Chromium is needed: apt-get install chromium chromium-driver"
    )
    with tempfile.TemporaryDirectory(prefix="tc-chromium-") as profile:
        driver = chromium.ChromeDriver(profile)
        try:
            yield driver
        finally:
            driver.close()


@pytest.fixture(autouse=True)
def _comparisons_read_back() -> Iterator[None]:
    """Every ``Comparison`` a test builds in this process reads back from its JSON exactly:
    ``Comparison.from_dict(c.to_dict()).to_dict() == c.to_dict()`` (checked after the test).

    Only our own class is wrapped, and only once a test module has imported it (the suite's
    start-up and isolation tests see nothing).
    """
    module = sys.modules.get("shared.compare.results._comparison")
    if module is None:
        yield
        return
    cls = module.Comparison
    built: list[object] = []
    original = cls.__init__

    def record(self: object, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        built.append(self)

    cls.__init__ = record
    try:
        yield
    finally:
        cls.__init__ = original
    for c in built:
        d = c.to_dict()  # type: ignore[attr-defined]
        assert cls.from_dict(d).to_dict() == d, "a comparison does not read back from its JSON"
