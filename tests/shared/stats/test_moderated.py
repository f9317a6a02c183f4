"""Variances shared across configurations (shared.stats._moderated).

Independent implementations: inmoose's port of limma's ``squeezeVar`` (Smyth 2004) and
statsmodels' OLS for the two-way residual variance. Worked example: Montgomery, "Design and
Analysis of Experiments" (8th ed.), Example 4.1 (vascular graft, 4 extrusion pressures x 6
batches of resin, a randomised complete block design): MS_E = 7.33 on 15 df.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from shared.stats._moderated import (
    fit_f_dist,
    moderated_differences,
    moderated_variances,
    pooled_two_way,
    squeeze_var,
)

# Montgomery Example 4.1: rows = batches (blocks), columns = pressures 8500 .. 9100 psi
MONTGOMERY_4_1 = np.array([
    [90.3, 92.5, 85.5, 82.5],
    [89.2, 89.5, 90.8, 89.5],
    [98.2, 90.6, 89.6, 85.6],
    [93.9, 94.7, 86.2, 87.4],
    [87.4, 87.0, 88.0, 78.9],
    [97.9, 95.8, 93.4, 90.7],
])


def test_pooled_two_way_matches_montgomery_and_statsmodels():
    import pandas as pd
    import statsmodels.formula.api as smf

    v, df = pooled_two_way(MONTGOMERY_4_1)
    assert df == 15.0
    assert round(v, 2) == 7.33  # the book's MS_E
    frame = pd.DataFrame([(i, j, MONTGOMERY_4_1[i, j]) for i in range(6) for j in range(4)],
                         columns=["block", "pressure", "y"])
    fit = smf.ols("y ~ C(block) + C(pressure)", frame).fit()
    assert v == pytest.approx(fit.mse_resid, rel=1e-12)
    assert df == fit.df_resid


@pytest.mark.parametrize("seed, df", [(1, 4.0), (2, 2.0), (3, 9.0)])
def test_squeeze_var_matches_inmoose_limma(seed, df):
    from inmoose.limma import squeezeVar

    rng = np.random.default_rng(seed)
    v = rng.chisquare(df, 40) / df * rng.lognormal(0.0, 0.6, 40)
    post, d0, s0 = squeeze_var(v, df)
    ref = squeezeVar(v, df)
    assert d0 == pytest.approx(float(np.atleast_1d(ref["df_prior"])[0]), rel=1e-8)
    assert s0 == pytest.approx(float(np.atleast_1d(ref["var_prior"])[0]), rel=1e-8)
    np.testing.assert_allclose(post, ref["var_post"], rtol=1e-10)


def test_squeeze_var_unequal_df_matches_inmoose():
    from inmoose.limma import squeezeVar

    rng = np.random.default_rng(7)
    df = rng.integers(2, 10, 30).astype(float)
    v = rng.chisquare(df) / df * rng.lognormal(0.0, 0.4, 30)
    post, d0, s0 = squeeze_var(v, df)
    ref = squeezeVar(v, df)
    assert d0 == pytest.approx(float(np.atleast_1d(ref["df_prior"])[0]), rel=1e-8)
    np.testing.assert_allclose(post, ref["var_post"], rtol=1e-10)


def test_equal_variances_pool_completely():
    d0, s0 = fit_f_dist(np.array([2.0, 2.0, 2.0, 2.0]), 4)
    assert math.isinf(d0) and s0 == pytest.approx(2.0)


def test_noisy_configuration_keeps_its_own_wide_differences():
    """One configuration 3x noisier: its comparisons stay clearly wider (shrunk toward the
    others: true 10 against 2; whether the procedures stay calibrated is measured in
    benchmarks/calibration.py), the others are not widened."""
    rng = np.random.default_rng(11)
    k, n = 10, 5
    sd = np.ones(k)
    sd[3] = 3.0
    wide, narrow = [], []
    for _ in range(200):
        m = rng.normal(size=(n, 1)) + rng.normal(size=(n, k)) * sd
        r = moderated_differences(m)
        wide.append(r.var_diff[3, 0] * n)  # true 10
        narrow.append(r.var_diff[1, 0] * n)  # true 2
        assert r.df <= (n - 1) * (k - 1)
    assert np.mean(wide) > 2.2 * np.mean(narrow)
    assert 1.5 < np.mean(narrow) < 3.0


def test_unpaired_moderation_shrinks_toward_the_middle():
    rng = np.random.default_rng(5)
    values = [rng.normal(0.0, 1.0, 4) for _ in range(8)]
    own = moderated_variances(values, moderate=False)
    mod = moderated_variances(values)
    assert mod.df >= own.df
    assert np.ptp(np.diag(mod.var_diff[1:, :1])) <= np.ptp(np.diag(own.var_diff[1:, :1])) + 1e-12


@pytest.mark.parametrize("df", [2.0, 4.0, 9.0])
def test_log_variance_correlation_matches_monte_carlo(df):
    """Kibble's bivariate gamma series against simulated sample variances of normal pairs
    with correlation 1/2 (the differences x_i - x_j and x_i - x_l of equally noisy runs)."""
    from shared.stats._moderated import log_variance_correlation

    rng = np.random.default_rng(int(df))
    n, draws = int(df) + 1, 200_000
    a, b, c = (rng.standard_normal((draws, n)) for _ in range(3))
    v1 = np.var(a - b, axis=1, ddof=1)
    v2 = np.var(a - c, axis=1, ddof=1)
    ref = float(np.corrcoef(np.log(v1), np.log(v2))[0, 1])
    assert log_variance_correlation(df) == pytest.approx(ref, abs=0.01)


@pytest.mark.parametrize("k, n", [(4, 5), (10, 5), (10, 3)])
def test_pair_spread_is_the_sample_spread_of_equal_pair_variances(k, n):
    """With equally noisy configurations the pairs' log-variances are spread by chi-square
    sampling alone; their correlation makes the sample spread smaller by ``pair_spread``
    (without the correction, Smyth's fit took the shortfall for agreement: the prior df too
    large)."""
    from scipy.special import polygamma

    from shared.stats._moderated import pair_spread

    rng = np.random.default_rng(k * 100 + n)
    iu = np.triu_indices(k, 1)
    spreads = []
    for _ in range(4000):
        m = rng.normal(size=(n, 1)) + rng.normal(size=(n, k))
        cov = np.cov(m, rowvar=False)
        var = np.diag(cov)
        vd = (var[:, None] + var[None, :] - 2 * cov)[iu]
        spreads.append(np.var(np.log(vd), ddof=1))
    ratio = float(np.mean(spreads)) / float(polygamma(1, (n - 1) / 2))
    assert ratio == pytest.approx(pair_spread(k, n - 1.0), abs=0.015)
    assert ratio < 1 - 0.03  # the shortfall is real


def test_unpaired_pooled_variances_get_no_more_df_than_the_runs_hold():
    """Equal spreads pool completely (d0 = inf): every pair's variance is the one pooled
    estimate over k (n - 1) df. Welch-Satterthwaite, which takes the pair's two variances as
    independent, gave twice that (80 df from 40 runs' worth), a slightly small quantile: the
    true best was in the possibly-best set in 0.942 of 3,000 null sweeps of k = 10 x 5 runs,
    0.945 with the cap (oracle 0.948)."""
    base = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    values = [base * 1.0 + i for i in range(10)]
    r = moderated_variances(values)
    assert math.isinf(r.d0)
    assert r.df == pytest.approx(10 * 4)
