"""Exact simultaneous quantiles for comparisons with a control (shared.stats._simultaneous).

Independent implementations: ``scipy.stats.multivariate_t`` (Genz's algorithm) and
``scipy.stats.dunnett``. Worked example: Dunnett (1955), "A multiple comparison procedure for
comparing several treatments with a control", JASA 50, Table 1a: one-sided 5% critical value
for 4 treatments and infinite df, 2.16.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from shared.stats._simultaneous import equicorrelated_quantile, max_t_cdf, max_t_quantile


@pytest.mark.parametrize("df", [4.0, 20.0, 396.0])
@pytest.mark.parametrize("two_sided", [False, True])
def test_cdf_matches_scipy_multivariate_t(df, two_sided):
    from scipy import stats

    lam = np.array([0.7, 0.5, 0.3, 0.6])
    corr = np.outer(lam, lam)
    np.fill_diagonal(corr, 1.0)
    c = 2.3
    lower = np.full(4, -c) if two_sided else None
    ref = stats.multivariate_t(np.zeros(4), corr, df=df).cdf(
        np.full(4, c), lower_limit=lower, maxpts=400_000, random_state=1)
    assert max_t_cdf(c, lam[None], df, two_sided)[0] == pytest.approx(ref, abs=3e-4)


def test_dunnett_1955_table():
    assert round(float(max_t_quantile(np.full((1, 4), math.sqrt(0.5)), math.inf, 0.05)[0]),
                 2) == 2.16


def test_one_comparison_is_students_t():
    from scipy import stats

    assert max_t_quantile(np.zeros((1, 1)), 4, 0.05, True)[0] == pytest.approx(
        stats.t.ppf(0.975, 4), abs=2e-4)


def test_matches_scipy_dunnett_p_values():
    """Unequal group sizes: the comparisons with the control have product correlation
    lam_j = sqrt(n_j / (n_j + n_0)); 1 - our cdf at Dunnett's largest statistic is its p."""
    from scipy import stats

    rng = np.random.default_rng(3)
    ns, n0 = (5, 7, 9), 6
    groups = [rng.normal(0.3 * i, 1.0, n) for i, n in enumerate(ns)]
    control = rng.normal(0.0, 1.0, n0)
    for alt, two in (("greater", False), ("two-sided", True)):
        res = stats.dunnett(*groups, control=control, alternative=alt, random_state=1)
        df = sum(ns) + n0 - len(ns) - 1
        lam = np.sqrt(np.array(ns) / (np.array(ns) + n0))
        stat = float(np.max(np.abs(res.statistic) if two else res.statistic))
        p = 1.0 - max_t_cdf(stat, lam[None], df, two)[0]
        assert p == pytest.approx(float(np.min(res.pvalue)), abs=2e-3)


def test_quantile_between_single_and_bonferroni_and_conservative_when_rounded():
    from scipy import stats

    c = equicorrelated_quantile(math.sqrt(0.5), 99, 396, 0.05)
    assert stats.t.ppf(0.95, 396) < c < stats.t.ppf(1 - 0.05 / 99, 396)
    exact = max_t_quantile(np.full((1, 99), math.sqrt(0.5)), 396, 0.05)[0]
    assert c >= exact - 1e-4  # rounded lam and df only make it larger


def test_stepped_quantile_between_exact_and_smallest_correlation():
    """Each control's correlations lowered to a few steps: never below the exact quantile
    (Slepian), and below the one with the smallest correlation for all comparisons."""
    from shared.stats._simultaneous import stepped_quantile

    rng = np.random.default_rng(2)
    for df in (8.0, math.inf):
        lam = rng.uniform(0.3, 0.85, 20)
        exact = max_t_quantile(lam[None], df, 0.05)[0]
        step = stepped_quantile(lam, df, 0.05)
        assert exact - 2e-4 <= step <= equicorrelated_quantile(float(lam.min()), 20, df, 0.05)


@pytest.mark.parametrize("df, two_sided", [(4.0, False), (9.0, True)])
def test_separate_scales_match_monte_carlo(df, two_sided):
    """Each comparison with its own variance estimate (``separate``): T_j = Z_j / S_j with
    Z multivariate normal (product correlation) and independent S_j = sqrt(chi2_df / df);
    checked against 400,000 simulated draws, and never above the shared-scale cdf."""
    rng = np.random.default_rng(12)
    lam = np.array([0.7, 0.5, 0.3, 0.6])
    draws = 400_000
    z0 = rng.standard_normal(draws)
    z = lam[None, :] * z0[:, None] + np.sqrt(1 - lam**2)[None, :] * rng.standard_normal(
        (draws, lam.size))
    t = z / np.sqrt(rng.chisquare(df, (draws, lam.size)) / df)
    t = np.abs(t) if two_sided else t
    c = 2.6
    ref = float(np.mean(t.max(axis=1) <= c))
    sep = float(max_t_cdf(c, lam[None], df, two_sided, separate=True)[0])
    assert sep == pytest.approx(ref, abs=3e-3)
    assert sep < float(max_t_cdf(c, lam[None], df, two_sided)[0])
    q_sep = max_t_quantile(lam[None], df, 0.05, two_sided, separate=True)[0]
    assert q_sep > max_t_quantile(lam[None], df, 0.05, two_sided)[0]


def test_separate_scales_equal_shared_for_one_comparison_or_infinite_df():
    from scipy import stats

    one = max_t_quantile(np.zeros((1, 1)), 4, 0.05, separate=True)[0]
    assert one == pytest.approx(stats.t.ppf(0.95, 4), abs=2e-4)
    lam = np.full((1, 5), 0.6)
    assert max_t_quantile(lam, math.inf, 0.05, separate=True)[0] == pytest.approx(
        max_t_quantile(lam, math.inf, 0.05)[0], abs=1e-9)
