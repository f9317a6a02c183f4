"""``Comparison`` and ``ConfirmResult`` in Jupyter (issue 19 item 8): ``_repr_html_`` is the
report (decision, tables, plots) in an iframe that needs no network, ``_repr_markdown_`` the
Markdown report. The HTML is opened in headless Chromium as a notebook would show it."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from shared import Run, compare_runs
from shared.confirm import ConfirmResult


def _comparison():
    rng = np.random.default_rng(1)
    runs = [
        Run(
            "frame",
            f"{lr}-{s}",
            params={"lr": lr, "seed": s},
            metrics={"val_loss": 0.5 - (0.1 if lr == 0.01 else 0) + rng.normal(0, 0.01)},
        )
        for lr in (0.1, 0.01)
        for s in range(6)
    ]
    return compare_runs(runs, metric="val_loss", seed_key="seed")


def test_reprs_render_in_a_browser_offline(browser, chromium, tmp_path: Path) -> None:
    comparison = _comparison()
    result = ConfirmResult(
        comparison,
        {"lr=0.1": 6, "lr=0.01": 6},
        "decided",
        "lr=0.01",
        ("lr=0.01",),
        None,
        looks=({"n": 6},),
    )
    md = comparison._repr_markdown_()
    assert md.startswith("# tracker-compare: val\\_loss") and "**lr=0.01 wins.**" in md
    assert result._repr_markdown_().startswith("Stopped after 1 look(s): decided.")
    for name, cell in (("comparison", comparison._repr_html_()), ("confirm", result._repr_html_())):
        assert "<script" not in cell.split("srcdoc=")[0]
        page = tmp_path / f"{name}.html"
        # a notebook's output area: the cell's HTML inside a page
        page.write_text(
            f"<!DOCTYPE html><html><body><div class='output'>{cell}</div></body></html>"
        )
        browser.s("POST", "/window/rect", {"width": 1200, "height": 1000})
        browser.open(page.as_uri())
        found = None
        for _ in range(100):
            browser.frame(0)
            found = browser.run("""
              const d = document.getElementById("decision");
              if (document.readyState !== "complete" || !d) return null;
              return {decision: d.innerText, tables: document.querySelectorAll("table").length,
                      images: Array.from(document.images).map((i) => [i.naturalWidth,
                                                                       i.src.split(":")[0]])};""")
            browser.frame(None)
            if found:
                break
            time.sleep(0.1)
        assert found and found["decision"].startswith("lr=0.01 wins"), found
        assert found["tables"] >= 2
        assert found["images"] and all(w > 0 and scheme == "data" for w, scheme in found["images"])
        requests = chromium.network(chromium.requests_of(browser.performance_log()))
        assert requests == [], requests  # offline-safe: nothing fetched
        if name == "confirm":
            outer = browser.run("return document.body.innerText")
            assert outer.startswith("Stopped after 1 look(s): decided.")
