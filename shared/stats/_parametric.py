"""Student's t-tests for two configurations: paired, Welch (unequal variances), Student (pooled)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from shared.stats._result import ConfidenceInterval, TestResult
from shared.stats._validate import as_pair, check_level, is_constant, pow2_scale, tie_tolerance

__all__ = ["paired_t", "welch_t", "student_t"]


def _t_result(
    test: str,
    diff: float,
    se: float,
    df: float,
    level: float,
    method: str,
    extra: dict[str, Any],
    warnings: list[str],
    scale: float,
) -> TestResult:
    """Result of a t-test computed on data divided by ``scale`` (estimates scaled back)."""
    from scipy import special

    t = diff / se
    p = float(min(1.0, 2.0 * special.stdtr(df, -abs(t))))
    half = float(special.stdtrit(df, 0.5 + level / 2)) * se
    return TestResult(
        test=test,
        statistic=float(t),
        pvalue=p,
        df=float(df),
        estimate=float(diff * scale),
        ci=ConfidenceInterval((diff - half) * scale, (diff + half) * scale, level),
        method=method,
        extra={**extra, "se": float(se * scale)},
        warnings=tuple(warnings),
    )


def _undefined(
    test: str, diff: float, df: float, level: float, why: str, extra: dict[str, Any],
    warnings: list[str],
) -> TestResult:
    # Zero spread: the t statistic is 0/0 or x/0. We refuse to invent a p-value (0 or 1
    # would both be claims the data cannot support) and say why instead.
    warnings.append(why)
    return TestResult(
        test=test,
        statistic=math.nan,
        pvalue=math.nan,
        df=float(df),
        estimate=float(diff),
        ci=ConfidenceInterval(diff, diff, level),
        method="undefined (zero variance)",
        extra=extra,
        warnings=tuple(warnings),
    )


def paired_t(a: Any, b: Any, level: float = 0.95) -> TestResult:
    """Paired t-test of the mean difference ``a - b`` (a[i] and b[i] share a replicate).

    Args:
        a, b: 1-D sequences of equal length (at least 2 complete pairs).
        level: confidence level of the CI of the mean difference.

    Returns:
        ``TestResult`` with t, df = n - 1, the two-sided p-value, ``estimate`` = mean difference
        and its t-interval. When every difference is equal the test is undefined: statistic and
        p-value are NaN and ``warnings`` says so.

    Raises:
        InputError: lengths differ, fewer than 2 complete pairs, or non-numeric input.

    Example:
        >>> r = paired_t([1.2, 2.3, 3.1, 4.8], [1.0, 2.0, 3.0, 4.0])
        >>> round(r.statistic, 3), r.df
        (2.251, 3.0)
    """
    level = check_level(level)
    warnings: list[str] = []
    xa, xb = as_pair(a, b, paired=True, warnings=warnings)
    scale = pow2_scale(xa, xb)
    xa, xb = xa / scale, xb / scale
    d = xa - xb
    n = d.size
    diff = float(np.mean(d))
    extra: dict[str, Any] = {"n": n, "mean_a": float(np.mean(xa)) * scale,
                             "mean_b": float(np.mean(xb)) * scale}
    tol = tie_tolerance(xa, xb)
    sd = 0.0 if is_constant(d, tol) else float(np.std(d, ddof=1))
    if sd == 0.0:
        if abs(diff) <= tol:
            why = "all paired differences are zero: a and b are identical, the t-test is undefined"
        else:
            why = (f"all paired differences are equal ({diff * scale:.6g}): zero variance, "
                   "the t-test is undefined")
        return _undefined("paired-t", diff * scale, n - 1, level, why,
                          {**extra, "sd_diff": 0.0}, warnings)
    extra["sd_diff"] = sd * scale
    return _t_result("paired-t", diff, sd / math.sqrt(n), n - 1, level, "exact (t distribution)",
                     extra, warnings, scale)


def _two_groups(
    a: Any, b: Any, warnings: list[str]
) -> tuple[np.ndarray, np.ndarray, float, float, float, dict[str, Any]]:
    """Validated samples divided by a common power-of-two scale, their variances, the scale."""
    xa, xb = as_pair(a, b, paired=False, warnings=warnings)
    scale = pow2_scale(xa, xb)
    xa, xb = xa / scale, xb / scale
    tol = tie_tolerance(xa, xb)
    # A constant sample gets exactly zero variance rather than rounding noise.
    va = 0.0 if is_constant(xa, tol) else float(np.var(xa, ddof=1))
    vb = 0.0 if is_constant(xb, tol) else float(np.var(xb, ddof=1))
    extra = {"n_a": int(xa.size), "n_b": int(xb.size), "mean_a": float(np.mean(xa)) * scale,
             "mean_b": float(np.mean(xb)) * scale, "std_a": math.sqrt(va) * scale,
             "std_b": math.sqrt(vb) * scale}
    return xa, xb, va, vb, scale, extra


def welch_t(a: Any, b: Any, level: float = 0.95) -> TestResult:
    """Welch's t-test (unequal variances) of ``mean(a) - mean(b)``, Welch-Satterthwaite df.

    Args:
        a, b: independent 1-D samples, at least 2 values each.
        level: confidence level of the CI of the difference in means.

    Raises:
        InputError: fewer than 2 finite values in a sample, or non-numeric input.

    Example:
        >>> r = welch_t([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0, 10.0])
        >>> round(r.pvalue, 4)
        0.0691
    """
    level = check_level(level)
    warnings: list[str] = []
    xa, xb, va, vb, scale, extra = _two_groups(a, b, warnings)
    na, nb = xa.size, xb.size
    diff = float(np.mean(xa) - np.mean(xb))
    sa, sb = va / na, vb / nb
    if sa + sb == 0.0:
        return _undefined("welch", diff * scale, math.nan, level,
                          "both samples have zero variance: the Welch t-test is undefined",
                          extra, warnings)
    df = (sa + sb) ** 2 / (sa**2 / (na - 1) + sb**2 / (nb - 1))
    return _t_result("welch", diff, math.sqrt(sa + sb), df, level,
                     "Welch-Satterthwaite t approximation", extra, warnings, scale)


def student_t(a: Any, b: Any, level: float = 0.95) -> TestResult:
    """Student's two-sample t-test with pooled variance, df = n_a + n_b - 2.

    Args:
        a, b: independent 1-D samples, at least 2 values each.
        level: confidence level of the CI of the difference in means.

    Raises:
        InputError: fewer than 2 finite values in a sample, or non-numeric input.

    Example:
        >>> r = student_t([1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0, 10.0])
        >>> r.df
        7.0
    """
    level = check_level(level)
    warnings: list[str] = []
    xa, xb, va, vb, scale, extra = _two_groups(a, b, warnings)
    na, nb = xa.size, xb.size
    diff = float(np.mean(xa) - np.mean(xb))
    df = na + nb - 2
    pooled = ((na - 1) * va + (nb - 1) * vb) / df
    if pooled == 0.0:
        return _undefined("student-t", diff * scale, df, level,
                          "both samples have zero variance: the Student t-test is undefined",
                          extra, warnings)
    extra["pooled_std"] = math.sqrt(pooled) * scale
    return _t_result("student-t", diff, math.sqrt(pooled * (1 / na + 1 / nb)), df, level,
                     "exact (t distribution, pooled variance)", extra, warnings, scale)
