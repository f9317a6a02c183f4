"""The conformance suite every ``shared.source.Source`` passes (as Optuna's storages do).

Each source writes the same small world with its tracker's own real means (the MLflow client,
the W&B SDK offline, the loopback W&B server, CSV files), and the tests below read it back
through the interface. An adapter's test module runs the suite by taking its tests and giving
one fixture, ``source_case``, returning a :class:`SourceCase` (parametrised over its back ends):

    from _source_suite import TESTS, SourceCase   # tests/ is on pytest's pythonpath
    globals().update(TESTS)
    @pytest.fixture(params=["sqlite", "server"])
    def source_case(request) -> SourceCase: ...

``tests/shared/test_isolation.py`` checks that every product package defining a ``Source``
has such a module, so a new adapter cannot be left out.

The world: learning rates 0.1 and 0.01 x seeds 0, 1, 2, each run logging ``val/acc`` and
``tokens`` at steps 0..4; lr=0.01 is clearly better. Where the tracker nests runs, the six runs
are the children of one parent run; where it keeps tags, one extra run tagged
``shared.source.OWN_RUN_TAG`` stands for a comparison run we wrote. Neither may be compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from shared import UnknownMetricError, compare_runs
from shared.model import SOURCE_KEYS
from shared.source import NotSupported, Source, option_hint, read_runs

LRS = (0.1, 0.01)
SEEDS = (0, 1, 2)
STEPS = 5
METRIC = "val/acc"
#: How a user may type the metric: every source must find its own spelling from it.
METRIC_AS_TYPED = "val_acc"


def values(lr: float, seed: int) -> list[dict[str, float]]:
    """Every logged row of one run of the world (deterministic)."""
    rng = np.random.default_rng(seed * 100 + int(lr * 1000))
    top = (0.9 if lr == 0.01 else 0.8) + float(rng.normal(0, 0.003))
    return [
        {METRIC: round(top * (step + 1) / STEPS, 6), "tokens": float(512 * (step + 1))}
        for step in range(STEPS)
    ]


def run_name(lr: float, seed: int) -> str:
    return f"lr{lr}-s{seed}"


@dataclass
class SourceCase:
    """A source holding the world, and what its tracker can hold beside the six runs."""

    source: Source
    #: the six runs are children of a parent run (``Run.source["parent_run"]``)
    has_parent: bool = False
    #: one run tagged ``OWN_RUN_TAG`` is among the runs found
    has_own_run: bool = False


def _world_runs(case: SourceCase) -> list[Any]:
    runs, _notes = case.source.skip(case.source.runs())
    return runs


def test_runs_carry_identity_typed_params_and_last_values(source_case: SourceCase) -> None:
    runs = _world_runs(source_case)
    assert len(runs) == len(LRS) * len(SEEDS)
    assert {r.tracker for r in runs} == {source_case.source.tracker}
    assert len({r.key for r in runs}) == len(runs)
    assert {(r.params["lr"], r.params["seed"]) for r in runs} == {
        (lr, seed) for lr in LRS for seed in SEEDS
    }
    for run in runs:
        # typed as logged: a seed is the int 3, never "3" or 3.0
        assert type(run.params["seed"]) is int and type(run.params["lr"]) is float, run.params
        assert run.status == "FINISHED"
        assert run.label == run_name(run.params["lr"], run.params["seed"])
        last = values(run.params["lr"], run.params["seed"])[-1]
        assert run.metrics[METRIC] == pytest.approx(last[METRIC])


def test_own_runs_and_parents_are_left_out(source_case: SourceCase) -> None:
    everything = source_case.source.runs()
    runs, notes = source_case.source.skip(everything)
    left_out = [r for r in everything if r not in runs]
    expected = int(source_case.has_parent) + int(source_case.has_own_run)
    assert len(left_out) == expected, [r.label for r in left_out]
    parents = {r.source.get("parent_run") for r in runs}
    if source_case.has_parent:
        (parent,) = parents
        assert parent in {r.id for r in left_out}
        assert notes[-1] == "1 parent run left out (its children are compared): parent"
        # asked for by id, a parent stays
        kept, _ = source_case.source.skip(everything, keep=[parent])
        assert parent in {r.id for r in kept}
    else:
        assert parents == {None}
    # each kind left out is said once, as every entry point warns
    assert len(notes) == expected
    if source_case.has_own_run:
        assert any(source_case.source.is_own(r) for r in left_out)
        assert notes[0].startswith("1 tracker-compare run left out")
    assert not any(source_case.source.is_own(r) for r in runs)


def test_histories_are_read_in_each_runs_own_spelling(source_case: SourceCase) -> None:
    found = read_runs(source_case.source, metrics=[METRIC_AS_TYPED, "tokens"])
    assert len(found.runs) == len(LRS) * len(SEEDS)
    for run in found.runs:
        logged = values(run.params["lr"], run.params["seed"])
        history = run.histories[METRIC]
        assert list(history.steps) == list(range(STEPS))
        np.testing.assert_allclose(history.values, [row[METRIC] for row in logged])
        np.testing.assert_allclose(run.histories["tokens"].values, [r["tokens"] for r in logged])
    assert source_case.source.metric_keys(found.runs, METRIC_AS_TYPED) == {
        r.key: METRIC for r in found.runs
    }


def test_no_histories_unless_asked_and_an_unknown_metric_is_refused(
    source_case: SourceCase,
) -> None:
    found = read_runs(source_case.source)
    assert found.runs and all(METRIC in r.metrics for r in found.runs)
    with pytest.raises(UnknownMetricError, match="no_such_metric"):
        read_runs(source_case.source, metrics=["no_such_metric"])
    # an x-axis metric after the first may be absent
    read_runs(source_case.source, metrics=[METRIC, "no_such_axis"])


def test_option_hints_name_provenance_keys_and_reach_the_core(source_case: SourceCase) -> None:
    source = source_case.source
    assert source.tracker and set(source.option_hints) <= set(SOURCE_KEYS)
    for key, hint in source.option_hints.items():
        assert hint.startswith("--") and hint in (option_hint(key, [source.tracker]) or "")


def test_example_tables_are_read_or_refused_in_one_line(source_case: SourceCase) -> None:
    runs = _world_runs(source_case)
    try:
        tables = source_case.source.example_tables(runs, "eval")
    except NotSupported as error:
        assert "\n" not in str(error) and error.exit_code == 2
    else:
        assert set(tables) <= {r.key for r in runs}


def test_the_core_decides_the_same_on_every_source(source_case: SourceCase) -> None:
    found = read_runs(source_case.source, metrics=[METRIC_AS_TYPED])
    comparison = compare_runs(found.runs, metric=METRIC_AS_TYPED, seed_key="seed", reduce="auc")
    assert comparison.decision.winner == "lr=0.01"
    assert len(comparison.run_keys) == len(LRS) * len(SEEDS)


TESTS = {name: value for name, value in dict(globals()).items() if name.startswith("test_")}
