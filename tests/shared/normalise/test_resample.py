"""A common grid by interpolation, never extrapolation; runs that stop early are marked."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared import InputError
from shared.normalise import Curve, resample_curves


def _curve(key, x, y):
    return Curve(key, np.asarray(x, float), np.asarray(y, float))


def test_interpolates_between_points_and_leaves_nan_outside():
    r = resample_curves([_curve("a", [2, 4], [20, 40]), _curve("b", [0, 10], [0, 100])],
                        grid=[0, 3, 4, 5])
    assert np.isnan(r.values[0, 0]) and r.values[0, 1] == 30 and r.values[0, 2] == 40
    assert np.isnan(r.values[0, 3])
    assert r.values[1].tolist() == [0, 30, 40, 50]
    assert r.stopped_early.tolist() == [True, False]
    assert r.run_keys == ("a", "b")


def test_default_grid_spans_all_runs():
    r = resample_curves([_curve("a", [0, 5], [0, 5]), _curve("b", [1, 10], [1, 10])], num=11)
    assert r.grid[0] == 0 and r.grid[-1] == 10 and r.grid.size == 11
    assert r.last_x.tolist() == [5, 10]


def test_empty_curve_gives_a_nan_row():
    r = resample_curves([_curve("a", [], []), _curve("b", [0, 1], [1, 2])], num=3)
    assert np.isnan(r.values[0]).all() and r.stopped_early[0]


def test_no_points_at_all_is_an_error():
    with pytest.raises(InputError, match="no curve"):
        resample_curves([_curve("a", [], [])])


def test_grid_must_increase():
    with pytest.raises(InputError, match="strictly increasing"):
        resample_curves([_curve("a", [0, 1], [0, 1])], grid=[0, 0.5, 0.5])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=40, unique=True),
       st.integers(2, 50))
def test_matches_a_pandas_reindex_interpolation(xs, num):
    # Independent implementation: pandas index-based linear interpolation, inside the range only.
    x = np.sort(np.asarray(xs))
    y = np.sin(x / 1000.0) * 100.0
    r = resample_curves([_curve("a", x, y)], num=num)
    s = pd.Series(y, index=x)
    grid = pd.Index(r.grid)
    expected = s.reindex(s.index.union(grid)).interpolate(method="index", limit_area="inside")
    expected = expected.groupby(level=0).last().reindex(grid).to_numpy(copy=True)
    expected[(r.grid < x[0]) | (r.grid > x[-1])] = np.nan
    np.testing.assert_allclose(r.values[0], expected, rtol=1e-9, atol=1e-6)
