"""JSON: exactly the comparison's dict (``Comparison.to_dict()``), NaN and infinities as null."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shared.compare.results._comparison import Comparison

__all__ = ["render_json", "to_jsonable"]


def to_jsonable(obj: Any) -> Any:
    """``obj`` with NaN/inf as None, tuples and numpy arrays as lists, numpy scalars as Python
    numbers, and mapping keys as strings; key order is kept, so output is stable.

    Example:
        >>> to_jsonable({"a": float("nan"), "b": (1, float("inf"))})
        {'a': None, 'b': [1, None]}
    """
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return to_jsonable(obj.to_dict())
    # numpy scalars and arrays without importing numpy here
    if hasattr(obj, "tolist") and callable(obj.tolist):
        return to_jsonable(obj.tolist())
    if hasattr(obj, "item") and callable(obj.item):
        return to_jsonable(obj.item())
    return str(obj)


def render_json(c: Comparison) -> str:
    """The comparison's dict as indented JSON (strict: no NaN tokens), ending with a newline.

    A comparison read from an older file is written in the newest schema (``SCHEMA``).

    Example:
        >>> from shared import Run, compare_runs
        >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
        ...             metrics={"acc": 0.8 + lr + 0.01 * ((7 * s + 100 * lr) % 5)})
        ...         for lr in (0.0, 0.1) for s in range(4)]
        >>> comparison = compare_runs(runs, metric="acc")
        >>> json.loads(render_json(comparison))["schema"]
        'tracker-compare/comparison/v3'
    """
    return json.dumps(to_jsonable(c.to_dict()), indent=2, allow_nan=False, ensure_ascii=False) + "\n"
