"""Debiased EMA as TensorBoard computes it (tensorboard/webapp, line chart smoothing)."""

import math

import numpy as np
import pytest

from shared import smooth_ema


def _tensorboard(values, weight):
    # Direct transcription of TensorBoard's published algorithm, point by point.
    last, n, out = 0.0, 0, []
    for v in values:
        if not math.isfinite(v):
            out.append(v)
            continue
        last = last * weight + (1 - weight) * v
        n += 1
        out.append(last / (1 - weight**n))
    return out


@pytest.mark.parametrize("weight", [0.0, 0.3, 0.6, 0.99])
def test_matches_tensorboard(weight):
    rng = np.random.default_rng(0)
    values = rng.normal(size=50).tolist()
    values[7] = math.nan
    got = smooth_ema(values, weight)
    expected = _tensorboard(values, weight)
    np.testing.assert_allclose(got, expected, equal_nan=True)


def test_first_point_is_not_biased_towards_zero():
    assert smooth_ema([10.0, 10.0], 0.9)[0] == pytest.approx(10.0)


def test_weight_is_validated():
    with pytest.raises(ValueError):
        smooth_ema([1.0], 1.0)
