"""The runnable examples in the W&B adapter's docstrings must stay true.

The start-up hook is the adapter kit's (tests/tracker_compare_kit). Examples that need a server
or run folders are marked SKIP.
"""

import doctest
import importlib

import pytest

MODULES = [
    "wandb_compare_ext._online",
    "wandb_compare_ext._report",
    "wandb_compare_ext._offline",
    "wandb_compare_ext._log_format",
    "wandb_compare_ext._provenance",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
    if name not in ("wandb_compare_ext._offline", "wandb_compare_ext._log_format"):
        # (those two: every example needs run folders)
        assert result.attempted > 0
