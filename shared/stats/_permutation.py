"""Permutation test of the difference in means (paired sign-flips or unpaired relabelling)."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from shared.errors import InputError
from shared.stats._result import TestResult
from shared.stats._validate import REL_TOL, as_pair, pow2_scale, tie_tolerance

__all__ = ["permutation_test"]

_CHUNK = 1 << 15  # rows of the null distribution computed at once (bounds memory)


def _check_resamples(n_resamples: int) -> int:
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)):
        raise InputError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    if n_resamples < 1:
        raise InputError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    return int(n_resamples)


def _count(null: np.ndarray, observed: float, gamma: float) -> tuple[int, int]:
    # gamma absorbs summation-order rounding so that arrangements equal to the observed one
    # (e.g. the identity) count as "as extreme", like scipy's relative tolerance does.
    return int((null <= observed + gamma).sum()), int((null >= observed - gamma).sum())


def permutation_test(
    a: Any,
    b: Any,
    *,
    paired: bool,
    n_resamples: int = 10000,
    seed: int | None = 0,
) -> TestResult:
    """Two-sided permutation test of the mean difference ``a - b``.

    Paired: the null flips the sign of each difference. Unpaired: the null relabels the
    pooled values into groups of the original sizes. The test is exact (every arrangement
    enumerated) when there are at most ``n_resamples`` arrangements; otherwise
    ``n_resamples`` random arrangements are drawn with ``seed`` and the one-sided p-values
    are (b + 1) / (m + 1), which is never 0 and keeps the test valid. The two-sided p-value is
    ``min(1, 2 * min(p_less, p_greater))``, as in ``scipy.stats.permutation_test``.

    Args:
        a, b: the two samples (equal length when ``paired``), at least 2 values each.
        paired: a[i] and b[i] share a replicate (seed, fold).
        n_resamples: random arrangements for the Monte Carlo version.
        seed: seed of the random generator (fixed seed, same result).

    Raises:
        InputError: too few values, mismatched lengths when paired, bad ``n_resamples``.

    Example:
        >>> r = permutation_test([3.1, 2.9, 3.5, 3.8], [2.0, 2.2, 2.1, 2.6], paired=True)
        >>> r.method, r.pvalue
        ('exact (16 sign flips)', 0.125)
    """
    n_resamples = _check_resamples(n_resamples)
    warnings: list[str] = []
    xa, xb = as_pair(a, b, paired=paired, warnings=warnings)
    scale = pow2_scale(xa, xb)  # exact; the statistic is scaled back at the end
    xa, xb = xa / scale, xb / scale
    # Arrangements whose statistic equals the observed one up to rounding must count as "as
    # extreme" (the identity arrangement at least): compare with a tolerance relative to the
    # data's magnitude, so that shifting all values by a constant changes nothing. A sum of
    # N values rounds by at most about N eps of the largest; beyond that a difference between
    # arrangements is real (integer counters near 1e12 differing by a few units).
    big = float(max(np.max(np.abs(xa)), np.max(np.abs(xb))))
    gamma = REL_TOL * (xa.size + xb.size) * big
    less = greater = 0
    extra: dict[str, Any] = {"paired": paired}
    if paired:
        d = xa - xb
        n = d.size
        observed = float(d.mean())
        total = 2**n if n < 63 else math.inf
        exact = total <= n_resamples
        if exact:
            m = int(total)
            for start in range(0, m, _CHUNK):
                codes = np.arange(start, min(start + _CHUNK, m), dtype=np.int64)
                # bit j of the arrangement number decides the sign of difference j
                bits = (codes[:, None] >> np.arange(n, dtype=np.int64)) & 1
                null = (1 - 2 * bits) @ d / n
                lo, hi = _count(null, observed, gamma)
                less, greater = less + lo, greater + hi
            method = f"exact ({m} sign flips)"
        else:
            rng = np.random.default_rng(seed)
            m = n_resamples
            for start in range(0, m, _CHUNK):
                rows = min(_CHUNK, m - start)
                signs = rng.choice(np.array([-1.0, 1.0]), size=(rows, n))
                lo, hi = _count(signs @ d / n, observed, gamma)
                less, greater = less + lo, greater + hi
            method = f"Monte Carlo ({m} random sign flips, seed {seed})"
        if np.all(np.abs(d) <= tie_tolerance(xa, xb)):
            warnings.append("all paired differences are zero: every arrangement is the same, p = 1")
    else:
        pooled = np.concatenate([xa, xb])
        na, nb = xa.size, xb.size
        big_n = na + nb
        s_total = float(pooled.sum())
        observed = float(xa.mean() - xb.mean())
        total = math.comb(big_n, na)
        exact = total <= n_resamples

        def stat(sum_a: np.ndarray) -> np.ndarray:
            return sum_a / na - (s_total - sum_a) / nb

        if exact:
            m = total
            combos = itertools.combinations(range(big_n), na)
            while True:
                block = np.array(list(itertools.islice(combos, _CHUNK)), dtype=np.int64)
                if block.size == 0:
                    break
                lo, hi = _count(stat(pooled[block].sum(axis=1)), observed, gamma)
                less, greater = less + lo, greater + hi
            method = f"exact ({m} relabellings)"
        else:
            rng = np.random.default_rng(seed)
            m = n_resamples
            for start in range(0, m, _CHUNK):
                rows = min(_CHUNK, m - start)
                perm = rng.permuted(np.tile(np.arange(big_n), (rows, 1)), axis=1)
                lo, hi = _count(stat(pooled[perm[:, :na]].sum(axis=1)), observed, gamma)
                less, greater = less + lo, greater + hi
            method = f"Monte Carlo ({m} random relabellings, seed {seed})"
        if np.ptp(pooled) <= tie_tolerance(xa, xb):
            warnings.append("all values are equal: every arrangement is the same, p = 1")
    if exact:
        p_less, p_greater = less / m, greater / m
    else:
        p_less, p_greater = (less + 1) / (m + 1), (greater + 1) / (m + 1)
    p = float(min(1.0, 2.0 * min(p_less, p_greater)))
    extra.update(n_arrangements=m, exact=exact, p_less=p_less, p_greater=p_greater)
    observed *= scale
    return TestResult("permutation", observed, p, estimate=observed, method=method, extra=extra,
                      warnings=tuple(warnings))
