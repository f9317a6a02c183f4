"""Hypothesis properties of the two-configuration statistics (issue 3, "Correctness"):
swapping a and b flips the sign of the difference and the effect and keeps p; p in [0, 1];
adjusted p >= raw p and monotone in raw p; adding a constant to every value changes nothing;
a fixed seed gives the same result."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.stats import (
    adjust_pvalues,
    bootstrap_diff,
    bootstrap_mean_cis,
    cliffs_delta,
    hedges_g,
    mann_whitney,
    paired_t,
    permutation_test,
    student_t,
    welch_t,
    wilcoxon,
)

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# one-decimal metric values: realistic, and they produce ties, zeros and constant samples
value = st.integers(-50, 50).map(lambda k: k / 10)


def sample(min_size: int = 2, max_size: int = 12):
    return st.lists(value, min_size=min_size, max_size=max_size)


@st.composite
def paired_samples(draw, max_size: int = 12):
    n = draw(st.integers(2, max_size))
    return (draw(st.lists(value, min_size=n, max_size=n)),
            draw(st.lists(value, min_size=n, max_size=n)))


def same_p(p: float, q: float) -> bool:
    if math.isnan(p) or math.isnan(q):
        return math.isnan(p) and math.isnan(q)
    return math.isclose(p, q, rel_tol=1e-6, abs_tol=1e-9)


def close(x: float | None, y: float | None, scale: float = 1.0) -> bool:
    if x is None or y is None or math.isnan(x) or math.isnan(y):
        return (x is None or math.isnan(x)) and (y is None or math.isnan(y))
    return math.isclose(x, y, rel_tol=1e-7, abs_tol=1e-9 * scale)


def valid_p(r) -> bool:
    return (0.0 <= r.pvalue <= 1.0) or (math.isnan(r.pvalue) and len(r.warnings) > 0)


PAIRED_TESTS = {
    "paired_t": paired_t,
    "wilcoxon": wilcoxon,
    "permutation": lambda a, b: permutation_test(a, b, paired=True, n_resamples=500, seed=1),
    "bootstrap": lambda a, b: bootstrap_diff(a, b, paired=True, n_resamples=300, seed=1),
}
UNPAIRED_TESTS = {
    "welch_t": welch_t,
    "student_t": student_t,
    "mann_whitney": mann_whitney,
    # sizes <= 6 each: at most C(12, 6) = 924 relabellings, so the test is exact
    "permutation": lambda a, b: permutation_test(a, b, paired=False, n_resamples=1000),
}


@SETTINGS
@given(paired_samples())
def test_paired_swap_flips_sign_keeps_p(ab):
    a, b = ab
    for name, fn in PAIRED_TESTS.items():
        r, s = fn(a, b), fn(b, a)
        assert valid_p(r) and valid_p(s), name
        assert same_p(r.pvalue, s.pvalue), (name, r.pvalue, s.pvalue)
        assert close(r.estimate, -s.estimate), name
        if r.ci is not None and name != "bootstrap":
            assert close(r.ci.low, -s.ci.high) and close(r.ci.high, -s.ci.low), name
    g, h = hedges_g(a, b, paired=True), hedges_g(b, a, paired=True)
    assert close(g.value, -h.value) and close(g.ci.low, -h.ci.high, 1e3)


@SETTINGS
@given(sample(2, 6), sample(2, 6))
def test_unpaired_swap_flips_sign_keeps_p(a, b):
    for name, fn in UNPAIRED_TESTS.items():
        r, s = fn(a, b), fn(b, a)
        assert valid_p(r) and valid_p(s), name
        assert same_p(r.pvalue, s.pvalue), (name, r.pvalue, s.pvalue)
        assert close(r.estimate, -s.estimate), name
    g, h = hedges_g(a, b, paired=False), hedges_g(b, a, paired=False)
    assert close(g.value, -h.value)
    c, d = cliffs_delta(a, b), cliffs_delta(b, a)
    assert close(c.value, -d.value) and close(c.ci.low, -d.ci.high)
    assert close(c.extra["prob_superiority"], 1 - d.extra["prob_superiority"])


@SETTINGS
@given(paired_samples(), st.integers(-1000, 1000))
def test_adding_a_constant_changes_nothing_paired(ab, shift):
    a, b = ab
    a2 = [x + shift for x in a]
    b2 = [x + shift for x in b]
    for name, fn in PAIRED_TESTS.items():
        r, s = fn(a, b), fn(a2, b2)
        assert same_p(r.pvalue, s.pvalue), (name, r.pvalue, s.pvalue)
        assert close(r.estimate, s.estimate, 1 + abs(shift)), name
        if r.ci is not None:
            assert close(r.ci.low, s.ci.low, 1 + abs(shift)), (name, r.ci, s.ci)
    g, h = hedges_g(a, b, paired=True), hedges_g(a2, b2, paired=True)
    assert close(g.value, h.value, 1 + abs(shift)) or (math.isnan(g.value) and math.isnan(h.value))


@SETTINGS
@given(sample(2, 6), sample(2, 6), st.integers(-1000, 1000))
def test_adding_a_constant_changes_nothing_unpaired(a, b, shift):
    a2 = [x + shift for x in a]
    b2 = [x + shift for x in b]
    for name, fn in UNPAIRED_TESTS.items():
        r, s = fn(a, b), fn(a2, b2)
        assert same_p(r.pvalue, s.pvalue), (name, r.pvalue, s.pvalue)
        assert close(r.estimate, s.estimate, 1 + abs(shift)), name
    assert close(cliffs_delta(a, b).value, cliffs_delta(a2, b2).value)


@SETTINGS
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=30),
       st.sampled_from(["holm", "bonferroni", "bh", "none"]))
def test_adjusted_p_at_least_raw_monotone_and_at_most_one(p, method):
    raw = np.array(p)
    adj = adjust_pvalues(raw, method)
    assert np.all(adj >= raw) and np.all(adj <= 1.0)
    order = np.argsort(raw, kind="mergesort")
    assert np.all(np.diff(adj[order]) >= -1e-15)  # monotone in the raw p-values


@SETTINGS
@given(paired_samples(max_size=20), st.integers(0, 2**31 - 1))
def test_fixed_seed_same_result(ab, seed):
    a, b = ab
    assert (permutation_test(a, b, paired=True, n_resamples=200, seed=seed)
            == permutation_test(a, b, paired=True, n_resamples=200, seed=seed))
    assert (permutation_test(a, b, paired=False, n_resamples=200, seed=seed)
            == permutation_test(a, b, paired=False, n_resamples=200, seed=seed))
    assert (bootstrap_diff(a, b, paired=False, n_resamples=200, seed=seed)
            == bootstrap_diff(a, b, paired=False, n_resamples=200, seed=seed))
    np.testing.assert_array_equal(bootstrap_mean_cis([a, b], n_resamples=200, seed=seed),
                                  bootstrap_mean_cis([a, b], n_resamples=200, seed=seed))


@SETTINGS
@given(sample(2, 15), sample(2, 15))
def test_every_test_gives_p_in_unit_interval_or_nan_with_a_warning(a, b):
    for fn in UNPAIRED_TESTS.values():
        assert valid_p(fn(a, b))
    r = bootstrap_diff(a, b, paired=False, n_resamples=200)
    assert valid_p(r)
    n = min(len(a), len(b))
    for fn in PAIRED_TESTS.values():
        assert valid_p(fn(a[:n], b[:n]))
