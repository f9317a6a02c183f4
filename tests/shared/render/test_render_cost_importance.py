"""The cost in words and the parameter importance (with its measure and confounding) in every
output format: text table, markdown, HTML and JSON, from a real ``compare_runs`` comparison.
"""

from __future__ import annotations

import html
import json

import numpy as np
import pytest

from shared.compare import compare_runs
from shared.model import Run
from shared.render import render
from shared.render._markdown import md_escape


def _comparison(goal: str):
    """Three configurations where <temp, top_k> change together (confounded), with a cost."""
    rng = np.random.default_rng(21)
    sign = 1.0 if goal == "maximize" else -1.0
    runs = []
    for i, (temp, top_k, mu, usd) in enumerate(
        ((0.2, 10, 0.0, 0.011), (0.7, 40, 0.05, 0.047), (1.0, 80, 0.02, 0.020))
    ):
        for s in range(8):
            runs.append(Run("frame", f"c{i}s{s}", name=f"c{i}/{s}",
                            params={"temp": temp, "top_k": top_k, "seed": s},
                            metrics={"score": 0.6 + sign * mu + rng.normal(0, 0.004),
                                     "usd_per_query": usd}))
    return compare_runs(runs, metric="score", goal=goal, cost_metric="usd_per_query")


@pytest.mark.parametrize("goal", ["maximize", "minimize"])
def test_cost_sentence_and_importance_in_every_format(goal):
    comp = _comparison(goal)
    cost = comp.decision.cost
    assert cost is not None and cost.verdict == "worse"
    sentence = cost.sentence
    imp = comp.param_importance
    assert len(imp) == 1 and imp[0].confounded

    text = render(comp, "table")
    assert f"  cost: {sentence}" in text
    assert text.count(sentence) == 1  # shown on its own line, not repeated in the rationale
    assert "parameter importance:" in text and imp[0].measure in text
    assert "temp + top_k" in text and "are confounded" in text

    md = render(comp, "markdown")
    assert f"Cost: {md_escape(sentence)}" in md
    assert "## Parameter importance" in md and md_escape(imp[0].measure) in md
    assert md_escape(imp[0].note) in md

    page = render(comp, "html")
    assert f'<p id="cost-words">Cost: {html.escape(sentence, quote=True)}</p>' in page
    assert '<table id="importance">' in page
    assert html.escape(imp[0].note, quote=True) in page

    d = json.loads(render(comp, "json"))
    assert d["decision"]["cost"]["sentence"] == sentence
    assert d["decision"]["rationale"].endswith(sentence)
    assert d["param_importance"][0]["params"] == ["temp", "top_k"]
    assert sum(e["importance"] for e in d["param_importance"]) <= 1.0


def test_a_saved_comparison_without_decision_cost_keeps_the_old_wording():
    d = _comparison("maximize").to_dict()
    d["decision"] = {"winner": None, "rationale": "no reliable difference",
                     "seeds_needed": None, "cheaper_alternative": "temp=0.2, top_k=10"}
    text = render(d, "table")
    assert "cheaper alternative, not significantly worse: temp=0.2, top_k=10" in text
    assert "  cost: " not in text
