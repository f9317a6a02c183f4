"""Vectorised statistics for many configurations at once: all-pairs t-tests, bootstrap CIs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shared.errors import InputError
from shared.stats._permutation import _check_resamples
from shared.stats._result import _finite_or_none
from shared.stats._validate import REL_TOL, check_level

__all__ = ["PairwiseResult", "pairwise_t", "bootstrap_mean_cis"]


@dataclass(frozen=True)
class PairwiseResult:
    """t-tests of many pairs of samples; every array is aligned with ``pairs``.

    Args:
        pairs: (m, 2) int array of sample indices (i, j); differences are sample i - sample j.
        diff: mean difference (paired) or difference of means.
        statistic: t statistics (NaN when undefined).
        df: degrees of freedom.
        pvalue: two-sided p-values (NaN when undefined).
        ci_low, ci_high: t-interval of ``diff`` at ``level``.
        n: complete pairs (paired) or n_i + n_j used.
        paired: paired t or Welch t.
        level: confidence level.
        warnings: what was undefined and where.
    """

    pairs: np.ndarray
    diff: np.ndarray
    statistic: np.ndarray
    df: np.ndarray
    pvalue: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n: np.ndarray
    paired: bool
    level: float
    warnings: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return int(self.pairs.shape[0])

    def to_dict(self) -> dict[str, Any]:
        def floats(x: np.ndarray) -> list[float | None]:
            return [_finite_or_none(v) for v in x.tolist()]

        return {
            "pairs": self.pairs.tolist(),
            "diff": floats(self.diff),
            "statistic": floats(self.statistic),
            "df": floats(self.df),
            "pvalue": floats(self.pvalue),
            "ci_low": floats(self.ci_low),
            "ci_high": floats(self.ci_high),
            "n": self.n.tolist(),
            "paired": self.paired,
            "level": self.level,
            "warnings": list(self.warnings),
        }


def _samples(samples: Sequence[Any]) -> list[np.ndarray]:
    out = []
    for k, s in enumerate(samples):
        try:
            arr = np.asarray(s, dtype=float)
        except (TypeError, ValueError) as exc:
            raise InputError(f"sample {k} must be a sequence of numbers: {exc}") from None
        if arr.ndim != 1:
            raise InputError(f"sample {k} must be one-dimensional, got shape {arr.shape}")
        out.append(arr)
    if not out:
        raise InputError("no samples given")
    return out


def _pairs(pairs: Sequence[tuple[int, int]], k: int) -> np.ndarray:
    arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2) if len(pairs) else np.empty((0, 2),
                                                                                     np.int64)
    if arr.size and (arr.min() < 0 or arr.max() >= k):
        raise InputError(f"pair indices must be between 0 and {k - 1}")
    return arr


def pairwise_t(
    samples: Sequence[Any],
    pairs: Sequence[tuple[int, int]],
    *,
    paired: bool,
    level: float = 0.95,
) -> PairwiseResult:
    """Paired or Welch t-tests for many pairs of samples in one vectorised pass.

    Gives the same numbers as :func:`paired_t` / :func:`welch_t` called pair by pair (and as
    ``scipy.stats.ttest_rel`` / ``ttest_ind(equal_var=False)``), orders of magnitude faster.
    Non-finite values are ignored (paired: the replicate is dropped for the pairs involving
    that sample). Undefined tests (fewer than 2 usable values, zero variance) give NaN with a
    warning naming how many pairs were affected.

    Args:
        samples: k 1-D samples; when ``paired`` all have the same length (replicate r of every
            sample shares a seed).
        pairs: (i, j) index pairs; the difference is sample i - sample j.
        paired: paired t-tests (else Welch).
        level: confidence level of the CIs.

    Raises:
        InputError: paired samples of different lengths, bad indices, non-numeric samples.

    Example:
        >>> r = pairwise_t([[1.0, 2.0, 3.0], [1.5, 2.0, 3.9], [0.0, 1.0, 1.5]],
        ...                [(0, 1), (0, 2)], paired=True)
        >>> r.pvalue.shape
        (2,)
    """
    from scipy import special

    level = check_level(level)
    arrays = _samples(samples)
    idx = _pairs(pairs, len(arrays))
    i, j = idx[:, 0], idx[:, 1]
    warnings: list[str] = []
    if paired:
        lengths = {a.size for a in arrays}
        if len(lengths) > 1:
            raise InputError(
                f"paired samples must all have the same length, got lengths {sorted(lengths)}"
            )
        x = np.vstack(arrays) if arrays[0].size else np.empty((len(arrays), 0))
        finite = np.isfinite(x)
        scale = np.max(np.abs(np.where(finite, x, 0.0)), axis=1, initial=0.0)
        # Each pair is computed on its data divided by a power of two near its magnitude
        # (exact), so that squares neither overflow nor underflow; estimates are scaled back.
        unit = _pow2(np.maximum(scale[i], scale[j]))
        xi = np.where(finite[i], x[i], 0.0) / unit[:, None]
        xj = np.where(finite[j], x[j], 0.0) / unit[:, None]
        d = xi - xj
        ok = finite[i] & finite[j]
        n = ok.sum(axis=1)
        d0 = np.where(ok, d, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            diff = d0.sum(axis=1) / n
            dev = np.where(ok, d - diff[:, None], 0.0)
            var = (dev**2).sum(axis=1) / (n - 1)
        spread = np.where(ok, d, -np.inf).max(axis=1, initial=-np.inf) - np.where(
            ok, d, np.inf).min(axis=1, initial=np.inf)
        tol = REL_TOL * np.maximum(scale[i], scale[j]) / unit
        zero_var = (n >= 2) & (spread <= tol)
        var = np.where(zero_var, 0.0, var)
        df = (n - 1).astype(float)
        se = np.sqrt(var / n)
        if (~ok).any():
            warnings.append(f"{int((~ok).sum())} replicate(s) with NaN/inf dropped across pairs")
    else:
        stats = np.array([_moments(a) for a in arrays]).reshape(-1, 4)
        cnt, mean, var_s, scale = stats.T  # mean and variance of the sample / its scale
        cnt = cnt.astype(np.int64)
        n = cnt[i] + cnt[j]
        unit = np.maximum(scale[i], scale[j])
        ri, rj = scale[i] / unit, scale[j] / unit  # <= 1: no overflow when combining
        diff = mean[i] * ri - mean[j] * rj
        with np.errstate(invalid="ignore", divide="ignore", under="ignore"):
            si, sj = var_s[i] * ri**2 / cnt[i], var_s[j] * rj**2 / cnt[j]
            se = np.sqrt(si + sj)
            df = (si + sj) ** 2 / (si**2 / (cnt[i] - 1) + sj**2 / (cnt[j] - 1))
        zero_var = (cnt[i] >= 2) & (cnt[j] >= 2) & (si + sj == 0)
        dropped = sum(int((~np.isfinite(a)).sum()) for a in arrays)
        if dropped:
            warnings.append(f"{dropped} NaN/inf value(s) ignored")
    too_few = (n < 2) if paired else ((cnt[i] < 2) | (cnt[j] < 2))
    undefined = too_few | zero_var
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(undefined, np.nan, diff / se)
        p = np.minimum(1.0, 2.0 * special.stdtr(df, -np.abs(t)))
        half = special.stdtrit(df, 0.5 + level / 2) * se
    diff = diff * unit
    ci_low = np.where(zero_var, diff, diff - half * unit)
    ci_high = np.where(zero_var, diff, diff + half * unit)
    ci_low[too_few] = np.nan
    ci_high[too_few] = np.nan
    if too_few.any():
        warnings.append(f"{int(too_few.sum())} pair(s) with fewer than 2 values: undefined")
    if zero_var.any():
        warnings.append(f"{int(zero_var.sum())} pair(s) with zero variance: t-test undefined")
    return PairwiseResult(idx, diff.astype(float), t, df.astype(float), p, ci_low, ci_high,
                          np.asarray(n, dtype=np.int64), paired, level, tuple(warnings))


def _pow2(m: np.ndarray) -> np.ndarray:
    """Powers of two near ``m`` (1 where m is 0): dividing by them is exact."""
    m = np.asarray(m, dtype=float)
    safe = np.where((m > 0) & np.isfinite(m), m, 1.0)
    return np.ldexp(1.0, np.frexp(safe)[1])


def _moments(a: np.ndarray) -> tuple[float, float, float, float]:
    """(n, mean, sample variance, scale) of the finite values divided by ``scale`` (a power
    of two near their magnitude); variance 0 for a constant sample."""
    x = a[np.isfinite(a)]
    n = x.size
    if n == 0:
        return 0.0, math.nan, math.nan, 1.0
    scale = float(_pow2(np.max(np.abs(x))))
    x = x / scale
    mean = float(x.mean())
    tol = REL_TOL * float(np.max(np.abs(x)))
    var = math.nan if n < 2 else (0.0 if np.ptp(x) <= tol else float(np.var(x, ddof=1)))
    return float(n), mean, var, scale


def bootstrap_mean_cis(
    samples: Sequence[Any],
    *,
    n_resamples: int = 10000,
    level: float = 0.95,
    seed: int | None = 0,
    method: str = "BCa",
) -> np.ndarray:
    """Bootstrap CIs of the mean of every sample, vectorised across samples.

    BCa by default (Efron & Tibshirani 1993, as ``scipy.stats.bootstrap`` computes it), or
    "percentile". Each sample is resampled independently. Rows are NaN for samples with fewer
    than 2 finite values or no spread (their bootstrap distribution is a single point).

    Args:
        samples: k 1-D samples (any lengths); NaN/inf values are ignored.
        n_resamples: bootstrap resamples per sample.
        level: confidence level.
        seed: seed of the random generator (fixed seed, same result).
        method: "BCa" or "percentile".

    Returns:
        (k, 2) array of [low, high].

    Raises:
        InputError: non-numeric samples, bad options.

    Example:
        >>> cis = bootstrap_mean_cis([[1.0, 2.0, 4.0, 3.0], [5.0, 7.0, 6.0, 6.5]], n_resamples=2000)
        >>> cis.shape
        (2, 2)
    """
    from scipy import special

    level = check_level(level)
    n_resamples = _check_resamples(n_resamples)
    if method not in ("BCa", "percentile"):
        raise InputError(f"method must be 'BCa' or 'percentile', got {method!r}")
    arrays = [a[np.isfinite(a)] for a in _samples(samples)]
    k = len(arrays)
    out = np.full((k, 2), np.nan)
    rng = np.random.default_rng(seed)
    by_n: dict[int, list[int]] = {}
    for r, a in enumerate(arrays):
        if a.size >= 2 and np.ptp(a) > REL_TOL * float(np.max(np.abs(a))):
            by_n.setdefault(a.size, []).append(r)
    alpha = (1.0 - level) / 2.0
    z_a = float(special.ndtri(alpha))
    b = n_resamples
    for n, rows in by_n.items():
        x = np.vstack([arrays[r] for r in rows])  # (g, n)
        g = x.shape[0]
        # exact power-of-two scaling per sample: no overflow/underflow; scaled back at the end
        units = _pow2(np.max(np.abs(x), axis=1))
        x = x / units[:, None]
        idx_dtype = np.uint8 if n <= 256 else np.int64
        # Row by row: the resample matrix of one sample (b x n) stays in cache, which is
        # faster than one huge gather and bounds memory whatever k is.
        boot = np.empty((g, b))
        ones = np.full(n, 1.0 / n)
        step = max(1, (1 << 22) // n)  # resamples per draw: bounds memory for long samples
        for r in range(g):
            for s in range(0, b, step):
                idx = rng.integers(0, n, size=(min(step, b - s), n), dtype=idx_dtype)
                boot[r, s : s + idx.shape[0]] = np.take(x[r], idx) @ ones
        boot.sort(axis=1)
        obs = x.mean(axis=1)
        if method == "BCa":
            # (a row whose jackknife has no spread gives NaN levels, hence a NaN row)
            with np.errstate(invalid="ignore", divide="ignore"):
                # values within rounding of the observed mean count as ties (half below)
                tol = 8.0 * n * float(np.finfo(float).eps)
                below = 2 * (boot < obs[:, None] - tol).sum(axis=1) + (
                    np.abs(boot - obs[:, None]) <= tol).sum(axis=1)
                z0 = special.ndtri(below / (2.0 * b))
                loo = (x.sum(axis=1, keepdims=True) - x) / (n - 1)
                u = (n - 1) * (loo.mean(axis=1, keepdims=True) - loo)
                den = 6.0 * ((u**2).sum(axis=1) / n**2) ** 1.5
                accel = ((u**3).sum(axis=1) / n**3) / den
                qs = []
                for z in (z_a, -z_a):
                    num = z0 + z
                    qs.append(special.ndtr(z0 + num / (1.0 - accel * num)))
            q = np.stack(qs, axis=1)  # (g, 2)
        else:
            q = np.tile([alpha, 1.0 - alpha], (g, 1))
        # linear interpolation between order statistics (numpy's default quantile)
        h = q * (b - 1)
        bad = ~np.isfinite(h)
        h = np.where(bad, 0.0, h)
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, b - 1)
        frac = h - lo
        rr = np.arange(g)[:, None]
        vals = boot[rr, lo] + frac * (boot[rr, hi] - boot[rr, lo])
        vals[bad] = np.nan
        out[np.asarray(rows)] = vals * units[:, None]
    return out
