"""The runnable examples in the MLflow adapter's docstrings must stay true.

``_startup`` is left out on purpose: its example installs the import hook, which must not
happen inside the test process (the install tests run it in fresh interpreters instead).
"""

import doctest
import importlib

import pytest

MODULES = ["mlflow_compare_plugin._build", "mlflow_compare_plugin._fetch"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
