"""``--function module:callable``: the user's training function, imported by name."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from shared.errors import InputError

__all__ = ["load_callable"]


def load_callable(spec: str) -> Callable[..., Any]:
    """The callable ``spec`` names (``"train:main"``); one-line ``InputError`` otherwise.

    Example:
        >>> load_callable("math:sqrt")(9.0)
        3.0
    """
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise InputError(f"--function: expected module:callable, got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(f"--function: cannot import {module_name!r}: {exc}") from None
    function = getattr(module, attr, None)
    if not callable(function):
        raise InputError(f"--function: {module_name!r} has no callable {attr!r}")
    return function
