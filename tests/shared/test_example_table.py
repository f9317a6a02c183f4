"""Per-example tables in the run model: ``ExampleTable`` and ``Run.examples``."""

import numpy as np
import pandas as pd
import pytest

import shared
from shared import ExampleTable, InputError, Run


def test_run_examples_default_empty_and_not_shared():
    a, b = Run("frame", "a"), Run("frame", "b")
    assert dict(a.examples) == {}
    assert a.examples is not b.examples


def test_table_from_records_keeps_values_and_column_order():
    t = ExampleTable.from_records(
        "eval", [{"id": "q1", "ok": True, "passage": 3}, {"id": "q2", "ok": False}]
    )
    assert t.column_names == ("id", "ok", "passage")
    assert t.column("ok") == (True, False)
    assert t.column("passage") == (3, None)
    assert len(t) == 2
    run = Run("mlflow", "r1", examples={"eval": t})
    assert run.examples["eval"] is t
    assert shared.ExampleTable is ExampleTable


def test_table_is_frozen_and_its_columns_read_only():
    source = np.array([1.0, 0.0])
    t = ExampleTable("t", {"s": source, "id": ["a", "b"]})
    source[0] = 5.0  # the table copied a writeable array
    assert t.column("s").tolist() == [1.0, 0.0]
    assert t.column("id") == ("a", "b")
    with pytest.raises(ValueError):
        t.column("s")[0] = 2.0
    with pytest.raises(TypeError):
        t.columns["x"] = (1, 2)
    with pytest.raises(AttributeError):
        t.name = "u"


def test_unequal_columns_and_unknown_column_are_clear_errors():
    with pytest.raises(ValueError, match="differ in length"):
        ExampleTable("t", {"a": (1, 2), "b": (1,)})
    t = ExampleTable("t", {"a": (1, 2)})
    with pytest.raises(InputError, match="no column 'b'; columns: \\['a'\\]"):
        t.column("b")
    with pytest.raises(InputError, match="row 1 has 1 values for 2 columns"):
        ExampleTable.from_columns("t", ["a", "b"], [[1, 2], [3]])
    assert len(ExampleTable("empty")) == 0


def test_from_frame_round_trip():
    frame = pd.DataFrame(
        {"id": ["a", "b", "c"], "score": [0.5, 1.0, 0.0], "ok": [True, False, True]}
    )
    t = ExampleTable.from_frame("eval", frame)
    assert isinstance(t.column("score"), np.ndarray)
    assert t.column("id") == ("a", "b", "c")
    pd.testing.assert_frame_equal(t.to_frame(), frame)
