"""Ties and zero differences are judged against the rounding noise of the values compared
(issue 9, point 4): computed decimals (0.1 + 0.2 against 0.3) still tie, while integer
counters near 1e12 (token counts: 1_000_000_000_001 against 1_000_000_000_000) keep their
one-unit differences. References: scipy and numpy on the same data written
exactly (integers below 2**53, or decimals rounded to 12 places)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from shared.stats import (
    cliffs_delta,
    describe,
    hedges_g,
    mann_whitney,
    paired_t,
    pairwise_t,
    permutation_test,
    welch_t,
    wilcoxon,
)
from shared.stats._validate import REL_TOL, is_constant, rounding_noise, tie_tolerance

BASE = 1_000_000_000_000  # token counts of this size are exact integers in float64
# per-seed extra tokens of two configurations: differences of 1 and 2, exact ties, zeros
TOK_A = np.array([17, 4, 9, 12, 3, 8, 15, 6, 11, 2, 9, 14], dtype=float)
TOK_B = np.array([16, 4, 7, 13, 1, 8, 12, 5, 11, 4, 7, 13], dtype=float)

# accuracies computed by additions (rounding noise of 1-3 ulps) against the same decimals
# written directly; pairs 0, 2, 5 and 8 are equal as decimals
ACC_A = np.array([0.1 + 0.2, 0.4 + 0.3, 0.6 + 0.3, 0.7 - 0.6 + 0.5, 0.25 + 0.5, 0.2 + 0.6,
                  0.33 + 0.3, 0.4 + 0.45, 0.3 + 0.6, 0.1 + 0.7])
ACC_B = np.array([0.3, 0.6, 0.9, 0.5, 0.65, 0.8, 0.6, 0.75, 0.9, 0.7])


def test_rounding_noise_separates_computed_decimals_from_large_counters():
    assert (0.1 + 0.2) != 0.3 and 0.7 - 0.6 != 0.4 - 0.3  # the data really carry rounding
    assert abs((0.1 + 0.2) - 0.3) <= tie_tolerance([0.1 + 0.2, 0.3])
    assert abs(float(BASE + 1) - BASE) > tie_tolerance([BASE + 1.0, float(BASE)])
    assert REL_TOL < 1e-14
    x = np.array([0.1 + 0.2, BASE + 1.0, 0.7 - 0.6])
    y = np.array([0.3, float(BASE), 0.4 - 0.3])
    assert (np.abs(x - y) <= rounding_noise(x, y)).tolist() == [True, False, True]


def test_is_constant_and_describe_on_counters_and_computed_decimals():
    counters = BASE + np.array([0.0, 1.0, 0.0, 1.0])
    assert not is_constant(counters, tie_tolerance(counters))
    d = describe(counters)
    assert d.std == pytest.approx(float(np.std([0.0, 1.0, 0.0, 1.0], ddof=1)), rel=1e-12)
    assert not d.warnings
    decimals = np.array([0.1 + 0.2, 0.3, 0.2 + 0.1, 0.6 / 2])
    assert is_constant(decimals, tie_tolerance(decimals))
    d = describe(decimals)
    assert d.std == 0.0 and any("equal" in w for w in d.warnings)


def test_paired_and_welch_t_on_counters_match_scipy():
    a, b = BASE + TOK_A, BASE + TOK_B
    r = paired_t(a, b)
    s = stats.ttest_rel(a, b)
    assert r.statistic == pytest.approx(s.statistic, rel=1e-9)
    assert r.pvalue == pytest.approx(s.pvalue, rel=1e-9)
    # every difference 1 except one 2: the variance is real, not rounding noise
    a1 = BASE + np.array([5.0, 8.0, 3.0, 9.0, 4.0])
    b1 = BASE + np.array([4.0, 7.0, 2.0, 7.0, 3.0])
    r1 = paired_t(a1, b1)
    assert r1.statistic == pytest.approx(stats.ttest_rel(a1, b1).statistic, rel=1e-9)
    batch = pairwise_t([a1, b1], [(0, 1)], paired=True)
    assert batch.statistic[0] == pytest.approx(r1.statistic, rel=1e-9)
    w = welch_t(BASE + np.array([0.0, 1.0, 0.0, 1.0]), BASE + np.array([5.0, 7.0, 6.0, 5.0]))
    sw = stats.ttest_ind(BASE + np.array([0.0, 1.0, 0.0, 1.0]),
                         BASE + np.array([5.0, 7.0, 6.0, 5.0]), equal_var=False)
    assert w.statistic == pytest.approx(sw.statistic, rel=1e-9)
    assert w.pvalue == pytest.approx(sw.pvalue, rel=1e-9)


def test_hedges_g_z_on_counters_matches_scipy_t():
    """g_z = J(n - 1) t / sqrt(n) with t from scipy's paired t-test; differences 1, 1, 2, 1, 1
    (a spread of one token, which the old tolerance took for a constant)."""
    from scipy import special

    a = BASE + np.array([5.0, 8.0, 3.0, 9.0, 4.0])
    b = BASE + np.array([4.0, 7.0, 1.0, 8.0, 3.0])
    n = a.size
    j = np.exp(special.gammaln((n - 1) / 2) - special.gammaln((n - 2) / 2)) / np.sqrt((n - 1) / 2)
    ref = j * stats.ttest_rel(a, b).statistic / np.sqrt(n)
    g = hedges_g(a, b, paired=True)
    assert g.value == pytest.approx(ref, rel=1e-9)
    assert np.isfinite(g.ci.low) and np.isfinite(g.ci.high)


@pytest.mark.parametrize("zero_method", ["wilcox", "pratt", "zsplit"])
def test_wilcoxon_on_counters_keeps_unit_differences(zero_method):
    a, b = BASE + TOK_A, BASE + TOK_B
    d = TOK_A - TOK_B
    r = wilcoxon(a, b, zero_method=zero_method, method="asymptotic")
    s = stats.wilcoxon(d, zero_method=zero_method, correction=True, method="asymptotic")
    assert r.extra["n_zero"] == int((d == 0).sum()) == 3
    assert r.statistic == pytest.approx(s.statistic, abs=1e-9)
    if zero_method != "zsplit":  # zsplit's variance differs from scipy's by design (see
        assert r.pvalue == pytest.approx(s.pvalue, rel=1e-9)  # test_two_sample)
    # the exact test on the counters is the exact test on the small integers
    exact_big = wilcoxon(a, b, zero_method=zero_method)
    exact_small = wilcoxon(TOK_A, TOK_B, zero_method=zero_method)
    assert exact_big.pvalue == pytest.approx(exact_small.pvalue, rel=1e-12)
    assert exact_big.estimate == pytest.approx(exact_small.estimate, abs=1e-6)


@pytest.mark.parametrize("zero_method", ["wilcox", "pratt"])
def test_wilcoxon_on_computed_decimals_ties_rounding_noise(zero_method):
    d_exact = np.round(ACC_A - ACC_B, 12)  # the differences as the decimals define them
    r = wilcoxon(ACC_A, ACC_B, zero_method=zero_method, method="asymptotic")
    s = stats.wilcoxon(d_exact, zero_method=zero_method, correction=True, method="asymptotic")
    assert r.extra["n_zero"] == int((d_exact == 0).sum()) == 4
    assert r.statistic == pytest.approx(s.statistic, abs=1e-9)
    assert r.pvalue == pytest.approx(s.pvalue, rel=1e-9)


def test_mann_whitney_on_counters_keeps_unit_differences():
    a = BASE + np.array([7.0, 9.0, 8.0, 12.0, 10.0, 9.0, 11.0])
    b = BASE + np.array([8.0, 6.0, 7.0, 5.0, 9.0, 6.0])
    small_a, small_b = a - BASE, b - BASE
    r = mann_whitney(a, b, method="asymptotic")
    s = stats.mannwhitneyu(a, b, method="asymptotic", use_continuity=True)
    assert r.statistic == pytest.approx(s.statistic, abs=1e-9)
    assert r.pvalue == pytest.approx(s.pvalue, rel=1e-9)
    # the same ties as the small integers (scipy's ranks of the exact values)
    assert r.statistic == stats.mannwhitneyu(small_a, small_b).statistic
    exact_big, exact_small = mann_whitney(a, b), mann_whitney(small_a, small_b)
    assert exact_big.pvalue == pytest.approx(exact_small.pvalue, rel=1e-12)
    assert exact_big.estimate == pytest.approx(exact_small.estimate, abs=1e-6)
    # Cliff's delta: dominance counted on the exact integers
    ref = float(np.sign(small_a[:, None] - small_b[None, :]).mean())
    assert cliffs_delta(a, b).value == pytest.approx(ref, abs=1e-15)


def test_mann_whitney_on_computed_decimals_ties_rounding_noise():
    a = np.array([0.1 + 0.2, 0.7 - 0.6 + 0.5, 0.4 + 0.45, 0.2 + 0.6, 0.33 + 0.3])
    b = np.array([0.3, 0.6, 0.85, 0.8, 0.5, 0.45])
    r = mann_whitney(a, b, method="asymptotic")
    s = stats.mannwhitneyu(np.round(a, 12), b, method="asymptotic", use_continuity=True)
    assert r.statistic == pytest.approx(s.statistic, abs=1e-9)
    assert r.pvalue == pytest.approx(s.pvalue, rel=1e-9)
    ref = float(np.sign(np.round(a, 12)[:, None] - b[None, :]).mean())
    assert cliffs_delta(a, b).value == pytest.approx(ref, abs=1e-15)


@pytest.mark.parametrize("paired", [True, False])
def test_permutation_on_counters_matches_scipy_on_the_exact_integers(paired):
    """scipy on the small integers (where no rounding happens) is the reference; the test is
    shift-invariant, so the counters must give the same p (the old tolerance, 1e-10 of the
    magnitude = 100 tokens here, counted every arrangement as extreme: p = 1)."""
    a_small, b_small = TOK_A[:8], TOK_B[:8] + np.array([0, 0, 0, 0, 0, 0, 3, 0])
    r = permutation_test(BASE + a_small, BASE + b_small, paired=paired, n_resamples=20000)
    if paired:
        s = stats.permutation_test((a_small, b_small), lambda x, y: np.mean(x - y),
                                   permutation_type="samples", n_resamples=np.inf)
    else:
        s = stats.permutation_test((a_small, b_small), lambda x, y: np.mean(x) - np.mean(y),
                                   permutation_type="independent", n_resamples=np.inf)
    assert r.extra["exact"]
    assert r.pvalue == pytest.approx(s.pvalue, rel=1e-12)
    assert r.pvalue < 1.0
