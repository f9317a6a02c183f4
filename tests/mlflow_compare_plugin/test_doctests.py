"""The runnable examples in the MLflow adapter's docstrings must stay true.

The start-up hook is the adapter kit's (tests/tracker_compare_kit).
"""

import doctest
import importlib

import pytest

MODULES = ["mlflow_compare_plugin._fetch", "mlflow_compare_plugin._record", "mlflow_compare_plugin.cli"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
