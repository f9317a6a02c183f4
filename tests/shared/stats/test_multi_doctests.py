"""The runnable examples in the multi-config statistics docstrings must stay true."""

import doctest
import importlib

import pytest

MODULES = [
    "shared.stats._anova",
    "shared.stats._aso",
    "shared.stats._bayes",
    "shared.stats._friedman",
    "shared.stats._posthoc",
    "shared.stats._robust",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
