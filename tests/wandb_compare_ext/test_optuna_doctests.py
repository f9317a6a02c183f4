"""The runnable examples in the Optuna -> W&B modules' docstrings must stay true."""

import doctest
import importlib

import pytest

MODULES = [
    "wandb_compare_ext._optuna_callback",
    "wandb_compare_ext._optuna_routing",
    "wandb_compare_ext._optuna_seeds",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
