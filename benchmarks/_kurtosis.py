"""Issue 17's kurtosis-corrected moderation, a diagnostic way of ``mcb_heavy_tails.py``.

Not the product's method: it brings the MCB set within 1.5x of the known-variance oracle's
with t(3) and lognormal noise, but, like that oracle, it does not cover the true best when
nothing differs (README's power section). Kept here, with its figures, so it can be re-run.

Excess kurtosis pooled over many small groups, and the effective df of a sample variance.

A sample variance of ``n`` values with excess kurtosis ``kappa`` has
``Var(s^2) = sigma^4 (2 / (n - 1) + kappa / n)`` (the variance of the sample variance,
e.g. Cramér 1946, *Mathematical Methods of Statistics*, section 27.4; Kendall & Stuart,
*The Advanced Theory of Statistics* vol. 1, eq. 10.13), so it is spread like a scaled
chi-square with ``d_eff = 2 / (2 / (n - 1) + kappa / n)`` degrees of freedom (matching the
first two moments, Satterthwaite 1946, "An approximate distribution of estimates of variance
components", Biometrics Bull. 2; the same correction of the chi-square df of a variance for
kurtosis as Box 1953, "Non-normality and tests on variances", Biometrika 40). Normal data:
``kappa = 0``, ``d_eff = n - 1``; heavier tails: fewer.

With 3-10 values per group a group's own kurtosis is useless (the sample kurtosis of 5
values cannot exceed 3.25), but the groups of one sweep share their shape: the fourth and
the squared second moment are estimated without bias in every group (Fisher's h-statistics:
the expectations of ``m4`` and ``m2^2`` are linear in ``mu4`` and ``mu2^2``, solved for them)
and summed over the groups, and ``kappa = sum mu4 / sum mu2^2 - 3``: the groups' kurtoses
weighted by their ``sigma^4``, unaffected by how different the groups' variances are (only
by their shape), which is what tells heavy tails from heteroscedasticity.
"""

from __future__ import annotations

import math

import numpy as np

from shared.stats._moderated import Moderated, _lam, squeeze_var

__all__ = ["pooled_excess_kurtosis", "effective_df", "kurtosis_moderated"]


def pooled_excess_kurtosis(groups: np.ndarray) -> float:
    """Excess kurtosis shared by the columns of ``groups`` (n values x G groups, n >= 4).

    Each column is centred at its own mean; ``inf`` when the pooled fourth moments are at
    the largest the sample sizes allow (every group one outlier), ``nan`` with n < 4.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> round(pooled_excess_kurtosis(rng.normal(size=(5, 20000))), 1)
        0.0
        >>> round(pooled_excess_kurtosis(rng.laplace(size=(5, 20000))), 0)  # kurtosis 3
        3.0
    """
    x = np.asarray(groups, dtype=np.float64)
    n = x.shape[0]
    if n < 4 or x.ndim != 2 or x.shape[1] == 0:
        return math.nan
    c = x - x.mean(axis=0, keepdims=True)
    m2 = np.mean(c**2, axis=0)
    m4 = float(np.sum(np.mean(c**4, axis=0)))
    q = float(np.sum(m2**2))
    if q <= 0:
        return math.nan
    # E[m4] = a1 mu4 + a2 mu2^2, E[m2^2] = b1 mu4 + b2 mu2^2 (the h-statistics' system)
    a1 = (n - 1) * (n * n - 3 * n + 3) / n**3
    a2 = 3 * (n - 1) * (2 * n - 3) / n**3
    b1 = (n - 1) ** 2 / n**3
    b2 = (n - 1) * (n * n - 2 * n + 3) / n**3
    mu4 = b2 * m4 - a2 * q  # both times the determinant a1 b2 - a2 b1 > 0
    mu22 = a1 * q - b1 * m4
    if mu22 <= 0:
        return math.inf
    return mu4 / mu22 - 3.0


def effective_df(n: int, kappa: float) -> float:
    """``2 / (2 / (n - 1) + kappa / n)``: the chi-square df a variance of ``n`` values with
    excess kurtosis ``kappa`` is spread like (``n - 1`` at ``kappa <= 0``, never more).

    Example:
        >>> effective_df(5, 0.0), effective_df(5, 5.0)
        (4.0, 1.3333333333333333)
    """
    if not math.isfinite(kappa):
        return 0.0 if kappa > 0 else float(n - 1)
    k = max(kappa, 0.0)
    return 2.0 / (2.0 / (n - 1) + k / n)


def kurtosis_moderated(matrix: np.ndarray) -> Moderated:
    """``moderated_differences`` with each pair variance's chi-square df ``d_eff`` (from the
    excess kurtosis of the paired differences, pooled over every pair) in place of ``n - 1``:
    the prior ``(d0, s0^2)`` is fitted with ``d_eff`` (Smyth's trigamma moment matching with
    the heavier-tailed variances' own spread), the posterior is
    ``(d0 s0^2 + d_eff s^2) / (d0 + d_eff)`` with ``d0 + d_eff`` df, capped as the product's
    at the pooled ``(n - 1)(k - 1)`` (capping at ``d_eff (k - 1)`` instead makes the sets
    larger, 2.90 and 5.07 at k = 30 with t3 and lognormal noise, and covers no better).

    Example:
        >>> rng = np.random.default_rng(1)
        >>> m = rng.normal(size=(5, 1)) + rng.normal(size=(5, 8))
        >>> r = kurtosis_moderated(m)
        >>> r.var_diff.shape, r.df <= 4 * 7
        ((8, 8), True)
    """
    m = np.asarray(matrix, dtype=np.float64)
    n, k = m.shape
    cov = np.cov(m, rowvar=False, ddof=1).reshape(k, k)
    var = np.diag(cov)
    vd = np.maximum(var[:, None] + var[None, :] - 2.0 * cov, 0.0)
    iu = np.triu_indices(k, 1)
    kappa = pooled_excess_kurtosis(m[:, iu[0]] - m[:, iu[1]])
    deff = max(effective_df(n, kappa), 0.05)  # a floor: every group one outlier
    post, d0, s0 = squeeze_var(vd[iu], deff)
    df = min(deff + d0, (n - 1.0) * (k - 1))
    vd = np.zeros((k, k))
    vd[iu] = post
    vd = vd + vd.T
    tot, row = vd.sum() / 2.0, vd.sum(axis=1)
    control = row / (k - 1) - (tot - row) / ((k - 1) * (k - 2) / 2.0) / 2.0
    lam = _lam(np.maximum(control, 0.0), vd)
    return Moderated(vd / n, float(df), lam, d0, s0,
                     f"kurtosis {kappa:.3g}, chi-square df {deff:.3g}, prior df {d0:.3g}")
