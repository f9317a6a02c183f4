"""Cost in words (issue 9, point 7): the best configuration against the cheapest one on the
Pareto front, from the estimate, CI and verdict of the test that decided the pair; the cheaper
alternative only when the data support it (not significantly worse with min_effect=0, or the CI
of the best one's advantage within min_effect). Maximise and minimise; new data throughout.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from _tracker_compare_compare_data import make_runs

from shared.compare import compare_runs
from shared.compare.decision._decision import fmt_num
from shared.compare.decision._pareto import ALTERNATIVE_VERDICTS, VERDICTS

# eight seeds of a base accuracy, and small per-seed wobbles (made up for these tests)
BASE = np.array([0.842, 0.857, 0.861, 0.838, 0.850, 0.866, 0.845, 0.853])
WOBBLE = np.array([0.004, -0.003, 0.002, -0.005, 0.001, 0.003, -0.002, 0.0005])
COST_KEYS = {"cost_metric", "best", "best_is_winner", "best_cost", "cheapest_on_front",
             "cheapest_cost", "ratio", "verdict", "advantage", "alternative", "sentence"}


def _compare(values, costs, *, goal="maximize", min_effect=0.0, metric="acc"):
    runs = make_runs(values, param="model", metric=metric,
                     extra_metrics={k: {"cost_usd": c} for k, c in costs.items()})
    return compare_runs(runs, metric=metric, goal=goal, min_effect=min_effect,
                        cost_metric="cost_usd")


def _advantage_of(comp, best, other):
    """best's advantage over other by the goal, from the pair as the test reported it."""
    p = comp.pair(best, other)
    d, lo, hi = p.diff, p.ci[0], p.ci[1]
    if p.b == best:
        d, lo, hi = -d, -hi, -lo
    if comp.goal == "minimize":
        d, lo, hi = -d, -hi, -lo
    return p, d, (lo, hi)


def _check_json(comp):
    d = json.loads(json.dumps(comp.to_dict(), allow_nan=False))
    cost = d["decision"]["cost"]
    assert set(cost) >= COST_KEYS
    assert cost["verdict"] in VERDICTS
    assert d["decision"]["cheaper_alternative"] == comp.decision.cheaper_alternative
    # the sentence is also the end of the rationale (so tracker tags carry it)
    assert d["decision"]["rationale"].endswith(cost["sentence"])
    return cost


@pytest.mark.parametrize("goal", ["maximize", "minimize"])
def test_more_accurate_and_more_expensive_is_said_with_the_tests_ci(goal):
    sign = 1.0 if goal == "maximize" else -1.0
    good = BASE + sign * (0.06 + WOBBLE)
    comp = _compare({"A": good, "B": BASE}, {"A": 0.043, "B": 0.008}, goal=goal)
    assert comp.decision.winner == "model=A"
    cost = _check_json(comp)
    assert cost["verdict"] == "worse"
    assert (cost["best"], cost["cheapest_on_front"]) == ("model=A", "model=B")
    assert cost["best_is_winner"] is True
    assert cost["ratio"] == pytest.approx(0.043 / 0.008)
    p, adv, (lo, hi) = _advantage_of(comp, "model=A", "model=B")
    assert adv > 0 and lo > 0  # the test says A is better: its CI agrees
    assert cost["advantage"]["estimate"] == pytest.approx(adv)
    assert cost["advantage"]["ci"] == pytest.approx([lo, hi])
    assert cost["advantage"]["test"] == p.test
    s = cost["sentence"]
    assert s.startswith(
        f"model=A is better by {fmt_num(adv)} (95% CI [{fmt_num(lo)}, {fmt_num(hi)}], {p.test}, "
    )
    assert f"and {0.043 / 0.008:.1f}x more expensive per run" in s
    assert "cost_usd per run: 0.043 for model=A vs 0.008 for model=B" in s
    assert "model=B is the cheapest configuration on the Pareto front" in s
    assert comp.decision.cheaper_alternative is None
    assert "not significantly worse" not in comp.decision.rationale


@pytest.mark.parametrize("goal", ["maximize", "minimize"])
def test_cheaper_and_not_significantly_worse_with_no_margin(goal):
    sign = 1.0 if goal == "maximize" else -1.0
    # A ahead by a hair that the noise swamps
    a = BASE + sign * 0.001 + np.array([0.012, -0.015, 0.009, -0.011, 0.014, -0.010, 0.008, -0.013])
    comp = _compare({"A": a, "B": BASE}, {"A": 12.0, "B": 3.0}, goal=goal)
    p, adv, (lo, hi) = _advantage_of(comp, "model=A", "model=B")
    assert not p.significant
    cost = _check_json(comp)
    assert cost["best"] == "model=A" and cost["best_is_winner"] is False
    assert cost["verdict"] == "not-significantly-worse"
    assert comp.decision.cheaper_alternative == "model=B"
    assert cost["alternative"] == {"config": "model=B", "cost": 3.0,
                                   "verdict": "not-significantly-worse", "ratio": 4.0}
    s = cost["sentence"]
    assert s.startswith("model=B is 4.0x cheaper than model=A (cost_usd per run: 3 for model=B "
                        "vs 12 for model=A) and not significantly worse than model=A")
    # never a claim of equivalence
    assert "equivalent" not in s and "not evidence that they are equal" in s


def test_non_inferiority_by_a_margin_is_judged_against_the_ci():
    # B is worse by ~0.003, measured precisely: significant, yet within min_effect=0.01
    b = BASE - 0.003 + WOBBLE / 10
    comp = _compare({"A": BASE, "B": b}, {"A": 5.0, "B": 1.0}, min_effect=0.01)
    p, adv, (lo, hi) = _advantage_of(comp, "model=A", "model=B")
    assert p.significant and p.better == "model=A"
    assert hi <= 0.01  # the CI bound in B's bad direction does not pass -min_effect
    cost = _check_json(comp)
    assert comp.decision.winner is None  # not better by min_effect
    assert cost["verdict"] == "worse-within-margin"
    assert comp.decision.cheaper_alternative == "model=B"
    assert "worse than model=A, but by no more than min_effect=0.01" in cost["sentence"]
    assert f"95% CI [{fmt_num(lo)}, {fmt_num(hi)}] of model=A's advantage" in cost["sentence"]


def test_not_worse_by_the_margin_when_not_significant_and_the_ci_is_narrow():
    # minimise: B is a little higher (worse) than A, not significantly, and the CI is narrow
    b = BASE + WOBBLE + 0.0008
    comp = _compare({"A": BASE, "B": b}, {"A": 9.0, "B": 2.0}, min_effect=0.02, goal="minimize")
    cost = _check_json(comp)
    assert (cost["best"], cost["cheapest_on_front"]) == ("model=A", "model=B")
    p, adv, (lo, hi) = _advantage_of(comp, "model=A", "model=B")
    assert not p.significant and adv > 0 and hi <= 0.02
    assert cost["verdict"] == "not-worse-by-margin"
    assert comp.decision.cheaper_alternative == "model=B"
    assert "not worse than model=A by more than min_effect=0.02" in cost["sentence"]
    assert f"95% CI [{fmt_num(lo)}, {fmt_num(hi)}] of model=A's advantage" in cost["sentence"]


def test_inconclusive_when_the_ci_reaches_past_the_margin():
    noisy = BASE[:5] + np.array([0.031, -0.024, 0.040, -0.035, 0.018])
    comp = _compare({"A": noisy, "B": BASE[:5]}, {"A": 20.0, "B": 2.5}, min_effect=0.01)
    cost = _check_json(comp)
    assert cost["best"] == "model=A"
    p, adv, (lo, hi) = _advantage_of(comp, "model=A", "model=B")
    assert not p.significant and hi > 0.01
    assert cost["verdict"] == "inconclusive"
    assert comp.decision.cheaper_alternative is None
    assert "cannot rule out that model=B is worse by more than min_effect=0.01" in cost["sentence"]
    assert "8.0x more expensive per run" in cost["sentence"]


@pytest.mark.parametrize("goal", ["maximize", "minimize"])
def test_the_best_is_also_the_cheapest(goal):
    sign = 1.0 if goal == "maximize" else -1.0
    comp = _compare({"A": BASE + sign * (0.05 + WOBBLE), "B": BASE}, {"A": 1.0, "B": 7.0},
                    goal=goal)
    cost = _check_json(comp)
    assert cost["verdict"] == "cheapest" and cost["best"] == "model=A"
    assert cost["cheapest_on_front"] == "model=A"
    assert "model=A is also the cheapest configuration" in cost["sentence"]
    assert comp.decision.cheaper_alternative is None
    assert comp.pareto.front == ("model=A",)


def test_three_configs_name_the_front_and_a_cheaper_alternative_separately():
    a = BASE + 0.07 + WOBBLE
    b = a + np.array([0.006, -0.007, 0.005, -0.004, 0.007, -0.006, 0.004, -0.005]) - 0.0005
    c = BASE
    comp = _compare({"A": a, "B": b, "C": c}, {"A": 10.0, "B": 4.0, "C": 1.0})
    cost = _check_json(comp)
    assert cost["best"] == "model=A"
    assert cost["cheapest_on_front"] == "model=C"
    assert cost["verdict"] == "worse"
    assert comp.pair("model=A", "model=B").significant is False
    assert comp.decision.cheaper_alternative == "model=B"
    assert cost["alternative"]["config"] == "model=B"
    s = cost["sentence"]
    assert "10.0x more expensive per run" in s
    assert "model=C is the cheapest configuration on the Pareto front" in s
    assert "; model=B is 2.5x cheaper than model=A" in s
    assert "not significantly worse than model=A" in s


def test_verdict_vocabulary_is_closed():
    assert ALTERNATIVE_VERDICTS.issubset(VERDICTS)
    assert {"worse", "inconclusive", "untested", "cheapest"}.isdisjoint(ALTERNATIVE_VERDICTS)


@pytest.mark.parametrize("goal", ["maximize", "minimize"])
def test_an_untested_pair_gets_no_claim(goal):
    # one run each: no test can decide, so nothing is said about accuracy
    comp = _compare({"A": [0.91 if goal == "maximize" else 0.71], "B": [0.81]},
                    {"A": 6.0, "B": 2.0}, goal=goal)
    cost = _check_json(comp)
    assert cost["verdict"] == "untested" and cost["advantage"] is None
    assert comp.decision.cheaper_alternative is None
    assert cost["sentence"] == (
        "model=A is 3.0x more expensive per run (cost_usd per run: 6 for model=A vs 2 for "
        "model=B); "
        "model=B is the cheapest configuration on the Pareto front; model=A vs model=B could "
        "not be tested"
    )


def test_without_cost_metric_the_decision_has_no_cost():
    runs = make_runs({"A": BASE + 0.05, "B": BASE}, param="model")
    d = compare_runs(runs, metric="acc").to_dict()
    assert d["decision"]["cost"] is None and d["decision"]["cheaper_alternative"] is None
