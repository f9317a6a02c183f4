"""The text reports of real comparisons, byte for byte, against golden files.

The files in ``golden/`` were written by the renderers as they were before they read the typed
``Comparison`` (issue 21: they walked ``Comparison.to_dict()``), so this test holds the typed
renderers to the same output: the large MCB layout, one run per configuration (param effects),
a cost metric (Pareto front, cost words, costs, importance), a comparison over per-example
scores and a test without a p-value (Bayesian). A change of wording or layout that is meant
updates the files: ``TRACKER_COMPARE_GOLDEN=write pytest tests/shared/render/test_render_golden.py``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from shared.compare import Comparison, compare_runs
from shared.model import ExampleTable, Run
from shared.render import render

from _sim_runs import sim_runs  # isort: skip

GOLDEN = Path(__file__).with_name("golden")


_runs = sim_runs  # the shared simulated sweep (tests/_sim_runs.py)


def _examples(effect: float, seeds: int = 3, n: int = 400, seed: int = 0) -> list[Run]:
    rng = np.random.default_rng(seed)
    ids = tuple(f"q{i}" for i in range(n))
    hard = rng.normal(0, 1, n)
    runs = []
    for c in range(2):
        for s in range(seeds):
            logit = 0.2 + hard + rng.normal(0, 0.2) + (effect if c == 1 else 0.0)
            ok = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
            runs.append(Run("frame", f"c{c}s{s}", params={"cfg": c, "seed": s},
                            examples={"eval": ExampleTable("eval", {"id": ids, "ok": ok})}))
    return runs


CASES: dict[str, Callable[[], Comparison]] = {
    "cost": lambda: compare_runs(_runs(3, 8, True, 4, cost=True), metric="y", cost_metric="cost"),
    "mcb": lambda: compare_runs(_runs(9, 6, True, 5), metric="y"),
    "single": lambda: compare_runs(_runs(5, 1, False, 7), metric="y"),
    "examples": lambda: compare_runs(_examples(0.4), metric="ok", examples="eval",
                                     example_key="id"),
    "bayes": lambda: compare_runs(_runs(2, 12, True, 1), metric="y", test="bayes-signed-rank",
                                  min_effect=0.1),
}
#: (case, file suffix, render arguments)
FILES = [(case, ".txt", ("table",), {}) for case in CASES]
FILES += [(case, ".csv", ("csv",), {}) for case in CASES]
FILES += [("cost", ".md", ("markdown",), {}), ("mcb", ".top3.md", ("markdown",), {"top": 3})]


@pytest.fixture(scope="module")
def comparisons() -> dict[str, Comparison]:
    return {name: build() for name, build in CASES.items()}


@pytest.mark.parametrize("case, suffix, args, kwargs", FILES,
                         ids=[f"{c}{s}" for c, s, _a, _k in FILES])
def test_report_is_the_golden_file(comparisons, case, suffix, args, kwargs):
    c = comparisons[case]
    text = render(c, *args, **kwargs)
    path = GOLDEN / f"{case}{suffix}"
    if os.environ.get("TRACKER_COMPARE_GOLDEN") == "write":
        path.write_text(text, encoding="utf-8", newline="")
    assert text == path.read_text(encoding="utf-8")
    # the saved comparison.json renders the same bytes
    assert render(c.to_dict(), *args, **kwargs) == text
