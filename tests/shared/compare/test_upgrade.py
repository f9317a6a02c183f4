"""Reading comparison.json files of older schema versions (``shared.compare.results._upgrade``):
v1 and v2 files read as the v3 ``Comparison`` they mean; a v3 dict is left as it is."""

from __future__ import annotations

import numpy as np
import pytest

from shared.compare import Comparison, compare_runs
from shared.compare.results._upgrade import upgrade
from shared.errors import InputError
from shared.model import Run


def _runs(k: int, n: int = 6, seed: int = 0) -> list[Run]:
    rng = np.random.default_rng(seed)
    return [Run("sim", f"c{j}-s{i}", params={"cfg": j, "seed": i},
                metrics={"y": float(rng.normal(0.4 * (j == 0), 1.0))})
            for j in range(k) for i in range(n)]


@pytest.mark.parametrize("k", [2, 4, 9])
def test_a_v3_dict_is_left_as_it_is(k):
    d = compare_runs(_runs(k), metric="y").to_dict()
    assert upgrade(d) == d
    assert list(upgrade(d)) == list(d)


def test_a_v2_file_reads_as_the_comparison_it_holds():
    c = compare_runs(_runs(3), metric="y")
    v2 = c.to_dict()
    v2["schema"] = "tracker-compare/comparison/v2"
    for key in ("examples", "question"):  # v3 added these
        del v2[key]
    for p in v2["pairs"]:
        del p["variance"]
    del v2["decision"]["examples_needed"]
    assert Comparison.from_dict(v2).to_dict() == c.to_dict()


def test_a_v1_pair_keeps_its_mean_difference_as_mean_diff():
    c = compare_runs(_runs(2), metric="y", test="wilcoxon")
    v1 = c.to_dict()
    v1["schema"] = "tracker-compare/comparison/v1"
    pair = v1["pairs"][0]
    mean_diff, mean_ci = pair["mean_diff"], pair["mean_ci"]
    # what a v1 writer wrote: the mean difference as diff, no estimate or mean_* members
    pair.update(diff=mean_diff, ci=mean_ci)
    for key in ("estimate", "mean_diff", "mean_ci"):
        del pair[key]
    p = Comparison.from_dict(v1).pairs[0]
    assert p.estimate == "mean_difference"
    assert (p.diff, p.mean_diff) == (pytest.approx(mean_diff), pytest.approx(mean_diff))
    assert p.ci == p.mean_ci == pytest.approx(tuple(mean_ci))
    # a v2 pair without mean_diff has none (its diff is the test's own estimate)
    v1["schema"] = "tracker-compare/comparison/v2"
    assert Comparison.from_dict(v1).pairs[0].mean_diff is None


def test_missing_members_read_as_what_their_absence_meant():
    d = {
        "schema": "tracker-compare/comparison/v1",
        "metric": {"name": "acc", "goal": "maximize", "reduce": "last"},
        "configs": [{"name": n, "runs": [f"{n}{s}" for s in range(3)], "n": 3, "mean": m}
                    for n, m in (("a", 0.9), ("b", 0.8), ("c", 0.5))],
        "critical_difference": {"cd": 1.0, "alpha": 0.05,
                                "mean_ranks": {"a": 1.2, "b": 1.9, "c": 2.9}},
    }
    c = Comparison.from_dict(d)
    assert len(c.run_keys) == 9 and c.pairs == () and c.decision.winner is None
    cd = c.critical_difference
    # bars as the renderers drew them before comparisons stored their own: Nemenyi's
    assert cd.bars == (("a", "b"), ("b", "c")) and cd.source.startswith("Nemenyi")
    assert cd.n_blocks == 3


@pytest.mark.parametrize("schema", ["tracker-compare/comparison/v4", "other/v1", None])
def test_unknown_schemas_are_refused(schema):
    with pytest.raises(InputError, match="not a tracker-compare comparison"):
        upgrade({"schema": schema, "configs": []})


def test_a_member_that_is_not_a_number_is_named():
    d = compare_runs(_runs(2), metric="y").to_dict()
    d["configs"][1]["values"][2] = "oops"
    with pytest.raises(InputError, match=r"values of config 'cfg=1' holds 'oops', not a number"):
        Comparison.from_dict(d)


@pytest.mark.parametrize("member, broken, named", [
    ("pareto", {"cost_metric": "usd"}, "pareto"),
    ("alpha", None, "alpha"),
    ("decision", {"winner": None, "rationale": "", "tests": 3}, "decision"),
])
def test_a_member_that_does_not_read_is_named(member, broken, named):
    d = compare_runs(_runs(2), metric="y").to_dict()
    d[member] = broken
    with pytest.raises(InputError, match=rf"the comparison's {named} cannot be read"):
        Comparison.from_dict(d)
    d = compare_runs(_runs(2), metric="y").to_dict()
    d["pairs"][0]["n"] = "many"
    with pytest.raises(InputError, match=r"pairs\[0\] cannot be read"):
        Comparison.from_dict(d)
