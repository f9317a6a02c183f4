"""Bayesian signed-rank test (Benavoli et al. 2014/2017): checked against baycomp, seed for seed."""

from __future__ import annotations

import json

import numpy as np
import pytest
from baycomp import SignedRankTest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.errors import InputError
from shared.stats import BayesResult, bayes_signed_rank


@pytest.mark.parametrize(
    "seed, n, shift, rope",
    [
        (0, 10, 0.2, 0.0),
        (1, 10, 0.2, 0.1),
        (2, 25, 0.05, 0.05),
        (3, 6, 0.0, 0.0),
        (4, 40, -0.3, 0.2),
        (5, 5, 0.5, 0.3),
    ],
)
def test_matches_baycomp_signed_rank(seed, n, shift, rope):
    rng = np.random.default_rng(seed)
    a = rng.normal(shift, 1, n)
    b = rng.normal(0, 1, n)
    r = bayes_signed_rank(a, b, rope=rope, seed=seed, n_samples=20000)
    assert isinstance(r, BayesResult)
    ref = SignedRankTest.probs(a, b, rope=rope, nsamples=20000, random_state=seed)
    if rope > 0:
        assert (r.p_left, r.p_rope, r.p_right) == pytest.approx(tuple(ref), abs=1e-12)
    else:
        assert (r.p_left, r.p_right) == pytest.approx(tuple(ref), abs=1e-12)
        assert r.p_rope == 0.0
    assert r.p_left + r.p_rope + r.p_right == pytest.approx(1.0)


@pytest.mark.parametrize("rope", [0.1, 0.5])
def test_interior_probabilities_match_baycomp(rope):
    # guard that the comparison is not only about 0/1 outcomes: all three regions get mass
    rng = np.random.default_rng(2)
    a, b = rng.normal(0, 1, 10), rng.normal(0, 1, 10)
    r = bayes_signed_rank(a, b, rope=rope, seed=1, n_samples=20000)
    ref = SignedRankTest.probs(a, b, rope=rope, nsamples=20000, random_state=1)
    assert (r.p_left, r.p_rope, r.p_right) == pytest.approx(tuple(ref), abs=1e-12)
    assert 0.05 < r.p_left < 0.95 and 0.05 < max(r.p_rope, r.p_right) < 0.95


def test_orientation_left_means_a_better():
    a = np.array([0.91, 0.88, 0.93, 0.90, 0.89, 0.92, 0.94, 0.90])
    b = a - np.array([0.05, 0.04, 0.06, 0.03, 0.05, 0.04, 0.07, 0.05])
    r = bayes_signed_rank(a, b, rope=0.01)
    assert r.p_left > 0.95 and r.p_a_better == r.p_left
    assert bayes_signed_rank(b, a, rope=0.01).p_right > 0.95


def test_identical_configs_degenerate():
    a = [0.5, 0.6, 0.7, 0.8]
    r0 = bayes_signed_rank(a, a, rope=0.0, n_samples=2000)
    # every posterior sample is an exact tie; shared equally instead of all to A (baycomp)
    assert r0.p_left == pytest.approx(0.5) and r0.p_right == pytest.approx(0.5)
    assert any("identical" in w for w in r0.warnings)
    assert any("exact ties" in w for w in r0.warnings)
    r1 = bayes_signed_rank(a, a, rope=0.01, n_samples=2000)
    assert r1.p_rope == 1.0


def test_seed_reproducible_and_json():
    rng = np.random.default_rng(2)
    a, b = rng.normal(0.1, 1, 12), rng.normal(0, 1, 12)
    r1 = bayes_signed_rank(a, b, rope=0.05, seed=9, n_samples=5000)
    r2 = bayes_signed_rank(a, b, rope=0.05, seed=9, n_samples=5000)
    assert r1 == r2
    d = json.loads(json.dumps(r1.to_dict()))
    assert d["test"] == "bayes-signed-rank" and d["p_a_better"] == r1.p_left
    assert d["seed"] == 9 and d["rope"] == 0.05


@pytest.mark.parametrize(
    "a, b, kw, fragment",
    [
        ([1.0, 2.0], [1.0], {}, "same length"),
        ([1.0], [1.0], {}, "at least 2"),
        ([1.0, float("nan")], [1.0, 2.0], {}, "NaN"),
        ([1.0, 2.0], [1.0, 2.0], {"rope": -0.1}, "rope"),
        ([1.0, 2.0], [1.0, 2.0], {"prior": 0.0}, "prior"),
        ([1.0, 2.0], [1.0, 2.0], {"n_samples": 0}, "n_samples"),
        ([[1.0, 2.0]], [[1.0, 2.0]], {}, "1-D"),
    ],
)
def test_bad_input(a, b, kw, fragment):
    with pytest.raises(InputError, match=fragment):
        bayes_signed_rank(a, b, **kw)


_vals = st.integers(-20, 20).map(lambda v: v / 4)


@settings(max_examples=40, deadline=None)
@given(
    pairs=st.lists(st.tuples(_vals, _vals), min_size=2, max_size=10),
    rope=st.sampled_from([0.0, 0.25, 1.0]),
    c=st.integers(-10, 10),
)
def test_probabilities_swap_and_shift(pairs, rope, c):
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    r = bayes_signed_rank(a, b, rope=rope, n_samples=500)
    for p in (r.p_left, r.p_rope, r.p_right):
        assert 0.0 <= p <= 1.0
    assert r.p_left + r.p_rope + r.p_right == pytest.approx(1.0)
    s = bayes_signed_rank(b, a, rope=rope, n_samples=500)
    assert (s.p_left, s.p_rope, s.p_right) == pytest.approx((r.p_right, r.p_rope, r.p_left))
    t = bayes_signed_rank(a + c, b + c, rope=rope, n_samples=500)
    assert (t.p_left, t.p_rope, t.p_right) == pytest.approx((r.p_left, r.p_rope, r.p_right))
