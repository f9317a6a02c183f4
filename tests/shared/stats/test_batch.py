"""Vectorised pairwise t-tests against scipy.stats and the single-pair functions."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from scipy import stats

from shared.errors import InputError
from shared.stats import adjust_pvalues, paired_t, pairwise_t, welch_t


def test_paired_all_pairs_match_scipy_ttest_rel():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(12, 8)) + np.linspace(0, 1, 12)[:, None]
    pairs = list(itertools.combinations(range(12), 2))
    r = pairwise_t(list(x), pairs, paired=True, level=0.9)
    assert len(r) == 66
    for k, (i, j) in enumerate(pairs):
        s = stats.ttest_rel(x[i], x[j])
        ci = s.confidence_interval(0.9)
        assert r.statistic[k] == pytest.approx(s.statistic, rel=1e-10)
        assert r.pvalue[k] == pytest.approx(s.pvalue, rel=1e-9)
        assert r.df[k] == s.df
        assert (r.ci_low[k], r.ci_high[k]) == pytest.approx((ci.low, ci.high), rel=1e-9)
        assert r.diff[k] == pytest.approx(np.mean(x[i] - x[j]))


def test_welch_pairs_match_scipy_with_unequal_sizes():
    rng = np.random.default_rng(1)
    samples = [rng.normal(k * 0.2, 1 + k % 3, size=3 + k) for k in range(6)]
    pairs = [(0, 1), (5, 2), (3, 4), (1, 0)]
    r = pairwise_t(samples, pairs, paired=False)
    for k, (i, j) in enumerate(pairs):
        s = stats.ttest_ind(samples[i], samples[j], equal_var=False)
        ci = s.confidence_interval()
        assert r.statistic[k] == pytest.approx(s.statistic, rel=1e-10)
        assert r.pvalue[k] == pytest.approx(s.pvalue, rel=1e-9)
        assert r.df[k] == pytest.approx(s.df, rel=1e-10)
        assert (r.ci_low[k], r.ci_high[k]) == pytest.approx((ci.low, ci.high), rel=1e-9)
        w = welch_t(samples[i], samples[j])
        assert r.pvalue[k] == pytest.approx(w.pvalue, rel=1e-12)


def test_nan_replicates_and_degenerate_pairs():
    x = np.array([
        [1.0, 2.0, 3.0, 4.0],
        [0.5, 1.5, 2.5, 3.5],  # constant difference with row 0
        [1.0, np.nan, 2.0, 5.0],
        [np.nan, np.nan, np.nan, 1.0],
    ])
    r = pairwise_t(list(x), [(0, 1), (0, 2), (0, 3)], paired=True)
    assert np.isnan(r.pvalue[0]) and r.diff[0] == pytest.approx(0.5)
    ref = paired_t(x[0], x[2])  # drops the NaN replicate too
    assert r.pvalue[1] == pytest.approx(ref.pvalue, rel=1e-12) and r.n[1] == 3
    assert np.isnan(r.pvalue[2]) and np.isnan(r.ci_low[2]) and r.n[2] == 1
    text = " ".join(r.warnings)
    assert "zero variance" in text and "fewer than 2" in text and "NaN" in text
    d = r.to_dict()
    json.dumps(d)
    assert d["pvalue"][0] is None


def test_holm_over_pairs_matches_loop():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(8, 10)) + np.arange(8)[:, None] * 0.3
    pairs = list(itertools.combinations(range(8), 2))
    r = pairwise_t(list(x), pairs, paired=True)
    loop = [stats.ttest_rel(x[i], x[j]).pvalue for i, j in pairs]
    np.testing.assert_allclose(adjust_pvalues(r.pvalue, "holm"),
                               adjust_pvalues(loop, "holm"), rtol=1e-9)


def test_bad_input():
    with pytest.raises(InputError, match="same length"):
        pairwise_t([[1.0, 2.0], [1.0, 2.0, 3.0]], [(0, 1)], paired=True)
    with pytest.raises(InputError):
        pairwise_t([[1.0, 2.0], [1.0, 2.0]], [(0, 2)], paired=True)
    with pytest.raises(InputError):
        pairwise_t([], [], paired=True)
    with pytest.raises(InputError):
        pairwise_t([["x", "y"], [1.0, 2.0]], [(0, 1)], paired=False)
    empty = pairwise_t([[1.0, 2.0], [2.0, 3.0]], [], paired=True)
    assert len(empty) == 0
