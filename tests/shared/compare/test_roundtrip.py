"""``Comparison.from_dict`` reads the JSON back exactly, for every kind of comparison: every
test paired and unpaired, 2 and 4 configurations, a baseline, min_effect, curves, a cost
metric (Pareto), MCB, one run per configuration (param effects), a large family in bulk."""

from __future__ import annotations

import json
import math

import pytest

from shared.compare import (
    SCHEMA,
    TESTS,
    Comparison,
    CriticalDifference,
    PairResult,
    compare_runs,
)
from shared.compare.inference._registry import REGISTRY
from shared.errors import InputError

from _sim_runs import sim_runs  # isort: skip


_runs = sim_runs  # the shared simulated sweep (tests/_sim_runs.py)


def _read_back(c: Comparison) -> Comparison:
    d = c.to_dict()
    text = json.dumps(d)
    back = Comparison.from_dict(json.loads(text))  # through the file format itself
    assert back.to_dict() == d
    assert json.dumps(back.to_dict()) == text  # same members, same order
    return back


CASES = [
    (test, paired, k)
    for test in TESTS
    for paired in (True, False)
    for k in (2, 4)
    if not (paired is False and test != "auto" and REGISTRY[test].paired_only)
]


@pytest.mark.parametrize("test, paired, k", CASES)
def test_every_test_reads_back(test, paired, k):
    s = REGISTRY.get(test)
    n = max(12, s.min_n if s else 2)
    me = s.bench_min_effect if s else 0.0
    c = compare_runs(_runs(k, n, paired, 1), metric="y", test=test, min_effect=me)
    back = _read_back(c)
    for p, q in zip(c.pairs, back.pairs, strict=True):
        # the test-specific numbers are typed attributes, on both sides
        for name in p.reported():
            v, w = getattr(p, name), getattr(q, name)
            assert (v is None and w is None) or v == pytest.approx(w) or v is w
        assert q.method == p.method and q.extra == {}


@pytest.mark.parametrize(
    "kind", ["baseline", "min_effect", "cost", "mcb", "mcb_unpaired", "curves", "single", "bulk"]
)
def test_every_extra_reads_back(kind):
    c = {
        "baseline": lambda: compare_runs(_runs(4, 8, True, 2), metric="y", baseline="cfg=1"),
        "min_effect": lambda: compare_runs(_runs(2, 8, True, 3), metric="y", min_effect=0.2),
        "cost": lambda: compare_runs(
            _runs(3, 8, True, 4, cost=True), metric="y", cost_metric="cost"
        ),
        "mcb": lambda: compare_runs(_runs(9, 6, True, 5), metric="y"),
        "mcb_unpaired": lambda: compare_runs(_runs(9, 6, False, 5), metric="y"),
        "curves": lambda: compare_runs(_runs(3, 5, True, 6, hist=True), metric="y"),
        "single": lambda: compare_runs(_runs(5, 1, False, 7), metric="y"),
        "bulk": lambda: compare_runs(_runs(40, 4, True, 8), metric="y", all_pairs=True),
    }[kind]()
    back = _read_back(c)
    assert back.decision == c.decision
    assert [x.name for x in back.configs] == c.config_names
    if kind in ("baseline", "curves"):  # 3-4 configurations on shared seeds: a CD diagram
        cd = back.critical_difference
        assert isinstance(cd, CriticalDifference) and cd == c.critical_difference
        assert cd.bars == c.critical_difference.bars and set(cd.mean_ranks) == set(c.config_names)
    if kind == "curves":
        assert back.configs[0].curve is not None and back.configs[0].curve.grid
    if kind == "cost":
        assert back.pareto is not None and back.decision.cost is not None
    if kind.startswith("mcb"):
        assert back.mcb is not None and back.pairs[0].test == "mcb"


def test_typed_numbers_come_back_typed():
    c = compare_runs(_runs(2, 12, False, 1), metric="y", test="aso")
    (p,) = Comparison.from_dict(c.to_dict()).pairs
    assert isinstance(p.epsilon_min, float) and isinstance(p.a_better, bool)
    assert p.threshold == 0.2 and p.ci is not None and isinstance(p.ci, tuple)
    # the omnibus tests' own numbers too
    ranks = compare_runs(_runs(4, 8, True, 1), metric="y", test="friedman-holm")
    om = Comparison.from_dict(ranks.to_dict()).omnibus
    assert om.test == "friedman" and om.extra == {}
    assert isinstance(om.mean_ranks, tuple) and len(om.mean_ranks) == 4
    assert om.kendall_w == pytest.approx(ranks.omnibus.kendall_w) and om.sphericity is None
    assert om.reported == ranks.omnibus.reported and "kendall_w" in om.reported


def test_a_member_from_a_newer_writer_is_kept():
    d = compare_runs(_runs(2, 6, True, 1), metric="y").to_dict()
    d["pairs"][0]["new_number"] = 1.5
    d["omnibus"] = None
    back = Comparison.from_dict(d)
    assert back.pairs[0].extra == {"new_number": 1.5} and back.to_dict() == d


def test_passing_extra_lands_on_the_typed_attribute():
    # code written before the numbers were typed still builds the same result
    p = PairResult(
        "a",
        "b",
        "wilcoxon",
        True,
        5,
        0.1,
        None,
        None,
        None,
        0.5,
        0.5,
        False,
        "",
        extra={"robust_sd": 0.2, "method": "exact"},
    )
    assert p.robust_sd == 0.2 and p.method == "exact" and p.extra == {}
    assert list(p.to_dict())[-3:] == ["ci_level_achieved", "robust_sd", "method"]


def test_another_schema_is_refused():
    d = compare_runs(_runs(2, 6, True, 1), metric="y").to_dict()
    for schema in ("tracker-compare/comparison/v4", "tracker-compare/confirm/v2", None):
        with pytest.raises(InputError, match="not a tracker-compare comparison"):
            Comparison.from_dict({**d, "schema": schema})
    assert SCHEMA == "tracker-compare/comparison/v3"
    assert math.isnan(Comparison.from_dict(d).configs[0].values[0]) is False
