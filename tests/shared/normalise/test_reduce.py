"""One number per run, by every reduction; missing and non-finite data reported, not hidden."""

import math

import numpy as np
import pytest

from shared import History, InputError, Run, UnknownMetricError, reduce_runs
from shared.normalise import parse_reduce


def _run(rid, values, steps=None, tokens=None, **metrics):
    steps = list(range(len(values))) if steps is None else steps
    hist = {"acc": History(steps, values)}
    if tokens is not None:
        hist["tokens"] = History(steps, tokens)
    return Run("frame", rid, name=f"n{rid}", histories=hist, metrics=metrics)


RUNS = [_run("a", [0.1, 0.5, 0.3, 0.4]), _run("b", [0.2, 0.2, 0.6, 0.7])]


@pytest.mark.parametrize(
    ("reduce", "expected"),
    [
        ("last", {"frame:a": 0.4, "frame:b": 0.7}),
        ("min", {"frame:a": 0.1, "frame:b": 0.2}),
        ("max", {"frame:a": 0.5, "frame:b": 0.7}),
        ("mean-last-2", {"frame:a": 0.35, "frame:b": 0.65}),
        ("auc", {"frame:a": 0.3 + 0.4 + 0.35, "frame:b": 0.2 + 0.4 + 0.65}),
    ],
)
def test_reductions(reduce, expected):
    got = reduce_runs(RUNS, "acc", reduce).values
    assert got.keys() == expected.keys()
    for k in got:
        assert got[k] == pytest.approx(expected[k])


def test_auc_matches_numpy_trapezoid():
    x = np.array([0, 1, 3, 7.0])
    y = np.array([0.5, 0.6, 0.9, 0.2])
    r = Run("frame", "r", histories={"acc": History(x.astype(int), y)})
    assert reduce_runs([r], "acc", "auc").values["frame:r"] == pytest.approx(np.trapezoid(y, x))


def test_at_budget_interpolates_on_the_chosen_axis():
    runs = [_run("a", [1.0, 2.0, 3.0], tokens=[0, 100, 200]),
            _run("b", [1.0, 5.0, 9.0], tokens=[0, 400, 800])]
    red = reduce_runs(runs, "acc", "at-budget", x_axis="tokens", budget=150)
    assert red.values == {"frame:a": pytest.approx(2.5), "frame:b": pytest.approx(1.0 + 4 * 150 / 400)}


def test_best_at_budget_respects_goal_and_ignores_points_after_budget():
    run = _run("a", [3.0, 1.0, 2.0, 0.1], tokens=[0, 10, 20, 30])
    assert reduce_runs([run], "acc", "best-at-budget", x_axis="tokens", budget=20,
                       goal="minimize").values == {"frame:a": 1.0}
    assert reduce_runs([run], "acc", "best-at-budget", x_axis="tokens", budget=20,
                       goal="maximize").values == {"frame:a": 3.0}


def test_run_that_did_not_reach_the_budget_is_missing_with_a_reason():
    runs = [_run("a", [1.0, 2.0], tokens=[0, 100]), _run("b", [1.0, 2.0], tokens=[0, 1000])]
    red = reduce_runs(runs, "acc", "at-budget", x_axis="tokens", budget=500)
    assert red.values.keys() == {"frame:b"}
    assert red.missing == ["frame:a"]
    assert any("before the budget 500" in w and "na" in w for w in red.warnings)


def test_budget_reductions_need_a_budget():
    with pytest.raises(InputError, match="needs a budget"):
        reduce_runs(RUNS, "acc", "at-budget")


@pytest.mark.parametrize("bad", ["median", "mean-last-0", "mean-last-K", "mean-last-x"])
def test_unknown_reductions_are_rejected(bad):
    with pytest.raises(InputError):
        reduce_runs(RUNS, "acc", bad)


def test_parse_reduce():
    assert parse_reduce("mean-last-10") == ("mean-last-K", 10)


def test_goal_is_validated():
    with pytest.raises(InputError, match="goal"):
        reduce_runs(RUNS, "acc", goal="up")


def test_last_without_history_uses_the_summary_metric():
    r = Run("mlflow", "s", metrics={"acc": 0.9})
    assert reduce_runs([r], "acc").values == {"mlflow:s": 0.9}


def test_history_reduction_without_history_is_reported():
    r = Run("mlflow", "s", name="summary-only", metrics={"acc": 0.9})
    red = reduce_runs([r, RUNS[0]], "acc", "auc")
    assert red.missing == ["mlflow:s"]
    assert any("has no history" in w and "summary-only" in w for w in red.warnings)


def test_metric_present_in_some_runs_only_is_reported():
    other = Run("frame", "z", name="no-acc", metrics={"loss": 1.0})
    red = reduce_runs(RUNS + [other], "acc")
    assert red.missing == ["frame:z"]
    assert any("does not have the metric" in w and "no-acc" in w for w in red.warnings)


def test_non_finite_values_stay_out_and_are_named():
    runs = [_run("a", [0.1, math.nan, 0.3]), _run("b", [math.inf, math.nan]),
            Run("frame", "c", name="nan-summary", metrics={"acc": math.nan})]
    red = reduce_runs(runs, "acc", "max")
    assert red.values == {"frame:a": 0.3}
    assert set(red.missing) == {"frame:b", "frame:c"}
    nonfinite = [w for w in red.warnings if "non-finite" in w]
    assert nonfinite and "na (1)" in nonfinite[0] and "nb (2)" in nonfinite[0]


def test_mean_last_k_with_fewer_points_uses_all_and_warns():
    red = reduce_runs([_run("a", [1.0, 3.0])], "acc", "mean-last-5")
    assert red.values == {"frame:a": 2.0}
    assert any("only 2 point(s)" in w for w in red.warnings)


def test_unknown_metric_is_an_error_listing_metrics():
    with pytest.raises(UnknownMetricError, match="the runs logged: acc"):
        reduce_runs(RUNS, "f1")


def test_spellings_are_reported():
    r = Run("wandb", "w", histories={"val/acc": History(values=[0.5])})
    assert reduce_runs([r], "val_acc").spellings == {"wandb:w": "val/acc"}
