"""t-test power and seeds needed against statsmodels and Cohen (1988)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.power import TTestIndPower, TTestPower

from shared.errors import InputError
from shared.stats import power, seeds_needed
from shared.stats._power import _tail_by_quadrature


@pytest.mark.parametrize("es", [0.1, 0.3, 0.5, 0.8, 1.2, 2.5, -0.5])
@pytest.mark.parametrize("n", [2, 3, 5, 10, 40])
@pytest.mark.parametrize("alpha", [0.01, 0.05])
def test_power_matches_statsmodels(es, n, alpha):
    paired = TTestPower().power(abs(es), nobs=n, alpha=alpha, alternative="two-sided")
    indep = TTestIndPower().power(abs(es), nobs1=n, alpha=alpha, ratio=1.0,
                                  alternative="two-sided")
    for ours, ref in ((power(es, n, alpha=alpha, paired=True), paired),
                      (power(es, n, alpha=alpha, paired=False), indep)):
        if math.isnan(ref):
            # statsmodels inherits NaN from scipy's noncentral t for large ncp; power is ~1 there
            assert ours > 0.9999
            assert ours <= 1.0
        else:
            assert ours == pytest.approx(ref, rel=1e-9)


@pytest.mark.parametrize("es", [0.2, 0.35, 0.5, 0.8, 1.5, 3.0])
@pytest.mark.parametrize("target", [0.8, 0.9])
def test_seeds_needed_is_the_ceiling_of_statsmodels_solve_power(es, target):
    paired = TTestPower().solve_power(es, alpha=0.05, power=target)
    indep = TTestIndPower().solve_power(es, alpha=0.05, power=target)
    assert seeds_needed(es, power=target, paired=True) == max(2, math.ceil(paired))
    assert seeds_needed(es, power=target, paired=False) == max(2, math.ceil(indep))


def test_cohen_1988_table_2_4_1():
    """Cohen (1988), Statistical Power Analysis, Table 2.4.1 (two-tailed alpha = .05, power
    .80): n per group 64 for d = 0.5 and 26 for d = 0.8."""
    assert seeds_needed(0.5, alpha=0.05, power=0.8, paired=False) == 64
    assert seeds_needed(0.8, alpha=0.05, power=0.8, paired=False) == 26


def test_power_is_alpha_at_zero_effect_and_increases_with_n():
    assert power(0.0, 10, alpha=0.05) == pytest.approx(0.05, rel=1e-9)
    values = [power(0.4, n) for n in range(2, 60)]
    assert all(np.diff(values) >= 0)
    assert power(3.0, 5000) == 1.0  # large n and effect: no NaN from the noncentral t


def test_seeds_needed_none_and_bad_input():
    assert seeds_needed(0.0) is None
    assert seeds_needed(0.001, max_n=1000) is None
    assert seeds_needed(30.0) == 2
    for kwargs in ({"alpha": 0}, {"alpha": 1.5}, {"power": 1.0}, {"power": "x"}):
        with pytest.raises(InputError):
            seeds_needed(0.5, **kwargs)
    for bad in (float("nan"), float("inf"), "big"):
        with pytest.raises(InputError):
            seeds_needed(bad)
        with pytest.raises(InputError):
            power(bad, 10)
    for n in (1, 0, 2.5, True):
        with pytest.raises(InputError):
            power(0.5, n)


# (n, paired, effect, alpha): df 1..5 with large effects, where scipy's noncentral t returns NaN
# for the far rejection tail while the near tail (the power) is far from 1. New data; the old
# normal-approximation fallback gave e.g. 0.0 for the first case (true power 0.0165).
_FAR_TAIL_NAN = [
    (2, True, 9.3, 0.001),
    (3, True, 4.7, 0.01),
    (4, True, 6.1, 0.001),
    (2, False, 13.3, 0.001),
    (3, False, 6.2, 0.01),
]


def _df_ncp_crit(n: int, paired: bool, es: float, alpha: float) -> tuple[float, float, float]:
    from scipy import special

    df = n - 1.0 if paired else 2.0 * n - 2.0
    ncp = es * math.sqrt(n) if paired else es * math.sqrt(n / 2.0)
    return df, ncp, float(special.stdtrit(df, 1.0 - alpha / 2.0))


def test_scipy_still_fails_on_the_far_tail_cases():
    """Precondition of the next tests: these cases exercise the non-finite far tail (if a
    newer scipy computes them, pick new cases so that the fallback stays tested)."""
    from scipy import special

    for n, paired, es, alpha in _FAR_TAIL_NAN:
        df, ncp, crit = _df_ncp_crit(n, paired, es, alpha)
        assert not math.isfinite(float(special.nctdtr(df, ncp, -crit))), (n, paired, es)


@pytest.mark.parametrize(("n", "paired", "es", "alpha"), _FAR_TAIL_NAN)
def test_power_when_the_far_tail_is_nan_keeps_the_near_tail(n, paired, es, alpha):
    """statsmodels (TTestPower/TTestIndPower) is NaN here; its near tail (nct_sf) is finite.
    Power = near tail + far tail, and the far tail lies in [0, min(alpha/2, Phi(-ncp))]."""
    from scipy import special
    from statsmodels.stats.power import nct_sf

    df, ncp, crit = _df_ncp_crit(n, paired, es, alpha)
    near = float(nct_sf(crit, df, ncp))
    assert math.isfinite(near) and 0.01 < near < 0.999
    ours = power(es, n, alpha=alpha, paired=paired)
    bound = min(alpha / 2, float(special.ndtr(-ncp)))
    assert -1e-12 * near <= ours - near <= bound + 1e-15
    ref = (TTestPower().power(es, nobs=n, alpha=alpha) if paired
           else TTestIndPower().power(es, nobs1=n, alpha=alpha, ratio=1.0))
    if math.isfinite(ref):  # scipy's NaN depends on the exact critical value statsmodels uses
        assert ours == pytest.approx(ref, rel=1e-9)


@pytest.mark.parametrize(("n", "paired", "es", "alpha"), [
    (2, True, 9.3, 0.001), (3, True, 4.7, 0.01), (3, False, 6.2, 0.01)])
def test_power_when_the_far_tail_is_nan_matches_simulation(n, paired, es, alpha):
    """Independent of any noncentral t code: simulate the t-test itself (200,000 experiments,
    fixed seed) and compare the rejection rate with 4 Monte Carlo standard errors."""
    from scipy import special

    rng = np.random.default_rng(20240917)
    reps = 200_000
    if paired:  # differences ~ N(es, 1): one-sample t
        d = rng.normal(es, 1.0, size=(reps, n))
        t = d.mean(axis=1) / (d.std(axis=1, ddof=1) / math.sqrt(n))
        df = n - 1
    else:  # two groups of n, unit variance, means es apart: Student t
        a = rng.normal(es, 1.0, size=(reps, n))
        b = rng.normal(0.0, 1.0, size=(reps, n))
        sp = np.sqrt((a.var(axis=1, ddof=1) + b.var(axis=1, ddof=1)) / 2.0)
        t = (a.mean(axis=1) - b.mean(axis=1)) / (sp * math.sqrt(2.0 / n))
        df = 2 * n - 2
    crit = float(special.stdtrit(df, 1.0 - alpha / 2.0))
    rate = float(np.mean(np.abs(t) > crit))
    ours = power(es, n, alpha=alpha, paired=paired)
    se = math.sqrt(ours * (1 - ours) / reps)
    assert abs(rate - ours) < 4 * se


@pytest.mark.parametrize("df", [1.0, 2.0, 3.0, 4.0, 5.0, 9.0, 40.0])
@pytest.mark.parametrize("alpha", [0.002, 0.02, 0.1])
@pytest.mark.parametrize("ncp", [0.0, 0.7, 1.9, 3.4, 4.4])
def test_tail_quadrature_matches_scipy_where_scipy_is_reliable(df, alpha, ncp):
    """Both tails of the quadrature against scipy's noncentral t where scipy's value is
    finite and well above its absolute error (~1e-16)."""
    from scipy import special, stats

    crit = float(special.stdtrit(df, 1.0 - alpha / 2.0))
    near = float(stats.nct.sf(crit, df, ncp))
    far = float(special.nctdtr(df, ncp, -crit))
    assert _tail_by_quadrature(crit, df, ncp) == pytest.approx(near, rel=1e-9)
    if far > 1e-8:
        assert _tail_by_quadrature(crit, df, -ncp) == pytest.approx(far, rel=1e-7)
    else:
        assert 0.0 <= _tail_by_quadrature(crit, df, -ncp) <= float(special.ndtr(-ncp))
