"""Input checks shared by the statistics functions (one place for the error wording)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from shared.errors import InputError

__all__ = [
    "as_sample",
    "as_pair",
    "check_alpha",
    "check_level",
    "is_constant",
    "pow2_scale",
    "tie_tolerance",
]

# Metric values are usually short decimals (0.763, 0.768); their float differences carry
# rounding noise of a few ulps. Values closer than this (relative to the data's magnitude)
# are treated as equal so that ties and zero differences are recognised as such.
_REL_TOL = 1e-12


def _to_array(x: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a sequence of numbers: {exc}") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise InputError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def as_sample(
    x: Any, name: str = "x", *, min_n: int = 2, warnings: list[str] | None = None
) -> np.ndarray:
    """``x`` as a 1-D float array without non-finite values (dropped with a warning).

    Raises:
        InputError: not numbers, not 1-D, or fewer than ``min_n`` finite values.
    """
    arr = _to_array(x, name)
    finite = np.isfinite(arr)
    if not finite.all():
        dropped = int((~finite).sum())
        arr = arr[finite]
        if warnings is not None:
            warnings.append(f"dropped {dropped} non-finite value(s) (NaN/inf) from {name}")
    if arr.size < min_n:
        raise InputError(
            f"{name} needs at least {min_n} finite value(s), got {arr.size}"
        )
    return arr


def as_pair(
    a: Any,
    b: Any,
    *,
    paired: bool,
    min_n: int = 2,
    warnings: list[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Validate two samples; for paired data drop the pairs where either value is non-finite.

    Raises:
        InputError: unusable input (too few values, mismatched lengths when paired).
    """
    if not paired:
        return (
            as_sample(a, "a", min_n=min_n, warnings=warnings),
            as_sample(b, "b", min_n=min_n, warnings=warnings),
        )
    xa, xb = _to_array(a, "a"), _to_array(b, "b")
    if xa.size != xb.size:
        raise InputError(
            f"paired samples must have the same length, got {xa.size} and {xb.size}"
        )
    finite = np.isfinite(xa) & np.isfinite(xb)
    if not finite.all():
        dropped = int((~finite).sum())
        xa, xb = xa[finite], xb[finite]
        if warnings is not None:
            warnings.append(f"dropped {dropped} pair(s) with a non-finite value (NaN/inf)")
    if xa.size < min_n:
        raise InputError(f"paired samples need at least {min_n} complete pair(s), got {xa.size}")
    return xa, xb


def check_alpha(alpha: Any) -> float:
    """A significance level strictly between 0 and 1 (one message for every caller)."""
    try:
        a = float(alpha)
    except (TypeError, ValueError):
        raise InputError(f"alpha must be a number in (0, 1), got {alpha!r}") from None
    if not 0.0 < a < 1.0:
        raise InputError(f"alpha must be in (0, 1), got {alpha!r}")
    return a


def check_level(level: float) -> float:
    """A confidence level strictly between 0 and 1."""
    try:
        lv = float(level)
    except (TypeError, ValueError):
        raise InputError(f"level must be a number between 0 and 1, got {level!r}") from None
    if not 0.0 < lv < 1.0:
        raise InputError(f"level must be between 0 and 1 (e.g. 0.95), got {level!r}")
    return lv


def tie_tolerance(*arrays: Sequence[float] | np.ndarray) -> float:
    """Absolute tolerance under which two values of these arrays count as equal."""
    scale = max((float(np.max(np.abs(x))) for x in arrays if np.size(x)), default=0.0)
    return _REL_TOL * scale


def is_constant(x: np.ndarray, tol: float) -> bool:
    """True when every value of ``x`` is within ``tol`` of the others."""
    return bool(x.size == 0 or np.ptp(x) <= tol)


def pow2_scale(*arrays: np.ndarray) -> float:
    """A power of two close to the largest magnitude in ``arrays`` (1.0 if all are zero).

    Dividing by it is exact and brings the data to [-1, 1], so that squares neither overflow
    (values near 1e300) nor underflow (values near 1e-300); every test statistic is
    invariant to it and estimates are multiplied back.
    """
    m = max((float(np.max(np.abs(x))) for x in arrays if np.size(x)), default=0.0)
    if m == 0.0 or not math.isfinite(m):
        return 1.0
    return math.ldexp(1.0, math.frexp(m)[1])
