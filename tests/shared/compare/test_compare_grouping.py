"""Configurations from params, readable names, the seed key, pairing policy."""

from __future__ import annotations

import numpy as np
import pytest

from shared.compare.configs._grouping import (
    config_name,
    detect_seed_key,
    format_value,
    group_runs,
)
from shared.compare.configs._pairing import MIN_SHARED, Sample, complete_blocks, plan_pair
from shared.errors import InputError
from shared.model import Run


def _run(i, **params):
    return Run("frame", f"r{i}", params=params, metrics={"acc": 0.5})


def test_names_are_built_from_the_params_that_differ():
    runs = [
        _run(i, lr=lr, lora_rank=rank, seed=s, model="llama")
        for i, (lr, rank, s) in enumerate(
            [(1e-4, 16, 0), (1e-4, 16, 1), (1e-4, 8, 0), (1e-4, 8, 1), (1e-3, 16, 0), (1e-3, 16, 1)]
        )
    ]
    g = group_runs(runs, seed_key="seed")
    # model does not vary, seed is the replicate; keys in name order (stable names)
    assert g.group_by == ["lora_rank", "lr"]
    assert [c.name for c in g.configs] == [
        "lora_rank=8, lr=0.0001",
        "lora_rank=16, lr=0.0001",
        "lora_rank=16, lr=0.001",
    ]
    assert all(len(c.runs) == 2 for c in g.configs)
    assert g.configs[0].params == {"lora_rank": 8, "lr": 0.0001}
    # the same runs in another order (a tracker returns the newest first) give the same names
    again = group_runs(list(reversed(runs)), seed_key="seed")
    assert [c.name for c in again.configs] == [c.name for c in g.configs]


def test_format_value_round_trips_floats_and_handles_odd_values():
    assert format_value(1e-5) == "1e-05"
    assert format_value(np.float64(0.1)) == "0.1"
    assert format_value(np.int64(3)) == "3"
    assert format_value(True) == "True"
    assert format_value([1, 2]) == "[1, 2]"
    assert config_name({"opt": "adamw", "wd": 0.0}) == "opt=adamw, wd=0.0"


def test_unhashable_and_missing_param_values_group_cleanly():
    runs = [
        _run(0, layers=[64, 64], seed=0),
        _run(1, layers=[64, 64], seed=1),
        _run(2, layers=[128], seed=0),
        _run(3, seed=1),  # no 'layers' param at all
    ]
    g = group_runs(runs, seed_key="seed")
    names = [c.name for c in g.configs]
    assert names == ["layers=[128]", "layers=[64, 64]", "layers=None"]


def test_mixed_types_sort_without_error():
    runs = [_run(0, x="a"), _run(1, x=2), _run(2, x=None), _run(3, x=1.5)]
    assert [c.name for c in group_runs(runs).configs] == ["x=1.5", "x=2", "x=a", "x=None"]


def test_param_unique_to_every_run_is_left_out_of_the_default_grouping():
    runs = [_run(i, lr=lr, out_dir=f"/tmp/run{i}", seed=i % 3) for i, lr in
            enumerate([0.1] * 3 + [0.01] * 3)]
    g = group_runs(runs, seed_key="seed")
    assert g.group_by == ["lr"]
    assert any("out_dir" in w for w in g.warnings)


def test_a_numeric_param_unique_to_every_run_is_kept():
    # random search: every run its own learning rate; that is a configuration, not noise
    runs = [_run(i, lr=0.001 * (i + 1), opt="adam" if i % 2 else "sgd") for i in range(6)]
    g = group_runs(runs)
    assert g.group_by == ["lr", "opt"] and len(g.configs) == 6 and not g.warnings


def test_explicit_group_by_pools_the_rest_and_says_so():
    runs = [_run(i, lr=lr, wd=wd, seed=0) for i, (lr, wd) in
            enumerate([(0.1, 0), (0.1, 1), (0.01, 0), (0.01, 1)])]
    g = group_runs(runs, group_by=["params.lr"], seed_key="seed")
    assert [c.name for c in g.configs] == ["lr=0.01", "lr=0.1"]
    assert any("wd" in w and "pooled" in w for w in g.warnings)


def test_group_by_errors_are_clear():
    runs = [_run(0, lr=0.1, seed=0), _run(1, lr=0.2, seed=1)]
    with pytest.raises(InputError, match="'momentum' not found; params are: lr, seed"):
        group_runs(runs, group_by=["momentum"])
    with pytest.raises(InputError, match="seed key"):
        group_runs(runs, group_by=["seed"], seed_key="seed")


@pytest.mark.parametrize("key", ["seed", "random_seed", "random_state", "rng_seed"])
def test_seed_key_detection(key):
    runs = [_run(0, lr=0.1, **{key: 0}), _run(1, lr=0.1, **{key: 1})]
    assert detect_seed_key(runs, None) == (key, [])


def test_seed_key_detection_prefers_order_and_finds_dotted_names():
    runs = [_run(0, random_state=1, seed=2)]
    assert detect_seed_key(runs, None)[0] == "seed"
    runs = [_run(0, **{"trainer.seed": 1, "lr": 0.1})]
    assert detect_seed_key(runs, None)[0] == "trainer.seed"
    assert detect_seed_key([_run(0, lr=0.1)], None) == (None, [])


def test_explicit_seed_key_must_exist():
    runs = [_run(0, lr=0.1, fold=0), _run(1, lr=0.1)]
    with pytest.raises(InputError, match=r"seed key 'sed' is not a param of any run; params are: "
                                         r"fold, lr"):
        detect_seed_key(runs, "sed")
    key, warnings = detect_seed_key(runs, "params.fold")
    assert key == "fold"
    assert "1 run(s) have no 'fold' param" in warnings[0]


def test_pairing_same_seeds_aligns_by_seed_not_by_order():
    a = Sample("A", [10.0, 11.0, 12.0], ["x", "y", "z"])
    b = Sample("B", [3.0, 1.0, 2.0], ["z", "x", "y"])
    plan = plan_pair(a, b)
    assert plan.paired and plan.seeds == ["x", "y", "z"]
    assert plan.a.tolist() == [10.0, 11.0, 12.0]
    assert plan.b.tolist() == [1.0, 2.0, 3.0]
    assert plan.warnings == []


def test_pairing_on_shared_seeds_when_one_is_missing():
    a = Sample("A", [1.0, 2.0, 3.0, 4.0], [0, 1, 2, 3])
    b = Sample("B", [1.5, 2.5, 3.5], [0, 1, 2])
    plan = plan_pair(a, b)
    assert MIN_SHARED == 3
    assert plan.paired and plan.a.tolist() == [1.0, 2.0, 3.0]
    assert "B lacks seed(s) 3" in plan.warnings[0]
    assert "1 unmatched run(s) left out" in plan.warnings[0]


def test_pairing_falls_back_to_unpaired_with_too_few_shared_seeds():
    plan = plan_pair(Sample("A", [1.0, 2.0, 3.0], [0, 1, 2]), Sample("B", [1.0, 2.0], [5, 6]))
    assert not plan.paired and plan.b.tolist() == [1.0, 2.0]
    assert "only 0 shared seed(s)" in plan.warnings[0]


def test_pairing_refuses_duplicate_or_missing_seeds():
    plan = plan_pair(Sample("A", [1.0, 2.0], [0, 0]), Sample("B", [1.0, 2.0], [0, 1]))
    assert not plan.paired and "two runs with seed 0" in plan.reason
    plan = plan_pair(Sample("A", [1.0, 2.0], [0, None]), Sample("B", [1.0, 2.0], [0, 1]))
    assert not plan.paired and "has no seed" in plan.reason
    plan = plan_pair(Sample("A", [1.0, 2.0], None), Sample("B", [1.0, 2.0], None))
    assert not plan.paired and plan.warnings == []  # no seed key at all: nothing to warn


def test_complete_blocks_uses_seeds_every_config_has():
    s = [Sample("A", [1.0, 2.0, 3.0], [0, 1, 2]), Sample("B", [4.0, 5.0], [1, 2]),
         Sample("C", [7.0, 8.0, 9.0], [2, 1, 0])]
    matrix, seeds, warnings = complete_blocks(s)
    assert seeds == [1, 2]
    assert matrix.tolist() == [[2.0, 4.0, 8.0], [3.0, 5.0, 7.0]]
    assert "2 run(s) with other seeds" in warnings[0]
    assert complete_blocks([Sample("A", [1.0], [0]), Sample("B", [1.0], [0])]) is None
