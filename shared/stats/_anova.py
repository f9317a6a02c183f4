"""Parametric omnibus tests for k configurations: repeated-measures ANOVA and Welch's ANOVA.

Use these when the configurations' values look normal; otherwise Friedman (paired) is safer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from shared.errors import InputError
from shared.stats._friedman import _as_matrix
from shared.stats._result import TestResult
from shared.stats._validate import is_constant, pow2_scale, tie_tolerance

__all__ = ["rm_anova", "welch_anova"]


def _orthonormal_contrasts(k: int) -> np.ndarray:
    """k x (k-1) orthonormal contrasts (columns orthogonal to the constant and to each other)."""
    # Helmert-like basis from a QR of [1, e_1, ..., e_{k-1}]: any orthonormal basis of the
    # contrast space gives the same epsilon and Mauchly's W (both are rotation-invariant).
    base = np.hstack([np.ones((k, 1)), np.eye(k)[:, : k - 1]])
    q, _ = np.linalg.qr(base)
    return q[:, 1:]


def _mauchly(cov_c: np.ndarray, df_resid: float, k: int) -> tuple[float, float]:
    """Mauchly's W and p-value from the contrast covariance (as R ``mauchly.test`` / pingouin)."""
    from scipy.stats import chi2

    d = cov_c.shape[0]
    if d <= 1:
        return 1.0, 1.0
    tr = float(np.trace(cov_c))
    sign, logdet = np.linalg.slogdet(cov_c)
    if tr <= 0 or sign <= 0:
        return 0.0, 0.0
    log_w = logdet - d * math.log(tr / d)
    ddof = d * (d + 1) / 2 - 1
    f = 1 - (2 * d**2 + d + 2) / (6 * d * df_resid)
    w2 = (
        (d + 2)
        * (d - 1)
        * (d - 2)
        * (2 * d**3 + 6 * d**2 + 3 * k + 2)
        / (288 * (df_resid * d * f) ** 2)
    )
    stat = -df_resid * f * log_w
    p1 = float(chi2.sf(stat, ddof))
    p2 = float(chi2.sf(stat, ddof + 4))
    p = p1 + w2 * (p2 - p1)
    return math.exp(log_w), float(min(max(p, 0.0), 1.0))


def rm_anova(matrix: Any) -> TestResult:
    """One-way repeated-measures ANOVA with Greenhouse-Geisser and Huynh-Feldt corrections.

    Rows are subjects/blocks (seeds, data sets), columns the configurations, as pingouin's
    ``rm_anova`` on a wide table.

    Args:
        matrix: blocks x configurations, finite, at least 2 x 2.

    Returns:
        ``TestResult`` with ``test="rm-anova"``, ``statistic`` = F, ``pvalue`` uncorrected,
        ``df`` = k - 1 and in ``extra``: ``df_num``, ``df_den``, ``ss_effect``, ``ss_error``,
        ``ss_subjects``, ``ms_effect``, ``ms_error``, ``eta2_generalized`` (pingouin's ng2),
        ``eta2_partial``, ``epsilon_gg``, ``epsilon_hf``, ``epsilon_lb``, ``pvalue_gg``,
        ``pvalue_hf``, ``mauchly_w``, ``mauchly_pvalue``, ``sphericity`` (Mauchly p > 0.05;
        None when it cannot be checked). Use ``pvalue_gg`` unless ``sphericity`` is True.

    Example:
        >>> r = rm_anova([[1, 2, 4], [2, 3, 5], [2, 2, 6], [1, 3, 5]])
        >>> r.df, r.extra["df_den"]
        (2.0, 6.0)
    """
    from scipy.stats import f as f_dist

    m = _as_matrix(matrix)
    # exact power-of-two scaling (as in welch_anova): no overflow of squares near 1e200 nor
    # underflow near 1e-200; sums of squares are reported in the data's units
    unit = pow2_scale(m)
    m = m / unit
    n, k = m.shape
    warnings: list[str] = []
    grand = float(m.mean())
    col_means = m.mean(axis=0)
    row_means = m.mean(axis=1)
    ss_effect = float(n * np.sum((col_means - grand) ** 2))
    ss_subjects = float(k * np.sum((row_means - grand) ** 2))
    ss_within_all = float(np.sum((m - col_means) ** 2))  # pingouin's ss_resall
    ss_error = max(ss_within_all - ss_subjects, 0.0)
    df_num = k - 1.0
    df_den = (k - 1.0) * (n - 1.0)
    ms_effect = ss_effect / df_num
    ms_error = ss_error / df_den
    scale = max(float(np.sum((m - grand) ** 2)), 1e-300)

    # sphericity: covariance of orthonormal contrasts (pingouin/R convention)
    contrasts = _orthonormal_contrasts(k)
    cov = np.atleast_2d(np.cov(m, rowvar=False, ddof=1))
    cov_c = contrasts.T @ cov @ contrasts
    d = k - 1
    tr = float(np.trace(cov_c))
    if d <= 1:
        eps_gg = 1.0
    elif tr > 0:
        eps_gg = min(tr**2 / (d * float(np.trace(cov_c @ cov_c))), 1.0)
    else:
        eps_gg = math.nan
    if d <= 1:
        eps_hf = 1.0
    elif math.isfinite(eps_gg):
        den = d * (n - 1 - d * eps_gg)
        eps_hf = min((n * d * eps_gg - 2) / den, 1.0) if den > 0 else 1.0
    else:
        eps_hf = math.nan
    # Mauchly needs a full-rank contrast covariance: at least d + 1 blocks
    checkable = tr > 0 and n - 1 >= d
    mauchly_w, mauchly_p = _mauchly(cov_c, n - 1.0, k) if checkable else (math.nan, math.nan)

    if ss_error <= 1e-12 * scale:
        if ss_effect <= 1e-12 * scale:
            warnings.append(
                "no variation within blocks: every configuration has the same value in each "
                "block (F undefined, p = 1)"
            )
            f_stat, p, p_gg, p_hf = math.nan, 1.0, 1.0, 1.0
        else:
            warnings.append(
                "residual variance is zero: every block shows exactly the same differences "
                "between configurations (F infinite, p = 0)"
            )
            f_stat, p, p_gg, p_hf = math.inf, 0.0, 0.0, 0.0
    else:
        f_stat = ms_effect / ms_error
        p = float(f_dist.sf(f_stat, df_num, df_den))
        p_gg = _corrected_p(f_stat, df_num, df_den, eps_gg)
        p_hf = _corrected_p(f_stat, df_num, df_den, eps_hf)
    # None: unknown (too few blocks, or no variance to test)
    sphericity = bool(mauchly_p > 0.05) if math.isfinite(mauchly_p) else None
    if sphericity is False:
        warnings.append(
            f"Mauchly's test rejects sphericity (p = {mauchly_p:.3g}): use the "
            f"Greenhouse-Geisser corrected p-value ({p_gg:.3g})"
        )
    if tr > 0 and n - 1 < d:
        warnings.append(
            f"only {n} blocks for {k} configurations: sphericity cannot be checked (Mauchly's "
            "test needs more blocks than configurations); prefer the Greenhouse-Geisser p-value"
        )
    extra: dict[str, Any] = {
        "df_num": df_num,
        "df_den": df_den,
        "ss_effect": ss_effect * unit * unit,
        "ss_error": ss_error * unit * unit,
        "ss_subjects": ss_subjects * unit * unit,
        "ms_effect": ms_effect * unit * unit,
        "ms_error": ms_error * unit * unit,
        "eta2_generalized": ss_effect / (ss_effect + ss_within_all) if scale > 1e-300 else 0.0,
        "eta2_partial": ss_effect / (ss_effect + ss_error) if ss_effect + ss_error > 0 else 0.0,
        "epsilon_gg": eps_gg,
        "epsilon_hf": eps_hf,
        "epsilon_lb": 1.0 / d,
        "pvalue_gg": p_gg,
        "pvalue_hf": p_hf,
        "mauchly_w": mauchly_w,
        "mauchly_pvalue": mauchly_p,
        "sphericity": sphericity,
        "n_blocks": n,
        "n_configs": k,
    }
    return TestResult(
        test="rm-anova",
        statistic=f_stat,
        pvalue=float(min(max(p, 0.0), 1.0)),
        df=df_num,
        method="F test (uncorrected; Greenhouse-Geisser in extra)",
        extra=extra,
        warnings=tuple(warnings),
    )


def _corrected_p(f_stat: float, df1: float, df2: float, eps: float) -> float:
    """p of F with both df scaled by epsilon, floored at 1 (as pingouin does)."""
    from scipy.stats import f as f_dist

    if not math.isfinite(eps):
        return math.nan
    return float(f_dist.sf(f_stat, max(df1 * eps, 1.0), max(df2 * eps, 1.0)))


def welch_anova(groups: Sequence[Any]) -> TestResult:
    """Welch's one-way ANOVA for k independent groups with unequal variances (Welch 1951).

    Same numbers as pingouin's ``welch_anova``.

    Args:
        groups: k >= 2 sequences of finite numbers, each with at least 2 values (lengths may
            differ).

    Returns:
        ``TestResult`` with ``test="welch-anova"``, ``statistic`` = F, ``df`` = k - 1 and in
        ``extra``: ``df_num``, ``df_den`` (Welch's fractional df), ``eta2_partial`` (pingouin's
        np2), ``group_means``, ``group_vars``, ``n_per_group``. A group with zero variance makes
        Welch's weights undefined: statistic and p-value are NaN and a warning says why.

    Example:
        >>> r = welch_anova([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0, 8.0], [5.0, 5.5, 7.0]])
        >>> r.df
        2.0
    """
    from scipy.stats import f as f_dist

    if isinstance(groups, np.ndarray) and groups.ndim == 2:
        groups = list(groups)
    try:
        arrays = [np.asarray(g, dtype=float) for g in groups]
    except (TypeError, ValueError) as exc:
        raise InputError(f"welch_anova needs a list of numeric groups: {exc}") from None
    k = len(arrays)
    if k < 2:
        raise InputError(f"welch_anova needs at least 2 groups, got {k}")
    for i, a in enumerate(arrays):
        if a.ndim != 1:
            raise InputError(f"group {i} must be 1-D, got shape {a.shape}")
        if a.size < 2:
            raise InputError(
                f"group {i} has {a.size} value(s); Welch's ANOVA needs at least 2 per group"
            )
        if not np.all(np.isfinite(a)):
            raise InputError(f"group {i} contains NaN or infinite values")
    # Divide by a power of two near the largest magnitude (exact): every statistic is scale
    # invariant, and squares of values near 1e200 would overflow. Means and variances are
    # reported in the data's units (a variance beyond 1.8e308 is inf there).
    unit = pow2_scale(*arrays)
    arrays = [a / unit for a in arrays]
    ns = np.array([a.size for a in arrays], dtype=float)
    means = np.array([a.mean() for a in arrays])
    # a constant group gets exactly zero variance rather than rounding noise
    variances = np.array(
        [0.0 if is_constant(a, tie_tolerance(a)) else a.var(ddof=1) for a in arrays]
    )
    allv = np.concatenate(arrays)
    ss_res = float(sum(np.sum((a - a.mean()) ** 2) for a in arrays))
    ss_bet = float(np.sum(ns * (means - allv.mean()) ** 2))
    eta2 = ss_bet / (ss_bet + ss_res) if ss_bet + ss_res > 0 else 0.0
    df_num = k - 1.0
    extra: dict[str, Any] = {
        "df_num": df_num,
        "eta2_partial": eta2,
        "group_means": [float(v) * unit for v in means],
        "group_vars": [float(v) * unit * unit for v in variances],
        "n_per_group": [int(v) for v in ns],
    }
    zero = [i for i, v in enumerate(variances) if v == 0.0]
    if zero:
        extra["df_den"] = math.nan
        return TestResult(
            test="welch-anova",
            statistic=math.nan,
            pvalue=math.nan,
            df=df_num,
            method="Welch F",
            extra=extra,
            warnings=(
                f"group(s) {zero} have zero variance: Welch's weights n/s^2 are undefined, "
                "no p-value (use a rank test or check the data)",
            ),
        )
    w = ns / variances
    adj_mean = float(np.sum(w * means) / np.sum(w))
    ms_bet = float(np.sum(w * (means - adj_mean) ** 2)) / df_num
    lam = 3.0 * float(np.sum((1.0 / (ns - 1.0)) * (1.0 - w / w.sum()) ** 2)) / (k**2 - 1.0)
    df_den = 1.0 / lam if lam > 0 else math.inf
    f_stat = ms_bet / (1.0 + 2.0 * lam * (k - 2.0) / 3.0)
    p = float(f_dist.sf(f_stat, df_num, df_den))
    extra["df_den"] = df_den
    return TestResult(
        test="welch-anova",
        statistic=f_stat,
        pvalue=float(min(max(p, 0.0), 1.0)),
        df=df_num,
        method="Welch F",
        extra=extra,
    )
