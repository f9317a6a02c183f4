"""Parameter importance only where it means something (issue 9, point 8): confounded params
named as such and scored jointly, the measure stated, shares that cannot add past 1. Shares are
checked against statsmodels' ANOVA (sequential, type I sums of squares); new data throughout.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.formula.api import ols
from statsmodels.stats.anova import anova_lm

from shared.compare import compare_runs
from shared.compare.decision._importance import param_importance
from shared.model import Run


def _type1_shares(params, ys, order):
    """statsmodels' type I sums of squares (categorical terms in ``order``) over the total."""
    df = pd.DataFrame([{k: str(p[k]) for k in order} for p in params])
    df["y"] = ys
    table = anova_lm(ols("y ~ " + " + ".join(f"C({k})" for k in order), df).fit(), typ=1)
    total = float(table["sum_sq"].sum())
    return {k: float(table.loc[f"C({k})", "sum_sq"]) / total for k in order}


def _crossed(rng, reps):
    params, ys = [], []
    for (lr, bs), n in zip(itertools.product((3e-4, 1e-3), (64, 256)), reps, strict=True):
        for _ in range(n):
            params.append({"lr": lr, "bs": bs})
            ys.append(0.62 + (0.05 if lr == 1e-3 else 0.0) + (0.015 if bs == 64 else 0.0)
                      + rng.normal(0, 0.01))
    return params, ys


def test_crossed_balanced_2x2_names_both_and_the_shares_add_to_at_most_1():
    params, ys = _crossed(np.random.default_rng(11), (5, 5, 5, 5))
    imp = param_importance(params, ys, ["bs", "lr"])
    assert [d["param"] for d in imp] == ["lr", "bs"]  # entered by their own share
    assert not any(d["confounded"] for d in imp)
    assert {d["partition"] for d in imp} == {"orthogonal"}
    ref = _type1_shares(params, ys, ["lr", "bs"])
    for d in imp:
        assert d["method"] == "eta-squared"
        assert d["importance"] == pytest.approx(ref[d["param"]], rel=1e-9)
        # orthogonal: the share is the one-way share, whatever the order
        assert d["importance"] == pytest.approx(d["marginal"], rel=1e-9)
    assert _type1_shares(params, ys, ["bs", "lr"]) == pytest.approx(ref, rel=1e-9)
    assert 0.0 < sum(d["importance"] for d in imp) <= 1.0
    assert "orthogonal" in imp[0]["measure"] and "add to at most 1" in imp[0]["measure"]


def test_crossed_unbalanced_2x2_is_a_sequential_partition_in_the_stated_order():
    params, ys = _crossed(np.random.default_rng(12), (2, 6, 5, 3))
    imp = param_importance(params, ys, ["lr", "bs"])
    order = [d["param"] for d in imp]
    assert {d["partition"] for d in imp} == {"sequential (type I)"}
    assert f"in the order {', '.join(order)}" in imp[0]["measure"]
    ref = _type1_shares(params, ys, order)
    for d in imp:
        assert d["importance"] == pytest.approx(ref[d["param"]], rel=1e-9)
    # the one-way shares of non-orthogonal params may overlap; the partition cannot
    assert sum(d["importance"] for d in imp) <= 1.0


def test_confounded_three_configurations_are_named_and_scored_jointly():
    # lr and warmup change together: each configuration has its own pair of values
    rng = np.random.default_rng(13)
    params, ys = [], []
    for lr, warmup, mu in ((1e-4, 0, 0.70), (5e-4, 100, 0.78), (1e-3, 500, 0.74)):
        for _ in range(4):
            params.append({"lr": lr, "warmup": warmup})
            ys.append(mu + rng.normal(0, 0.01))
    imp = param_importance(params, ys, ["lr", "warmup"])
    assert len(imp) == 1
    (d,) = imp
    assert d["confounded"] is True and d["params"] == ["lr", "warmup"]
    assert d["param"] == "lr + warmup"
    assert "lr and warmup are confounded" in d["note"] and "cannot be separated" in d["note"]
    # the joint share is what the configurations explain: one-way over the 3 configurations
    cfg = [{"cfg": f"{p['lr']}/{p['warmup']}"} for p in params]
    assert d["importance"] == pytest.approx(_type1_shares(cfg, ys, ["cfg"])["cfg"], rel=1e-9)
    assert d["importance"] <= 1.0
    assert "confounded params are reported jointly" in d["measure"]


def test_one_param_a_function_of_another_is_confounded_with_it():
    # bs is determined by lr across the configurations (never seen at two values of one lr)
    rng = np.random.default_rng(14)
    params, ys = [], []
    for lr, bs in ((0.1, 32), (0.01, 32), (0.001, 128)):
        for _ in range(3):
            params.append({"lr": lr, "bs": bs, "opt": "adam"})
            ys.append(0.5 + 0.1 * (bs == 128) + rng.normal(0, 0.02))
        for _ in range(3):  # opt is crossed with both
            params.append({"lr": lr, "bs": bs, "opt": "sgd"})
            ys.append(0.45 + 0.1 * (bs == 128) + rng.normal(0, 0.02))
    imp = param_importance(params, ys, ["lr", "bs", "opt"])
    by = {d["param"]: d for d in imp}
    assert set(by) == {"lr + bs", "opt"}
    assert by["lr + bs"]["confounded"] and not by["opt"]["confounded"]
    assert sum(d["importance"] for d in imp) <= 1.0
    ref = _type1_shares([{"cfg": (p["lr"], p["bs"]), "opt": p["opt"]} for p in params], ys,
                        [d["params"][0] if d["param"] == "opt" else "cfg" for d in imp])
    assert by["opt"]["importance"] == pytest.approx(ref["opt"], rel=1e-9)
    assert by["lr + bs"]["importance"] == pytest.approx(ref["cfg"], rel=1e-9)


@pytest.mark.parametrize("goal", ["maximize", "minimize"])
def test_compare_runs_reports_confounded_params_the_same_way_for_either_goal(goal):
    rng = np.random.default_rng(15)
    runs = []
    for i, (depth, width, mu) in enumerate(((2, 64, 1.30), (4, 128, 1.10), (8, 256, 1.18))):
        for s in range(5):
            runs.append(Run("frame", f"c{i}-s{s}", params={"depth": depth, "width": width,
                                                            "seed": s},
                            metrics={"loss": mu + rng.normal(0, 0.02)}))
    comp = compare_runs(runs, metric="loss", goal=goal)
    imp = comp.param_importance
    assert imp is not None and len(imp) == 1
    assert imp[0].confounded and set(imp[0].params) == {"depth", "width"}
    assert imp[0].importance <= 1.0
    d = comp.to_dict()["param_importance"]
    assert d[0]["note"].startswith(f"{imp[0].params[0]} and {imp[0].params[1]} are "
                                   "confounded")


def test_a_constant_param_is_named_and_not_scored():
    params = [{"lr": lr, "wd": 0.0} for lr in (0.1, 0.01) for _ in range(3)]
    imp = param_importance(params, [0.1, 0.2, 0.15, 0.5, 0.55, 0.6], ["lr", "wd"])
    wd = next(d for d in imp if d["param"] == "wd")
    assert wd["importance"] is None and "does not vary" in wd["note"]


@settings(max_examples=60, deadline=None)
@given(
    design=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(0, 1), st.integers(1, 3)),
        min_size=2, max_size=9, unique_by=lambda t: t[:3],
    ),
    seed=st.integers(0, 10_000),
)
def test_shares_never_add_past_one_on_any_design(design, seed):
    rng = np.random.default_rng(seed)
    params, ys = [], []
    for a, b, c, n in design:
        for _ in range(n):
            params.append({"a": a, "b": b, "c": c})
            ys.append(a * 0.3 - b * 0.2 + c * 0.1 + rng.normal(0, 0.05))
    imp = param_importance(params, ys, ["a", "b", "c"])
    shares = [d["importance"] for d in imp if d["importance"] is not None]
    assert all(0.0 <= s <= 1.0 for s in shares)
    assert sum(shares) <= 1.0 + 1e-9
    named = [k for d in imp for k in d["params"]]
    assert sorted(named) == ["a", "b", "c"]  # every param is named exactly once
