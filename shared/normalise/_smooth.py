"""Debiased exponential smoothing, as TensorBoard and W&B draw it. For plots only."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["smooth_ema"]


def smooth_ema(values: Sequence[float] | np.ndarray, weight: float = 0.6) -> np.ndarray:
    """Exponential moving average with TensorBoard's debiasing.

    Without debiasing an EMA started at 0 is dragged towards 0 for the first points; dividing by
    ``1 - weight**n`` removes that. Non-finite points are passed through unchanged and do not
    update the average (as TensorBoard does). Statistics never see smoothed values.

    Args:
        values: the raw series.
        weight: smoothing in [0, 1); 0 returns the input.

    Example:
        >>> smooth_ema([1.0, 1.0, 1.0], 0.9).tolist()
        [1.0, 1.0, 1.0]
    """
    if not 0.0 <= weight < 1.0:
        raise ValueError(f"smoothing weight must be in [0, 1), got {weight}")
    y = np.asarray(values, dtype=np.float64)
    out = y.copy()
    last = 0.0
    n = 0
    for i, v in enumerate(y):
        if not np.isfinite(v):
            continue
        last = last * weight + (1.0 - weight) * v
        n += 1
        out[i] = last / (1.0 - weight**n)
    return out
