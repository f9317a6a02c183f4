"""Friedman's rank test for k configurations measured on the same N blocks (seeds, data sets).

The omnibus test of Demsar (2006, JMLR 7, section 3.2.2): rank the configurations within each
block, compare the mean ranks. We report the Iman-Davenport F (less conservative than the
chi-square, as Demsar recommends) as the p-value and keep the chi-square in ``extra``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from shared.errors import InputError
from shared.stats._result import TestResult

__all__ = ["friedman"]


def _as_matrix(matrix: Any, *, what: str = "matrix") -> np.ndarray:
    """Validate a blocks x configs matrix: 2-D, numeric, finite, at least 2 x 2.

    Raises ``InputError`` with a one-line message for anything unusable.
    """
    try:
        m = np.asarray(matrix, dtype=float)
    except (ValueError, TypeError) as exc:
        # numpy refuses ragged nested lists and non-numbers; say which in plain words
        raise InputError(
            f"{what} must be a rectangular table of numbers (rows = blocks/seeds, "
            f"columns = configurations); got ragged or non-numeric data: {exc}"
        ) from None
    if m.ndim != 2:
        raise InputError(
            f"{what} must be 2-D (rows = blocks/seeds, columns = configurations), "
            f"got {m.ndim}-D with shape {m.shape}"
        )
    n, k = m.shape
    if k < 2:
        raise InputError(f"{what} needs at least 2 configurations (columns), got {k}")
    if n < 2:
        raise InputError(f"{what} needs at least 2 blocks/seeds (rows), got {n}")
    bad = ~np.isfinite(m)
    if bad.any():
        r, c = (int(v) for v in np.argwhere(bad)[0])
        raise InputError(
            f"{what} has {int(bad.sum())} missing or non-finite value(s) (first at block {r}, "
            f"configuration {c}); drop incomplete blocks first"
        )
    return m


def _block_ranks(m: np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """Rank within each row, ties get the average rank; rank 1 is the best (Demsar's convention)."""
    from scipy.stats import rankdata

    return rankdata(-m if higher_is_better else m, axis=1, method="average")


def _tie_correction(ranks: np.ndarray) -> float:
    """Friedman's tie correction ``1 - sum(t^3 - t) / (N k (k^2 - 1))`` (as scipy and R use)."""
    n, k = ranks.shape
    ties = 0.0
    for row in ranks:
        _, counts = np.unique(row, return_counts=True)
        ties += float(np.sum(counts.astype(float) ** 3 - counts))
    return 1.0 - ties / (n * k * (k * k - 1.0))


def friedman(matrix: Any, *, higher_is_better: bool = True) -> TestResult:
    """Friedman test with the Iman-Davenport correction (Demsar 2006, section 3.2.2).

    Args:
        matrix: blocks x configurations (rows = seeds/folds/data sets, columns = configs); every
            cell finite. At least 2 x 2.
        higher_is_better: only orients ``extra["mean_ranks"]`` (rank 1 = best); the test itself is
            symmetric.

    Returns:
        ``TestResult`` with ``test="friedman"``, ``statistic`` = Iman-Davenport F_F,
        ``pvalue`` from F(k-1, (k-1)(N-1)), ``df`` = k - 1 and in ``extra``: ``chi2`` (tie
        corrected, as scipy.stats.friedmanchisquare), ``chi2_pvalue``, ``chi2_df``, ``df_num``,
        ``df_den``, ``mean_ranks``, ``tie_correction``, ``kendall_w``, and Demsar's uncorrected
        ``chi2_uncorrected`` / ``f_uncorrected`` (his worked example ignores ties).

    Degenerate data never crashes: every block tied gives statistic 0 and p = 1 with a warning;
    perfect agreement of all blocks (F infinite) gives the exact permutation p-value
    ``(k!)^(1-N)`` of that most extreme outcome, with a warning.

    Example:
        >>> r = friedman([[1, 2, 3], [2, 3, 4], [1, 3, 2], [0, 5, 6]])
        >>> round(r.extra["chi2"], 3)
        6.5
    """
    from scipy import stats

    m = _as_matrix(matrix)
    n, k = m.shape
    ranks = _block_ranks(m, higher_is_better)
    mean_ranks = ranks.mean(axis=0)
    warnings: list[str] = []

    # Demsar's formula: chi2 = 12N/(k(k+1)) [sum R_j^2 - k(k+1)^2/4], no tie correction.
    chi2_raw = 12.0 * n / (k * (k + 1.0)) * (float(np.sum(mean_ranks**2)) - k * (k + 1.0) ** 2 / 4)
    chi2_raw = max(chi2_raw, 0.0)  # rounding can make a zero statistic a tiny negative number
    c = _tie_correction(ranks)
    df_num = k - 1.0
    df_den = (k - 1.0) * (n - 1.0)
    extra: dict[str, Any] = {
        "mean_ranks": [float(v) for v in mean_ranks],
        "n_blocks": n,
        "n_configs": k,
        "df_num": df_num,
        "df_den": df_den,
        "chi2_df": df_num,
        "tie_correction": c,
        "chi2_uncorrected": chi2_raw,
        "f_uncorrected": _iman_davenport(chi2_raw, n, k),
    }

    if c <= 1e-12:
        # every block ties every configuration: no evidence of any difference at all
        warnings.append(
            "every block ties all configurations: no differences to test (statistic 0, p = 1)"
        )
        extra.update(chi2=0.0, chi2_pvalue=1.0, kendall_w=0.0)
        return TestResult(
            test="friedman",
            statistic=0.0,
            pvalue=1.0,
            df=df_num,
            method="degenerate: all ties",
            extra=extra,
            warnings=tuple(warnings),
        )

    chi2 = chi2_raw / c
    chi2_p = float(stats.chi2.sf(chi2, df_num))
    kendall_w = chi2 / (n * (k - 1.0))
    f_stat = _iman_davenport(chi2, n, k)
    extra.update(chi2=chi2, chi2_pvalue=chi2_p, kendall_w=kendall_w)
    ties_present = c < 1.0 - 1e-12
    if math.isinf(f_stat):
        # All blocks agree completely (Kendall's W = 1). The F approximation breaks down; the
        # exact probability of this most extreme outcome under H0 is k! * (1/k!)^N.
        if ties_present:
            p = chi2_p
            method = "chi-square (Iman-Davenport F infinite)"
            warnings.append(
                "all blocks agree completely; the Iman-Davenport F is infinite, p-value from "
                "the chi-square approximation"
            )
        else:
            p = math.exp((1 - n) * math.lgamma(k + 1))
            method = "exact (perfect agreement)"
            warnings.append(
                "all blocks rank the configurations identically; the Iman-Davenport F is "
                "infinite, p-value is the exact probability of that ordering, (k!)^(1-N)"
            )
    else:
        p = float(stats.f.sf(f_stat, df_num, df_den))
        method = "Iman-Davenport F" + (" (tie-corrected)" if ties_present else "")
    if n < 5:
        # Demsar (2006): both the chi-square and the F approximation are rough for tiny N
        warnings.append(
            f"only {n} blocks for {k} configurations: the Friedman p-value is an approximation "
            "that is rough with so few blocks"
        )
    return TestResult(
        test="friedman",
        statistic=f_stat,
        pvalue=float(min(max(p, 0.0), 1.0)),
        df=df_num,
        method=method,
        extra=extra,
        warnings=tuple(warnings),
    )


def _iman_davenport(chi2: float, n: int, k: int) -> float:
    """F_F = (N-1) chi2 / (N(k-1) - chi2); infinite when all blocks agree (denominator 0)."""
    den = n * (k - 1.0) - chi2
    if den <= 1e-12 * max(1.0, n * (k - 1.0)):
        return math.inf
    return (n - 1.0) * chi2 / den
