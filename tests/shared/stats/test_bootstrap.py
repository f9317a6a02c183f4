"""BCa bootstrap against scipy.stats.bootstrap(method="BCa")."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from shared.errors import InputError
from shared.stats import bootstrap_diff, bootstrap_mean_cis, paired_t


def _scipy_diff(a, b, paired, n_resamples, seed, level=0.95):
    if paired:
        def stat(x, y, axis):
            return np.mean(x - y, axis=axis)
    else:
        def stat(x, y, axis):
            return np.mean(x, axis=axis) - np.mean(y, axis=axis)
    return stats.bootstrap((a, b), stat, paired=paired, n_resamples=n_resamples, rng=seed,
                           confidence_level=level, method="BCa").confidence_interval


@pytest.mark.parametrize("paired", [True, False])
@pytest.mark.parametrize("seed", range(3))
def test_bca_matches_scipy_resample_for_resample(paired, seed):
    """Same generator, same draws: scipy draws rng.integers(0, n, (B, n)) per sample in order,
    as we do, so the intervals agree to rounding, not just statistically."""
    rng = np.random.default_rng(100 + seed)
    a = rng.exponential(1.0, size=12)
    b = rng.exponential(1.5, size=12 if paired else 9)
    r = bootstrap_diff(a, b, paired=paired, n_resamples=3000, seed=seed, level=0.9)
    ci = _scipy_diff(a, b, paired, 3000, seed, level=0.9)
    assert r.method == "BCa"
    assert r.ci.low == pytest.approx(ci.low, rel=1e-9)
    assert r.ci.high == pytest.approx(ci.high, rel=1e-9)
    assert r.estimate == pytest.approx(a.mean() - b.mean())


def test_bca_agrees_with_scipy_statistically_with_other_seeds():
    rng = np.random.default_rng(7)
    a, b = rng.lognormal(size=15), rng.lognormal(0.3, size=15)
    r = bootstrap_diff(a, b, paired=False, n_resamples=20000, seed=1)
    ci = _scipy_diff(a, b, False, 20000, 99)
    width = ci.high - ci.low
    assert abs(r.ci.low - ci.low) < 0.05 * width and abs(r.ci.high - ci.high) < 0.05 * width


def test_bootstrap_pvalue_is_consistent_with_its_interval():
    """The p-value inverts the BCa interval: p < 1 - level exactly when the CI excludes 0
    (up to the interpolation between order statistics, right at the boundary)."""
    checked = 0
    for seed in range(12):
        rng = np.random.default_rng(seed)
        a = rng.normal(0.6, 1, 15)
        b = rng.normal(0.0, 1, 15)
        r = bootstrap_diff(a, b, paired=True, n_resamples=4000, seed=seed)
        if abs(r.pvalue - 0.05) < 0.003:
            continue
        checked += 1
        excludes = r.ci.low > 0 or r.ci.high < 0
        assert excludes == (r.pvalue < 0.05), (seed, r.ci, r.pvalue)
        # with normal data the bootstrap p-value is in the neighbourhood of the paired t-test
        assert r.pvalue == pytest.approx(paired_t(a, b).pvalue, abs=0.1)
        assert r.pvalue >= 1 / 4001
    assert checked >= 8


def test_fixed_seed_same_result_and_different_seed_differs():
    a, b = [1.0, 2.5, 3.1, 4.7, 2.2], [0.4, 2.0, 2.0, 3.9, 1.1]
    r1 = bootstrap_diff(a, b, paired=True, n_resamples=500, seed=3)
    assert r1 == bootstrap_diff(a, b, paired=True, n_resamples=500, seed=3)
    assert r1.ci != bootstrap_diff(a, b, paired=True, n_resamples=500, seed=4).ci


def test_degenerate_and_bad_input():
    r = bootstrap_diff([1.0, 2.0, 3.0], [0.5, 1.5, 2.5], paired=True, n_resamples=200)
    assert math.isnan(r.pvalue) and r.ci.low == r.ci.high == pytest.approx(0.5) and r.warnings
    r = bootstrap_diff([2.0, 2.0], [1.0, 1.0, 1.0], paired=False, n_resamples=200)
    assert math.isnan(r.pvalue) and r.warnings
    with pytest.raises(InputError):
        bootstrap_diff([1.0, 2.0], [1.0], paired=True)
    with pytest.raises(InputError):
        bootstrap_diff([1.0], [1.0, 2.0], paired=False)
    with pytest.raises(InputError):
        bootstrap_diff([1.0, 2.0], [1.0, 3.0], paired=True, n_resamples=0)
    with pytest.raises(InputError):
        bootstrap_diff([1.0, 2.0], [1.0, 3.0], paired=True, level=95)


# ---------------------------------------------------------------- vectorised mean CIs


def test_bootstrap_mean_cis_agree_with_scipy_per_sample():
    rng = np.random.default_rng(11)
    samples = [rng.gamma(2.0, 1.0, size=n) for n in (10, 10, 10, 7, 25)]
    ours = bootstrap_mean_cis(samples, n_resamples=20000, seed=0)
    assert ours.shape == (5, 2)
    for k, x in enumerate(samples):
        ci = stats.bootstrap((x,), np.mean, n_resamples=20000, rng=k, method="BCa")
        width = ci.confidence_interval.high - ci.confidence_interval.low
        assert abs(ours[k, 0] - ci.confidence_interval.low) < 0.05 * width
        assert abs(ours[k, 1] - ci.confidence_interval.high) < 0.05 * width


def test_bootstrap_mean_cis_percentile_equals_numpy_quantiles_of_the_same_draws():
    # one sample: the draws are rng.integers(0, n, (B, n)) with uint8, reproduced here
    x = np.array([0.3, 1.2, 2.2, 2.9, 4.1, 5.0])
    ours = bootstrap_mean_cis([x], n_resamples=4000, seed=5, method="percentile", level=0.9)
    idx = np.random.default_rng(5).integers(0, 6, size=(4000, 6), dtype=np.uint8)
    boot = x[idx].mean(axis=1)
    np.testing.assert_allclose(ours[0], np.quantile(boot, [0.05, 0.95]), rtol=1e-12)


def test_bootstrap_mean_cis_degenerate_rows_are_nan_and_seed_is_reproducible():
    samples = [[1.0, 2.0, 3.0], [4.0, 4.0, 4.0], [5.0], [1.0, np.nan, 2.0, 2.5]]
    out = bootstrap_mean_cis(samples, n_resamples=300, seed=2)
    assert np.isnan(out[1]).all() and np.isnan(out[2]).all()
    assert np.isfinite(out[0]).all() and np.isfinite(out[3]).all()
    np.testing.assert_array_equal(out, bootstrap_mean_cis(samples, n_resamples=300, seed=2))
    with pytest.raises(InputError):
        bootstrap_mean_cis([[1.0, 2.0]], method="basic")
    with pytest.raises(InputError):
        bootstrap_mean_cis([])
    with pytest.raises(InputError):
        bootstrap_mean_cis([["a", "b"]])


def test_bootstrap_result_is_json_ready():
    import json

    r = bootstrap_diff([1.0, 2.5, 3.1, 4.7], [0.4, 2.0, 2.0, 3.9], paired=False, n_resamples=300)
    d = r.to_dict()
    json.dumps(d)
    assert d["test"] == "bootstrap" and d["method"] == "BCa" and len(d["ci"]) == 2
