"""The runnable examples in shared.cli's docstrings must stay true."""

import doctest
import importlib

import pytest

MODULES = [
    "shared.cli._compare",
    "shared.cli._emit",
    "shared.cli._errors",
    "shared.cli._metric",
    "shared.cli._options",
    "shared.cli._progress",
    "shared.cli._run",
    "shared.cli._wording",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
