"""Put many runs' curves on one common grid, without inventing data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shared.errors import InputError
from shared.normalise._curves import Curve

__all__ = ["Resampled", "resample_curves"]


@dataclass(frozen=True, eq=False)
class Resampled:
    """Curves on one grid.

    Attributes:
        grid: the common x values (1-D, increasing).
        values: ``(n_runs, n_grid)``; NaN where a run has no data (before its first point or
            after its last): we interpolate between points, never extrapolate.
        last_x: each run's last x.
        stopped_early: runs whose last point is before the end of the grid (they are marked,
            not padded).
        run_keys: the runs, in row order.
    """

    grid: np.ndarray
    values: np.ndarray
    last_x: np.ndarray
    stopped_early: np.ndarray
    run_keys: tuple[str, ...]


def resample_curves(
    curves: Sequence[Curve], grid: np.ndarray | Sequence[float] | None = None, num: int = 200
) -> Resampled:
    """Linear interpolation of each curve onto ``grid``.

    Args:
        curves: from ``metric_curve``; empty curves give an all-NaN row.
        grid: the x values to sample at. By default ``num`` evenly spaced points from the
            smallest first x to the largest last x over all runs.
        num: grid size when ``grid`` is not given.

    Example:
        >>> import numpy as np
        >>> a = Curve("a", np.array([0.0, 10.0]), np.array([0.0, 1.0]))
        >>> b = Curve("b", np.array([0.0, 5.0]), np.array([1.0, 0.0]))
        >>> r = resample_curves([a, b], grid=[0, 5, 10])
        >>> r.values.tolist(), r.stopped_early.tolist()
        ([[0.0, 0.5, 1.0], [1.0, 0.0, nan]], [False, True])
    """
    non_empty = [c for c in curves if len(c)]
    if grid is None:
        if not non_empty:
            raise InputError("no curve has any finite point to resample")
        lo = min(float(c.x[0]) for c in non_empty)
        hi = max(float(c.x[-1]) for c in non_empty)
        grid_arr = np.linspace(lo, hi, num) if hi > lo else np.array([lo])
    else:
        grid_arr = np.asarray(grid, dtype=np.float64).reshape(-1)
        if grid_arr.size > 1 and bool(np.any(np.diff(grid_arr) <= 0)):
            raise InputError("the resampling grid must be strictly increasing")
    values = np.full((len(curves), grid_arr.size), np.nan)
    last_x = np.full(len(curves), np.nan)
    for i, curve in enumerate(curves):
        if len(curve) == 0:
            continue
        # np.interp is C-speed per row; left/right NaN is what forbids extrapolation.
        values[i] = np.interp(grid_arr, curve.x, curve.y, left=np.nan, right=np.nan)
        last_x[i] = curve.x[-1]
    end = grid_arr[-1] if grid_arr.size else np.nan
    stopped = ~(last_x >= end)  # NaN (empty run) counts as stopped early
    return Resampled(grid_arr, values, last_x, stopped, tuple(c.run_key for c in curves))
