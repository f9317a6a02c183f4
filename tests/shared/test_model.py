"""The run model: histories as columns, runs with typed params."""

import numpy as np
import pytest

from shared import History, Run


def test_history_defaults_steps_and_timestamps():
    h = History(values=[1.0, 2.0, 3.0])
    assert h.steps.tolist() == [0, 1, 2]
    assert np.isnan(h.timestamps).all()
    assert len(h) == 3


def test_history_rejects_columns_of_different_length():
    with pytest.raises(ValueError, match="differ in length"):
        History(steps=[0, 1], values=[1.0, 2.0, 3.0])


def test_history_sorted_is_stable_for_duplicate_steps():
    h = History(steps=[2, 0, 2, 1], values=[20.0, 0.0, 21.0, 10.0]).sorted()
    assert h.steps.tolist() == [0, 1, 2, 2]
    assert h.values.tolist() == [0.0, 10.0, 20.0, 21.0]
    assert h.last() == 21.0


def test_empty_history_last_is_nan():
    assert np.isnan(History().last())


def test_run_key_and_label():
    r = Run("mlflow", "abc", name=None, metrics={"a": 1.0}, histories={"b": History(values=[1])})
    assert r.key == "mlflow:abc"
    assert r.label == "abc"
    assert r.metric_names() == {"a", "b"}
