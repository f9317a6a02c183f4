"""Curves on every x-axis, with bad histories repaired or reported, never crashing."""

import numpy as np
import pytest

from shared import History, InputError, Run, metric_curve


def _run(**histories):
    return Run("frame", "r", name="run-r", start_time=1000.0, histories=histories)


def test_step_axis_sorts_non_monotonic_steps():
    c = metric_curve(_run(loss=History([2, 0, 1], [0.5, 2.0, 1.0])), "loss")
    assert c.x.tolist() == [0.0, 1.0, 2.0]
    assert c.y.tolist() == [2.0, 1.0, 0.5]


def test_duplicate_steps_keep_the_last_logged_value_and_warn():
    c = metric_curve(_run(loss=History([0, 1, 1, 1, 2], [3.0, 2.0, 2.1, 2.2, 1.0])), "loss")
    assert c.y.tolist() == [3.0, 2.2, 1.0]
    assert c.n_duplicates == 2
    assert "2 duplicate step(s)" in c.warnings[0] and "run-r" in c.warnings[0]


def test_non_finite_values_are_dropped_and_counted():
    c = metric_curve(_run(loss=History([0, 1, 2, 3], [1.0, np.nan, np.inf, 0.5])), "loss")
    assert c.y.tolist() == [1.0, 0.5]
    assert c.n_nonfinite == 2


def test_empty_and_missing_histories_give_empty_curves():
    assert len(metric_curve(_run(loss=History()), "loss")) == 0
    assert len(metric_curve(_run(), "loss")) == 0


def test_seconds_since_start_and_absolute_time():
    h = History([0, 1, 2], [1.0, 2.0, 3.0], timestamps=[1010.0, 1020.0, 1040.0])
    assert metric_curve(_run(acc=h), "acc", "seconds").x.tolist() == [10.0, 20.0, 40.0]
    assert metric_curve(_run(acc=h), "acc", "time").x.tolist() == [1010.0, 1020.0, 1040.0]


def test_seconds_without_timestamps_is_a_clear_error():
    with pytest.raises(InputError, match="no timestamps"):
        metric_curve(_run(acc=History([0, 1], [1.0, 2.0])), "acc", "seconds")


def test_another_metric_as_x_axis_joins_by_step_without_extrapolating():
    # tokens logged every 2 steps; loss every step; steps 5-6 lie beyond the last tokens point.
    tokens = History([0, 2, 4], [0.0, 2000.0, 4000.0])
    loss = History([0, 1, 2, 3, 4, 5, 6], [7.0, 6, 5, 4, 3, 2, 1])
    c = metric_curve(_run(loss=loss, tokens=tokens), "loss", "tokens")
    assert c.x.tolist() == [0.0, 1000.0, 2000.0, 3000.0, 4000.0]
    assert c.y.tolist() == [7.0, 6.0, 5.0, 4.0, 3.0]


def test_epoch_axis_uses_the_logged_epoch_metric():
    c = metric_curve(_run(acc=History([10, 20], [0.5, 0.6]), epoch=History([10, 20], [1, 2])),
                     "acc", "epoch")
    assert c.x.tolist() == [1.0, 2.0]


def test_x_axis_metric_spelled_differently_is_found():
    c = metric_curve(_run(acc=History([0, 1], [0.5, 0.6]), **{"train/tokens": History([0, 1], [5, 9])}),
                     "acc", "train_tokens")
    assert c.x.tolist() == [5.0, 9.0]


def test_unknown_x_axis_is_a_clear_error():
    with pytest.raises(InputError, match="x-axis 'tokens' is not a logged metric of run 'run-r'"):
        metric_curve(_run(acc=History([0], [1.0])), "acc", "tokens")


def test_axis_that_goes_backwards_is_sorted_with_a_warning():
    c = metric_curve(_run(acc=History([0, 1, 2], [1.0, 2.0, 3.0]),
                          tokens=History([0, 1, 2], [100.0, 300.0, 200.0])), "acc", "tokens")
    assert c.x.tolist() == [100.0, 200.0, 300.0]
    assert c.y.tolist() == [1.0, 3.0, 2.0]
    assert "not monotonic" in c.warnings[0]
