"""MCB, the Pareto front, the cost in words, param effects and param importance are typed
results on the ``Comparison`` (issue 21), with the same JSON as before, read back exactly."""

from __future__ import annotations

import json

import numpy as np
from _tracker_compare_compare_data import make_runs

from shared.compare import (
    MCB,
    Comparison,
    Cost,
    MCBRow,
    ParamEffect,
    ParamImportance,
    Pareto,
    compare_runs,
)
from shared.model import Run


def _read_back(comp: Comparison) -> Comparison:
    d = json.loads(json.dumps(comp.to_dict()))  # what a saved comparison.json holds
    back = Comparison.from_dict(d)
    assert back.to_dict() == d
    return back


def test_mcb_is_typed_and_reads_back() -> None:
    rng = np.random.default_rng(61)
    seeds = rng.normal(0, 0.02, 5)
    vals = {i: 0.70 + seeds + rng.normal(0, 0.003, 5) for i in range(12)}
    vals[7] = vals[7] + 0.05
    comp = compare_runs(make_runs(vals, param="cfg"), metric="acc")
    for c in (comp, _read_back(comp)):
        assert isinstance(c.mcb, MCB) and all(isinstance(r, MCBRow) for r in c.mcb.rows)
        assert c.mcb.best == "cfg=7" and c.mcb.best_set == ("cfg=7",)
        assert c.mcb.row("cfg=7") is c.mcb.rows[0] and c.mcb.rows[0].in_best_set
        assert len(c.mcb.versus_top) == 11 and c.mcb.critical_winner > 0
        assert c.question() == c.mcb.question
    d = comp.to_dict()["mcb"]
    assert list(d) == ["method", "question", "alpha", "design", "variance", "df", "critical",
                       "best", "best_set", "rows", "versus_top"]  # the JSON as before
    assert d["rows"][0]["name"] == "cfg=7" and d["critical"]["winner"] > 0


def test_cost_pareto_and_importance_are_typed() -> None:
    a = [0.81, 0.80, 0.83, 0.80, 0.82, 0.79]
    runs = [
        Run("frame", f"{m}-{t}-{s}", params={"model": m, "temp": t, "seed": s},
            metrics={"acc": a[s] + (0.05 if m == "A" else 0.0) + 0.01 * t, "usd": cost})
        for m, cost in (("A", 5.0), ("B", 1.0)) for t in (0, 1) for s in range(6)
    ]  # fmt: skip
    comp = compare_runs(runs, metric="acc", cost_metric="usd")
    for c in (comp, _read_back(comp)):
        assert isinstance(c.pareto, Pareto) and c.pareto.cost_metric == "usd"
        assert {p.config for p in c.pareto.points} == set(c.config_names)
        cost = c.decision.cost
        assert isinstance(cost, Cost) and cost.cost_metric == "usd"
        assert c.decision.rationale.endswith(cost.sentence)
        assert all(isinstance(i, ParamImportance) for i in c.param_importance or ())
        assert {i.param for i in c.param_importance} == {"model", "temp"}


def test_param_effects_are_typed() -> None:
    runs = [Run("frame", f"r{i}", params={"lr": lr}, metrics={"acc": 1 - lr})
            for i, lr in enumerate((0.1, 0.2, 0.3, 0.4, 0.5, 0.6))]
    comp = compare_runs(runs, metric="acc")
    for c in (comp, _read_back(comp)):
        (effect,) = c.param_effects
        assert isinstance(effect, ParamEffect)
        assert (effect.param, effect.rho, effect.better_when, effect.n) == ("lr", -1.0,
                                                                            "lower", 6)
