"""Turn numbers and containers into plain JSON values (NaN and infinities become ``None``)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["jsonable", "finite_or_none"]


def finite_or_none(x: Any) -> float | None:
    """``float(x)`` when it is a finite number, else ``None`` (a bool is not a number here).

    Example:
        >>> finite_or_none(float("nan")) is None, finite_or_none(True) is None
        (True, True)
    """
    if x is None or isinstance(x, bool):
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def jsonable(value: Any) -> Any:
    """A copy of ``value`` made of dict, list, str, int, float, bool and None only.

    numpy scalars become Python scalars, arrays and tuples become lists, and non-finite floats
    become ``None`` (JSON has no NaN; a ``null`` says "undefined" honestly).

    Example:
        >>> jsonable({"a": (1, float("inf"))})
        {'a': [1, None]}
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    # numpy scalars and arrays without importing numpy here
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return jsonable(tolist())
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return jsonable(to_dict())
    return str(value)
