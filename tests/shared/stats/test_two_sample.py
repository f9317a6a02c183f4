"""Two-configuration tests checked against scipy.stats, pingouin and worked examples from the
literature (each example names its source)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pingouin as pg
import pytest
from scipy import stats

from shared.errors import InputError
from shared.stats import (
    describe,
    mann_whitney,
    paired_t,
    permutation_test,
    student_t,
    welch_t,
    wilcoxon,
)

# Student (1908), "The probable error of a mean", Biometrika 6, p. 20: extra hours of sleep
# of 10 patients under two hypnotics (data of Cushny & Peebles 1905); R's `sleep` data set.
SLEEP_1 = np.array([0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0])
SLEEP_2 = np.array([1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4])

# Hollander & Wolfe (1973), Nonparametric Statistical Methods, p. 29 (Example 3.1): Hamilton
# depression scale factor IV of 9 patients at the first (x) and second (y) visit.
HW_X = np.array([1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30])
HW_Y = np.array([0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29])

# Hollander & Wolfe (1973), p. 69 (Example 4.1): permeability constants of the human
# chorioamnion at term (x) and at 12-26 weeks gestational age (y).
HW_TERM = np.array([0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46])
HW_EARLY = np.array([1.15, 0.88, 0.90, 0.74, 1.21])

# Demsar (2006), "Statistical comparisons of classifiers over multiple data sets", JMLR 7,
# Table 2: AUC of C4.5 (m = 0) and C4.5 with a tuned m on 14 data sets.
DEMSAR_C45 = np.array([0.763, 0.599, 0.954, 0.628, 0.882, 0.936, 0.661, 0.583, 0.775, 1.000,
                       0.940, 0.619, 0.972, 0.957])
DEMSAR_C45M = np.array([0.768, 0.591, 0.971, 0.661, 0.888, 0.931, 0.668, 0.583, 0.838, 1.000,
                        0.962, 0.666, 0.981, 0.978])


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# ---------------------------------------------------------------- worked examples (literature)


def test_student_1908_sleep_paired_t():
    """Student (1908) / R `t.test(extra ~ group, data = sleep, paired = TRUE)`:
    t = 4.0621, df = 9, p = 0.002833, 95% CI of the difference [0.7001, 2.4599]."""
    r = paired_t(SLEEP_2, SLEEP_1)
    assert r.test == "paired-t"
    assert r.statistic == pytest.approx(4.0621, abs=5e-5)
    assert r.df == 9
    assert r.pvalue == pytest.approx(0.002833, abs=5e-7)
    assert r.estimate == pytest.approx(1.58)
    assert r.ci.low == pytest.approx(0.7001142, abs=5e-7)
    assert r.ci.high == pytest.approx(2.4598858, abs=5e-7)


def test_sleep_welch_and_student_as_in_r_documentation():
    """R's ?t.test example on the sleep data (Welch): t = -1.8608, df = 17.776, p = 0.07939,
    CI [-3.3654832, 0.2054832]; with var.equal = TRUE: df = 18, p = 0.07919."""
    w = welch_t(SLEEP_1, SLEEP_2)
    assert w.statistic == pytest.approx(-1.8608, abs=5e-5)
    assert w.df == pytest.approx(17.776, abs=5e-4)
    assert w.pvalue == pytest.approx(0.07939, abs=5e-6)
    assert w.ci.low == pytest.approx(-3.3654832, abs=5e-7)
    assert w.ci.high == pytest.approx(0.2054832, abs=5e-7)
    s = student_t(SLEEP_1, SLEEP_2)
    assert s.df == 18
    assert s.statistic == pytest.approx(-1.8608, abs=5e-5)
    assert s.pvalue == pytest.approx(0.07919, abs=5e-6)


def test_hollander_wolfe_signed_rank_and_hodges_lehmann():
    """Hollander & Wolfe (1973) Example 3.1 (R's ?wilcox.test): T+ = 40, one-sided exact
    P = 0.01953 (two-sided 0.0391); Hodges-Lehmann estimate 0.46 (their Example 3.2)."""
    r = wilcoxon(HW_X, HW_Y)
    assert r.extra["w_plus"] == 40
    assert r.extra["w_minus"] == 5
    assert r.method == "exact"
    assert r.pvalue == pytest.approx(2 * 0.01953, abs=1e-4)
    assert r.pvalue == pytest.approx(20 / 512)  # 2 * P(T+ >= 40) = 2 * 10 / 2^9
    assert r.estimate == pytest.approx(0.46)
    assert r.ci.low <= r.estimate <= r.ci.high


def test_hollander_wolfe_rank_sum():
    """Hollander & Wolfe (1973) Example 4.1 (R's ?wilcox.test): W = 35, one-sided exact
    p = 0.1272, so two-sided 0.2544."""
    r = mann_whitney(HW_TERM, HW_EARLY)
    assert r.statistic == 35
    assert r.pvalue == pytest.approx(2 * 0.1272, abs=2e-4)
    assert r.method == "exact"
    assert r.extra["prob_superiority"] == pytest.approx(35 / 50)


def test_demsar_2006_table_2_signed_ranks_with_zero_split():
    """Demsar (2006), section 3.1.3 on Table 2: ranks of zero differences are split between
    the sums, R+ = 93 and R- = 12; T = 12 is below the critical value 21 for N = 14, so the
    difference is significant at alpha = 0.05."""
    r = wilcoxon(DEMSAR_C45M, DEMSAR_C45, zero_method="zsplit")
    assert r.extra["w_plus"] == pytest.approx(93)
    assert r.extra["w_minus"] == pytest.approx(12)
    assert r.statistic == pytest.approx(12)
    assert r.extra["n_zero"] == 2
    assert r.pvalue < 0.05
    # scipy on the same differences in exact thousandths (no float noise), same split method
    d = np.array([5, -8, 17, 33, 6, -5, 7, 0, 63, 0, 22, 47, 9, 21])
    assert stats.wilcoxon(d, zero_method="zsplit").statistic == pytest.approx(12)


# ---------------------------------------------------------------- t-tests vs scipy


@pytest.mark.parametrize("seed", range(5))
def test_paired_t_matches_scipy(seed):
    rng = _rng(seed)
    n = int(rng.integers(2, 30))
    a = rng.normal(size=n)
    b = a + rng.normal(0.3, 1.0, size=n)
    r = paired_t(a, b, level=0.9)
    s = stats.ttest_rel(a, b)
    ci = s.confidence_interval(confidence_level=0.9)
    assert r.statistic == pytest.approx(s.statistic, rel=1e-10)
    assert r.pvalue == pytest.approx(s.pvalue, rel=1e-9)
    assert r.df == s.df
    assert (r.ci.low, r.ci.high) == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert r.ci.level == 0.9


@pytest.mark.parametrize("seed", range(5))
def test_welch_and_student_match_scipy(seed):
    rng = _rng(seed)
    a = rng.normal(0, 1, size=int(rng.integers(2, 20)))
    b = rng.normal(0.5, 3, size=int(rng.integers(2, 20)))
    for ours, equal_var in ((welch_t, False), (student_t, True)):
        r = ours(a, b)
        s = stats.ttest_ind(a, b, equal_var=equal_var)
        ci = s.confidence_interval()
        assert r.statistic == pytest.approx(s.statistic, rel=1e-10)
        assert r.pvalue == pytest.approx(s.pvalue, rel=1e-9)
        assert r.df == pytest.approx(s.df, rel=1e-12)
        assert (r.ci.low, r.ci.high) == pytest.approx((ci.low, ci.high), rel=1e-9)
        assert r.estimate == pytest.approx(a.mean() - b.mean())


def test_t_tests_match_pingouin():
    rng = _rng(11)
    a, b = rng.normal(size=12), rng.normal(1, 2, size=12)
    pw = pg.ttest(a, b, paired=True)
    assert paired_t(a, b).pvalue == pytest.approx(float(pw["p_val"].iloc[0]), rel=1e-9)
    pw = pg.ttest(a, b, paired=False, correction=True)
    assert welch_t(a, b).pvalue == pytest.approx(float(pw["p_val"].iloc[0]), rel=1e-9)


# ---------------------------------------------------------------- Wilcoxon vs scipy


@pytest.mark.parametrize("seed", range(6))
def test_wilcoxon_exact_matches_scipy_without_ties(seed):
    rng = _rng(seed)
    n = int(rng.integers(3, 25))
    a = rng.normal(size=n)
    b = a + rng.normal(0.4, 1.0, size=n)
    r = wilcoxon(a, b)
    s = stats.wilcoxon(a, b, method="exact")
    assert r.method == "exact"
    assert r.statistic == pytest.approx(s.statistic)
    assert r.pvalue == pytest.approx(s.pvalue, rel=1e-10)


@pytest.mark.parametrize("zero_method", ["wilcox", "pratt", "zsplit"])
def test_wilcoxon_asymptotic_matches_scipy_with_ties_and_zeros(zero_method):
    rng = _rng(3)
    d = rng.integers(-4, 8, size=80).astype(float)  # many ties and zeros
    a = d + 10.0
    b = np.full(80, 10.0)
    r = wilcoxon(a, b, zero_method=zero_method, method="asymptotic")
    s = stats.wilcoxon(d, zero_method=zero_method, correction=True, method="asymptotic")
    assert r.statistic == pytest.approx(s.statistic)
    # zsplit: scipy's variance lets the split zero ranks vary as if they had signs; ours is
    # the permutation variance given the zeros (they carry no sign to flip), a hair smaller.
    rel = 1e-3 if zero_method == "zsplit" else 1e-9
    assert r.pvalue == pytest.approx(s.pvalue, rel=rel)
    # auto uses the normal approximation above 50 differences
    assert wilcoxon(a, b, zero_method=zero_method).pvalue == pytest.approx(r.pvalue)


def test_wilcoxon_large_n_without_ties_matches_scipy():
    rng = _rng(4)
    a, b = rng.normal(size=70), rng.normal(0.2, 1, size=70)
    r = wilcoxon(a, b)
    s = stats.wilcoxon(a, b, method="asymptotic", correction=True)
    assert r.method.startswith("normal")
    assert r.pvalue == pytest.approx(s.pvalue, rel=1e-9)


def _sign_flip_pvalue(d: np.ndarray, zero_method: str) -> float:
    """Exact permutation p-value of W+ by brute-force enumeration of the 2^n sign flips."""
    absd = np.abs(d)
    keep = absd > 0
    ranks = stats.rankdata(absd[keep] if zero_method == "wilcox" else absd)
    if zero_method != "wilcox":
        ranks = ranks[keep]
    dk = d[keep]

    def statistic(x, axis):
        return np.sum(np.where(x > 0, ranks, 0.0), axis=axis)

    res = stats.permutation_test((dk,), statistic, permutation_type="samples",
                                 vectorized=True, n_resamples=np.inf)
    return float(res.pvalue)


@pytest.mark.parametrize("zero_method", ["wilcox", "pratt"])
@pytest.mark.parametrize("seed", range(3))
def test_wilcoxon_exact_with_ties_matches_brute_force_permutation(zero_method, seed):
    """With ties and zeros scipy has no exact method: check against scipy.stats.permutation_test
    enumerating every sign flip of the signed-rank statistic."""
    rng = _rng(seed)
    d = rng.integers(-3, 6, size=11).astype(float)
    r = wilcoxon(d, np.zeros_like(d), zero_method=zero_method)
    assert r.method.startswith("exact")
    assert r.pvalue == pytest.approx(_sign_flip_pvalue(d, zero_method), rel=1e-9)


def _signed_rank_exact_p(d: np.ndarray) -> float:
    return float(stats.wilcoxon(d, method="exact").pvalue)


def test_wilcoxon_hodges_lehmann_ci_inverts_the_exact_test():
    """The distribution-free CI is the set of shifts mu the exact test of d - mu does not reject
    at the achieved level (Hollander & Wolfe 1973, section 3.3)."""
    rng = _rng(5)
    d = np.round(rng.normal(1.0, 1.0, size=10), 3)
    r = wilcoxon(d, np.zeros_like(d))
    walsh = np.sort([(d[i] + d[j]) / 2 for i in range(10) for j in range(i, 10)])
    assert r.estimate == pytest.approx(np.median(walsh))
    alpha_achieved = 1 - r.extra["ci_level_achieved"]
    eps = 1e-7
    # just inside the interval: not rejected; just outside: rejected
    assert _signed_rank_exact_p(d - (r.ci.low + eps)) > alpha_achieved - 1e-12
    assert _signed_rank_exact_p(d - (r.ci.high - eps)) > alpha_achieved - 1e-12
    assert _signed_rank_exact_p(d - (r.ci.low - eps)) <= alpha_achieved + 1e-12
    assert _signed_rank_exact_p(d - (r.ci.high + eps)) <= alpha_achieved + 1e-12
    assert r.extra["ci_level_achieved"] >= 0.95


def test_wilcoxon_small_n_warns_that_the_ci_cannot_reach_the_level():
    r = wilcoxon([1.0, 2.0, 3.5], [0.0, 0.5, 1.0])
    assert r.extra["ci_level_achieved"] < 0.95
    assert any("coverage" in w for w in r.warnings)


# ---------------------------------------------------------------- Mann-Whitney vs scipy/pingouin


@pytest.mark.parametrize("seed", range(5))
def test_mann_whitney_exact_matches_scipy_without_ties(seed):
    rng = _rng(seed)
    a = rng.normal(size=int(rng.integers(2, 15)))
    b = rng.normal(0.7, 1, size=int(rng.integers(2, 15)))
    r = mann_whitney(a, b)
    s = stats.mannwhitneyu(a, b, method="exact")
    assert r.statistic == pytest.approx(s.statistic)
    assert r.pvalue == pytest.approx(s.pvalue, rel=1e-10)


def test_mann_whitney_asymptotic_matches_scipy_with_ties():
    rng = _rng(8)
    a = rng.integers(0, 6, size=40).astype(float)
    b = rng.integers(1, 7, size=35).astype(float)
    r = mann_whitney(a, b)
    s = stats.mannwhitneyu(a, b, method="asymptotic", use_continuity=True)
    assert r.method.startswith("normal")
    assert r.statistic == pytest.approx(s.statistic)
    assert r.pvalue == pytest.approx(s.pvalue, rel=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_mann_whitney_exact_with_ties_matches_full_enumeration(seed):
    rng = _rng(seed)
    a = rng.integers(0, 4, size=6).astype(float)
    b = rng.integers(1, 5, size=5).astype(float)
    r = mann_whitney(a, b)

    def u_stat(x, y, axis):
        ranks = stats.rankdata(np.concatenate([x, y], axis=axis), axis=axis)
        return ranks[..., : x.shape[axis]].sum(axis=axis)

    s = stats.permutation_test((a, b), u_stat, permutation_type="independent",
                               vectorized=True, n_resamples=np.inf)
    assert r.pvalue == pytest.approx(s.pvalue, rel=1e-9)


def test_mann_whitney_cles_matches_pingouin_and_hl_shift():
    rng = _rng(9)
    a = np.round(rng.normal(1, 1, 9), 1)
    b = np.round(rng.normal(0, 1, 7), 1)
    r = mann_whitney(a, b)
    p = pg.mwu(a, b)
    assert r.extra["prob_superiority"] == pytest.approx(float(p["CLES"].iloc[0]))
    assert r.pvalue == pytest.approx(float(p["p_val"].iloc[0]), rel=1e-9) or r.method.startswith(
        "exact")
    assert r.estimate == pytest.approx(np.median(np.subtract.outer(a, b)))
    assert r.ci.low <= r.estimate <= r.ci.high


def test_mann_whitney_ci_inverts_the_exact_test():
    rng = _rng(10)
    a = np.round(rng.normal(1, 1, 8), 3)
    b = np.round(rng.normal(0, 1, 7), 3)
    r = mann_whitney(a, b)
    alpha = 1 - r.extra["ci_level_achieved"]
    eps = 1e-7

    def p(shift):
        return stats.mannwhitneyu(a - shift, b, method="exact").pvalue

    assert p(r.ci.low + eps) > alpha - 1e-12 and p(r.ci.high - eps) > alpha - 1e-12
    assert p(r.ci.low - eps) <= alpha + 1e-12 and p(r.ci.high + eps) <= alpha + 1e-12


# ---------------------------------------------------------------- permutation test vs scipy


@pytest.mark.parametrize("seed", range(3))
def test_permutation_exact_paired_matches_scipy(seed):
    rng = _rng(seed)
    a = rng.normal(size=9)
    b = a + rng.normal(0.5, 1, size=9)
    r = permutation_test(a, b, paired=True)
    s = stats.permutation_test((a, b), lambda x, y, axis: np.mean(x - y, axis=axis),
                               permutation_type="samples", vectorized=True)
    assert r.extra["exact"] and r.extra["n_arrangements"] == 2**9
    assert r.pvalue == pytest.approx(s.pvalue, rel=1e-12)
    assert r.statistic == pytest.approx(np.mean(a - b))


@pytest.mark.parametrize("seed", range(3))
def test_permutation_exact_unpaired_matches_scipy(seed):
    rng = _rng(seed)
    a, b = rng.normal(size=7), rng.normal(0.8, 1, size=6)
    r = permutation_test(a, b, paired=False)
    s = stats.permutation_test((a, b), lambda x, y, axis: x.mean(axis) - y.mean(axis),
                               permutation_type="independent", vectorized=True)
    assert r.extra["n_arrangements"] == math.comb(13, 7)
    assert r.pvalue == pytest.approx(s.pvalue, rel=1e-12)


def test_permutation_exact_counts_by_hand():
    # 3 pairs, differences 1, 2, 3: sign flips give means in {+-1 +-2 +-3}/3; only the
    # identity reaches 2, so P(greater) = 1/8 and the two-sided p = 1/4.
    r = permutation_test([1.0, 2.0, 3.0], [0.0, 0.0, 0.0], paired=True)
    assert r.pvalue == pytest.approx(0.25)


@pytest.mark.parametrize("paired", [True, False])
def test_permutation_monte_carlo_agrees_with_scipy_and_uses_b_plus_one(paired):
    rng = _rng(12)
    a = rng.normal(size=20)
    b = a * 0.5 + rng.normal(0.4, 1, size=20)
    r = permutation_test(a, b, paired=paired, n_resamples=20000, seed=1)
    assert not r.extra["exact"]
    m = 20000
    # one-sided p-values are (b + 1) / (m + 1): multiples of 1 / (m + 1), never 0
    for key in ("p_less", "p_greater"):
        count = r.extra[key] * (m + 1)
        assert count == pytest.approx(round(count)) and count >= 1
    if paired:
        stat = lambda x, y, axis: np.mean(x - y, axis=axis)  # noqa: E731
    else:
        stat = lambda x, y, axis: x.mean(axis) - y.mean(axis)  # noqa: E731
    s = stats.permutation_test((a, b), stat, vectorized=True, n_resamples=20000, rng=2,
                               permutation_type="samples" if paired else "independent")
    # two independent Monte Carlo estimates: within 5 standard errors
    se = math.sqrt(max(s.pvalue * (1 - s.pvalue), 1e-4) / m) * 2
    assert abs(r.pvalue - s.pvalue) < 5 * se


def test_permutation_fixed_seed_is_reproducible():
    rng = _rng(13)
    a, b = rng.normal(size=15), rng.normal(size=15)
    r1 = permutation_test(a, b, paired=False, n_resamples=500, seed=7)
    r2 = permutation_test(a, b, paired=False, n_resamples=500, seed=7)
    assert r1 == r2


# ---------------------------------------------------------------- describe


def test_describe_matches_numpy_and_scipy():
    x = SLEEP_2
    d = describe(x, level=0.9)
    assert d.n == 10 and d.mean == pytest.approx(x.mean()) and d.median == np.median(x)
    assert d.std == pytest.approx(np.std(x, ddof=1))
    lo, hi = stats.t.interval(0.9, df=9, loc=x.mean(), scale=stats.sem(x))
    assert (d.ci.low, d.ci.high) == pytest.approx((lo, hi))
    assert d.to_dict()["ci"] == [pytest.approx(lo), pytest.approx(hi)]


def test_describe_single_value_and_constant_values_warn():
    one = describe([3.0])
    assert one.mean == 3.0 and math.isnan(one.std) and one.warnings
    assert one.to_dict()["std"] is None
    same = describe([0.1 + 0.2, 0.3, 0.3])
    assert same.std == 0.0 and same.warnings
    with pytest.raises(InputError):
        describe([])
    with pytest.raises(InputError):
        describe([float("nan")])


# ---------------------------------------------------------------- bad and degenerate input

ALL_PAIRED = [paired_t, wilcoxon, lambda a, b: permutation_test(a, b, paired=True)]
ALL_UNPAIRED = [welch_t, student_t, mann_whitney,
                lambda a, b: permutation_test(a, b, paired=False)]


@pytest.mark.parametrize("fn", ALL_PAIRED + ALL_UNPAIRED)
def test_fewer_than_two_values_is_an_input_error(fn):
    with pytest.raises(InputError) as info:
        fn([1.0], [2.0])
    assert "at least 2" in str(info.value) and "\n" not in str(info.value)
    with pytest.raises(InputError):
        fn([], [])


@pytest.mark.parametrize("fn", ALL_PAIRED)
def test_paired_length_mismatch_is_an_input_error(fn):
    with pytest.raises(InputError, match="same length"):
        fn([1.0, 2.0, 3.0], [1.0, 2.0])


@pytest.mark.parametrize("fn", ALL_PAIRED + ALL_UNPAIRED)
def test_non_numeric_and_2d_input_are_input_errors(fn):
    with pytest.raises(InputError):
        fn(["a", "b"], ["c", "d"])
    with pytest.raises(InputError):
        fn([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 4.0]])


def test_nan_pairs_are_dropped_with_a_warning():
    a = [1.0, 2.0, float("nan"), 4.0, 5.0]
    b = [0.5, 1.0, 1.0, 3.0, 4.9]
    r = paired_t(a, b)
    ref = paired_t([1.0, 2.0, 4.0, 5.0], [0.5, 1.0, 3.0, 4.9])
    assert r.pvalue == ref.pvalue
    assert any("dropped 1 pair" in w for w in r.warnings)
    r = welch_t([1.0, 2.0, float("inf")], [3.0, 4.0, 5.0])
    assert any("non-finite" in w for w in r.warnings)


def test_zero_variance_gives_nan_with_a_warning_not_a_fake_pvalue():
    r = paired_t([1.0, 2.0, 3.0], [0.5, 1.5, 2.5])  # every difference is 0.5
    assert math.isnan(r.pvalue) and math.isnan(r.statistic)
    assert r.estimate == pytest.approx(0.5)
    assert any("equal" in w for w in r.warnings)
    r = paired_t([0.1 + 0.2, 0.7], [0.3, 0.7])  # identical up to float rounding
    assert math.isnan(r.pvalue) and any("zero" in w for w in r.warnings)
    for fn in (welch_t, student_t):
        r = fn([2.0, 2.0, 2.0], [1.0, 1.0])
        assert math.isnan(r.pvalue) and r.warnings
        assert r.to_dict()["pvalue"] is None
    # one constant sample is fine for Welch (df = n - 1 of the other sample)
    r = welch_t([2.0, 2.0, 2.0], [1.0, 1.5, 0.4, 0.9])
    assert r.df == pytest.approx(3.0) and 0 < r.pvalue < 1


def test_rank_tests_on_degenerate_data():
    r = wilcoxon([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert math.isnan(r.pvalue) and any("identical" in w for w in r.warnings)
    # all differences equal and non-zero: the exact conditional test is well defined
    r = wilcoxon([1.5, 2.5, 3.5, 4.5, 5.5], [1.0, 2.0, 3.0, 4.0, 5.0])
    assert r.pvalue == pytest.approx(2 / 32)
    r = mann_whitney([1.0, 1.0, 1.0], [1.0, 1.0])
    assert r.pvalue == 1.0 and any("equal" in w for w in r.warnings)
    r = permutation_test([1.0, 2.0], [1.0, 2.0], paired=True)
    assert r.pvalue == 1.0 and r.warnings


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.5, -0.1, "x"])
def test_bad_level_is_an_input_error(bad):
    with pytest.raises(InputError):
        paired_t([1.0, 2.0], [0.0, 0.5], level=bad)


def test_bad_options_are_input_errors():
    with pytest.raises(InputError):
        wilcoxon([1.0, 2.0], [0.0, 0.5], zero_method="nope")
    with pytest.raises(InputError):
        mann_whitney([1.0, 2.0], [0.0, 0.5], method="nope")
    for bad in (0, -5, 2.5, True):
        with pytest.raises(InputError):
            permutation_test([1.0, 2.0], [0.0, 0.5], paired=True, n_resamples=bad)


def test_results_serialise_to_json_ready_dicts():
    import json

    for r in (paired_t(SLEEP_2, SLEEP_1), wilcoxon(HW_X, HW_Y), mann_whitney(HW_TERM, HW_EARLY),
              permutation_test(SLEEP_2, SLEEP_1, paired=True)):
        d = r.to_dict()
        json.dumps(d)
        assert 0 <= d["pvalue"] <= 1


def test_exact_threshold_is_used_for_small_samples():
    # n = 50 differences without ties: exact, like scipy's "auto"
    rng = _rng(20)
    d = rng.permutation(np.arange(1, 51)) * rng.choice([-1, 1], 50) + 0.25
    r = wilcoxon(d, np.zeros(50))
    assert r.method == "exact"
    assert r.pvalue == pytest.approx(stats.wilcoxon(d, method="exact").pvalue, rel=1e-9)
    # combinations helper sanity: every subset counted once
    assert sum(1 for _ in itertools.combinations(range(6), 3)) == 20


def test_wilcoxon_matches_pingouin():
    rng = _rng(21)
    a = rng.normal(size=12)
    b = a + rng.normal(0.5, 1, 12)
    r = wilcoxon(a, b)
    p = pg.wilcoxon(a, b)
    assert r.statistic == pytest.approx(float(p["W_val"].iloc[0]))
    assert r.pvalue == pytest.approx(float(p["p_val"].iloc[0]), rel=1e-9)


def test_wilcoxon_large_n_ci_roughly_inverts_the_normal_approximation():
    rng = _rng(22)
    d = rng.normal(0.5, 1, 70)
    r = wilcoxon(d, np.zeros(70))
    eps = 1e-9

    def p(mu):
        return stats.wilcoxon(d - mu, method="asymptotic").pvalue

    assert p(r.ci.low + eps) > 0.04 and p(r.ci.high - eps) > 0.04
    assert p(r.ci.low - eps) < 0.06 and p(r.ci.high + eps) < 0.06


@pytest.mark.parametrize("factor", [1e300, 1e-300, 3.0e-8])
def test_extreme_magnitudes_neither_overflow_nor_underflow(factor):
    """Every statistic is scale-free: values near 1e300 or 1e-300 give the same p-values and
    estimates scaled by the factor, with no warning and no crash."""
    import warnings as pywarnings

    from shared.stats import (
        bootstrap_diff,
        bootstrap_mean_cis,
        cliffs_delta,
        hedges_g,
        pairwise_t,
    )

    a, b = SLEEP_2, SLEEP_1
    fa, fb = a * factor, b * factor
    with pywarnings.catch_warnings():
        pywarnings.simplefilter("error")  # numpy overflow/underflow warnings would fail here
        for fn in (paired_t, welch_t, student_t, wilcoxon, mann_whitney):
            r, s = fn(a, b), fn(fa, fb)
            assert s.pvalue == pytest.approx(r.pvalue, rel=1e-9)
            assert s.estimate == pytest.approx(r.estimate * factor, rel=1e-9)
            assert s.ci.low == pytest.approx(r.ci.low * factor, rel=1e-9)
        for paired in (True, False):
            r = permutation_test(a, b, paired=paired, n_resamples=2000)
            s = permutation_test(fa, fb, paired=paired, n_resamples=2000)
            assert s.pvalue == pytest.approx(r.pvalue, rel=1e-9)
            r = bootstrap_diff(a, b, paired=paired, n_resamples=500)
            s = bootstrap_diff(fa, fb, paired=paired, n_resamples=500)
            assert s.ci.high == pytest.approx(r.ci.high * factor, rel=1e-9)
            assert hedges_g(fa, fb, paired=paired).value == pytest.approx(
                hedges_g(a, b, paired=paired).value, rel=1e-9)
            r = pairwise_t([a, b], [(0, 1)], paired=paired)
            s = pairwise_t([fa, fb], [(0, 1)], paired=paired)
            assert s.pvalue[0] == pytest.approx(r.pvalue[0], rel=1e-9)
            assert s.ci_high[0] == pytest.approx(r.ci_high[0] * factor, rel=1e-9)
        assert cliffs_delta(fa, fb).value == cliffs_delta(a, b).value
        np.testing.assert_allclose(bootstrap_mean_cis([fa], n_resamples=500),
                                   bootstrap_mean_cis([a], n_resamples=500) * factor, rtol=1e-9)
        d = describe(fa)
        assert d.std == pytest.approx(np.std(a, ddof=1) * factor, rel=1e-9)


def test_forced_exact_method_matches_scipy_and_falls_back_beyond_its_limit():
    rng = _rng(23)
    a, b = rng.normal(size=80), rng.normal(0.3, 1, size=80)
    r = wilcoxon(a, b, method="exact")  # 80 > 50: only when asked for
    assert r.method == "exact"
    assert r.pvalue == pytest.approx(stats.wilcoxon(a, b, method="exact").pvalue, rel=1e-9)
    r = mann_whitney(a[:40], b[:45], method="exact")
    assert r.pvalue == pytest.approx(
        stats.mannwhitneyu(a[:40], b[:45], method="exact").pvalue, rel=1e-9)
    big_a, big_b = rng.normal(size=400), rng.normal(size=400)
    r = wilcoxon(big_a, big_b, method="exact")
    assert r.method.startswith("normal") and any("limit" in w for w in r.warnings)
    r = mann_whitney(big_a[:60], big_b[:60], method="exact")
    assert r.method.startswith("normal") and any("limit" in w for w in r.warnings)
