"""BCa bootstrap confidence interval of the mean difference (paired or unpaired)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from shared.stats._permutation import _check_resamples
from shared.stats._result import ConfidenceInterval, TestResult
from shared.stats._validate import as_pair, check_level, pow2_scale, tie_tolerance

__all__ = ["bootstrap_diff"]

_CHUNK_ELEMENTS = 1 << 22  # resampled values held in memory at once


def _boot_means(x: np.ndarray, n_resamples: int, rng: np.random.Generator) -> np.ndarray:
    n = x.size
    out = np.empty(n_resamples)
    rows = max(1, _CHUNK_ELEMENTS // n)
    for start in range(0, n_resamples, rows):
        stop = min(start + rows, n_resamples)
        idx = rng.integers(0, n, size=(stop - start, n))
        out[start:stop] = x[idx].mean(axis=1)
    return out


def _jackknife_u(x: np.ndarray) -> np.ndarray:
    """(n - 1) * (mean of leave-one-out means - leave-one-out mean), for the sample mean."""
    n = x.size
    loo = (x.sum() - x) / (n - 1)
    return (n - 1) * (loo.mean() - loo)


def _acceleration(us: list[np.ndarray]) -> float:
    # Efron & Tibshirani (1993) eq. 14.15, extended to several samples as scipy.stats.bootstrap
    # does: each sample's jackknife influence values contribute with its own n.
    num = sum(float((u**3).sum()) / u.size**3 for u in us)
    den = sum(float((u**2).sum()) / u.size**2 for u in us)
    return num / (6.0 * den**1.5) if den > 0 else math.nan


def bca_levels(
    boot: np.ndarray, observed: float, accel: float, level: float, tol: float = 0.0
) -> tuple[float, float, float]:
    """BCa-adjusted quantile levels (alpha_1, alpha_2) and the bias correction z0.

    Resampled values within ``tol`` of the observed one count as ties (half below), so that
    rounding noise in the resample means cannot tip z0.
    """
    from scipy import special

    b = boot.size
    below = np.count_nonzero(boot < observed - tol)
    tied = np.count_nonzero(np.abs(boot - observed) <= tol)
    frac = (2 * below + tied) / (2.0 * b)
    z0 = float(special.ndtri(frac))
    alpha = (1.0 - level) / 2.0
    z_lo = float(special.ndtri(alpha))
    levels = []
    for z in (z_lo, -z_lo):
        num = z0 + z
        levels.append(float(special.ndtr(z0 + num / (1.0 - accel * num))))
    return levels[0], levels[1], z0


def bootstrap_diff(
    a: Any,
    b: Any,
    *,
    paired: bool,
    n_resamples: int = 10000,
    level: float = 0.95,
    seed: int | None = 0,
) -> TestResult:
    """BCa bootstrap CI of the mean difference ``a - b``.

    Paired: resamples the replicates (the differences). Unpaired: resamples each sample
    separately. The interval is the bias-corrected and accelerated one (Efron & Tibshirani
    1993, ch. 14), computed as ``scipy.stats.bootstrap(method="BCa")`` does. The p-value
    inverts the BCa interval: the smallest ``1 - level`` whose interval excludes 0
    (Efron & Tibshirani 1993, section 15.4), never below 1 / (n_resamples + 1).

    Args:
        a, b: the two samples (equal length when ``paired``), at least 2 values each.
        paired: a[i] and b[i] share a replicate.
        n_resamples: number of bootstrap resamples.
        level: confidence level.
        seed: seed of the random generator (fixed seed, same result).

    Raises:
        InputError: too few values, mismatched lengths when paired, bad options.

    Example:
        >>> r = bootstrap_diff([3.1, 2.9, 3.5, 3.8, 3.3], [2.0, 2.2, 2.1, 2.6, 2.4], paired=True)
        >>> r.ci.low > 0
        True
    """
    from scipy import special

    level = check_level(level)
    n_resamples = _check_resamples(n_resamples)
    warnings: list[str] = []
    xa, xb = as_pair(a, b, paired=paired, warnings=warnings)
    scale = pow2_scale(xa, xb)  # exact; estimates are scaled back below
    xa, xb = xa / scale, xb / scale
    rng = np.random.default_rng(seed)
    tol = tie_tolerance(xa, xb)
    observed = float(xa.mean() - xb.mean())
    if paired:
        d = xa - xb
        boot = _boot_means(d, n_resamples, rng)
        us = [_jackknife_u(d)]
        degenerate = np.ptp(d) <= tol
    else:
        boot = _boot_means(xa, n_resamples, rng) - _boot_means(xb, n_resamples, rng)
        # theta = mean(a) - mean(b): leaving out a value of b moves theta the other way
        us = [_jackknife_u(xa), -_jackknife_u(xb)]
        degenerate = np.ptp(xa) <= tol and np.ptp(xb) <= tol
    extra: dict[str, Any] = {"paired": paired, "n_resamples": n_resamples, "seed": seed,
                             "boot_se": float(np.std(boot, ddof=1)) * scale}
    if degenerate:
        warnings.append("no variation to resample (every difference/value is equal): the "
                        "bootstrap distribution is a single point, no CI and no p-value")
        observed *= scale
        return TestResult("bootstrap", observed, math.nan, estimate=observed,
                          ci=ConfidenceInterval(observed, observed, level),
                          method="BCa (degenerate)", extra=extra, warnings=tuple(warnings))
    accel = _acceleration(us)
    # data are scaled to magnitude <= 1: a mean of n values carries rounding below n * eps
    round_tol = 8.0 * max(xa.size, xb.size) * float(np.finfo(float).eps)
    lo_q, hi_q, z0 = bca_levels(boot, observed, accel, level, round_tol)
    method = "BCa"
    if not (math.isfinite(lo_q) and math.isfinite(hi_q)):
        # z0 is infinite when the observed value lies outside every resample (tiny samples).
        warnings.append("BCa correction undefined (observed value outside the bootstrap "
                        "distribution): percentile interval used instead")
        lo_q, hi_q, z0, accel = (1 - level) / 2, (1 + level) / 2, 0.0, 0.0
        method = "percentile"
    low, high = np.quantile(boot, [lo_q, hi_q])
    extra.update(z0=z0, acceleration=accel, quantile_levels=[lo_q, hi_q])

    # Invert the BCa interval at 0: find the nominal level whose endpoint sits at 0.
    b_count = boot.size
    frac0 = (2 * np.count_nonzero(boot < -round_tol)
             + np.count_nonzero(np.abs(boot) <= round_tol)) / (2.0 * b_count)
    frac0 = min(max(frac0, 1.0 / (b_count + 1)), b_count / (b_count + 1.0))
    w = float(special.ndtri(frac0)) - z0
    z_alpha = w / (1.0 + accel * w) - z0
    p = float(min(1.0, 2.0 * min(special.ndtr(z_alpha), special.ndtr(-z_alpha))))
    p = max(p, 1.0 / (b_count + 1))
    return TestResult("bootstrap", observed * scale, p, estimate=observed * scale,
                      ci=ConfidenceInterval(float(low) * scale, float(high) * scale, level),
                      method=method,
                      extra=extra, warnings=tuple(warnings))
