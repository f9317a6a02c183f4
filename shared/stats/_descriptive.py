"""Descriptive summary of one sample: n, mean, sample std, median and a t-interval of the mean."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shared.stats._result import ConfidenceInterval, _finite_or_none
from shared.stats._validate import as_sample, check_level, is_constant, pow2_scale, tie_tolerance

__all__ = ["Description", "describe"]


@dataclass(frozen=True)
class Description:
    """Summary of one sample.

    Args:
        n: number of finite values used.
        mean: arithmetic mean.
        std: sample standard deviation (ddof=1); NaN when ``n == 1``.
        median: the median.
        ci: Student-t confidence interval of the mean (NaN bounds when ``n == 1``).
        warnings: what was dropped or could not be computed.
    """

    n: int
    mean: float
    std: float
    median: float
    ci: ConfidenceInterval
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "mean": _finite_or_none(self.mean),
            "std": _finite_or_none(self.std),
            "median": _finite_or_none(self.median),
            "ci": self.ci.to_list(),
            "level": self.ci.level,
            "warnings": list(self.warnings),
        }


def describe(x: Any, level: float = 0.95) -> Description:
    """Describe a sample: n, mean, std (ddof=1), median and the t-interval of the mean.

    A single value is accepted (the mean is known, its spread is not): std and the CI are
    NaN and a warning says so. Non-finite values are dropped with a warning.

    Args:
        x: 1-D sequence of numbers.
        level: confidence level of the interval.

    Raises:
        InputError: no finite value, or not a 1-D sequence of numbers.

    Example:
        >>> d = describe([1.0, 2.0, 3.0])
        >>> d.mean, d.std, d.median
        (2.0, 1.0, 2.0)
    """
    from scipy import special

    level = check_level(level)
    warnings: list[str] = []
    arr = as_sample(x, "x", min_n=1, warnings=warnings)
    n = int(arr.size)
    scale = pow2_scale(arr)  # exact; keeps squares away from overflow and underflow
    arr = arr / scale
    mean = float(np.mean(arr)) * scale
    median = float(np.median(arr)) * scale
    if n < 2:
        warnings.append("only one value: the standard deviation and the CI are undefined")
        return Description(n, mean, math.nan, median, ConfidenceInterval(math.nan, math.nan, level),
                           tuple(warnings))
    if is_constant(arr, tie_tolerance(arr)):
        # Avoid reporting rounding noise (1e-17) as a spread.
        warnings.append("all values are equal: zero spread, the CI is the single value")
        return Description(n, mean, 0.0, median, ConfidenceInterval(mean, mean, level),
                           tuple(warnings))
    std = float(np.std(arr, ddof=1)) * scale
    half = float(special.stdtrit(n - 1, 0.5 + level / 2)) * std / math.sqrt(n)
    return Description(n, mean, std, median, ConfidenceInterval(mean - half, mean + half, level),
                       tuple(warnings))
