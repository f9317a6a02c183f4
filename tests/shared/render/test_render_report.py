"""write_report: every file, self-consistent, and all or nothing."""

from __future__ import annotations

import base64
import json
import re

import pytest

from shared.compare import Comparison
from shared.errors import InputError
from shared.render import REPORT_FILES, render, write_report


def _v3(d: dict) -> dict:
    """The comparison.json a (v1) sample dict is written as: the v3 comparison it holds."""
    return Comparison.from_dict(d).to_dict()


def _bad_curve(d: dict) -> dict:
    # The curve plot is drawn after nothing else failed: a config's mean one point short.
    d["configs"][-1]["curve"] = dict(d["configs"][-1]["curve"] or d["configs"][0]["curve"])
    d["configs"][-1]["curve"]["mean"] = d["configs"][-1]["curve"]["mean"][:-1]
    return d


def test_writes_every_file(tmp_path, four):
    folder = tmp_path / "out" / "report"
    paths = write_report(four, folder)
    names = [p.name for p in paths]
    assert names == [
        "report.html",
        "report.md",
        "comparison.json",
        "table.csv",
        "curves.png",
        "distribution.png",
        "cd_diagram.png",
        "param_importance.png",
    ]
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)
    assert sorted(p.name for p in folder.parent.iterdir()) == ["report"]  # no temp left over
    assert json.loads((folder / "comparison.json").read_text()) == _v3(four)
    assert (folder / "report.md").read_text() == render(four, "markdown")
    assert (folder / "table.csv").read_text() == render(four, "csv")
    page = (folder / "report.html").read_text()
    embedded = [base64.b64decode(m) for m in re.findall(r"base64,([^\"]+)", page)]
    assert embedded == [(folder / n).read_bytes() for n in names[4:]]
    assert page == render(four, "html")  # same bytes as rendering the HTML alone


def test_two_configs_no_cd_no_importance(tmp_path, two):
    names = {p.name for p in write_report(two, tmp_path / "r")}
    assert "cd_diagram.png" not in names and "param_importance.png" not in names
    assert {"report.html", "curves.png", "distribution.png"} <= names


def test_rerender_saved_json_gives_same_report(tmp_path, four):
    first = write_report(four, tmp_path / "a")
    second = write_report(first[2], tmp_path / "b")  # the Path of comparison.json
    for p, q in zip(first, second, strict=True):
        assert p.read_bytes() == q.read_bytes(), p.name


def test_failing_plot_leaves_nothing(tmp_path, four):
    folder = tmp_path / "report"
    with pytest.raises(InputError, match="curve of config"):
        write_report(_bad_curve(four), folder)
    assert not folder.exists()
    assert list(tmp_path.iterdir()) == []


def test_failing_plot_keeps_the_previous_report(tmp_path, four, two):
    folder = tmp_path / "report"
    write_report(two, folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(InputError):
        write_report(_bad_curve(four), folder)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_replaces_an_old_report_and_accepts_an_empty_folder(tmp_path, four, two):
    folder = tmp_path / "report"
    folder.mkdir()
    write_report(two, folder)
    write_report(four, folder)
    assert json.loads((folder / "comparison.json").read_text()) == _v3(four)
    assert {p.name for p in folder.iterdir()} == REPORT_FILES
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_refuses_a_folder_with_other_files(tmp_path, two):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match=r"holds other files \(notes.txt\)"):
        write_report(two, folder)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_unwritable_targets_are_input_errors(tmp_path, two):
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="exists and is not a folder"):
        write_report(two, tmp_path / "file")
    with pytest.raises(InputError, match="cannot write the report"):
        write_report(two, tmp_path / "file" / "sub" / "report")
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_bad_input_is_an_input_error_and_writes_nothing(tmp_path):
    with pytest.raises(InputError, match="not a tracker-compare comparison"):
        write_report({"hello": 1}, tmp_path / "r")
    assert list(tmp_path.iterdir()) == []
