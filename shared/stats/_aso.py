"""Almost Stochastic Order (Dror et al. 2019; del Barrio et al. 2018; Ulmer et al. 2022).

ASO asks how far the score distribution of A is from stochastically dominating B's. Its answer,
``epsilon_min``, is an upper bound (at the chosen confidence) on the fraction of the quantile
range where B beats A: 0 means A dominates B everywhere, 0.5 means no order, 1 means B dominates.
ASO has no p-value; decide with ``epsilon_min < threshold`` (0.5 in Dror et al.; 0.2 is a
stricter, common choice).

The numbers match deepsig's ``aso`` (the reference implementation of Ulmer et al. 2022) for the
same seed, including its grid of quantiles and its random stream, but vectorised.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from shared.errors import InputError
from shared.stats._result import TestResult
from shared.stats._validate import check_alpha

__all__ = ["aso"]


def _sample(x: Any, name: str) -> np.ndarray:
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a 1-D sequence of numbers") from None
    if a.ndim != 1:
        raise InputError(f"{name} must be 1-D, got shape {a.shape}")
    if a.size < 2:
        raise InputError(f"{name} needs at least 2 values, got {a.size}")
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name} contains NaN or infinite values")
    return a


def _quantile_index(n: int, p: np.ndarray) -> np.ndarray:
    """Index into the sorted sample of the empirical quantile F^-1(p) (deepsig's convention)."""
    return np.clip(np.ceil(n * p).astype(np.int64) - 1, 0, n - 1)


@functools.lru_cache(maxsize=64)
def _uniforms(seed: int, n_bootstrap: int, na: int, nb: int) -> tuple[np.ndarray, np.ndarray]:
    """deepsig's bootstrap draws: iteration i reseeds the legacy generator with seed + i + 1.

    Reseeding 1,000 generators costs most of an ASO call; the draws depend only on
    (seed, n_bootstrap, na, nb), so a family of pairs (or repeated calls with the default
    seed) reuses them. Read-only arrays: a caller cannot change the cached draws.
    """
    ua = np.empty((n_bootstrap, na))
    ub = np.empty((n_bootstrap, nb))
    for i in range(n_bootstrap):
        rs = np.random.RandomState(seed + i + 1)
        ua[i] = rs.uniform(0, 1, na)
        ub[i] = rs.uniform(0, 1, nb)
    ua.flags.writeable = False
    ub.flags.writeable = False
    return ua, ub


def _violation_ratios(qa: np.ndarray, qb: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Violation ratio eps_W2 (Dror et al. 2019, eq. 4-5) row by row.

    ``qa``/``qb`` are quantile functions evaluated on the grid (rows = replicates). Returns the
    ratios and a mask of rows whose squared Wasserstein distance is 0 (ratio set to 0.5).
    """
    diff = qb - qa
    w2 = np.sum(diff**2 * dt, axis=-1)
    viol = np.where(qa >= qb, 0.0, diff)
    # deepsig drops the first grid point from the violation integral (t in (0, 1)); we do the
    # same so the numbers agree
    integral = np.sum(viol[..., 1:] ** 2 * dt, axis=-1)
    zero = w2 == 0
    ratio = np.where(zero, 0.5, integral / np.where(zero, 1.0, w2))
    return ratio, zero


def aso(
    a: Any,
    b: Any,
    *,
    alpha: float = 0.05,
    n_bootstrap: int = 1000,
    seed: int = 0,
    num_comparisons: int = 1,
    threshold: float = 0.5,
    dt: float = 0.005,
) -> TestResult:
    """Almost Stochastic Order test: is A (higher = better) almost stochastically better than B?

    Args:
        a, b: scores of A and B (lengths may differ, at least 2 each, finite). Higher is better;
            negate both for a metric to minimise.
        alpha: 1 - confidence level of the bound (deepsig's ``confidence_level = 1 - alpha``).
        n_bootstrap: bootstrap iterations for the variance of the violation ratio.
        seed: fixed seed; the same seed gives the same result as deepsig ``aso(seed=seed)``.
        num_comparisons: Bonferroni-adjusts the confidence level when several pairs are tested.
        threshold: A is declared better when ``epsilon_min < threshold``.
        dt: step of the quantile grid.

    Returns:
        ``TestResult`` with ``test="aso"``, ``statistic`` = epsilon_min, ``pvalue`` NaN (ASO has
        none), ``estimate`` = the observed violation ratio and ``extra``: ``epsilon_min``,
        ``epsilon_min_reverse`` (B against A), ``violation_ratio``, ``sigma_hat``,
        ``confidence_level``, ``threshold``, ``a_better`` and ``b_better``.

    Example:
        >>> r = aso([0.9, 0.92, 0.91, 0.93, 0.95], [0.80, 0.82, 0.81, 0.85, 0.84], n_bootstrap=200)
        >>> r.statistic, r.extra["a_better"]
        (0.0, True)
    """
    from scipy.stats import norm

    xa = _sample(a, "a")
    xb = _sample(b, "b")
    alpha = check_alpha(alpha)
    if int(n_bootstrap) != n_bootstrap or n_bootstrap < 1:
        raise InputError(f"n_bootstrap must be a positive integer, got {n_bootstrap!r}")
    if int(num_comparisons) != num_comparisons or num_comparisons < 1:
        raise InputError(f"num_comparisons must be a positive integer, got {num_comparisons!r}")
    if not 0.0 < float(dt) < 0.5:
        raise InputError(f"dt must be in (0, 0.5), got {dt!r}")
    if not 0.0 < float(threshold) <= 1.0:
        raise InputError(f"threshold must be in (0, 1], got {threshold!r}")
    seed = int(seed)
    confidence = 1.0 - float(alpha)
    if num_comparisons > 1:
        confidence += (1.0 - confidence) / num_comparisons

    na, nb = xa.size, xb.size
    sa, sb = np.sort(xa), np.sort(xb)
    grid = np.arange(dt, 1, dt)
    ia, ib = _quantile_index(na, grid), _quantile_index(nb, grid)
    ratio, zero = _violation_ratios(sa[ia], sb[ib], dt)
    vr = float(ratio)

    # Bootstrap exactly as deepsig: iteration i reseeds the legacy generator with seed + i and
    # draws uniforms for A then B, mapped through the empirical quantile functions.
    ua, ub = _uniforms(seed, int(n_bootstrap), na, nb)
    boot_a = np.sort(sa[_quantile_index(na, ua)], axis=1)
    boot_b = np.sort(sb[_quantile_index(nb, ub)], axis=1)
    samples, boot_zero = _violation_ratios(boot_a[:, ia], boot_b[:, ib], dt)

    const = math.sqrt(na * nb / (na + nb))
    sigma = float(np.std(const * (samples - vr)))
    z = float(norm.ppf(1.0 - confidence))  # negative: the bound sits above the estimate
    eps = float(np.clip(vr - sigma * z / const, 0.0, 1.0))
    eps_rev = float(np.clip((1.0 - vr) - sigma * z / const, 0.0, 1.0))

    warnings: list[str] = []
    if bool(zero):
        warnings.append(
            "A and B have identical score distributions: violation ratio set to 0.5 (no order)"
        )
    elif int(boot_zero.sum()):
        warnings.append(
            f"{int(boot_zero.sum())} of {n_bootstrap} bootstrap samples had identical "
            "distributions (ratio 0.5 used for them)"
        )
    if min(na, nb) < 5:
        warnings.append(
            f"ASO with only {min(na, nb)} scores per side: epsilon_min is a rough bound"
        )
    return TestResult(
        test="aso",
        statistic=eps,
        pvalue=math.nan,
        estimate=vr,
        method=f"bootstrap ({n_bootstrap} iterations), confidence {confidence:.4g}",
        extra={
            "epsilon_min": eps,
            "epsilon_min_reverse": eps_rev,
            "violation_ratio": vr,
            "sigma_hat": sigma,
            "confidence_level": confidence,
            "threshold": float(threshold),
            "a_better": bool(eps < threshold),
            "b_better": bool(eps_rev < threshold),
            "n_a": na,
            "n_b": nb,
        },
        warnings=tuple(warnings),
    )
