"""The JSON shape, learning-curve bands, costs and the Pareto front, param importance."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _tracker_compare_compare_data import curve_runs, make_runs
from scipy import stats

from shared.compare import compare_runs
from shared.compare.decision._importance import param_importance
from shared.compare.decision._pareto import pareto_front
from shared.model import Run

ISSUE_TOP = {"schema", "metric", "seed_key", "configs", "omnibus", "pairs", "decision",
             "warnings"}
CONTRACT_TOP = {"alpha", "correction", "test_requested", "min_effect", "baseline",
                "critical_difference", "param_importance", "pareto", "runs"}
ISSUE_CONFIG = {"name", "params", "runs", "n", "mean", "std", "median", "ci"}
CONTRACT_CONFIG = {"run_keys", "run_names", "values", "seeds", "curve", "stopped_early", "costs"}
ISSUE_PAIR = {"a", "b", "test", "paired", "n", "diff", "ci", "effect_size", "effect_name",
              "p_value", "p_adjusted", "significant", "why"}


def test_json_shape_has_every_key_of_the_issue_and_the_contract():
    rng = np.random.default_rng(0)
    runs = make_runs({i: rng.normal(0.8, 0.01, 5) for i in range(3)}, param="lr",
                     extra_metrics={i: {"cost_usd": 1.0 + i} for i in range(3)})
    d = compare_runs(runs, metric="acc", cost_metric="cost_usd").to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text) == d
    assert set(d) >= ISSUE_TOP | CONTRACT_TOP
    for c in d["configs"]:
        assert set(c) >= ISSUE_CONFIG | CONTRACT_CONFIG
        assert len(c["ci"]) == 2
    for p in d["pairs"]:
        assert set(p) >= ISSUE_PAIR
    assert set(d["decision"]) >= {"winner", "rationale", "seeds_needed"}
    assert set(d["omnibus"]) >= {"test", "statistic", "p_value"}
    assert set(d["critical_difference"]) >= {"cd", "alpha", "mean_ranks"}
    assert set(d["pareto"]) == {"cost_metric", "front", "points"}
    assert d["configs"][0]["costs"] == {"cost_usd": {"total": 5.0, "per_run": 1.0}}


def test_curve_band_is_mean_and_t_interval_on_a_common_grid():
    runs = curve_runs()
    comp = compare_runs(runs, metric="acc")
    c = comp.config("lr=0.01")
    assert c.curve is not None and c.curve.x_axis == "step"
    grid = np.array(c.curve.grid)
    assert grid[0] == 0 and grid[-1] == 19 and len(grid) == 200
    assert comp.config("lr=0.1").curve.grid == c.curve.grid  # one grid for every config
    # independent recomputation at one grid point
    g = 57
    ys = []
    for r in runs:
        if r.params["lr"] != 0.01:
            continue
        h = r.histories["acc"]
        ys.append(np.interp(grid[g], h.steps.astype(float), h.values))
    ys = np.array(ys)
    lo, hi = stats.t.interval(0.95, len(ys) - 1, loc=ys.mean(), scale=stats.sem(ys))
    assert c.curve.mean[g] == pytest.approx(ys.mean(), rel=1e-12)
    assert (c.curve.lo[g], c.curve.hi[g]) == pytest.approx((lo, hi), rel=1e-10)
    assert c.curve.n[g] == 4
    # lr=0.1 seed 0 stopped at step 9: counted, and not extrapolated
    short = comp.config("lr=0.1")
    assert short.stopped_early == 1
    assert short.curve.n[-1] == 3 and short.curve.n[0] == 4
    d = comp.to_dict()["configs"][0]["curve"]
    assert set(d) == {"x_axis", "grid", "mean", "lo", "hi", "n"}


def test_summary_only_runs_have_no_curve():
    comp = compare_runs(make_runs({"a": [1.0, 2.0, 3.0], "b": [2.0, 3.0, 5.0]}, param="c"),
                        metric="acc")
    assert all(c.curve is None for c in comp.configs)


def test_pareto_front_and_cheaper_rationale():
    # B is 5x cheaper and statistically indistinguishable from A; C is dominated
    a = [0.812, 0.795, 0.830, 0.801, 0.822, 0.788]
    b = [x + e for x, e in zip(a, [0.004, -0.006, 0.003, -0.002, 0.001, -0.004], strict=True)]
    c = [x - 0.05 for x in a]
    runs = make_runs({"A": a, "B": b, "C": c}, param="model",
                     extra_metrics={"A": {"cost/usd": 5.0}, "B": {"cost/usd": 1.0},
                                    "C": {"cost/usd": 2.0}})
    comp = compare_runs(runs, metric="acc", cost_metric="cost_usd")
    assert comp.pareto.front == ("model=A", "model=B")
    assert comp.pareto.cost_metric == "cost_usd"
    assert comp.decision.cheaper_alternative == "model=B"
    assert "model=B is 5.0x cheaper" in comp.decision.rationale
    assert "not significantly worse than model=A" in comp.decision.rationale
    assert comp.config("model=A").costs == {"cost/usd": {"total": 30.0, "per_run": 5.0}}


def test_no_cheaper_rationale_when_the_cheap_one_is_reliably_worse():
    a = [0.81, 0.80, 0.83, 0.80, 0.82, 0.79]
    b = [x - 0.05 + e for x, e in zip(a, [0.001, -0.002, 0.003, 0.0, -0.001, 0.002],
                                      strict=True)]
    runs = make_runs({"A": a, "B": b}, param="m",
                     extra_metrics={"A": {"tokens": 1e6}, "B": {"tokens": 1e5}})
    comp = compare_runs(runs, metric="acc", cost_metric="tokens")
    assert comp.decision.winner == "m=A"
    assert comp.decision.cheaper_alternative is None
    assert "cheaper" not in comp.decision.rationale
    assert comp.pareto.front == ("m=A", "m=B")


def test_missing_cost_metric_is_a_warning():
    comp = compare_runs(make_runs({"a": [1.0, 2.0, 3.0], "b": [2.0, 3.0, 5.0]}, param="c"),
                        metric="acc", cost_metric="dollars")
    assert comp.pareto is None
    assert any("'dollars' was not logged" in w or "dollars" in w for w in comp.warnings)


def test_pareto_front_minimize():
    pts = [("A", 0.30, 10.0), ("B", 0.31, 2.0), ("C", 0.40, 3.0), ("D", 0.30, 10.0)]
    assert pareto_front(pts, "minimize") == ["A", "B", "D"]


def test_param_importance_eta_squared_matches_one_way_anova():
    rng = np.random.default_rng(4)
    params, ys = [], []
    for lr in (0.1, 0.01, 0.001):
        for wd in (0.0, 0.1):
            for _ in range(4):
                params.append({"lr": lr, "wd": wd})
                ys.append({0.1: 0.7, 0.01: 0.8, 0.001: 0.75}[lr] + rng.normal(0, 0.01))
    imp = param_importance(params, ys, ["lr", "wd"])
    assert [d["param"] for d in imp] == ["lr", "wd"]
    y = np.array(ys)
    groups = [y[[p["lr"] == lv for p in params]] for lv in (0.1, 0.01, 0.001)]
    ss_b = sum(len(g) * (g.mean() - y.mean()) ** 2 for g in groups)
    assert imp[0]["importance"] == pytest.approx(ss_b / ((y - y.mean()) ** 2).sum(), rel=1e-12)
    assert imp[0]["method"] == "eta-squared"
    assert param_importance(params, ys, ["lr"]) is None


def test_param_importance_rank_linear_for_continuous_params():
    xs = np.linspace(1e-4, 1e-2, 12)
    params = [{"lr": float(x), "opt": "adam" if i % 2 else "sgd"} for i, x in enumerate(xs)]
    ys = list(np.log(xs) + np.array([0.05, -0.02] * 6))
    imp = param_importance(params, ys, ["lr", "opt"])
    lr = next(d for d in imp if d["param"] == "lr")
    assert lr["method"] == "rank-linear R2" and lr["order"] == 1
    # entered first, lr's share is the R^2 of the metric on lr's ranks (a squared Pearson r)
    r = stats.pearsonr(stats.rankdata(xs), ys).statistic
    assert lr["importance"] == pytest.approx(r**2, rel=1e-10)
    assert sum(d["importance"] for d in imp) <= 1.0


def test_importance_appears_in_the_comparison_when_two_params_vary():
    runs = []
    rng = np.random.default_rng(1)
    for lr in (0.1, 0.01):
        for bs in (16, 32):
            for s in range(3):
                runs.append(Run("frame", f"{lr}-{bs}-{s}",
                                params={"lr": lr, "bs": bs, "seed": s},
                                metrics={"acc": (0.8 if lr == 0.01 else 0.7)
                                         + rng.normal(0, 0.005)}))
    comp = compare_runs(runs, metric="acc")
    assert comp.param_importance[0].param == "lr"
    assert comp.param_importance[0].importance > 0.9
    assert [c.name for c in comp.configs][0] == "bs=16, lr=0.01"  # keys in name order


def test_reductions_flow_through_shared_reduce_runs():
    runs = curve_runs()
    last3 = compare_runs(runs, metric="acc", reduce="mean-last-3")
    for c in last3.configs:
        for key, v in zip(c.run_keys, c.values, strict=True):
            run = next(r for r in runs if r.key == key)
            assert v == pytest.approx(float(np.mean(run.histories["acc"].values[-3:])))
    assert last3.reduce == "mean-last-3"
    # at a budget of step 15 the run that stopped at step 9 has no value: left out, said why
    at = compare_runs(runs, metric="acc", reduce="at-budget", budget=15)
    assert at.config("lr=0.1").n == 3
    assert any("before the budget" in w for w in at.warnings)
    assert at.budget == 15 and at.to_dict()["budget"] == 15


def test_mlflow_and_wandb_runs_meet_in_one_comparison():
    # the same sweep logged to both trackers: MLflow spells val_loss, W&B val/loss and nests
    # its config (already flattened to dot keys by the adapter)
    a = [0.52, 0.50, 0.55, 0.51, 0.53, 0.54]
    b = [x - d for x, d in zip(a, [0.05, 0.041, 0.047, 0.036, 0.052, 0.044], strict=True)]
    runs = [Run("mlflow", f"m{s}", params={"optimizer.lr": 0.1, "trainer.seed": s},
                metrics={"val_loss": v}) for s, v in enumerate(a)]
    runs += [Run("wandb", f"w{s}", params={"optimizer.lr": 0.01, "trainer.seed": s},
                 metrics={"val/loss": v}) for s, v in enumerate(b)]
    comp = compare_runs(runs, metric="val/loss", goal="minimize")
    assert comp.seed_key == "trainer.seed"
    assert [c.name for c in comp.configs] == ["optimizer.lr=0.01", "optimizer.lr=0.1"]
    (p,) = comp.pairs
    assert p.paired and p.n == 6 and p.test == "paired-t"
    assert p.p_value == pytest.approx(stats.ttest_rel(b, a).pvalue, rel=1e-10)
    assert comp.decision.winner == "optimizer.lr=0.01"
    assert comp.config("optimizer.lr=0.1").run_keys == tuple(f"mlflow:m{s}" for s in range(6))
