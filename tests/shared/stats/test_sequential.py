"""Group-sequential boundaries from the joint distribution of the looks (issue 17).

Checked against published constants and against independent computations of the same joint
law (scipy's multivariate normal cdf; a direct simulation of cumulative paired t-tests with
scipy's ``ttest_1samp``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from shared.stats._sequential import (
    crossing_probabilities,
    nominal_alphas,
    obf_spending,
    power_spending,
    spending_boundaries,
    t_look_alphas,
    wang_tsiatis_constant,
)

# Jennison & Turnbull (2000), "Group Sequential Methods with Applications to Clinical
# Trials": Table 2.1 (Pocock's C_P(K, alpha)) and Table 2.3 (O'Brien & Fleming's C_B(K, alpha)),
# two-sided alpha = 0.05, K equally spaced looks.
POCOCK_005 = {1: 1.960, 2: 2.178, 3: 2.289, 4: 2.361, 5: 2.413}
OBF_005 = {1: 1.960, 2: 1.977, 3: 2.004, 4: 2.024, 5: 2.040}


@pytest.mark.parametrize("looks", [1, 2, 3, 4, 5])
def test_pocock_and_obrien_fleming_constants_match_jennison_turnbull(looks):
    t = [(i + 1) / looks for i in range(looks)]
    assert wang_tsiatis_constant(t, 0.05, 0.5) == pytest.approx(POCOCK_005[looks], abs=6e-4)
    assert wang_tsiatis_constant(t, 0.05, 0.0) == pytest.approx(OBF_005[looks], abs=6e-4)


def test_lan_demets_obrien_fleming_type_spending_boundaries():
    # Lan & DeMets (1983) O'Brien-Fleming-type spending 2 - 2 Phi(z_{a/2} / sqrt(t)) with one-
    # sided a = 0.025 at five equally spaced looks: 4.877, 3.357, 2.680, 2.290, 2.031 (the
    # boundaries tabulated in the gsDesign documentation for sfLDOF; symmetric two-sided here)
    obf = lambda a, t: 2 * obf_spending(a / 2, t)  # noqa: E731
    got = spending_boundaries([0.2, 0.4, 0.6, 0.8, 1.0], 0.05, obf)
    assert got == pytest.approx([4.877, 3.357, 2.680, 2.290, 2.031], abs=6e-4)


def test_unequal_looks_agree_with_scipys_multivariate_normal_cdf():
    # the confirm's default looks (3, 6, ..., 18, 20 of 20 seeds), power spending rho = 2
    t = np.array([3, 6, 9, 12, 15, 18, 20]) / 20
    c = spending_boundaries(list(t), 0.05, power_spending(2.0))
    corr = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    for k in (2, 4, len(t)):
        mvn = stats.multivariate_normal(np.zeros(k), corr[:k, :k], maxpts=50_000 * k,
                                        abseps=1e-6, seed=1)
        # P(|Z_j| < c_j for all j <= k): Genz's algorithm over the rectangle
        bound = np.array(c[:k])
        inside = mvn.cdf(bound, lower_limit=-bound)
        spent_so_far = 0.05 * t[k - 1] ** 2 if k < len(t) else 0.05
        assert 1 - inside == pytest.approx(spent_so_far, abs=3e-4)
    probs = crossing_probabilities(list(t), c)
    assert sum(probs) == pytest.approx(0.05, abs=1e-6)


def test_the_joint_law_gives_much_larger_levels_than_the_union_bound():
    t = [0.25, 0.5, 0.75, 1.0]
    levels = nominal_alphas(spending_boundaries(t, 0.05, power_spending(1.0)))
    shares = [0.0125] * 4
    assert levels[0] == pytest.approx(shares[0], rel=1e-6)  # the first look: no history
    # later looks: 0.0161, 0.0203, 0.0248 against shares of 0.0125 each
    assert levels[1:] == pytest.approx([0.0161, 0.0203, 0.0248], abs=1e-4)
    assert all(lv > 1.25 * s for lv, s in zip(levels[1:], shares[1:], strict=True))


def test_t_levels_hold_alpha_for_cumulative_paired_t_tests():
    looks = [3, 6, 9, 12, 15, 18, 20]
    levels = t_look_alphas(looks, 0.05, power_spending(2.0))
    # independent check: new draws (another generator), scipy's one-sample t-test per look
    rng = np.random.default_rng(12345)
    reps = 40_000
    x = rng.standard_normal((reps, looks[-1]))
    claimed = np.zeros(reps, dtype=bool)
    for n, level in zip(looks, levels, strict=True):
        p = stats.ttest_1samp(x[:, :n], 0.0, axis=1).pvalue
        claimed |= p <= level
    se = math.sqrt(0.05 * 0.95 / reps)
    assert abs(claimed.mean() - 0.05) < 3 * se, claimed.mean()
    # the normal-theory levels used as t levels over-claim at these few seeds
    z_levels = nominal_alphas(spending_boundaries([n / 20 for n in looks], 0.05,
                                                  power_spending(2.0)))
    z_claimed = np.zeros(reps, dtype=bool)
    for n, level in zip(looks, z_levels, strict=True):
        z_claimed |= stats.ttest_1samp(x[:, :n], 0.0, axis=1).pvalue <= level
    assert z_claimed.mean() > 0.05 + 2 * se


def test_t_levels_tend_to_the_normal_boundaries_with_many_seeds():
    t_levels = t_look_alphas([100, 200, 300], 0.05)
    z_levels = nominal_alphas(spending_boundaries([1 / 3, 2 / 3, 1.0], 0.05))
    assert t_levels == pytest.approx(z_levels, rel=0.1)


def test_bad_looks_are_refused():
    with pytest.raises(ValueError):
        t_look_alphas([5, 5, 10], 0.05)
    with pytest.raises(ValueError):
        spending_boundaries([0.5, 0.4, 1.0], 0.05)
