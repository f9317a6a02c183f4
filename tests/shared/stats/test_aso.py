"""Almost Stochastic Order: checked against deepsig (Ulmer et al. 2022), seed for seed."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.errors import InputError
from shared.stats import TestResult, aso


def _deepsig_aso(a, b, **kw):
    from deepsig import aso as ds_aso

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(ds_aso(a, b, show_progress=False, **kw))


CASES = [  # (seed, n_a, n_b, shift): chosen so epsilon_min falls strictly inside (0, 1) or not
    (1, 10, 7, 0.2),
    (2, 20, 20, 0.0),
    (3, 3, 8, 0.5),
    (5, 30, 30, 0.3),
    (0, 5, 5, 0.3),
]


@pytest.mark.parametrize("seed, na, nb, shift", CASES)
def test_aso_matches_deepsig(seed, na, nb, shift):
    rng = np.random.default_rng(100 + seed)
    a = rng.normal(shift, 1, na)
    b = rng.normal(0, 1, nb)
    r = aso(a, b, seed=seed, n_bootstrap=200)
    assert isinstance(r, TestResult) and r.test == "aso"
    ref = _deepsig_aso(a, b, seed=seed, num_bootstrap_iterations=200)
    assert r.statistic == pytest.approx(ref, rel=1e-9, abs=1e-12)
    assert r.extra["epsilon_min"] == r.statistic
    assert math.isnan(r.pvalue)  # ASO has no p-value
    assert 0.0 <= r.statistic <= 1.0


def test_aso_interior_values_are_covered():
    # guard that the comparison above is not only about clipped 0/1 values
    rng = np.random.default_rng(101)
    a, b = rng.normal(0.2, 1, 10), rng.normal(0, 1, 7)
    r = aso(a, b, seed=1, n_bootstrap=200)
    assert 0.05 < r.statistic < 0.95


def test_aso_bonferroni_and_confidence_match_deepsig():
    rng = np.random.default_rng(7)
    a, b = rng.normal(0.4, 1, 12), rng.normal(0, 1, 12)
    r = aso(a, b, alpha=0.01, num_comparisons=3, seed=4, n_bootstrap=150)
    ref = _deepsig_aso(
        a, b, confidence_level=0.99, num_comparisons=3, seed=4, num_bootstrap_iterations=150
    )
    assert r.statistic == pytest.approx(ref, rel=1e-9, abs=1e-12)
    assert r.extra["confidence_level"] == pytest.approx(0.99 + 0.01 / 3)


def test_aso_reverse_matches_deepsig_multi_aso():
    from deepsig import multi_aso

    rng = np.random.default_rng(12)
    a, b = rng.normal(0.0, 1, 60), rng.normal(0, 1.1, 60)
    r = aso(a, b, seed=3, n_bootstrap=150)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # use_bonferroni=False: with two models deepsig's Bonferroni step sets the confidence
        # level to 1 (every epsilon becomes 1)
        ref = multi_aso(
            np.stack([a, b]),
            seed=3,
            num_bootstrap_iterations=150,
            show_progress=False,
            use_bonferroni=False,
        )
    assert r.statistic == pytest.approx(ref[0, 1], rel=1e-9, abs=1e-12)
    assert r.extra["epsilon_min_reverse"] == pytest.approx(ref[1, 0], rel=1e-9, abs=1e-12)
    # the two bounds add up to at least 1 (vr + (1 - vr) plus two margins); here one is interior
    assert 0.1 < r.statistic < 0.9 and r.statistic + r.extra["epsilon_min_reverse"] >= 1.0


def test_aso_clear_winner_and_decision():
    a = np.array([0.90, 0.92, 0.91, 0.93, 0.95, 0.94])
    b = a - 0.1
    r = aso(a, b, n_bootstrap=100)
    assert r.statistic == 0.0 and r.extra["a_better"] and not r.extra["b_better"]
    rev = aso(b, a, n_bootstrap=100)
    # not exactly 1: deepsig leaves the first quantile point out of the violation integral
    assert rev.statistic > 0.99 and rev.extra["b_better"] and not rev.extra["a_better"]


def test_aso_identical_samples_warn():
    a = [0.5, 0.6, 0.7, 0.8, 0.9]
    r = aso(a, a, n_bootstrap=50)
    assert r.estimate == 0.5
    assert any("identical" in w for w in r.warnings)
    assert not r.extra["a_better"]


def test_aso_same_seed_same_result_other_seed_differs():
    rng = np.random.default_rng(9)
    a, b = rng.normal(0.2, 1, 10), rng.normal(0, 1, 10)
    r1, r2 = aso(a, b, seed=11, n_bootstrap=100), aso(a, b, seed=11, n_bootstrap=100)
    assert r1 == r2
    assert aso(a, b, seed=12, n_bootstrap=100).extra["sigma_hat"] != r1.extra["sigma_hat"]


@pytest.mark.parametrize(
    "a, b, kw, fragment",
    [
        ([1.0], [1.0, 2.0], {}, "at least 2"),
        ([1.0, float("nan")], [1.0, 2.0], {}, "NaN"),
        ([[1.0, 2.0]], [1.0, 2.0], {}, "1-D"),
        ([1.0, 2.0], [1.0, 2.0], {"alpha": 0.0}, "alpha"),
        ([1.0, 2.0], [1.0, 2.0], {"n_bootstrap": 0}, "n_bootstrap"),
        ([1.0, 2.0], ["x", 2.0], {}, "numbers"),
    ],
)
def test_aso_bad_input(a, b, kw, fragment):
    with pytest.raises(InputError, match=fragment):
        aso(a, b, **kw)


_vals = st.integers(-40, 40).map(lambda v: v / 8)


@settings(max_examples=30, deadline=None)
@given(
    a=st.lists(_vals, min_size=2, max_size=8),
    b=st.lists(_vals, min_size=2, max_size=8),
    c=st.integers(-20, 20),
)
def test_aso_in_unit_interval_and_shift_invariant(a, b, c):
    r = aso(a, b, n_bootstrap=30)
    assert 0.0 <= r.statistic <= 1.0
    assert 0.0 <= r.extra["epsilon_min_reverse"] <= 1.0
    s = aso([v + c for v in a], [v + c for v in b], n_bootstrap=30)
    assert s.statistic == pytest.approx(r.statistic, abs=1e-9)
