"""Fixtures for the render tests: the hand-built comparison dicts of ``_sample.py``.

``_sample.py`` is loaded by path under a unique module name: ``tests`` is not importable as a
package here (baycomp installs a top-level ``tests`` package into site-packages), and a bare
``import _sample`` could pick up another directory's helper.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


def _load_sample() -> ModuleType:
    name = "_tracker_compare_render_sample"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("_sample.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def sample() -> ModuleType:
    """The ``_sample`` module: ``sample_two()``, ``sample_four()``, ``sample_evil(payload)``."""
    return _load_sample()


@pytest.fixture
def two(sample: ModuleType) -> dict:
    return sample.sample_two()


@pytest.fixture
def four(sample: ModuleType) -> dict:
    return sample.sample_four()
