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
    "check_fraction",
    "check_level",
    "is_constant",
    "pow2_scale",
    "rounding_noise",
    "tie_tolerance",
    "REL_TOL",
]

# Metric values reach us after a few floating-point operations (a sum, a mean of logged
# values; 0.1 + 0.2 against 0.3): their rounding is a few units in the last place of their
# magnitude. Values closer than REL_TOL times that magnitude are the same value; anything
# farther is a real difference, so that integer counters near 1e12 (1e12 + 1 against 1e12,
# a relative difference of 1e-12) keep their differences. 8 eps = 1.8e-15 relative: 8 to 16
# ulps, room for the rounding of a short sum or mean on each side.
REL_TOL = 8.0 * float(np.finfo(float).eps)


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


def check_fraction(value: Any, name: str, example: str = "") -> float:
    """``value`` as a float strictly between 0 and 1 (alpha, a confidence level, a power),
    else an ``InputError`` naming ``name``: one wording for every such option.

    Example:
        >>> check_fraction("0.05", "alpha")
        0.05
        >>> check_fraction(1.5, "power")
        Traceback (most recent call last):
        ...
        shared.errors.InputError: power must be in (0, 1), got 1.5
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number in (0, 1), got {value!r}") from None
    if not 0.0 < v < 1.0:  # NaN fails this too
        raise InputError(f"{name} must be in (0, 1){example}, got {value!r}")
    return v


def check_alpha(alpha: Any) -> float:
    """A significance level strictly between 0 and 1 (one message for every caller)."""
    return check_fraction(alpha, "alpha")


def check_level(level: float) -> float:
    """A confidence level strictly between 0 and 1."""
    return check_fraction(level, "level", " (e.g. 0.95)")


def tie_tolerance(*arrays: Sequence[float] | np.ndarray) -> float:
    """Absolute tolerance under which two values of these arrays count as equal.

    ``REL_TOL`` times the largest magnitude: the rounding noise of the largest value, hence
    an upper bound for every value (and for differences of two values). Use it to ask
    whether a whole sample (or all its differences) is constant; to compare values of very
    different magnitudes one by one, use :func:`rounding_noise`.

    Example:
        >>> tie_tolerance([0.1 + 0.2]) >= abs((0.1 + 0.2) - 0.3)
        True
        >>> tie_tolerance([1e12 + 1, 1e12]) < 1.0
        True
    """
    scale = max((float(np.max(np.abs(x))) for x in arrays if np.size(x)), default=0.0)
    return REL_TOL * scale


def rounding_noise(*arrays: np.ndarray) -> np.ndarray:
    """Rounding noise of values aligned across ``arrays`` (same shape or broadcastable).

    ``REL_TOL`` times the largest magnitude at each position: two values ``x`` and ``y`` are
    the same value when ``|x - y| <= rounding_noise(x, y)``, a paired difference ``a - b`` is
    zero when ``|a - b| <= rounding_noise(a, b)``. Unlike :func:`tie_tolerance` the noise of
    a small value is not inflated by a large value elsewhere in the data.

    Example:
        >>> x = np.array([0.1 + 0.2, 1e12 + 1]); y = np.array([0.3, 1e12])
        >>> (np.abs(x - y) <= rounding_noise(x, y)).tolist()
        [True, False]
    """
    mags = [np.abs(np.asarray(x, dtype=float)) for x in arrays]
    return REL_TOL * np.maximum.reduce(np.broadcast_arrays(*mags)) if mags else np.zeros(0)


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
