"""The runnable examples in the Optuna callback modules' docstrings must stay true."""

import doctest
import importlib

import pytest

MODULES = [
    "mlflow_compare_plugin._optuna_callback",
    "mlflow_compare_plugin._optuna_client",
    "mlflow_compare_plugin._optuna_parent",
    "mlflow_compare_plugin._optuna_seeds",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
