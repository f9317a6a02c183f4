"""Rank tests for two configurations: Wilcoxon signed-rank (paired) and Mann-Whitney U.

Both are exact for small samples (n <= 50), with or without ties: the null distribution is
built by dynamic programming over the (doubled) mid-ranks, i.e. the exact permutation
distribution conditional on the observed ties. Larger samples use the normal approximation
with tie and continuity corrections (as scipy and R do). Each reports the Hodges-Lehmann
estimate with its distribution-free CI (Hollander & Wolfe, Nonparametric Statistical Methods,
sections 3.2 and 4.3; the same construction as R's ``wilcox.test(conf.int=TRUE)``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from shared.errors import InputError
from shared.stats._result import ConfidenceInterval, TestResult
from shared.stats._validate import as_pair, check_level, pow2_scale, rounding_noise

__all__ = ["wilcoxon", "mann_whitney"]

EXACT_MAX_N = 50  # exact null distributions up to this many observations ("auto")
# method="exact" is honoured up to these sizes; beyond, the dynamic programme gets slow
# (and the normal approximation is excellent), so it falls back with a warning.
EXACT_LIMIT_SIGNED = 300
EXACT_LIMIT_RANK_SUM = 100


def _midranks(x: np.ndarray, noise: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mid-ranks (1-based) of ``x``, tie sizes. Neighbours in sorted order closer than the
    larger of their rounding noises (``noise``, aligned with ``x``) are ties."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    ns = np.broadcast_to(noise, x.shape)[order]
    # a new tie group starts where the gap to the previous value exceeds the rounding noise
    starts = np.concatenate(([True], np.diff(xs) > np.maximum(ns[1:], ns[:-1])))
    group = np.cumsum(starts) - 1
    sizes = np.bincount(group)
    first = np.flatnonzero(starts) + 1  # 1-based rank of the first member of each group
    mid = first + (sizes - 1) / 2.0
    ranks = np.empty(x.size)
    ranks[order] = mid[group]
    return ranks, sizes


def _subset_sum_counts(weights: np.ndarray) -> np.ndarray:
    """Number of subsets of ``weights`` (non-negative ints) with each total 0..sum."""
    total = int(weights.sum())
    counts = np.zeros(total + 1)
    counts[0] = 1.0
    top = 0
    for w in weights.astype(int):
        counts[w : top + w + 1] += counts[: top + 1].copy()
        top += w
    return counts


def _choose_sum_counts(weights: np.ndarray, k: int) -> np.ndarray:
    """Number of k-subsets of ``weights`` (positive ints) with each total 0..sum."""
    total = int(weights.sum())
    table = np.zeros((k + 1, total + 1))
    table[0, 0] = 1.0
    for w in weights.astype(int):
        table[1:, w:] += table[:-1, : total + 1 - w].copy()
    return table[k]


def _two_sided_from_counts(counts: np.ndarray, observed: int) -> float:
    """2 * min(P(T <= t), P(T >= t)), capped at 1 (scipy's convention for two-sided)."""
    probs = counts / counts.sum()
    lower = probs[: observed + 1].sum()
    upper = probs[observed:].sum()
    return float(min(1.0, 2.0 * min(lower, upper)))


def _hl_ci(
    sorted_values: np.ndarray, counts: np.ndarray | None, m_total: int, z_sd: tuple[float, float],
    level: float,
) -> tuple[float, float, float]:
    """Distribution-free CI from sorted Walsh averages / pairwise differences.

    ``counts`` is the untied null distribution of the statistic on 0..m_total (exact case) or
    None (normal approximation, with ``z_sd`` = (mean, sd)). Returns (low, high, achieved level).
    """
    from scipy import special

    alpha = 1.0 - level
    if counts is not None:
        cdf = np.cumsum(counts) / counts.sum()
        # smallest q with P(T <= q) >= alpha/2 (R's qsignrank / qwilcox)
        qu = int(np.searchsorted(cdf, alpha / 2 - 1e-12))
        qu = max(qu, 1)
        achieved = 1.0 - 2.0 * float(cdf[qu - 1])
    else:
        mean, sd = z_sd
        qu = int(round(mean - float(special.ndtri(1 - alpha / 2)) * sd))
        qu = max(qu, 1)
        achieved = level
    ql = m_total - qu
    return float(sorted_values[qu - 1]), float(sorted_values[ql]), achieved


def _check_method(method: str) -> str:
    if method not in ("auto", "exact", "asymptotic"):
        raise InputError(f"method must be 'auto', 'exact' or 'asymptotic', got {method!r}")
    return method


def wilcoxon(
    a: Any,
    b: Any,
    level: float = 0.95,
    *,
    zero_method: str = "wilcox",
    method: str = "auto",
) -> TestResult:
    """Wilcoxon signed-rank test of the paired differences ``a - b``.

    Exact for n <= 50 (also with ties and zeros: the exact permutation distribution of the
    signs given the observed mid-ranks), normal approximation with tie and continuity
    corrections above. ``estimate`` is the Hodges-Lehmann estimate (median of the Walsh
    averages) with its distribution-free CI.

    Args:
        a, b: paired 1-D samples of equal length, at least 2 complete pairs.
        level: confidence level of the Hodges-Lehmann CI.
        zero_method: "wilcox" (drop zero differences, scipy and R default), "pratt" (rank them,
            then drop their ranks) or "zsplit" (split their ranks between both sums, as in
            Demsar 2006).
        method: "auto", "exact" or "asymptotic".

    Returns:
        ``TestResult`` with statistic = min(W+, W-) (scipy's), W+ and W- in ``extra``.

    Raises:
        InputError: lengths differ, fewer than 2 complete pairs, unknown option.

    Example:
        >>> r = wilcoxon([1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30],
        ...              [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29])
        >>> r.extra["w_plus"], round(r.pvalue, 4)
        (40.0, 0.0391)
    """
    from scipy import special

    level = check_level(level)
    _check_method(method)
    if zero_method not in ("wilcox", "pratt", "zsplit"):
        raise InputError(f"zero_method must be 'wilcox', 'pratt' or 'zsplit', got {zero_method!r}")
    warnings: list[str] = []
    xa, xb = as_pair(a, b, paired=True, warnings=warnings)
    scale = pow2_scale(xa, xb)  # exact; no overflow in differences and Walsh averages
    xa, xb = xa / scale, xb / scale
    d = xa - xb
    # each difference carries the rounding noise of its own pair (not of the largest value)
    noise = rounding_noise(xa, xb)
    zero = np.abs(d) <= noise
    d = np.where(zero, 0.0, d)
    n_zero = int(zero.sum())

    # Hodges-Lehmann estimate: median of the Walsh averages (d_i + d_j) / 2, i <= j.
    n = d.size
    iu = np.triu_indices(n)
    walsh = np.sort((d[iu[0]] + d[iu[1]]) / 2.0)
    estimate = float(np.median(walsh)) * scale
    m_total = walsh.size
    untied = _subset_sum_counts(np.arange(1, n + 1)) if n <= EXACT_MAX_N else None
    sd_untied = math.sqrt(n * (n + 1) * (2 * n + 1) / 24.0)
    lo, hi, achieved = _hl_ci(walsh, untied, m_total, (m_total / 2.0, sd_untied), level)
    if achieved < level - 1e-9:
        warnings.append(
            f"with n={n} the exact CI can reach only {achieved:.1%} coverage, not {level:.0%}"
        )
    ci = ConfidenceInterval(lo * scale, hi * scale, level)
    extra: dict[str, Any] = {"n": n, "n_zero": n_zero, "zero_method": zero_method,
                             "ci_level_achieved": achieved}

    if zero_method == "wilcox":
        keep = ~zero
        ranks, sizes = _midranks(np.abs(d[keep]), noise[keep])
        signs = np.sign(d[keep])
        zero_half = 0.0
    else:
        ranks_all, sizes = _midranks(np.abs(d), noise)
        ranks, signs = ranks_all[~zero], np.sign(d[~zero])
        zero_half = ranks_all[zero].sum() / 2.0 if zero_method == "zsplit" else 0.0
    if n_zero:
        warnings.append(f"{n_zero} zero difference(s) handled by the '{zero_method}' method")
    n_eff = ranks.size
    extra["n_used"] = n_eff
    if n_eff == 0:
        warnings.append("all paired differences are zero: a and b are identical, "
                        "the signed-rank test is undefined")
        return TestResult("wilcoxon", math.nan, math.nan, estimate=estimate, ci=ci,
                          method="undefined (all differences zero)", extra=extra,
                          warnings=tuple(warnings))

    w_plus = float(ranks[signs > 0].sum() + zero_half)
    w_minus = float(ranks[signs < 0].sum() + zero_half)
    extra.update(w_plus=w_plus, w_minus=w_minus)
    has_ties = bool((sizes > 1).any())
    use_exact = method == "exact" or (method == "auto" and n_eff <= EXACT_MAX_N)
    if use_exact and n_eff > EXACT_LIMIT_SIGNED:
        use_exact = False
        warnings.append(f"exact distribution not computed for {n_eff} differences "
                        f"(limit {EXACT_LIMIT_SIGNED}): normal approximation used")
    if use_exact:
        doubled = np.rint(2 * ranks).astype(np.int64)
        counts = _subset_sum_counts(doubled)
        observed = int(round(2 * (w_plus - zero_half)))
        p = _two_sided_from_counts(counts, observed)
        how = "exact (conditional on ties)" if has_ties or n_zero else "exact"
    else:
        mean = ranks.sum() / 2.0
        sd = math.sqrt(float((ranks**2).sum()) / 4.0)
        dev = (w_plus - zero_half) - mean
        if sd == 0.0:
            p = 1.0
        else:
            z = (abs(dev) - 0.5) / sd if abs(dev) >= 0.5 else 0.0
            extra["z"] = math.copysign(z, dev)
            p = float(min(1.0, 2.0 * special.ndtr(-z)))
        how = "normal approximation (tie and continuity corrected)"
    return TestResult("wilcoxon", min(w_plus, w_minus), p, estimate=estimate, ci=ci,
                      method=how, extra=extra, warnings=tuple(warnings))


def mann_whitney(a: Any, b: Any, level: float = 0.95, *, method: str = "auto") -> TestResult:
    """Mann-Whitney U (Wilcoxon rank-sum) test of two independent samples.

    Exact for n_a + n_b <= 50 (with ties: the exact permutation distribution given the
    mid-ranks), normal approximation with tie and continuity corrections above.
    ``estimate`` is the Hodges-Lehmann shift (median of all a_i - b_j) with its
    distribution-free CI.

    Args:
        a, b: independent 1-D samples, at least 2 values each.
        level: confidence level of the shift CI.
        method: "auto", "exact" or "asymptotic".

    Returns:
        ``TestResult`` with statistic = U of ``a`` (scipy's), and in ``extra`` the probability of
        superiority P(a > b) + P(a = b)/2 and the rank-biserial correlation.

    Raises:
        InputError: fewer than 2 values in a sample, unknown option.

    Example:
        >>> r = mann_whitney([0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46],
        ...                  [1.15, 0.88, 0.90, 0.74, 1.21])
        >>> r.statistic, round(r.pvalue, 4)
        (35.0, 0.2544)
    """
    from scipy import special

    level = check_level(level)
    _check_method(method)
    warnings: list[str] = []
    xa, xb = as_pair(a, b, paired=False, warnings=warnings)
    scale = pow2_scale(xa, xb)  # exact; no overflow in the pairwise differences
    xa, xb = xa / scale, xb / scale
    na, nb = xa.size, xb.size
    big_n = na + nb
    pooled = np.concatenate([xa, xb])
    ranks, sizes = _midranks(pooled, rounding_noise(pooled))
    r_a = float(ranks[:na].sum())
    u_a = r_a - na * (na + 1) / 2.0
    ps = u_a / (na * nb)
    extra: dict[str, Any] = {"n_a": na, "n_b": nb, "u_b": na * nb - u_a,
                             "prob_superiority": ps, "rank_biserial": 2.0 * ps - 1.0}

    # Hodges-Lehmann shift: median of the n_a * n_b differences a_i - b_j.
    diffs = (xa[:, None] - xb[None, :]).ravel()
    diffs = np.where(np.abs(diffs) <= rounding_noise(xa[:, None], xb[None, :]).ravel(), 0.0,
                     diffs)
    diffs.sort()
    estimate = float(np.median(diffs)) * scale
    m_total = na * nb
    small = big_n <= EXACT_MAX_N
    untied = None
    if small:
        k = min(na, nb)
        untied = _choose_sum_counts(np.arange(1, big_n + 1), k)[k * (k + 1) // 2 :]
    sd_untied = math.sqrt(na * nb * (big_n + 1) / 12.0)
    lo, hi, achieved = _hl_ci(diffs, untied, m_total, (m_total / 2.0, sd_untied), level)
    if achieved < level - 1e-9:
        warnings.append(
            f"with n={na}+{nb} the exact CI can reach only {achieved:.1%} coverage, "
            f"not {level:.0%}"
        )
    extra["ci_level_achieved"] = achieved
    ci = ConfidenceInterval(lo * scale, hi * scale, level)

    has_ties = bool((sizes > 1).any())
    if sizes.size == 1:
        warnings.append("all values are equal: the rank test cannot see any difference")
    use_exact = method == "exact" or (method == "auto" and small)
    if use_exact and big_n > EXACT_LIMIT_RANK_SUM:
        use_exact = False
        warnings.append(f"exact distribution not computed for {big_n} values "
                        f"(limit {EXACT_LIMIT_RANK_SUM}): normal approximation used")
    if use_exact:
        # exact distribution of (twice) the rank sum of a, over all C(N, n_a) labellings
        doubled = np.rint(2 * ranks).astype(np.int64)
        counts = _choose_sum_counts(doubled, na)
        p = _two_sided_from_counts(counts, int(round(2 * r_a)))
        how = "exact (conditional on ties)" if has_ties else "exact"
    else:
        tie_term = float((sizes**3 - sizes).sum()) / (big_n * (big_n - 1))
        sd = math.sqrt(na * nb / 12.0 * ((big_n + 1) - tie_term))
        dev = u_a - na * nb / 2.0
        if sd == 0.0:
            p = 1.0
        else:
            z = max(abs(dev) - 0.5, 0.0) / sd
            extra["z"] = math.copysign(z, dev)
            p = float(min(1.0, 2.0 * special.ndtr(-z)))
        how = "normal approximation (tie and continuity corrected)"
    return TestResult("mann-whitney", u_a, p, estimate=estimate, ci=ci, method=how, extra=extra,
                      warnings=tuple(warnings))
