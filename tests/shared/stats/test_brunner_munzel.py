"""Brunner-Munzel test: the t approximation against scipy.stats.brunnermunzel, the
studentized permutation p-value against a brute-force enumeration and against the worked
examples of R's brunnermunzel package (Hollander & Wolfe 1973, p. 29; the pain scores of
Brunner & Munzel 2000 / Neubert & Brunner 2007)."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from scipy import stats

from shared.errors import InputError
from shared.stats import brunner_munzel

# Hollander & Wolfe (1973), 29f.: Hamilton depression scale, first (x) and second (y) visit
HW_X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
HW_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
# pain scores on the third day after surgery, treatments Y (14) and N (11)
PAIN_Y = [1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 1, 1]
PAIN_N = [3, 3, 4, 3, 1, 2, 3, 1, 1, 5, 4]


@pytest.mark.parametrize("case", range(40))
def test_t_approximation_matches_scipy(case):
    rng = np.random.default_rng(1000 + case)
    na, nb = rng.integers(3, 35, 2)
    digits = int(rng.integers(0, 3))  # coarse rounding gives ties
    a = np.round(rng.standard_t(3, na) * rng.uniform(0.3, 3.0), digits)
    b = np.round(rng.standard_t(3, nb) + rng.uniform(-1, 1), digits)
    ours = brunner_munzel(a, b, method="asymptotic")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = stats.brunnermunzel(a, b)
    if not math.isfinite(ref.pvalue):
        pytest.skip("scipy's df is 0/0 here (no spread in the placements)")
    # scipy's statistic is positive when b tends to be larger; ours when a does
    assert ours.statistic == pytest.approx(-ref.statistic, rel=1e-9)
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-15)


def test_pain_scores_t_approximation_as_published():
    # R brunnermunzel.test(Y, N) / lawstat: T = 3.1375, df = 17.683, p = 0.005786,
    # P(Y < N) + .5 P(Y = N) = 0.788961, 95% CI 0.5952169 to 0.9827052
    r = brunner_munzel(PAIN_N, PAIN_Y, method="asymptotic")
    assert r.statistic == pytest.approx(3.1375, abs=5e-5)
    assert r.df == pytest.approx(17.683, abs=5e-4)
    assert r.pvalue == pytest.approx(0.005786, abs=5e-7)
    assert r.estimate == pytest.approx(0.788961, abs=5e-7)
    assert (r.ci.low, r.ci.high) == pytest.approx((0.5952169, 0.9827052), abs=5e-8)


def test_hollander_wolfe_exact_permutation_as_published():
    # R brunnermunzel.permutation.test(x, y): p = 0.158, P(X < Y) + .5 P(X = Y) = 0.2839506
    r = brunner_munzel(HW_Y, HW_X, method="permutation", n_resamples=50_000)
    assert r.method == "studentized permutation, exact (48620 relabellings)"
    assert r.pvalue == pytest.approx(0.158, abs=5e-4)
    assert r.estimate == pytest.approx(0.2839506, abs=5e-8)


def test_pain_scores_permutation_as_published():
    # R: p = 0.008038 over all C(25, 11) relabellings; 200,000 random ones: SE 0.0002
    r = brunner_munzel(PAIN_N, PAIN_Y, method="permutation", n_resamples=200_000, seed=3)
    assert r.pvalue == pytest.approx(0.008038, abs=4 * math.sqrt(0.008 * 0.992 / 200_000))


def test_exact_permutation_matches_brute_force_with_scipy_statistic():
    a = np.array([0.31, 1.9, -0.4, 2.6, 0.8, 3.3])
    b = np.array([0.1, 0.5, -0.2, 0.3, 0.45])
    pooled = np.concatenate([a, b])
    observed = abs(stats.brunnermunzel(a, b).statistic)
    extreme = total = 0
    for idx in itertools.combinations(range(pooled.size), a.size):
        mask = np.zeros(pooled.size, bool)
        mask[list(idx)] = True
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = stats.brunnermunzel(pooled[mask], pooled[~mask]).statistic
        t = 0.0 if np.isnan(t) else t
        extreme += abs(t) >= observed - 1e-9
        total += 1
    r = brunner_munzel(a, b)
    assert r.method == f"studentized permutation, exact ({total} relabellings)"
    assert r.pvalue == pytest.approx(extreme / total, abs=1e-12)


def test_interval_excludes_one_half_exactly_when_significant():
    rng = np.random.default_rng(5)
    for _ in range(30):
        a, b = rng.normal(0.8, 3.0, 6), rng.normal(0.0, 1.0, 24)
        r = brunner_munzel(a, b, seed=1)
        assert (r.pvalue < 0.05) == (not r.ci.low <= 0.5 <= r.ci.high) or \
            r.pvalue == pytest.approx(0.05, abs=2e-3)


def test_bad_input_is_one_line():
    with pytest.raises(InputError, match="method must be"):
        brunner_munzel([1.0, 2.0], [3.0, 4.0], method="exact")
    with pytest.raises(InputError, match="at least 2"):
        brunner_munzel([1.0], [3.0, 4.0])
    with pytest.raises(InputError, match="n_resamples"):
        brunner_munzel([1.0, 2.0], [3.0, 4.0], n_resamples=0)
