"""Every text format on the sample comparisons (2 and 4 configurations)."""

from __future__ import annotations

import base64
import csv
import io
import json
import math
import re

import numpy as np
import pytest

from shared.errors import InputError
from shared.render import FORMATS, render


def _n(x: float) -> str:
    return f"{x:.4g}"


def _at(x: float, spread: float) -> str:
    """``x`` at the decimal place that shows ``spread`` with 3 significant digits."""
    places = max(0, 2 - math.floor(math.log10(abs(spread))))
    return f"{x:.{places}f}"


def _mean_std(c: dict) -> str:
    """A configuration's mean ± std: the std with 3 significant digits, the mean to match."""
    return f"{_at(c['mean'], c['std'])} ± {_at(c['std'], c['std'])}"


# ---------------------------------------------------------------- table


@pytest.mark.parametrize("which", ["two", "four"])
def test_table_shows_configs_pairs_decision_warnings(which, request):
    d = request.getfixturevalue(which)
    out = render(d, "table")
    lines = out.splitlines()
    assert lines[0] == f"tracker-compare: {d['metric']['name']}"
    header = next(ln for ln in lines if ln.startswith("config "))
    for col in ("n", "mean ± std", "95% CI", "median"):
        assert col in header
    for c in d["configs"]:
        row = next(ln for ln in lines if ln.startswith(c["name"] + " "))
        assert _mean_std(c) in row
        std = row.split(" ± ")[1].split()[0]
        assert len(std.lstrip("0.").replace(".", "")) == 3, std  # 3 significant digits
        assert len(std.split(".")[1]) == len(row.split(" ± ")[0].split()[-1].split(".")[1])
        assert f"[{_at(c['ci'][0], c['std'])}, {_at(c['ci'][1], c['std'])}]" in row
        assert row.rstrip().endswith(_at(c["median"], c["std"]))
        assert re.search(rf"\s{c['n']}\s", row)
    pair_header = next(ln for ln in lines if ln.startswith("a vs b"))
    for col in ("test", "estimate", "CI", "effect", "p", "p_adj", "significant"):
        assert col in pair_header.split()
    for p in d["pairs"]:
        row = next(ln for ln in lines if ln.startswith(f"{p['a']} vs {p['b']} "))
        assert p["test"] in row
        assert _at(p["diff"], (p["ci"][1] - p["ci"][0]) / 2) in row
        assert row.rstrip().endswith("yes" if p["significant"] else "no")
        # the why of each test, after the pairs table
        assert f"  - {p['a']} vs {p['b']}: {p['why']}\n" in out.split("why these tests:\n")[1]
    dec = d["decision"]
    if dec["winner"]:
        assert f"decision: {dec['winner']} wins" in out
    else:
        assert "decision: no reliable difference" in out
    assert dec["rationale"] in out
    if dec["seeds_needed"] is not None:
        assert f"seeds needed per configuration to detect this effect: {dec['seeds_needed']}" in out
    for w in d["warnings"]:
        assert f"  - {w}" in out
    if dec.get("cheaper_alternative"):
        assert f"cheaper alternative, not significantly worse: {dec['cheaper_alternative']}" in out
    else:
        assert "cheaper alternative" not in out


def test_table_columns_are_aligned(four):
    lines = render(four, "table").splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("config "))
    rule = lines[start + 1]
    block = lines[start : start + 2 + len(four["configs"])]
    # right-aligned numeric columns all end at the same offset as the rule's dashes
    ends = [m.end() for m in re.finditer(r"-+", rule)]
    for ln in block[2:]:
        assert len(ln) == ends[-1]
    assert "omnibus friedman: statistic=14.2, p=0.0026" in lines


def test_table_neutralises_terminal_control_characters(two):
    evil = "lr=\x1b[2J\x1b[31mred\nnext\rline\x07"
    two["configs"][0]["name"] = evil
    out = render(two, "table")
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert "lr=\\x1b[2J\\x1b[31mred\\nnext\\rline\\x07" in out
    # the evil name did not add a line: same line count as the clean dict
    two["configs"][0]["name"] = "lr=0.001"
    assert len(out.splitlines()) == len(render(two, "table").splitlines())


def test_table_missing_values_show_na(two):
    two["configs"][1].update(mean=float("nan"), std=None, ci=[None, None])
    two["pairs"][0]["p_value"] = None
    out = render(two, "table")
    assert "n/a ± n/a" in out
    row = next(ln for ln in out.splitlines() if ln.startswith("lr=0.001 vs"))
    assert " n/a " in row


# ---------------------------------------------------------------- markdown


def _md_cells(line: str) -> list[str]:
    # split on pipes not escaped with a backslash
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


@pytest.mark.parametrize("which", ["two", "four"])
def test_markdown_is_gfm_tables(which, request):
    d = request.getfixturevalue(which)
    out = render(d, "markdown")
    lines = out.splitlines()
    assert lines[0] == f"# tracker-compare: {d['metric']['name']}"
    tables = []
    for i, ln in enumerate(lines):
        if re.fullmatch(r"\|(:?-+:?\|)+", ln):
            header = _md_cells(lines[i - 1])
            rows = []
            j = i + 1
            while j < len(lines) and lines[j].startswith("| "):
                rows.append(_md_cells(lines[j]))
                j += 1
            assert all(len(r) == len(header) for r in rows)
            assert ln.count("|") - 1 == len(header)
            tables.append((header, rows))
    assert tables[0][0] == ["config", "n", "mean ± std", "95% CI", "median"]
    assert len(tables[0][1]) == len(d["configs"])
    assert tables[1][0][0] == "a vs b" and len(tables[1][1]) == len(d["pairs"])
    for c, row in zip(d["configs"], tables[0][1], strict=True):
        assert row[0].replace("\\_", "_") == c["name"]
        assert row[2] == _mean_std(c)
    assert "## Decision" in out and "## Warnings" in out


def test_markdown_escapes_pipes_and_markup(two):
    two["configs"][0]["name"] = "a|b *c* <b>x</b>\nnew"
    out = render(two, "markdown")
    row = next(ln for ln in out.splitlines() if ln.startswith("| a"))
    cells = _md_cells(row)
    assert len(cells) == 5
    assert cells[0] == r"a\|b \*c\* &lt;b&gt;x&lt;/b&gt; new"
    assert "<b>" not in out


# ---------------------------------------------------------------- json


def _kept(old: object, new: object, where: str = "") -> None:
    """Every member of ``old`` is in ``new`` with its value (lists item by item)."""
    if isinstance(old, dict):
        assert isinstance(new, dict), where
        for k, v in old.items():
            assert k in new, f"{where}.{k} dropped"
            _kept(v, new[k], f"{where}.{k}")
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), where
        for i, (v, w) in enumerate(zip(old, new, strict=True)):
            _kept(v, w, f"{where}[{i}]")
    else:
        assert new == old, where


@pytest.mark.parametrize("which", ["two", "four"])
def test_json_of_a_v1_file_is_the_v3_comparison_keeping_every_member(which, request):
    d = request.getfixturevalue(which)
    out = render(d, "json")
    back = json.loads(out)
    assert back["schema"] == "tracker-compare/comparison/v3"
    _kept({k: v for k, v in d.items() if k != "schema"}, back)
    # v1's diff was the mean difference: v3 says so
    assert all(p["estimate"] == "mean_difference" and p["mean_diff"] == p["diff"]
               for p in back["pairs"])
    assert render(d, "json") == out  # stable
    # the v3 JSON is exactly its dict, in order, and renders as the v1 file did
    assert render(back, "json") == out
    for fmt in ("table", "markdown", "csv", "html"):
        assert render(back, fmt) == render(d, fmt), fmt


def test_json_of_a_v3_comparison_is_exactly_its_dict_in_order(sample):
    from shared.compare import compare_runs
    from shared.model import Run

    runs = [Run("frame", f"{c}{s}", params={"c": c, "seed": s},
                metrics={"acc": 0.8 + 0.01 * s + 0.03 * (c == "y") + 0.002 * (s * s % 3)})
            for c in "xyz" for s in range(5)]
    d = compare_runs(runs, metric="acc").to_dict()
    out = render(d, "json")
    back = json.loads(out)
    assert back == d and list(back) == list(d)
    assert list(back["configs"][0]) == list(d["configs"][0])
    assert list(back["pairs"][0]) == list(d["pairs"][0])


def test_json_nan_and_inf_become_null_numpy_becomes_plain(two):
    two["configs"][0]["mean"] = float("nan")
    two["configs"][0]["ci"] = (float("-inf"), float("inf"))
    two["configs"][1]["values"] = np.array([0.5, np.nan, 1.0])
    two["runs"] = np.int64(10)
    out = render(two, "json")

    def reject(token):
        raise AssertionError(f"non-standard JSON token {token}")

    back = json.loads(out, parse_constant=reject)
    assert back["configs"][0]["mean"] is None
    assert back["configs"][0]["ci"] == [None, None]
    assert back["configs"][1]["values"] == [0.5, None, 1.0]
    assert back["runs"] == 10


# ---------------------------------------------------------------- csv


@pytest.mark.parametrize("which", ["two", "four"])
def test_csv_one_row_per_config_params_flattened(which, request):
    d = request.getfixturevalue(which)
    every = list(csv.DictReader(io.StringIO(render(d, "csv"))))
    assert [r["kind"] for r in every] == ["config"] * len(d["configs"]) + ["pair"] * len(d["pairs"])
    rows = every[: len(d["configs"])]
    keys = {k for c in d["configs"] for k in c["params"]}
    for c, row in zip(d["configs"], rows, strict=True):
        assert row["config"] == c["name"]
        assert int(row["n"]) == c["n"]
        for stat in ("mean", "std", "median"):
            assert float(row[stat]) == c[stat]  # full precision, not the display rounding
        assert float(row["ci_low"]) == c["ci"][0] and float(row["ci_high"]) == c["ci"][1]
        for k in keys:
            assert float(row[f"params.{k}"]) == c["params"][k]
        assert row["runs"].split(";") == c["runs"]
        assert row["a"] == row["b"] == row["test"] == row["p"] == ""


@pytest.mark.parametrize("which", ["two", "four"])
def test_csv_pairs_rows(which, request):
    d = request.getfixturevalue(which)
    rows = [r for r in csv.DictReader(io.StringIO(render(d, "csv"))) if r["kind"] == "pair"]
    assert len(rows) == len(d["pairs"])
    for p, row in zip(d["pairs"], rows, strict=True):
        assert (row["a"], row["b"], row["test"], row["why"]) == (p["a"], p["b"], p["test"], p["why"])
        assert row["config"] == "" and row["runs"] == "" and row["mean"] == ""
        assert int(row["n"]) == p["n"] and row["paired"] == str(p["paired"])
        assert float(row["diff"]) == p["diff"]  # full precision
        assert [float(row["ci_low"]), float(row["ci_high"])] == p["ci"]
        assert float(row["effect"]) == p["effect_size"] and row["effect_name"] == p["effect_name"]
        assert float(row["p"]) == p["p_value"] and float(row["p_adj"]) == p["p_adjusted"]
        assert row["significant"] == str(p["significant"])
        assert all(row[k] == "" for k in row if k.startswith("params."))


def test_csv_union_of_params_and_formula_injection(two):
    two["configs"][0]["params"] = {"lr": 0.001, "opt": '=HYPERLINK("x")', "neg": "-1.5"}
    two["configs"][1]["params"] = {"lr": 0.0001, "sched": "-cosine"}
    two["configs"][1]["mean"] = float("nan")
    rows = list(csv.reader(io.StringIO(render(two, "csv"))))
    header = rows[0]
    assert header[header.index("params.lr") :] == [
        "params.lr",
        "params.opt",
        "params.neg",
        "params.sched",
        "runs",
    ]
    assert header[:4] == ["kind", "config", "a", "b"]
    r0 = dict(zip(header, rows[1], strict=True))
    r1 = dict(zip(header, rows[2], strict=True))
    assert r0["params.opt"] == '\'=HYPERLINK("x")'  # a spreadsheet would run it otherwise
    assert r0["params.neg"] == "-1.5"  # numbers are left alone
    assert r0["params.sched"] == "" and r1["params.opt"] == ""
    assert r1["params.sched"] == "'-cosine"
    assert r1["mean"] == ""  # undefined: empty, as the JSON's null


# ---------------------------------------------------------------- html


@pytest.mark.parametrize("which", ["two", "four"])
def test_html_sections_in_order(which, request):
    d = request.getfixturevalue(which)
    out = render(d, "html")
    assert out.startswith("<!DOCTYPE html>")
    pos = [
        out.index('id="decision"'),
        out.index('id="configs"'),
        out.index('id="pairs"'),
        out.index('id="plots"'),
        out.index("<h2>Warnings</h2>"),
        out.index('id="costs"'),
        out.index("<footer>"),
    ]
    assert pos == sorted(pos)
    # a v1 file is read as the v3 comparison it holds (shared.compare.results._upgrade)
    assert "schema tracker-compare/comparison/v3" in out[pos[-1] :]
    for c in d["configs"]:
        assert f'<td class="name">{c["name"]}</td>' in out
    pngs = [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', out)]
    assert len(pngs) == (2 if which == "two" else 4)
    assert all(p.startswith(b"\x89PNG\r\n\x1a\n") for p in pngs)
    decision = out[pos[0] : out.index("</section>", pos[0])]
    assert ("wins" in decision) == (d["decision"]["winner"] is not None)
    if d["decision"]["seeds_needed"]:
        assert (
            f"Seeds needed per configuration to detect this effect: {d['decision']['seeds_needed']}"
            in decision
        )


def test_html_costs_total_and_per_run(four):
    out = render(four, "html")
    costs = out[out.index('id="costs"') : out.index("</table>", out.index('id="costs"'))]
    with_costs = [c for c in four["configs"] if c["costs"]]
    assert costs.count("<tr>") == 1 + len(with_costs)
    for c in with_costs:
        assert _n(c["costs"]["cost_usd"]["total"]) in costs
        assert _n(c["costs"]["cost_usd"]["per_run"]) in costs


# ---------------------------------------------------------------- input


def test_unknown_format_and_non_comparisons_are_input_errors(two):
    with pytest.raises(InputError, match="unknown format 'xml'"):
        render(two, "xml")
    with pytest.raises(InputError, match="not a tracker-compare comparison"):
        render({"configs": []}, "table")
    with pytest.raises(InputError, match="got list"):
        render([1, 2], "table")
    with pytest.raises(InputError, match="configs"):
        render({"schema": "tracker-compare/comparison/v1"}, "table")


def test_renders_a_saved_comparison_json(tmp_path, four):
    path = tmp_path / "comparison.json"
    path.write_text(render(four, "json"), encoding="utf-8")
    for fmt in FORMATS:
        if fmt != "html":
            assert render(path, fmt) == render(four, fmt)
    with pytest.raises(InputError, match="not valid JSON"):
        (tmp_path / "bad.json").write_text("{", encoding="utf-8")
        render(tmp_path / "bad.json", "table")
    with pytest.raises(InputError, match="cannot read"):
        render(tmp_path / "missing.json", "table")
