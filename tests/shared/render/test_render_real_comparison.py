"""Rendering real comparisons from ``shared.compare_runs`` on runs with histories and costs."""

from __future__ import annotations

import csv
import html
import io
import json

import numpy as np
import pytest

from shared.compare import compare_runs
from shared.model import History, Run
from shared.render import render, write_report

XSS = "<img src=x onerror=alert(1)>"


def _runs(configs: list[tuple[float, int]], seeds: int = 5) -> list[Run]:
    rng = np.random.default_rng(7)
    runs = []
    for lr, rank in configs:
        for s in range(seeds):
            short = lr == configs[-1][0] and rank == configs[-1][1] and s == 0
            steps = np.arange(30 if short else 50)  # one run of the last config stops early
            final = 0.8 + 20 * lr + rank / 1000
            vals = final * (1 - np.exp(-steps / 10)) + rng.normal(0, 0.01, len(steps))
            runs.append(
                Run(
                    "mlflow",
                    f"r{lr}-{rank}-{s}",
                    name=XSS if s == 1 else f"run{s}",
                    params={"lr": lr, "lora_rank": rank, "seed": s},
                    metrics={"acc": float(vals[-1]), "cost_usd": 1.0 + 100 * lr},
                    histories={"acc": History(steps=steps, values=vals)},
                )
            )
    return runs


@pytest.fixture(scope="module")
def comparison4():
    runs = _runs([(0.001, 8), (0.001, 16), (0.01, 8), (0.01, 16)])
    return compare_runs(runs, metric="acc", cost_metric="cost_usd")


@pytest.fixture(scope="module")
def comparison2():
    return compare_runs(_runs([(0.001, 8), (0.01, 8)]), metric="acc")


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json", "html"])
def test_every_format_from_the_dataclass_equals_from_the_dict(comparison4, fmt):
    d = comparison4.to_dict()
    assert render(comparison4, fmt) == render(d, fmt)
    if fmt == "json":
        assert json.loads(render(d, "json")) == json.loads(json.dumps(d))


def test_table_and_csv_agree_with_the_comparison(comparison4):
    d = comparison4.to_dict()
    table = render(comparison4, "table")
    for c in d["configs"]:
        assert c["name"] in table
    for p in d["pairs"]:
        assert f"{p['a']} vs {p['b']}" in table
    every = list(csv.DictReader(io.StringIO(render(comparison4, "csv"))))
    rows = [r for r in every if r["kind"] == "config"]
    pairs = [r for r in every if r["kind"] == "pair"]
    assert [(r["a"], r["b"]) for r in pairs] == [(p["a"], p["b"]) for p in d["pairs"]]
    assert [r["why"] for r in pairs] == [p["why"] for p in d["pairs"]]
    assert [r["config"] for r in rows] == [c["name"] for c in d["configs"]]
    assert [float(r["mean"]) for r in rows] == [c["mean"] for c in d["configs"]]
    assert {"params.lr", "params.lora_rank"} <= set(rows[0])


def test_report_of_a_real_comparison(tmp_path, comparison4, comparison2):
    names4 = {p.name for p in write_report(comparison4, tmp_path / "four")}
    d = comparison4.to_dict()
    expected = {"report.html", "report.md", "comparison.json", "table.csv", "curves.png"}
    expected.add("distribution.png")
    if d.get("critical_difference"):
        expected.add("cd_diagram.png")
    if d.get("param_importance"):
        expected.add("param_importance.png")
    assert names4 == expected
    assert "cd_diagram.png" in names4  # 4 configs x 5 shared seeds: Friedman + CD
    page = (tmp_path / "four" / "report.html").read_text(encoding="utf-8")
    assert XSS not in page and html.escape(XSS) in page
    assert any(c["stopped_early"] for c in d["configs"])
    names2 = {p.name for p in write_report(comparison2, tmp_path / "two")}
    assert "cd_diagram.png" not in names2 and "curves.png" in names2
    # a saved comparison.json re-renders to the same report
    again = write_report(tmp_path / "four" / "comparison.json", tmp_path / "again")
    for p in again:
        assert p.read_bytes() == (tmp_path / "four" / p.name).read_bytes(), p.name


@pytest.mark.parametrize(
    ("test", "shown"), [("aso", "aso (eps_min="), ("bayes-signed-rank", ", P(rope)=")]
)
def test_tests_without_p_values_show_their_own_numbers(test, shown):
    # the Bayesian signed-rank test decides with a region of practical equivalence: give one
    rope = 0.01 if test == "bayes-signed-rank" else 0.0
    comp = compare_runs(_runs([(0.001, 8), (0.01, 8)]), metric="acc", test=test, min_effect=rope)
    d = comp.to_dict()
    assert d["pairs"][0]["p_value"] is None
    row = next(ln for ln in render(comp, "table").splitlines() if ln.startswith("lr=0.001 vs"))
    assert shown in row
    assert html.escape(shown) in render(comp, "html")
