"""Hypothesis properties at the comparison level: swapping configurations flips the sign of
diff and effect and keeps p; a constant shift changes nothing; a fixed seed gives the same
result; p-values lie in [0, 1] and adjusted p >= raw p."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _tracker_compare_compare_data import make_runs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.compare import compare_runs

TESTS_2 = ["auto", "paired-t", "welch", "wilcoxon", "mann-whitney", "permutation", "bootstrap"]

values = st.lists(
    st.floats(min_value=-100, max_value=100, allow_nan=False, allow_infinity=False).map(
        lambda x: round(x, 3)
    ),
    min_size=3,
    max_size=8,
)


@st.composite
def two_configs(draw):
    a = draw(values)
    b = draw(st.lists(st.floats(min_value=-100, max_value=100).map(lambda x: round(x, 3)),
                      min_size=len(a), max_size=len(a)))
    return a, b


def _fields(p):
    return (p.p_value, p.p_adjusted, p.significant, p.test, p.paired, p.n)


def _close(x, y):
    if x is None or y is None:
        return x is y
    return x == pytest.approx(y, rel=1e-9, abs=1e-12)


SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(data=two_configs(), test=st.sampled_from(TESTS_2))
def test_swapping_configurations_flips_diff_and_effect_keeps_p(data, test):
    a, b = data
    # the baseline decides the orientation: (candidate, baseline) -> diff = candidate - baseline
    runs = make_runs({"x": a, "y": b}, param="cfg")
    ab = compare_runs(runs, metric="acc", baseline="cfg=y", test=test)
    ba = compare_runs(runs, metric="acc", baseline="cfg=x", test=test)
    (p1,), (p2,) = ab.pairs, ba.pairs
    assert (p1.a, p1.b) == ("cfg=x", "cfg=y") and (p2.a, p2.b) == ("cfg=y", "cfg=x")
    assert _close(p1.diff, -p2.diff)
    assert p1.test == p2.test and p1.paired == p2.paired
    assert _close(p1.p_value, p2.p_value)
    if p1.effect_size is not None:
        assert _close(p1.effect_size, -p2.effect_size)
    if p1.ci is not None and all(math.isfinite(v) for v in p1.ci):
        assert _close(p1.ci[0], -p2.ci[1]) and _close(p1.ci[1], -p2.ci[0])
    for p in (p1, p2):
        if p.p_value is not None:
            assert 0.0 <= p.p_value <= 1.0
            assert p.p_adjusted >= p.p_value


@SETTINGS
@given(data=two_configs(), shift=st.sampled_from([-1000.0, -3.0, 0.5, 7.0, 250.0]),
       test=st.sampled_from(["auto", "paired-t", "welch", "wilcoxon", "mann-whitney"]))
def test_adding_a_constant_to_every_value_changes_nothing(data, shift, test):
    a, b = data
    base = compare_runs(make_runs({"x": a, "y": b}, param="cfg"), metric="acc", test=test)
    moved = compare_runs(
        make_runs({"x": [v + shift for v in a], "y": [v + shift for v in b]}, param="cfg"),
        metric="acc", test=test,
    )
    p, q = base.pairs[0], moved.pairs[0]
    assert p.test == q.test and p.paired == q.paired
    assert _close(q.diff, p.diff) or abs(q.diff - p.diff) < 1e-9 * (1 + abs(shift))
    if p.p_value is None:
        assert q.p_value is None
    else:
        # rounding of the shifted values can move a rank tie by one ulp; p stays put
        assert q.p_value == pytest.approx(p.p_value, rel=1e-6, abs=1e-9)
    assert base.decision.winner == moved.decision.winner


@settings(max_examples=10, deadline=None)
@given(data=two_configs(), test=st.sampled_from(["permutation", "bootstrap", "aso",
                                                   "bayes-signed-rank", "auto"]))
def test_fixed_seed_same_result(data, test):
    a, b = data
    runs = make_runs({"x": a, "y": b}, param="cfg")
    me = 0.01 if test == "bayes-signed-rank" else 0.0  # the Bayesian test needs a ROPE
    one = compare_runs(runs, metric="acc", test=test, seed=7, min_effect=me).to_dict()
    two = compare_runs(runs, metric="acc", test=test, seed=7, min_effect=me).to_dict()
    assert one == two


@settings(max_examples=15, deadline=None)
@given(k=st.integers(3, 5), n=st.integers(3, 6), seed=st.integers(0, 2**16),
       correction=st.sampled_from(["holm", "bonferroni", "bh", "none"]))
def test_many_configs_p_in_unit_interval_adjusted_not_below_raw(k, n, seed, correction):
    rng = np.random.default_rng(seed)
    vals = {i: rng.normal(0, 1, n).round(3) for i in range(k)}
    comp = compare_runs(make_runs(vals, param="c"), metric="acc", correction=correction,
                        all_pairs=True)
    assert len(comp.pairs) == k * (k - 1) // 2
    ps = [p for p in comp.pairs if p.p_value is not None]
    for p in ps:
        assert 0.0 <= p.p_value <= 1.0 and p.p_value <= p.p_adjusted <= 1.0
    # monotone: a smaller raw p never gets a larger adjusted p
    order = sorted(ps, key=lambda p: p.p_value)
    adj = [p.p_adjusted for p in order]
    assert all(x <= y + 1e-12 for x, y in zip(adj, adj[1:], strict=False))
    if comp.omnibus is not None:
        assert 0.0 <= comp.omnibus.p_value <= 1.0
