"""One metric's logged points, stored as columns (numpy arrays) for speed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["History"]


def _as_array(values: Sequence[float] | np.ndarray | None, dtype: type, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, np.nan, dtype=np.float64) if dtype is float else np.arange(n, dtype=dtype)
    return np.asarray(values, dtype=dtype)


@dataclass(frozen=True, eq=False)
class History:
    """The points one run logged for one metric.

    Args:
        steps: the step of each point (int64). Missing steps default to 0, 1, 2, ...
        values: the logged values (float64); NaN and infinities are kept here and filtered later.
        timestamps: wall-clock time of each point in seconds since the epoch (float64, NaN when
            unknown).

    Points keep the order the tracker returned. ``sorted()`` returns them ordered by step
    (stable, so duplicate steps keep their logging order).

    Example:
        >>> h = History(steps=[0, 1, 2], values=[1.0, 0.5, 0.25])
        >>> float(h.last())
        0.25
    """

    steps: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    values: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float64))
    timestamps: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.float64))

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=np.float64).reshape(-1)
        n = values.shape[0]
        steps = _as_array(None if len(self.steps) == 0 and n else self.steps, np.int64, n)
        stamps = _as_array(
            None if len(self.timestamps) == 0 and n else self.timestamps, float, n
        ).astype(np.float64)
        if steps.shape[0] != n or stamps.shape[0] != n:
            raise ValueError(
                f"history columns differ in length: {steps.shape[0]} steps, {n} values, "
                f"{stamps.shape[0]} timestamps"
            )
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "steps", steps.reshape(-1))
        object.__setattr__(self, "timestamps", stamps.reshape(-1))

    def __len__(self) -> int:
        return int(self.values.shape[0])

    def __repr__(self) -> str:
        return f"History(n={len(self)})"

    def sorted(self) -> History:
        """Points ordered by step; duplicates keep their logging order."""
        if len(self) < 2 or bool(np.all(np.diff(self.steps) >= 0)):
            return self
        order = np.argsort(self.steps, kind="stable")
        return History(self.steps[order], self.values[order], self.timestamps[order])

    def last(self) -> float:
        """Value at the highest step (the last logged one among equal steps); NaN if empty."""
        if len(self) == 0:
            return float("nan")
        return float(self.sorted().values[-1])
