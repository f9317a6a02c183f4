"""``compare_runs(examples=...)`` / ``compare_frame(example_key=...)``: over examples x seeds."""

import json

import numpy as np
import pandas as pd
import pytest

from shared import ExampleTable, InputError, Run
from shared.compare import compare_frame, compare_runs
from shared.render import render


def _runs(effect=0.0, seeds=3, n=400, seed=0, clusters=None, table="eval", configs=2):
    rng = np.random.default_rng(seed)
    ids = tuple(f"q{i}" for i in range(n))
    hard = rng.normal(0, 1, n)
    cl = None if clusters is None else tuple(int(i) % clusters for i in range(n))
    runs = []
    for c in range(configs):
        for s in range(seeds):
            logit = 0.2 + hard + rng.normal(0, 0.2) + (effect if c == 1 else 0.0)
            ok = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
            cols = {"id": ids, "ok": ok}
            if cl is not None:
                cols["passage"] = cl
            runs.append(
                Run(
                    "frame",
                    f"c{c}s{s}",
                    params={"cfg": c, "seed": s},
                    examples={table: ExampleTable(table, cols)},
                )
            )
    return runs


def test_clear_difference_is_found_over_examples_and_seeds():
    c = compare_runs(_runs(effect=1.5, seeds=3), metric="ok", examples="eval", example_key="id")
    p = c.pairs[0]
    assert p.test == "examples-seeds" and p.extra["paired_by_seed"] is True
    assert c.decision.winner == "cfg=1"
    assert c.examples.scope == "new examples and new seeds" and c.examples.binary
    d = json.loads(render(c, "json"))
    assert d["schema"] == "tracker-compare/comparison/v3"
    assert d["examples"]["n_examples"] == 400 and d["pairs"][0]["variance"]["n_seeds"] == 3
    assert d["decision"]["examples_needed"] is None


def test_one_run_each_says_these_trained_runs_and_uses_mcnemar():
    c = compare_runs(_runs(effect=0.0, seeds=1), metric="ok", examples="eval", example_key="id")
    assert c.pairs[0].test == "mcnemar"
    assert c.examples.scope == "these trained runs on new examples"
    assert any("not for retraining" in w for w in c.warnings)
    clustered = compare_runs(
        _runs(seeds=1, clusters=40),
        metric="ok",
        examples="eval",
        example_key="id",
        cluster_key="passage",
    )
    assert clustered.pairs[0].test == "examples-only"
    assert clustered.examples.n_clusters == 40


def test_no_winner_advice_names_seeds_and_examples():
    c = compare_runs(
        _runs(effect=0.05, seeds=3, seed=4), metric="ok", examples="eval", example_key="id"
    )
    assert c.decision.winner is None
    assert "more seeds per configuration" in c.decision.rationale
    assert "buy more here" in c.decision.rationale


def test_long_frame_is_the_same_comparison():
    runs = _runs(effect=0.3, seeds=2, clusters=50)
    frames = []
    for r in runs:
        t = r.examples["eval"].to_frame()
        frames.append(t.assign(run_id=r.id, **{f"params.{k}": v for k, v in r.params.items()}))
    long = pd.concat(frames, ignore_index=True)
    a = compare_frame(long, metric="ok", example_key="id", cluster_key="passage")
    b = compare_runs(runs, metric="ok", examples="eval", example_key="id", cluster_key="passage")
    assert a.pairs[0].p_value == pytest.approx(b.pairs[0].p_value, rel=1e-12)
    assert a.pairs[0].ci == pytest.approx(b.pairs[0].ci, rel=1e-12)


def test_examples_missing_in_one_run_are_left_out_and_counted():
    runs = _runs(seeds=2)
    t = runs[1].examples["eval"]
    runs[1].examples = {"eval": ExampleTable("eval", {k: v[5:] for k, v in t.columns.items()})}
    c = compare_runs(runs, metric="ok", examples="eval", example_key="id")
    assert c.examples.n_examples == 395 and c.examples.left_out == 5
    assert any("5 examples left out" in w for w in c.warnings)


@pytest.mark.parametrize(
    "break_it, message",
    [
        (lambda r: setattr(r[2], "examples", {}), r"1 of 4 runs have no table 'eval': 'c1s0'"),
        (
            lambda r: setattr(
                r[0], "examples", {"eval": ExampleTable("eval", {"id": ("a", "a"), "ok": (1, 0)})}
            ),
            r"run 'c0s0': example key 'id' repeats",
        ),
        (
            lambda r: setattr(
                r[3],
                "examples",
                {"eval": ExampleTable("eval", {"id": ("q0", "q1"), "ok": ("yes", 1)})},
            ),
            r"run 'c1s1': score 'ok' .* not a "
            r"number at row 0: 'yes'",
        ),
        (
            lambda r: setattr(
                r[1], "examples", {"eval": ExampleTable("eval", {"qid": ("q0",), "ok": (1,)})}
            ),
            r"run 'c0s1': table 'eval' has no example "
            r"key column 'id'",
        ),
    ],
)
def test_bad_tables_are_one_line_input_errors_naming_the_run(break_it, message):
    runs = _runs(seeds=2, n=30)
    break_it(runs)
    with pytest.raises(InputError, match=message) as err:
        compare_runs(runs, metric="ok", examples="eval", example_key="id")
    assert "\n" not in str(err.value)


def test_options_that_do_not_apply_are_refused():
    runs = _runs(seeds=2, n=30)
    with pytest.raises(InputError, match="reduce='max' does not apply"):
        compare_runs(runs, metric="ok", examples="eval", example_key="id", reduce="max")
    with pytest.raises(InputError, match="needs both examples="):
        compare_runs(runs, metric="ok", example_key="id")
    with pytest.raises(InputError, match="unknown test='welch' over examples"):
        compare_runs(runs, metric="ok", examples="eval", example_key="id", test="welch")
    with pytest.raises(InputError, match="'examples-seeds' needs 2 or more runs"):
        compare_runs(
            _runs(seeds=1, n=30),
            metric="ok",
            examples="eval",
            example_key="id",
            test="examples-seeds",
        )


def test_cluster_that_changes_between_runs_is_an_error():
    runs = _runs(seeds=2, n=30, clusters=5)
    t = runs[1].examples["eval"]
    cols = dict(t.columns)
    cols["passage"] = (99,) + tuple(cols["passage"][1:])
    runs[1].examples = {"eval": ExampleTable("eval", cols)}
    with pytest.raises(InputError, match="example 'q0' is in cluster '?99'? in run 'c0s1'"):
        compare_runs(runs, metric="ok", examples="eval", example_key="id", cluster_key="passage")


def test_reports_render_a_comparison_over_examples(tmp_path):
    from shared.render import write_report

    c = compare_runs(
        _runs(effect=0.2, seeds=2, configs=3), metric="ok", examples="eval", example_key="id"
    )
    write_report(c, tmp_path)
    saved = json.loads((tmp_path / "comparison.json").read_text())
    # three configurations: "which is best?", each against the top one (MCB), whose
    # variances come from the examples-seeds tests the report names
    assert saved["examples"]["table"] == "eval" and len(saved["pairs"]) == 2
    assert saved["mcb"]["question"].startswith("which configuration is best")
    assert "examples-seeds" in (tmp_path / "report.html").read_text()
    assert "examples-seeds" in render(c, "markdown")


def test_unpaired_seeds_and_a_single_run_configuration():
    runs = _runs(effect=0.0, seeds=3)
    for r in runs[3:]:
        r.params["seed"] += 10  # configuration 1 ran other seeds: not paired by seed
    c = compare_runs(runs, metric="ok", examples="eval", example_key="id")
    assert c.pairs[0].test == "examples-seeds" and c.pairs[0].extra["paired_by_seed"] is False
    assert "unpaired seeds (3 and 3 runs)" in c.pairs[0].ci_method
    mixed = compare_runs(runs[:4], metric="ok", examples="eval", example_key="id")
    assert mixed.pairs[0].test == "examples-only"
    assert "has 3 run(s)" in mixed.pairs[0].why and "not for retraining" in mixed.pairs[0].why
    assert mixed.examples.scope == "these trained runs on new examples"
