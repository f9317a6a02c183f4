"""Variances shared across the configurations of one sweep: pooled and empirical-Bayes moderated.

With 3-10 seeds a configuration's own variance has 2-9 degrees of freedom and is itself
noisy; the configurations of one sweep usually share most of their noise. Two ways of
borrowing strength, both from Smyth (2004), "Linear models and empirical Bayes methods for
assessing differential expression in microarray experiments", Stat. Appl. Genet. Mol. Biol.
3(1), art. 3 (limma's ``squeezeVar`` / ``eBayes``):

* **pooled**: the two-way (seeds x configurations) residual variance of an additive model,
  ``(n - 1)(k - 1)`` degrees of freedom. Right when every configuration is equally noisy,
  wrong (too narrow for the noisy one, too wide for the others) otherwise.
* **moderated**: each variance ``s_g^2`` (``d`` df) is shrunk toward a prior ``s0^2`` whose
  weight ``d0`` is estimated from how much the variances differ:
  ``s~_g^2 = (d0 s0^2 + d s_g^2) / (d0 + d)``, used with ``d + d0`` df. ``d0`` and ``s0^2``
  come from the mean and variance of ``log s_g^2`` (trigamma moment matching, Smyth 2004
  section 6.2). Equal variances give ``d0 = inf`` (full pooling); very unequal ones give
  ``d0`` near 0 (each its own variance).

The policy used by the comparisons (``moderated_differences``): moderate the variances of the
**pairwise differences** of paired runs. The difference of two configurations is what each
comparison's standard error is made of, and each such variance has exactly the scaled
chi-square distribution the model assumes, so one noisy configuration makes only its own
comparisons wide (its differences' variances stay large after shrinkage) and does not widen
everyone else's. The pairwise variances of one sweep are not independent (k configurations,
k(k-1)/2 pairs), so the total degrees of freedom are capped at the information there really
is, the pooled two-way df ``(n - 1)(k - 1)`` (limma caps ``df.total`` the same way), and
Smyth's moment fit, which assumes independent variances, is told how much their correlation
narrows their sample spread (``pair_spread``; without it the prior df came out too large and
a noisier configuration was shrunk toward the others). Unpaired
runs (``moderated_variances``) moderate each configuration's own variance, which are
independent. The calibration of this policy (one configuration 3x noisier, variance growing
with the mean, t(3) and lognormal noise) is measured in ``benchmarks/calibration.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Moderated",
    "fit_f_dist",
    "log_variance_correlation",
    "pair_spread",
    "trigamma_inverse",
    "squeeze_var",
    "pooled_two_way",
    "moderated_differences",
    "moderated_variances",
]


def trigamma_inverse(x: float) -> float:
    """The y with trigamma(y) = x (limma's ``trigammaInverse``: Newton on 1/trigamma).

    Example:
        >>> from scipy.special import polygamma
        >>> round(float(polygamma(1, trigamma_inverse(0.5))), 12)
        0.5
    """
    from scipy.special import polygamma

    if x > 1e7:
        return 1.0 / math.sqrt(x)
    if x < 1e-6:
        return 1.0 / x
    y = 0.5 + 1.0 / x
    for _ in range(50):
        tri = float(polygamma(1, y))
        dif = tri * (1.0 - tri / x) / float(polygamma(2, y))
        y += dif
        if -dif / y < 1e-8:
            break
    return y


def fit_f_dist(var: np.ndarray, df: np.ndarray | float,
               spread: float = 1.0) -> tuple[float, float]:
    """Prior ``(d0, s0^2)`` of scaled chi-square variances by moment matching (Smyth 2004).

    ``var``: sample variances; ``df``: their degrees of freedom (one number or one each).
    As limma's ``fitFDist``: variances that are not finite are left out, zeros are offset to
    1e-5 times the median; ``d0`` is ``inf`` when the variances are no more spread than
    chi-square sampling alone explains, and ``s0^2`` is then their mean (the pooled MLE).
    ``spread``: the expected sample variance of the log-variances relative to that of
    independent ones, ``1 - (their mean pairwise correlation)``; limma's variances are
    independent (1), the pairwise variances of one sweep are not (``pair_spread``), and their
    sample spread is divided by it so that it estimates the spread of independent ones.

    Example:
        >>> d0, s0 = fit_f_dist(np.array([1.0, 1.0, 1.0]), 4)
        >>> d0, round(s0, 6)
        (inf, 1.0)
    """
    from scipy.special import digamma, polygamma

    v = np.asarray(var, dtype=np.float64)
    d = np.broadcast_to(np.asarray(df, dtype=np.float64), v.shape)
    ok = np.isfinite(v) & (v >= 0) & np.isfinite(d) & (d > 0)
    v, d = v[ok], d[ok]
    if v.size == 0:
        return math.nan, math.nan
    med = float(np.median(v))
    v = np.maximum(v, 1e-5 * (med if med > 0 else 1.0))
    e = np.log(v) - digamma(d / 2.0) + np.log(d / 2.0)
    emean = float(e.mean())
    if v.size < 2:
        return math.inf, float(v[0])
    evar = (float(np.sum((e - emean) ** 2) / (v.size - 1)) / spread
            - float(np.mean(polygamma(1, d / 2.0))))
    if evar <= 0:
        return math.inf, float(v.mean())
    d0 = 2.0 * trigamma_inverse(evar)
    s0 = math.exp(emean + float(digamma(d0 / 2.0)) - math.log(d0 / 2.0))
    return d0, s0


def squeeze_var(var: np.ndarray, df: np.ndarray | float,
                spread: float = 1.0) -> tuple[np.ndarray, float, float]:
    """Posterior (moderated) variances and the prior: ``(s~^2, d0, s0^2)`` (``spread``: as
    ``fit_f_dist``).

    Example:
        >>> post, d0, s0 = squeeze_var(np.array([0.5, 1.0, 2.0, 1.2, 0.8]), 4)
        >>> bool(post.min() > 0.5 and post.max() < 2.0)  # pulled toward the middle
        True
    """
    v = np.asarray(var, dtype=np.float64)
    d = np.asarray(df, dtype=np.float64)
    d0, s0 = fit_f_dist(v, d, spread)
    if not math.isfinite(s0):
        return v.copy(), d0, s0
    if math.isinf(d0):
        return np.full(v.shape, s0), d0, s0
    return (d0 * s0 + d * v) / (d0 + d), d0, s0


def log_variance_correlation(df: float, rho2: float = 0.25) -> float:
    """Correlation of ``log s1^2`` and ``log s2^2``, two sample variances (``df`` each) of
    normal variables whose correlation is ``sqrt(rho2)``.

    ``(df s1^2, df s2^2)`` (up to scale) is Kibble's bivariate gamma with shape ``a = df / 2``,
    whose density expands in Laguerre polynomials with coefficients ``rho2^j``; with
    ``E[log X L_j(X)] = -1/j`` and ``E[L_j^2] = Gamma(a + j) / (j! Gamma(a))`` this gives
    ``cov = sum_j rho2^j j! Gamma(a) / (Gamma(a + j) j^2)`` over ``var = trigamma(a)``.
    It tends to ``rho2`` (the correlation of the variances themselves) as df grows.

    Example:
        >>> round(log_variance_correlation(4.0), 4), round(log_variance_correlation(1e6), 4)
        (0.2027, 0.25)
    """
    from scipy.special import gammaln, polygamma

    a = df / 2.0
    total, j = 0.0, 1
    while j < 200:
        term = rho2**j * math.exp(gammaln(j + 1.0) + gammaln(a) - gammaln(a + j)) / j**2
        total += term
        if term < 1e-14 * total:
            break
        j += 1
    return total / float(polygamma(1, a))


def pair_spread(k: int, df: float) -> float:
    """``1 - mean correlation`` of the log-variances of the k(k - 1)/2 paired differences of
    k equally noisy configurations (the ``spread`` of ``fit_f_dist``).

    Two differences sharing a configuration (``x_i - x_j``, ``x_i - x_l``) correlate 1/2, so
    their sample variances' logs correlate ``log_variance_correlation(df)`` (about 0.2 at 4
    df); each pair shares one with 2(k - 2) of the other pairs, none with the rest. Left
    uncorrected, Smyth's moment fit reads the pairs' spread as 7% too small at k = 10 and 5
    seeds (20% at k = 3): the prior df too large, the variances shrunk too far, and a noisier
    configuration hidden behind the others (issue 17).

    Example:
        >>> round(pair_spread(10, 4.0), 3)
        0.926
    """
    pairs = k * (k - 1) // 2
    if pairs < 2:
        return 1.0
    return 1.0 - 2.0 * (k - 2) / (pairs - 1) * log_variance_correlation(df)


def pooled_two_way(matrix: np.ndarray) -> tuple[float, float]:
    """Residual variance of the additive two-way model (seeds x configurations) and its df.

    ``x_sj = mu + b_s + t_j + e_sj``: the mean square error of a randomised complete block
    design (the error term of repeated-measures ANOVA), ``(n - 1)(k - 1)`` df.

    Example:
        >>> m = np.array([[1.0, 2.0, 3.5], [2.0, 3.5, 4.0], [0.0, 1.0, 2.5]])
        >>> v, df = pooled_two_way(m)
        >>> round(v, 6), df
        (0.083333, 4.0)
    """
    m = np.asarray(matrix, dtype=np.float64)
    n, k = m.shape
    r = m - m.mean(axis=1, keepdims=True) - m.mean(axis=0, keepdims=True) + m.mean()
    df = float((n - 1) * (k - 1))
    return float(np.sum(r**2) / df) if df > 0 else math.nan, df


@dataclass(frozen=True)
class Moderated:
    """Moderated variances of every pairwise mean difference of one sweep.

    Attributes:
        var_diff: k x k, the variance of ``mean_i - mean_j`` (0 on the diagonal).
        df: the degrees of freedom of those variances (one number: the smallest).
        lam: k x k, ``lam[t, j]``: the comparisons of every j with control t are correlated
            ``lam[t, j] * lam[t, l]`` (the product structure of Dunnett 1955 and Hsu 1996).
        d0, s0: the prior (inf / nan when nothing was moderated).
        how: one sentence for the report.
        own: each pair's variance is its own estimate (nothing moderated): the simultaneous
            quantiles then give each comparison a separate scale
            (``shared.stats._simultaneous``). Moderated variances keep one shared scale: a
            separate one per comparison at n - 1 + d0 df was measured too (issue 17): the
            true best covered in 0.946 instead of 0.939 of the same 10,000 null sweeps with
            one configuration 3x noisier at k = 10 (oracle 0.955), but the possibly-best set grew to 1.73x the
            oracle's at k = 30 (limit 1.5x): what is left there is the noisy
            configuration's variance shrunk too far, which no quantile fixes.
    """

    var_diff: np.ndarray
    df: float
    lam: np.ndarray
    d0: float
    s0: float
    how: str
    own: bool = False


def _lam(control_var: np.ndarray, var_diff: np.ndarray) -> np.ndarray:
    """``lam[t, j] = sqrt(var_t / var(d_tj))``, clipped to [0, 0.95]: lower correlations only
    make the simultaneous quantile larger (Slepian's inequality), so clipping is safe."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.sqrt(np.clip(control_var[:, None] / var_diff, 0.0, 0.95**2))
    r = np.where(np.isfinite(r), r, 0.0)
    np.fill_diagonal(r, 0.0)
    return r


def moderated_differences(matrix: np.ndarray, moderate: bool = True) -> Moderated:
    """Paired runs (seeds x configurations): moderated variances of the pairwise differences.

    ``moderate=False`` gives each pair its own variance (n - 1 df), as a paired t-test would.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> m = rng.normal(size=(5, 1)) + rng.normal(size=(5, 6))
        >>> r = moderated_differences(m)
        >>> r.df <= 4 * 5, r.var_diff.shape
        (True, (6, 6))
    """
    m = np.asarray(matrix, dtype=np.float64)
    n, k = m.shape
    d = n - 1.0
    cov = np.cov(m, rowvar=False, ddof=1).reshape(k, k)
    var = np.diag(cov)
    vd = np.maximum(var[:, None] + var[None, :] - 2.0 * cov, 0.0)  # var of x_i - x_j
    iu = np.triu_indices(k, 1)
    df, d0, s0 = d, math.nan, math.nan
    how = f"each pair's own variance of the paired differences ({d:g} df)"
    if moderate and k >= 3:
        post, d0, s0 = squeeze_var(vd[iu], d, pair_spread(k, d))
        if math.isfinite(s0):
            vd = np.zeros((k, k))
            vd[iu] = post
            vd = vd + vd.T
            df = min(d + d0, d * (k - 1))
            how = (f"variances of the paired differences moderated across the {len(post)} "
                   f"pairs (empirical Bayes, Smyth 2004: prior df {d0:.3g}), {df:.3g} df")
    # the variance of configuration t's own noise, from var(d_tj) + var(d_tl) - var(d_jl)
    # = 2 var_t under the additive model, averaged over the pairs (j, l) without t
    if k >= 3:
        tot = vd.sum() / 2.0
        row = vd.sum(axis=1)
        npairs = (k - 1) * (k - 2) / 2.0
        control = row / (k - 1) - (tot - row) / npairs / 2.0
    else:
        control = vd[0, 1] / 2.0 * np.ones(k)
    lam = _lam(np.maximum(control, 0.0), vd)
    return Moderated(vd / n, float(df), lam, d0, s0, how, own=math.isnan(d0))


def moderated_variances(values: list[np.ndarray], moderate: bool = True) -> Moderated:
    """Unpaired runs: each configuration's variance moderated, then ``s~_i^2/n_i + s~_j^2/n_j``.

    The df of a pair is Welch-Satterthwaite's with each variance's ``n_i - 1 + d0`` df, each and
    the pair's capped at the total within-configuration df; the common ``df`` is the smallest.

    Example:
        >>> r = moderated_variances([np.array([1.0, 2, 3]), np.array([2.0, 3, 5]),
        ...                          np.array([0.0, 1, 1.5])])
        >>> r.var_diff.shape, r.df > 0
        ((3, 3), True)
    """
    ns = np.array([v.size for v in values], dtype=np.float64)
    s2 = np.array([float(np.var(v, ddof=1)) if v.size > 1 else math.nan for v in values])
    d = ns - 1.0
    dfi, d0, s0 = d.copy(), math.nan, math.nan
    how = "each configuration's own variance (Welch standard errors)"
    if moderate and len(values) >= 3:
        post, d0, s0 = squeeze_var(s2, d)
        if math.isfinite(s0):
            s2 = post
            dfi = np.minimum(d + d0, np.nansum(d))
            how = (f"each configuration's variance moderated across the {len(values)} "
                   f"configurations (empirical Bayes, Smyth 2004: prior df {d0:.3g}), "
                   "Welch standard errors")
    v = s2 / ns
    vd = v[:, None] + v[None, :]
    np.fill_diagonal(vd, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        dfp = vd**2 / ((v**2 / dfi)[:, None] + (v**2 / dfi)[None, :])
    # Satterthwaite takes the two variances as independent; moderated ones share their prior
    # (fully when pooled: two 40-df halves of one 40-df estimate are not 80 df), so no pair
    # gets more df than the runs hold
    dfp = np.minimum(dfp, np.nansum(d))
    off = ~np.eye(len(values), dtype=bool)
    df = float(np.nanmin(dfp[off])) if off.any() else math.nan
    return Moderated(vd, df, _lam(v, vd), d0, s0, how, own=math.isnan(d0))
