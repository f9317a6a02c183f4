"""Give parameter values their real types back.

MLflow stores every param as a string ("1e-4", "16", "True", "None"). Grouping, naming and
sorting configurations need numbers to be numbers, or "16" and "16.0" would be two configs and
"100" would sort before "20".
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["coerce_value", "coerce_params"]

_BOOLS = {"true": True, "false": False}
_NONES = {"none", "null", "nil"}
# A plain decimal or scientific number; excludes things like "1_000" or "0x10" that int()
# or float() would accept but that a user almost certainly meant as text (e.g. version "1_0").
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_INT = re.compile(r"^[+-]?\d+$")


def coerce_value(value: Any) -> Any:
    """Turn a string that spells a number, bool, None or list into that value.

    Non-strings are returned unchanged. Integers stay ``int`` ("16" -> 16), other numbers become
    ``float`` ("1e-4" -> 0.0001, "nan" -> nan), "True"/"false" become bools, "None"/"null" become
    ``None``, and "[1, 2]" (how MLflow stores a logged list) becomes a list. Anything else stays a
    string, stripped of nothing: "adam" stays "adam", "007" stays 7 only if it is numeric.

    Example:
        >>> coerce_value("1e-4"), coerce_value("16"), coerce_value("False"), coerce_value("adam")
        (0.0001, 16, False, 'adam')
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    lowered = text.lower()
    if lowered in _BOOLS:
        return _BOOLS[lowered]
    if lowered in _NONES or text == "":
        return None if text != "" else value
    if _INT.match(text):
        return int(text)
    if _NUMBER.match(text):
        return float(text)
    if lowered in ("nan", "inf", "+inf", "-inf", "infinity", "-infinity"):
        return float(lowered.replace("infinity", "inf"))
    if text[:1] in "[(" and text[-1:] in "])":
        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return value
        if isinstance(parsed, (list, tuple)):
            return [coerce_value(v) if isinstance(v, str) else v for v in parsed]
    return value


def coerce_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """``coerce_value`` applied to every value of a params mapping.

    Example:
        >>> coerce_params({"lr": "0.01", "layers": "3", "opt": "adam"})
        {'lr': 0.01, 'layers': 3, 'opt': 'adam'}
    """
    return {str(k): coerce_value(v) for k, v in params.items()}

