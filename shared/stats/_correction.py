"""Multiple-comparison adjustment of p-values: Holm, Bonferroni, Benjamini-Hochberg, none."""

from __future__ import annotations

from typing import Any

import numpy as np

from shared.errors import InputError

__all__ = ["adjust_pvalues", "CORRECTIONS"]

CORRECTIONS = ("holm", "bonferroni", "bh", "none")


def adjust_pvalues(p: Any, method: str = "holm") -> np.ndarray:
    """Adjust a family of p-values for multiple comparisons.

    ``holm`` (Holm 1979 step-down, controls the family-wise error rate; the default),
    ``bonferroni``, ``bh`` (Benjamini-Hochberg 1995 step-up, controls the false discovery rate)
    or ``none``. Adjusted values are >= the raw ones, <= 1, and monotone in the raw ones, as
    ``statsmodels.stats.multitest.multipletests`` computes them. NaN p-values (undefined
    tests) stay NaN and count as p = 1 in the family, which is conservative.

    Args:
        p: 1-D sequence of p-values in [0, 1].
        method: one of "holm", "bonferroni", "bh", "none".

    Returns:
        Array of adjusted p-values, in the input order.

    Raises:
        InputError: unknown method, values outside [0, 1], not 1-D.

    Example:
        >>> adjust_pvalues([0.01, 0.04, 0.03], "holm").round(4).tolist()
        [0.03, 0.06, 0.06]
    """
    key = str(method).lower()
    if key not in CORRECTIONS:
        raise InputError(f"unknown correction {method!r}: use one of {', '.join(CORRECTIONS)}")
    try:
        arr = np.array(p, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"p-values must be numbers: {exc}") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise InputError(f"p-values must be one-dimensional, got shape {arr.shape}")
    nan = np.isnan(arr)
    if np.any((arr[~nan] < 0) | (arr[~nan] > 1)):
        raise InputError("p-values must lie in [0, 1]")
    m = arr.size
    if m == 0 or key == "none":
        return arr
    work = np.where(nan, 1.0, arr)
    if key == "bonferroni":
        out = np.minimum(work * m, 1.0)
    else:
        order = np.argsort(work, kind="mergesort")
        ps = work[order]
        if key == "holm":
            adj = np.maximum.accumulate((m - np.arange(m)) * ps)
        else:  # bh
            adj = np.minimum.accumulate((m / np.arange(m, 0, -1)) * ps[::-1])[::-1]
        out = np.empty(m)
        out[order] = np.minimum(adj, 1.0)
    # rounding in the products above could, in theory, dip below the raw value
    out = np.maximum(out, work)
    out[nan] = np.nan
    return out
