"""The docstring examples of confirm's modules run and hold."""

import doctest
import importlib

import pytest

MODULES = [
    "shared.confirm._plan",
    "shared.confirm._configs",
    "shared.confirm._rule",
    "shared.confirm._program",
    "mlflow_compare_plugin._confirm",
    "wandb_compare_ext._confirm",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
    if not name.endswith("_confirm"):
        assert result.attempted > 0
