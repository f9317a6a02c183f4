"""IQM, stratified bootstrap CIs and probability of improvement (Agarwal et al. 2021, rliable),
checked against direct scipy/numpy re-computations."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from shared.errors import InputError
from shared.stats import RobustEstimate, iqm, iqm_ci, probability_of_improvement


@pytest.mark.parametrize("shape", [(1,), (3,), (4,), (7,), (10, 5), (3, 9), (101,)])
def test_iqm_matches_scipy_trim_mean(shape):
    x = np.random.default_rng(sum(shape)).normal(size=shape)
    assert iqm(x) == pytest.approx(stats.trim_mean(x, 0.25, axis=None), rel=1e-12)


def test_iqm_hand_example():
    # Agarwal et al. (2021), section 4: IQM discards the bottom and top 25% and averages the rest
    assert iqm([1, 2, 3, 4, 5, 6, 7, 100]) == 4.5
    assert iqm([[0.0, 10.0], [2.0, 4.0]]) == 3.0


def _reference_iqm_ci(scores, n_resamples, seed, level):
    """Loop re-computation: same index draws, IQM by scipy, percentile by numpy."""
    runs, tasks = scores.shape
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, runs, size=(n_resamples, runs, tasks))
    reps = [
        stats.trim_mean(
            np.column_stack([scores[idx[b, :, t], t] for t in range(tasks)]), 0.25, axis=None
        )
        for b in range(n_resamples)
    ]
    return np.percentile(reps, [50 * (1 - level), 50 * (1 + level)])


@pytest.mark.parametrize("runs, tasks, level", [(5, 3, 0.95), (10, 8, 0.9), (3, 1, 0.95)])
def test_iqm_ci_matches_loop_recomputation(runs, tasks, level):
    scores = np.random.default_rng(runs * tasks).gamma(2.0, size=(runs, tasks))
    r = iqm_ci(scores, n_resamples=400, seed=3, level=level)
    assert isinstance(r, RobustEstimate) and r.name == "iqm"
    lo, hi = _reference_iqm_ci(scores, 400, 3, level)
    assert (r.ci.low, r.ci.high) == pytest.approx((lo, hi), rel=1e-12)
    assert r.value == pytest.approx(stats.trim_mean(scores, 0.25, axis=None))
    assert r.ci.low <= r.value <= r.ci.high
    assert (r.n_runs, r.n_tasks) == (runs, tasks)


def test_iqm_ci_is_stratified():
    # each task keeps its own runs: a task whose runs are all equal contributes a constant, so
    # with every task constant the bootstrap CI collapses to the point estimate
    scores = np.tile(np.array([[0.1, 0.5, 0.9]]), (6, 1))
    r = iqm_ci(scores, n_resamples=200)
    assert r.ci.low == r.ci.high == pytest.approx(0.5)


def test_iqm_ci_seed_and_json():
    scores = np.random.default_rng(0).normal(size=(6, 4))
    a, b = iqm_ci(scores, n_resamples=300, seed=1), iqm_ci(scores, n_resamples=300, seed=1)
    assert a == b
    assert iqm_ci(scores, n_resamples=300, seed=2).ci != a.ci
    d = json.loads(json.dumps(a.to_dict()))
    assert d["name"] == "iqm" and d["ci"] == [a.ci.low, a.ci.high] and d["level"] == 0.95


@pytest.mark.parametrize("nx, ny, tasks", [(5, 5, 1), (8, 6, 4), (3, 10, 2)])
def test_probability_of_improvement_matches_mann_whitney(nx, ny, tasks):
    rng = np.random.default_rng(nx + ny + tasks)
    x = np.round(rng.normal(0.3, 1, size=(nx, tasks)), 1)  # rounding makes ties
    y = np.round(rng.normal(0.0, 1, size=(ny, tasks)), 1)
    r = probability_of_improvement(x, y, n_resamples=300, seed=4)
    per_task = [stats.mannwhitneyu(x[:, t], y[:, t]).statistic / (nx * ny) for t in range(tasks)]
    assert r.value == pytest.approx(np.mean(per_task), rel=1e-12)
    # CI: loop re-computation with the same draws (x first, then y)
    g = np.random.default_rng(4)
    ix = g.integers(0, nx, size=(300, nx, tasks))
    iy = g.integers(0, ny, size=(300, ny, tasks))
    reps = []
    for b in range(300):
        vals = []
        for t in range(tasks):
            xb, yb = x[ix[b, :, t], t], y[iy[b, :, t], t]
            vals.append(stats.mannwhitneyu(xb, yb).statistic / (nx * ny))
        reps.append(np.mean(vals))
    lo, hi = np.percentile(reps, [2.5, 97.5])
    assert (r.ci.low, r.ci.high) == pytest.approx((lo, hi), rel=1e-12)
    assert r.n_runs == (nx, ny)


def test_probability_of_improvement_identical_is_half():
    x = np.random.default_rng(5).normal(size=(6, 3))
    r = probability_of_improvement(x, x.copy(), n_resamples=100)
    assert r.value == pytest.approx(0.5)
    assert any("identical" in w for w in r.warnings)


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda: iqm([]), "empty"),
        (lambda: iqm([1.0, float("nan")]), "NaN"),
        (lambda: iqm_ci([[1.0, 2.0], [3.0]]), "ragged"),
        (lambda: iqm_ci(np.zeros((2, 2, 2))), "runs x tasks"),
        (lambda: iqm_ci([1.0, 2.0], n_resamples=0), "n_resamples"),
        (lambda: iqm_ci([1.0, 2.0], level=1.0), "level"),
        (lambda: probability_of_improvement(np.ones((3, 2)), np.ones((3, 3))), "same tasks"),
        (lambda: probability_of_improvement([1.0, float("inf")], [1.0, 2.0]), "NaN"),
    ],
)
def test_bad_input(call, fragment):
    with pytest.raises(InputError, match=fragment):
        call()


_vals = st.integers(-40, 40).map(lambda v: v / 8)


@settings(max_examples=40, deadline=None)
@given(
    x=st.lists(_vals, min_size=1, max_size=12),
    y=st.lists(_vals, min_size=1, max_size=12),
    c=st.integers(-10, 10),
)
def test_properties(x, y, c):
    xa, ya = np.array(x), np.array(y)
    assert iqm(xa + c) == pytest.approx(iqm(xa) + c, abs=1e-9)
    assert min(x) <= iqm(xa) <= max(x)
    p = probability_of_improvement(xa, ya, n_resamples=50)
    q = probability_of_improvement(ya, xa, n_resamples=50)
    assert 0.0 <= p.value <= 1.0
    assert p.value + q.value == pytest.approx(1.0)
    assert 0.0 <= p.ci.low <= p.ci.high <= 1.0
    s = probability_of_improvement(xa + c, ya + c, n_resamples=50)
    assert s.value == pytest.approx(p.value) and s.ci == p.ci
