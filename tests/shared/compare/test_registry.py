"""The test registry: every record complete, no test name compared outside it, and the recipe
"adding a test = its stats function + one registry object" followed for real."""

from __future__ import annotations

import ast
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from _tracker_compare_compare_data import make_runs
from scipy import stats

from shared.compare import TESTS, compare_runs
from shared.compare.inference._registry import (
    MCB,
    NO_TEST,
    POWER_METHODS,
    REGISTRY,
    REPORTED,
    TestSpec,
    check_record,
    estimate_label,
    registered,
    spec,
    test_names,
)
from shared.compare.inference._runners import stats_runner
from shared.errors import InputError
from shared.stats import ConfidenceInterval, TestResult

ROOT = Path(__file__).resolve().parents[3]
PRODUCT = (
    "shared",
    "mlflow_compare_plugin",
    "wandb_compare_ext",
    "tracker_compare_kit",
    "benchmarks",
)


# --- every record complete -----------------------------------------------------------------


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_record_is_complete(name):
    s = REGISTRY[name]
    check_record(s)  # raises on anything missing or inconsistent
    assert s.name == name and spec(name) is s
    if s.data == "examples":
        assert callable(s.examples_runner) and callable(s.examples_refusal)
    else:
        assert callable(s.family_runner if s.family else s.runner)
    assert s.label and s.why and s.estimate and s.estimate_label
    assert set(s.reported) <= set(REPORTED)
    if s.has_p_value:
        assert s.min_p is None or 0 < s.min_p(5, 5, s.pairing != "unpaired") <= 1


def test_names_are_unique_and_the_vocabulary_is_the_registry():
    names = [s.name for s in REGISTRY.values()]
    assert len(names) == len(set(names)) and NO_TEST not in names and MCB not in names
    run_level = [s.name for s in REGISTRY.values() if s.data == "runs"]
    assert TESTS == test_names() == ("auto", *run_level)
    # one estimate, one set of words, whichever test makes it
    words = {}
    for s in REGISTRY.values():
        assert words.setdefault(s.estimate, s.estimate_label) == s.estimate_label
        assert estimate_label(s.estimate) == s.estimate_label


@pytest.mark.parametrize(
    "change, why",
    [
        (dict(runner=None), "needs a callable runner"),
        (dict(label=""), "label is empty"),
        (dict(power="guess"), "power='guess'"),
        (dict(reported=("p_magic",)), "reported names unknown"),
        (dict(min_n=10, refusal=""), "says why it refuses"),
        (dict(name="auto"), "not 'auto'"),
        (dict(estimate_label="difference"), "worded 'diff' by other tests"),
    ],
)
def test_an_incomplete_record_is_refused(change, why):
    with pytest.raises(ValueError, match=why):
        check_record(dataclasses.replace(REGISTRY["welch"], **{"name": "welch-2", **change}))


def test_a_taken_name_is_refused():
    with pytest.raises(ValueError, match="already registered"), registered(REGISTRY["welch"]):
        pass
    assert "welch" in REGISTRY  # the original stays


# --- no test name compared as a string outside the registry -------------------------------


def _names_in(node: ast.AST) -> set[str]:
    out = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Constant) and isinstance(n.value, str):
            out.add(n.value)
    return out


def _mentions_test(node: ast.AST) -> bool:
    return any(
        (isinstance(n, ast.Name) and "test" in n.id)
        or (isinstance(n, ast.Attribute) and "test" in n.attr)
        or (isinstance(n, ast.Constant) and n.value == "test")
        for n in ast.walk(node)
    )


def name_comparisons(source: str, names: set[str]) -> list[tuple[int, str]]:
    """Lines comparing a value with a test name (``==``, ``!=``, ``in``, ``not in``) or
    keeping a table keyed by test names (a dict literal with two or more). Words that are
    also other things' names (``"none"`` is a correction, ``"permutation"`` a power method)
    count where the comparison is about a test."""
    ambiguous = {NO_TEST, *POWER_METHODS}
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            consts = set().union(
                *(
                    _names_in(c)
                    for c in (node.left, *node.comparators)
                    if isinstance(c, (ast.Constant, ast.Tuple, ast.List, ast.Set))
                )
            )
            hit = (consts & (names | {NO_TEST})) - ambiguous or (
                consts & ambiguous & (names | {NO_TEST}) and _mentions_test(node)
            )
            if hit:
                found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if len(keys & names) >= 2:
                found.append((node.lineno, ast.unparse(node)[:80]))
    return found


def test_the_check_finds_what_it_must():
    names = set(REGISTRY) | {MCB}
    src = """
if test == "wilcoxon": pass
ok = p.test not in ("none", "mcb")
fn = {"paired-t": 1, "welch": 2}[test]
fine = correction == "none"
also_fine = Choice("welch", False, "why")
power_method = s.power == "permutation"
json_member = {"mcb": None, "pareto": None}
named_by_power = test in ("permutation", "t")
"""
    assert sorted(line for line, _ in name_comparisons(src, names)) == [2, 3, 4, 9]


def test_no_test_name_is_compared_outside_the_registry():
    names = set(REGISTRY) | {MCB}
    registry = ROOT / "shared" / "compare" / "inference" / "_registry.py"
    bad = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == registry:
                continue
            for line, text in name_comparisons(path.read_text(encoding="utf-8"), names):
                bad.append(f"{path.relative_to(ROOT)}:{line}: {text}")
    assert not bad, "test names compared outside the registry:\n" + "\n".join(bad)


# --- the recipe, followed for real: Yuen's trimmed-mean t-test ------------------------------


def yuen_t(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> TestResult:
    """Step 1, the statistic: Yuen's (1974) t-test of 20% trimmed means, Welch-type df.

    scipy.stats.ttest_ind(trim=0.2) computes it (Yuen 1974; Wilcox 2012, "Introduction to
    Robust Estimation and Hypothesis Testing", 3rd ed., section 5.3); its estimate is the
    difference of the trimmed means, its interval the test's own.
    """
    r = stats.ttest_ind(a, b, trim=0.2, equal_var=False)
    ci = r.confidence_interval(level)
    est = float(stats.trim_mean(a, 0.2) - stats.trim_mean(b, 0.2))
    return TestResult(
        "yuen",
        float(r.statistic),
        float(r.pvalue),
        df=float(r.df),
        estimate=est,
        ci=ConfidenceInterval(float(ci.low), float(ci.high), level),
        method="Yuen t on 20% trimmed means, Welch df",
    )


# Step 2, the one registry object (calibration below is this test's, not a product claim)
YUEN = TestSpec(
    "yuen",
    "Yuen's trimmed-mean t-test",
    "unpaired",
    family=False,
    estimate="trimmed_mean_difference",
    decides_by="p-value",
    effect="hedges_g",
    power="t",
    min_p=None,
    min_n=2,
    refusal="",
    margin=True,
    why="Yuen's t-test of 20% trimmed means (requested)",
    runner=stats_runner(yuen_t, "Yuen t"),
    estimate_label="20% trimmed-mean difference",
)

# Wilcox (2012), section 5.3 style data: one far run in the first configuration
YA = np.array([0.80, 0.81, 0.79, 0.82, 0.80, 0.83, 0.81, 0.30])
YB = np.array([0.76, 0.77, 0.75, 0.78, 0.76, 0.77, 0.74, 0.76])


def test_a_test_added_by_registering_one_object():
    runs = make_runs({"a": YA, "b": YB}, param="cfg", seed_key=None)
    with pytest.raises(InputError, match="unknown test"):
        compare_runs(runs, metric="acc", test="yuen")
    with registered(YUEN):
        assert "yuen" in test_names()
        comp = compare_runs(runs, metric="acc", test="yuen")
    assert "yuen" not in REGISTRY  # removed again
    (p,) = comp.pairs
    ref = stats.ttest_ind(YA, YB, trim=0.2, equal_var=False)
    assert p.test == "yuen" and not p.paired
    assert p.p_value == pytest.approx(float(ref.pvalue), rel=1e-12)
    assert p.diff == pytest.approx(stats.trim_mean(YA, 0.2) - stats.trim_mean(YB, 0.2))
    lo, hi = ref.confidence_interval(0.95)
    assert p.ci == pytest.approx((lo, hi), rel=1e-12)
    assert p.estimate == "trimmed_mean_difference" and p.ci_method == "Yuen t"
    # the trimmed means see through the far run: a is better; the means would not say so
    assert p.significant and p.better == "cfg=a" and comp.decision.winner == "cfg=a"
    assert p.mean_diff < 0
    assert "20% trimmed-mean difference +" in comp.decision.rationale
    assert "the mean difference points the other way" in comp.decision.rationale
    assert comp.decision.tests == ("yuen",) and math.isfinite(p.effect_size)


def test_every_test_the_automatic_choice_names_is_registered():
    # ``auto`` chooses among registered tests by name (a choice, not a comparison): a name
    # that is not registered would fail only when that branch runs
    source = (ROOT / "shared" / "compare" / "inference" / "_selection.py").read_text(encoding="utf-8")
    named = {
        call.args[0].value
        for call in ast.walk(ast.parse(source))
        if isinstance(call, ast.Call)
        and getattr(call.func, "id", None) in ("Choice", "spec")
        and call.args
        and isinstance(call.args[0], ast.Constant)
    }
    assert named and named <= set(REGISTRY), named - set(REGISTRY)
