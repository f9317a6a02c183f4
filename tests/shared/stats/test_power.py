"""t-test power and seeds needed against statsmodels and Cohen (1988)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from statsmodels.stats.power import TTestIndPower, TTestPower

from shared.errors import InputError
from shared.stats import power, seeds_needed


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
