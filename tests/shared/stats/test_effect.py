"""Effect sizes: Hedges' g / g_z against pingouin and the noncentral t, Cliff's delta against
pingouin's CLES and R's effsize::cliff.delta worked example."""

from __future__ import annotations

import math

import numpy as np
import pingouin as pg
import pytest
from scipy import optimize, special, stats

from shared.errors import InputError
from shared.stats import cliffs_delta, hedges_correction, hedges_g


def _j_exact(df: float) -> float:
    # Hedges (1981), eq. 6e, written independently with the gamma function itself
    return special.gamma(df / 2) / (math.sqrt(df / 2) * special.gamma((df - 1) / 2))


@pytest.mark.parametrize("df", [1, 2, 5, 9, 30, 100])
def test_hedges_correction_is_the_exact_gamma_ratio_and_close_to_the_approximation(df):
    assert hedges_correction(df) == pytest.approx(_j_exact(df), rel=1e-12)
    if df >= 5:  # Hedges & Olkin (1985) approximation 1 - 3 / (4 df - 1)
        assert hedges_correction(df) == pytest.approx(1 - 3 / (4 * df - 1), rel=2e-3)


@pytest.mark.parametrize("seed", range(4))
def test_hedges_g_unpaired_matches_pingouin(seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(1, 1.5, size=int(rng.integers(3, 20)))
    b = rng.normal(0, 1, size=int(rng.integers(3, 20)))
    e = hedges_g(a, b, paired=False)
    d = pg.compute_effsize(a, b, paired=False, eftype="cohen")
    assert e.name == "hedges_g"
    assert e.extra["cohen_d"] == pytest.approx(d, rel=1e-12)
    assert e.value == pytest.approx(d * _j_exact(a.size + b.size - 2), rel=1e-10)
    # pingouin's Hedges' g uses the 1 - 3/(4(n1+n2)-9) approximation of J
    g = pg.compute_effsize(a, b, paired=False, eftype="hedges")
    assert e.value == pytest.approx(g, rel=2e-2)


@pytest.mark.parametrize("seed", range(4))
def test_hedges_g_z_paired_matches_pingouin_dz(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 20))
    a = rng.normal(size=n)
    b = a + rng.normal(-0.5, 1, size=n)
    e = hedges_g(a, b, paired=True)
    dz = pg.compute_effsize(a, b, paired=True, eftype="cohen_dz")
    assert e.name == "hedges_g_z"
    assert e.extra["d_z"] == pytest.approx(dz, rel=1e-12)
    assert e.value == pytest.approx(dz * _j_exact(n - 1), rel=1e-10)
    # pingouin's one-sample Hedges on the differences (approximate J with df = n - 1)
    g1 = pg.compute_effsize(a - b, np.array([0.0]), eftype="hedges")
    assert e.value == pytest.approx(g1, rel=2e-2)


@pytest.mark.parametrize("paired", [True, False])
def test_hedges_ci_is_the_noncentral_t_interval(paired):
    rng = np.random.default_rng(4)
    a = rng.normal(0.8, 1, 8)
    b = rng.normal(0, 1, 8)
    e = hedges_g(a, b, paired=paired, level=0.9)
    if paired:
        t = stats.ttest_rel(a, b)
        scale = math.sqrt(8)
    else:
        t = stats.ttest_ind(a, b)
        scale = math.sqrt(8 * 8 / 16)
    df = t.df
    # independent inversion of the noncentral t CDF with scipy's root finder
    lo = optimize.brentq(lambda nc: stats.nct.cdf(t.statistic, df, nc) - 0.95, -30, 30)
    hi = optimize.brentq(lambda nc: stats.nct.cdf(t.statistic, df, nc) - 0.05, -30, 30)
    assert e.ci.low == pytest.approx(lo / scale, rel=1e-7)
    assert e.ci.high == pytest.approx(hi / scale, rel=1e-7)
    assert e.ci.level == 0.9


def test_hedges_ci_roughly_matches_pingouin_normal_approximation_for_large_n():
    rng = np.random.default_rng(5)
    a, b = rng.normal(0.5, 1, 400), rng.normal(0, 1, 400)
    e = hedges_g(a, b, paired=False)
    lo, hi = pg.compute_esci(stat=e.extra["cohen_d"], nx=400, ny=400, eftype="cohen",
                             decimals=6)
    assert e.ci.low == pytest.approx(lo, abs=0.01) and e.ci.high == pytest.approx(hi, abs=0.01)


def test_hedges_g_degenerate_and_bad_input():
    e = hedges_g([1.0, 2.0, 3.0], [0.0, 1.0, 2.0], paired=True)  # constant difference
    assert math.isnan(e.value) and math.isnan(e.ci.low) and e.warnings
    assert e.to_dict()["value"] is None
    with pytest.raises(InputError):
        hedges_g([1.0, 2.0], [1.0], paired=True)
    with pytest.raises(InputError):
        hedges_g([1.0], [1.0, 2.0], paired=False)


def test_cliffs_delta_effsize_worked_example():
    """R effsize::cliff.delta test data (Torchiano, effsize package tests, after Hess &
    Kromrey 2004): delta = -0.25, 95% CI [-0.7265846, 0.3890062] (unbiased variance,
    Student t quantile: the package defaults)."""
    treatment = [10, 10, 20, 20, 20, 30, 30, 30, 40, 50]
    control = [10, 20, 30, 40, 40, 50]
    e = cliffs_delta(treatment, control)
    assert e.value == pytest.approx(-0.25)
    assert e.ci.low == pytest.approx(-0.7265846, abs=5e-8)
    assert e.ci.high == pytest.approx(0.3890062, abs=5e-8)
    assert e.extra["prob_superiority"] == pytest.approx(0.375)


@pytest.mark.parametrize("seed", range(4))
def test_cliffs_delta_matches_pingouin_cles_and_brute_force(seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 6, size=int(rng.integers(2, 15))).astype(float)
    b = rng.integers(0, 6, size=int(rng.integers(2, 15))).astype(float)
    e = cliffs_delta(a, b)
    brute = np.mean([np.sign(x - y) for x in a for y in b])
    assert e.value == pytest.approx(brute)
    cles = pg.compute_effsize(a, b, eftype="CLES")
    assert e.extra["prob_superiority"] == pytest.approx(cles)
    assert e.value == pytest.approx(2 * cles - 1)


def test_cliffs_delta_consistent_variance_and_normal_quantile():
    # Cliff (1996) consistent estimator with a normal quantile, computed here from its formula
    a = np.array([10, 10, 20, 20, 20, 30, 30, 30, 40, 50.0])
    b = np.array([10, 20, 30, 40, 40, 50.0])
    dom = np.sign(a[:, None] - b[None, :])
    d = dom.mean()
    n1, n2 = dom.shape
    s2 = ((n2 - 1) * ((dom.mean(1) - d) ** 2).sum() / (n1 - 1)
          + (n1 - 1) * ((dom.mean(0) - d) ** 2).sum() / (n2 - 1)
          + ((dom - d) ** 2).sum() / ((n1 - 1) * (n2 - 1))) / (n1 * n2)
    z = stats.norm.ppf(0.975)
    root = z * math.sqrt(s2) * math.sqrt((1 - d**2) ** 2 + z**2 * s2)
    den = 1 - d**2 + z**2 * s2
    e = cliffs_delta(a, b, variance="consistent", ci_distribution="normal")
    assert e.extra["variance"] == pytest.approx(s2)
    assert e.ci.low == pytest.approx((d - d**3 - root) / den)
    assert e.ci.high == pytest.approx((d - d**3 + root) / den)


def test_cliffs_delta_complete_separation_and_bad_options():
    e = cliffs_delta([5.0, 6.0, 7.0], [1.0, 2.0, 3.0])
    assert e.value == 1.0 and e.extra["prob_superiority"] == 1.0
    assert math.isnan(e.ci.low) and any("undefined" in w for w in e.warnings)
    with pytest.raises(InputError):
        cliffs_delta([1.0, 2.0], [1.0, 2.0], ci_distribution="z")
    with pytest.raises(InputError):
        cliffs_delta([1.0, 2.0], [1.0, 2.0], variance="x")
    with pytest.raises(InputError):
        cliffs_delta([1.0], [1.0, 2.0])


def test_effects_are_json_ready():
    import json

    for e in (hedges_g([1.0, 2.0, 4.0], [0.0, 1.5, 2.0], paired=True),
              hedges_g([1.0, 2.0, 4.0], [0.0, 1.5, 2.0, 2.2], paired=False),
              cliffs_delta([1.0, 2.0, 4.0], [0.0, 1.5, 2.0, 2.2]),
              cliffs_delta([5.0, 6.0], [1.0, 2.0])):
        json.dumps(e.to_dict())


def test_hedges_g_extreme_effects_and_one_degree_of_freedom():
    # t in the tens of thousands: scipy's noncentral t gives NaN there; the large-t limit
    # t * sqrt(chi2_q(df) / df) is used instead (checked here from its formula)
    a, b = [10.0, 10.001, 10.002], [0.0, 0.001, 0.0015]
    e = hedges_g(a, b, paired=True)
    t = stats.ttest_rel(a, b).statistic
    q = stats.chi2.ppf([0.025, 0.975], 2)
    assert e.ci.low == pytest.approx(t * math.sqrt(q[0] / 2) / math.sqrt(3), rel=1e-9)
    assert e.ci.high == pytest.approx(t * math.sqrt(q[1] / 2) / math.sqrt(3), rel=1e-9)
    assert e.ci.low < e.extra["d_z"] < e.ci.high and e.warnings
    # the limit agrees with the exact inversion where both work (t = 300, df = 9)
    from shared.stats._effect import _ncp_interval

    lo, hi = _ncp_interval(300.0, 9, 0.95)
    q = stats.chi2.ppf([0.025, 0.975], 9)
    assert lo == pytest.approx(300 * math.sqrt(q[0] / 9), rel=1e-3)
    assert hi == pytest.approx(300 * math.sqrt(q[1] / 9), rel=1e-3)
    # n = 2 pairs: J(1) = 0 would zero the effect; the uncorrected d_z is reported instead
    e = hedges_g([1.0, 2.0], [1.1, 2.3], paired=True)
    assert e.value == pytest.approx(e.extra["d_z"]) and e.value != 0
    assert any("degree of freedom" in w for w in e.warnings)


def test_hedges_g_z_from_two_pairs_is_uncorrected_and_says_so():
    """2 pairs: J(1) = 0, so the uncorrected d_z (pingouin's cohen_dz) is reported, with a
    warning that callers can show (it is in to_dict)."""
    a, b = np.array([0.812, 0.774]), np.array([0.790, 0.769])
    e = hedges_g(a, b, paired=True)
    dz = pg.compute_effsize(a, b, paired=True, eftype="cohen_dz")
    assert e.value == pytest.approx(dz, rel=1e-12)
    assert e.extra["uncorrected"] is True and e.extra["correction"] == 1.0
    (w,) = e.warnings
    assert "2 pairs" in w and "uncorrected d_z" in w and "unstable" in w
    assert e.to_dict()["warnings"] == [w]


@pytest.mark.parametrize(("a", "b"), [([0.61, 0.66], [0.52, 0.58]),
                                      ([0.61, 0.66, 0.64, 0.70], [0.52, 0.58])])
def test_hedges_g_with_a_sample_of_two_warns_that_it_is_unstable(a, b):
    e = hedges_g(a, b, paired=False)
    df = len(a) + len(b) - 2
    d = pg.compute_effsize(a, b, paired=False, eftype="cohen")
    assert e.value == pytest.approx(d * _j_exact(df), rel=1e-10)
    assert e.extra["uncorrected"] is False
    (w,) = e.warnings
    assert "only 2 values" in w and "unstable" in w
    assert f"{1 - _j_exact(df):.0%}" in w
    assert e.to_dict()["warnings"] == [w]
    # three or more values in each sample: no warning
    assert not hedges_g(a + [0.63], b + [0.55], paired=False).warnings
