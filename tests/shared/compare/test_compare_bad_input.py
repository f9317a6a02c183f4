"""Bad input from issue 3: a clear InputError, or a result whose warnings say what happened.
Never a crash, never a silently wrong p-value."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from _tracker_compare_compare_data import make_runs
from scipy import stats

from shared.compare import compare_runs
from shared.errors import InputError, UnknownMetricError
from shared.model import Run

A = [0.80, 0.82, 0.81, 0.79, 0.83]
B = [0.84, 0.85, 0.86, 0.82, 0.88]


def _strict_json(comp):
    return json.loads(json.dumps(comp.to_dict(), allow_nan=False))


def test_one_run_per_configuration_gives_no_test_and_says_so():
    comp = compare_runs(make_runs({"a": [0.8], "b": [0.9]}, param="cfg"), metric="acc")
    (p,) = comp.pairs
    assert p.test == "none" and p.p_value is None and not p.significant
    assert comp.decision.winner is None
    assert comp.decision.rationale.startswith("cannot decide")
    assert any("only one run" in w for w in comp.warnings)
    d = _strict_json(comp)
    assert d["configs"][0]["std"] is None and d["configs"][0]["ci"] is None


def test_one_config_with_a_single_run_among_three():
    comp = compare_runs(make_runs({"a": A, "b": B, "c": [0.7]}, param="cfg"), metric="acc")
    untested = [p for p in comp.pairs if p.test == "none"]
    assert len(untested) == 2 and all("fewer than 2 runs" in p.why for p in untested)
    assert comp.omnibus is None
    assert any("omnibus test skipped" in w for w in comp.warnings)
    _strict_json(comp)


def test_zero_variance_identical_configs_report_no_p_value():
    comp = compare_runs(make_runs({"a": [0.8] * 5, "b": [0.8] * 5}, param="cfg"), metric="acc")
    (p,) = comp.pairs
    assert p.p_value is None and not p.significant
    assert any("zero variance" in w for w in comp.warnings)
    assert any("undefined" in w for w in comp.warnings)
    assert comp.decision.winner is None
    _strict_json(comp)


def test_all_equal_differences_use_the_exact_signed_rank_p_value():
    a = np.array(A)
    comp = compare_runs(make_runs({"a": a, "b": a + 0.01}, param="cfg"), metric="acc")
    (p,) = comp.pairs
    assert p.test == "wilcoxon"
    assert "every paired difference is equal" in p.why
    # all 5 differences have the same sign: exact two-sided p = 2 / 2**5
    assert p.p_value == pytest.approx(2 / 2**5)
    assert p.p_value == pytest.approx(stats.wilcoxon(a - (a + 0.01), method="exact").pvalue)
    assert comp.decision.winner is None  # 0.0625 > 0.05: never a silently "significant" t


def test_equal_differences_are_recognised_through_rounding_noise_at_any_scale():
    # logged values 100000.1 .. 100000.6 and 100000.2 .. 100000.7: in binary the differences are not
    # all exactly -0.1 (they differ by ~1e-11), which must not turn into a huge t statistic
    a = np.array([100000.1, 100000.2, 100000.3, 100000.4, 100000.5, 100000.6])
    b = np.array([100000.2, 100000.3, 100000.4, 100000.5, 100000.6, 100000.7])
    d = a - b
    assert np.ptp(d) > 0  # the noise is really there
    comp = compare_runs(make_runs({"a": a, "b": b}, param="cfg"), metric="acc")
    (p,) = comp.pairs
    assert p.test == "wilcoxon" and p.p_value == pytest.approx(2 / 2**6)
    assert p.effect_size is None  # zero spread of the differences: g is undefined


def test_zero_variance_unpaired_groups_use_mann_whitney():
    comp = compare_runs(make_runs({"a": [0.8] * 4, "b": [0.9] * 4}, param="cfg", seed_key=None),
                        metric="acc")
    (p,) = comp.pairs
    assert p.test == "mann-whitney"
    assert p.p_value == pytest.approx(stats.mannwhitneyu([0.8] * 4, [0.9] * 4,
                                                         method="exact").pvalue)


def test_nan_values_are_dropped_with_a_warning():
    runs = make_runs({"a": A, "b": B}, param="cfg")
    runs[0].metrics["acc"] = math.nan
    comp = compare_runs(runs, metric="acc", test="paired-t")
    assert comp.config("cfg=a").n == 4
    assert any("non-finite" in w for w in comp.warnings)
    (p,) = comp.pairs
    assert p.paired and p.n == 4  # paired on the 4 shared seeds
    assert any("lacks seed(s) 0" in w for w in comp.warnings)
    ref = stats.ttest_rel(A[1:], B[1:])
    assert p.p_value == pytest.approx(ref.pvalue, rel=1e-10)


def test_config_missing_a_seed_the_others_have():
    runs = make_runs({"a": A, "b": B[:4]}, param="cfg")
    comp = compare_runs(runs, metric="acc")
    (p,) = comp.pairs
    assert p.paired and p.n == 4
    assert any("cfg=b lacks seed(s) 4" in w and "paired on the 4 shared seeds" in w
               for w in comp.warnings)
    assert p.p_value == pytest.approx(stats.ttest_rel(A[:4], B[:4]).pvalue, rel=1e-10)
    assert comp.config("cfg=a").n == 5  # the summary keeps every run


def test_paired_test_requested_without_seeds_is_an_input_error():
    runs = make_runs({"a": A, "b": B}, param="cfg", seed_key=None)
    with pytest.raises(InputError, match="needs runs paired by a seed key"):
        compare_runs(runs, metric="acc", test="paired-t")


def test_metric_absent_from_some_runs():
    runs = make_runs({"a": A, "b": B, "c": A}, param="cfg")
    for r in runs:
        if r.params["cfg"] == "c":
            r.metrics = {"loss": 1.0}
    runs[0].metrics = {"loss": 1.0}
    comp = compare_runs(runs, metric="acc")
    assert [c.name for c in comp.configs] == ["cfg=a", "cfg=b"]
    assert any("does not have the metric" in w for w in comp.warnings)
    assert any("configuration cfg=c has no run" in w for w in comp.warnings)


def test_metric_absent_everywhere_but_one_config_is_an_error():
    runs = make_runs({"a": A, "b": B}, param="cfg")
    for r in runs[5:]:
        r.metrics = {"loss": 1.0}
    with pytest.raises(InputError, match="fewer than two configurations"):
        compare_runs(runs, metric="acc")


def test_unknown_metric_lists_what_exists():
    with pytest.raises(UnknownMetricError, match="acc"):
        compare_runs(make_runs({"a": A, "b": B}, param="cfg"), metric="f1")


def test_seed_key_that_does_not_exist():
    with pytest.raises(InputError, match="seed key 'fold' is not a param of any run"):
        compare_runs(make_runs({"a": A, "b": B}, param="cfg"), metric="acc", seed_key="fold")


def test_fewer_than_two_configurations():
    with pytest.raises(InputError, match="fewer than two configurations.*--group-by"):
        compare_runs(make_runs({"a": A}, param="cfg"), metric="acc")
    with pytest.raises(InputError, match="no runs"):
        compare_runs([], metric="acc")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"goal": "upward"}, "goal must be"),
        ({"test": "t-test"}, "unknown test='t-test'"),
        ({"correction": "sidak"}, "unknown correction"),
        ({"alpha": 1.5}, "alpha must be in"),
        ({"alpha": "x"}, "alpha must be a number"),
        ({"min_effect": -1}, "min_effect"),
        ({"baseline": "cfg=z"}, "baseline='cfg=z' is not a configuration"),
        ({"reduce": "median"}, "unknown reduction"),
        ({"group_by": "nope"}, "not found"),
        ({"test": "friedman-nemenyi", "seed_key": None}, None),
    ],
)
def test_bad_options_are_one_line_input_errors(kwargs, message):
    runs = make_runs({"a": A, "b": B, "c": A}, param="cfg", seed_key="fold" if
                     kwargs.get("seed_key", 1) is None else "seed")
    if message is None:
        # Friedman needs shared seeds: with a replicate key no run shares, a clear error
        for i, r in enumerate(runs):
            r.params["fold"] = i
        kwargs = {"test": "friedman-nemenyi", "seed_key": "fold"}
        message = "needs every configuration to have runs for the same seeds"
    with pytest.raises(InputError, match=message) as info:
        compare_runs(runs, metric="acc", **kwargs)
    assert "\n" not in str(info.value)


def test_non_run_input_is_rejected():
    with pytest.raises(InputError, match="shared.Run"):
        compare_runs([{"acc": 1}], metric="acc")


def test_duplicate_runs_are_counted_once():
    runs = make_runs({"a": A, "b": B}, param="cfg")
    comp = compare_runs(runs + runs[:2], metric="acc")
    assert comp.config("cfg=a").n == 5
    assert any("2 duplicate run(s) ignored" in w for w in comp.warnings)


def test_duplicate_seeds_within_a_configuration_fall_back_to_unpaired():
    runs = make_runs({"a": A, "b": B}, param="cfg")
    runs[1].params["seed"] = 0
    comp = compare_runs(runs, metric="acc")
    assert not comp.pairs[0].paired
    # the warning names the runs that share the seed, so the user can find them
    dup = f"configuration cfg=a has duplicate seeds (seed 0: {runs[0].label}, {runs[1].label})"
    assert any(w.startswith(dup) for w in comp.warnings), comp.warnings


def test_history_only_runs_with_nan_points():
    from shared.model import History

    runs = []
    for cfg, vals in (("a", A), ("b", B)):
        for s, v in enumerate(vals):
            runs.append(Run("frame", f"{cfg}{s}", params={"cfg": cfg, "seed": s},
                            histories={"acc": History([0, 1, 2], [0.5, v, math.nan])}))
    comp = compare_runs(runs, metric="acc")
    assert comp.config("cfg=a").values == pytest.approx(A)
    assert any("non-finite" in w for w in comp.warnings)


def test_unfinished_runs_are_named_in_the_warnings():
    runs = make_runs({"a": A, "b": B}, param="cfg")
    runs[0].status = "RUNNING"
    runs[1].status = "FAILED"
    runs[2].status = "FINISHED"
    comp = compare_runs(runs, metric="acc")
    assert ("runs that did not finish are included (their last logged values are used): "
            "1 FAILED, 1 RUNNING") in comp.warnings


def test_many_single_run_configurations_give_a_short_rationale():
    # A random/bayes sweep without seeds: every configuration has one run. The rationale names
    # the cause once and stays readable, however many configurations there are.
    runs = make_runs({f"c{i:02d}": [0.5 + i / 100] for i in range(40)}, param="cfg")
    comp = compare_runs(runs, metric="acc")
    rationale = comp.decision.rationale
    assert comp.decision.winner is None
    assert rationale.startswith("cannot decide: no pair of configurations could be tested: "
                                "40 of 40 configurations have fewer than 2 runs")
    assert "and 37 more" in rationale and len(rationale) < 300
