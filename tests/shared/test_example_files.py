"""Per-example tables from files and the checks made before a comparison over examples."""

from __future__ import annotations

import doctest
import importlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shared import InputError, Run
from shared._example_checks import check_example_tables
from shared.examples import attach_example_files, read_table_file, table_from_bytes


@pytest.mark.parametrize(
    "name", ["shared._example_files", "shared._example_checks", "shared.examples"]
)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0


FRAME = pd.DataFrame({"id": ["q1", "q2", "q3"], "passage": ["p1", "p1", "p2"],
                      "correct": [1, 0, 1], "judge": [4.5, 2.0, 3.0]})  # fmt: skip


@pytest.mark.parametrize("suffix", ["csv", "parquet", "json"])
def test_files_in_each_format_read_as_written(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"scores.{suffix}"
    if suffix == "csv":
        FRAME.to_csv(path, index=False)
    elif suffix == "parquet":
        FRAME.to_parquet(path, index=False)
    else:  # the layout MLflow's log_table and a W&B Table file use
        FRAME.to_json(path, orient="split", index=False)
    table = read_table_file(path, "eval")
    assert table.name == "eval" and table.column_names == tuple(FRAME.columns)
    for column in FRAME.columns:
        assert list(table.column(column)) == FRAME[column].tolist()


def test_wandb_table_json_extra_keys_are_ignored() -> None:
    doc = {"columns": ["id", "ok"], "data": [["a", True]], "column_types": {"x": 1}, "ncols": 2}
    assert table_from_bytes("eval", json.dumps(doc).encode()).column("ok") == (True,)


@pytest.mark.parametrize(
    "data, needle",
    [(b'{"rows": []}', "is JSON but not a table"), (b"\x00\x01PAR", "cannot be read as")],
)
def test_not_a_table_is_one_line(data: bytes, needle: str) -> None:
    with pytest.raises(InputError) as error:
        table_from_bytes("eval.json", data)
    assert needle in str(error.value) and "\n" not in str(error.value)


def test_attach_names_every_run_without_a_file(tmp_path: Path) -> None:
    FRAME.to_csv(tmp_path / "a.csv", index=False)
    runs = [Run("frame", "a"), Run("frame", "b", name="seed 1"), Run("frame", "c")]
    with pytest.raises(InputError, match=r"missing in 2 of 3 runs \(seed 1, c\)"):
        attach_example_files(runs, {"a": tmp_path / "a.csv"}, name="eval")
    assert attach_example_files(runs[:1], {"frame:a": tmp_path / "a.csv"})[0].examples


def _runs(**columns: tuple) -> list[Run]:
    from shared import ExampleTable

    return [
        Run("frame", f"r{i}", examples={"eval": ExampleTable("eval", dict(columns))})
        for i in range(3)
    ]


def test_checks_name_every_run_at_fault() -> None:
    runs = _runs(id=("a", "b"), ok=(1, "x"))
    with pytest.raises(InputError) as error:
        check_example_tables(runs, "eval", score="ok", example_key="id")
    assert "3 of 3 runs have others (r0: 'x' (row 1); r1: 'x' (row 1); r2: 'x' (row 1))" in str(
        error.value
    )
    with pytest.raises(InputError, match=r"cluster_key='topic' is not a column .* 3 of 3 runs"):
        check_example_tables(runs, "eval", score="ok", example_key="id", cluster_key="topic")


def test_checks_pass_numbers_booleans_and_missing_scores() -> None:
    # a missing score is the comparison's to leave out (its stated policy), not an error
    check_example_tables(_runs(id=("a", "b", "c"), ok=(True, None, 0.5)), "eval", score="ok",
                         example_key="id")  # fmt: skip
    check_example_tables(_runs(id=np.array([1, 2]), ok=np.array([0.1, np.nan])), "eval",
                         score="ok", example_key="id")  # fmt: skip
