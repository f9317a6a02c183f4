"""The runnable examples in the core's docstrings must stay true."""

import doctest
import importlib

import pytest

MODULES = [
    "shared",
    "shared._example_frame",
    "shared._frame",
    "shared._progress",
    "shared.compare._examples_api",
    "shared.compare._examples_data",
    "shared.compare._grouping",
    "shared.compare._provenance",
    "shared.compare._samples",
    "shared.compare._sweep",
    "shared.render._data",
    "shared.stats._clustered",
    "shared.stats._examples",
    "shared.render._ranking",
    "shared.model._examples",
    "shared.model._history",
    "shared.model._run",
    "shared.normalise._curves",
    "shared.normalise._flatten",
    "shared.normalise._metric_names",
    "shared.normalise._reduce",
    "shared.normalise._resample",
    "shared.normalise._smooth",
    "shared.normalise._values",
    "shared.objectives",
    "shared.retry",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 or name == "shared"
    assert result.failed == 0
