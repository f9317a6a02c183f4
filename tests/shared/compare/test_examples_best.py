"""Which configuration is best over per-example scores: compare with the best (MCB).

Three or more configurations over examples answer the run-level question "which is best?"
(``shared/compare/inference/_examples_mcb.py``); before, every pair was tested with Holm.
"""

import math

import numpy as np
from scipy import stats

from shared import ExampleTable, Run
from shared.compare import Comparison, compare_runs
from shared.compare.inference._examples_mcb import examples_mcb
from shared.compare.inference._examples_runners import ConfigScores
from shared.stats._examples import examples_seeds_test


def _scores(rng, means, seeds=3, n=600, seed_sd=0.03, noise=0.6):
    hard = rng.normal(0, 1, n)
    return [hard + m + rng.normal(0, seed_sd, (seeds, 1)) + rng.normal(0, noise, (seeds, n))
            for m in means]


def _runs(means, seeds=3, n=600, seed=11):
    rng = np.random.default_rng(seed)
    ids = tuple(f"q{i}" for i in range(n))
    runs = []
    for c, m in enumerate(_scores(rng, means, seeds, n)):
        for s in range(seeds):
            runs.append(Run("frame", f"c{c}s{s}", params={"cfg": c, "seed": s},
                            examples={"eval": ExampleTable("eval", {"id": ids, "y": m[s]})}))
    return runs


def test_four_configurations_one_clearly_best_is_named_by_comparing_with_the_best():
    c = compare_runs(_runs((0.0, 0.02, 0.0, 0.4)), metric="y", examples="eval",
                     example_key="id")
    assert c.decision.winner == "cfg=3"
    assert c.mcb is not None and c.mcb.best_set == ("cfg=3",)
    # each other configuration against the top one, with the variance of its examples test
    assert len(c.pairs) == 3 and {p.b for p in c.pairs} == {"cfg=3"}
    assert all(p.test == "mcb" and p.variance is not None for p in c.pairs)
    assert "examples-seeds" in c.mcb.method and "Bonferroni" in c.mcb.method
    assert c.examples.scope == "new examples and new seeds"
    assert Comparison.from_dict(c.to_dict()).to_dict() == c.to_dict()


def test_all_pairs_still_tests_every_pair_with_the_correction():
    c = compare_runs(_runs((0.0, 0.02, 0.0, 0.4)), metric="y", examples="eval",
                     example_key="id", all_pairs=True)
    assert c.mcb is None and len(c.pairs) == 6
    assert {p.test for p in c.pairs} == {"examples-seeds"}
    assert all(p.p_adjusted is not None for p in c.pairs)


def test_a_baseline_compares_with_it_not_with_the_best():
    c = compare_runs(_runs((0.0, 0.02, 0.0, 0.4)), metric="y", examples="eval",
                     example_key="id", baseline="cfg=0")
    assert c.mcb is None and {p.a for p in c.pairs} == {"cfg=0"}


def test_critical_values_are_each_pairs_bonferroni_t_quantiles():
    rng = np.random.default_rng(5)
    mats = _scores(rng, (0.0, 0.1, 0.5), seeds=3)
    scores = [ConfigScores(n, m, (0, 1, 2)) for n, m in zip("ABC", mats, strict=True)]
    res = {(i, j): examples_seeds_test(mats[i], mats[j], paired=True)
           for i in range(3) for j in range(i + 1, 3)}
    r = examples_mcb("ABC", scores, res, goal="maximize", alpha=0.05)
    # the winner's lower bound against each other, recomputed from scipy with the pair's df
    c_top = {row["name"]: row for row in r["rows"]}["C"]
    expect = min(
        (mats[2].mean() - mats[j].mean())
        - stats.t.ppf(1 - 0.05 / (2 * 2), res[j, 2].df) * res[j, 2].se
        for j in (0, 1)
    )
    assert math.isclose(c_top["margin_low"], expect, rel_tol=1e-9)
    assert r["best"] == ("C" if expect > 0 else None)


def test_no_difference_rarely_names_a_winner():
    """A few cells' worth of the calibration (``examples_calibration.py --mcb`` has more):
    four equal configurations, 3 seeds, 300 data sets: false winners within alpha + 2 SE,
    and the true best (all are) always in the possibly-best set."""
    rng = np.random.default_rng(2024)
    wins = 0
    reps = 300
    for _ in range(reps):
        mats = _scores(rng, (0.0,) * 4, seeds=3, n=300, seed_sd=0.05)
        scores = [ConfigScores(f"c{i}", m, (0, 1, 2)) for i, m in enumerate(mats)]
        res = {(i, j): examples_seeds_test(mats[i], mats[j], paired=True)
               for i in range(4) for j in range(i + 1, 4)}
        r = examples_mcb([s.name for s in scores], scores, res, goal="maximize", alpha=0.05)
        wins += r["best"] is not None
        assert len(r["best_set"]) >= 1
    assert wins / reps <= 0.05 + 2 * math.sqrt(0.05 * 0.95 / reps)


def test_three_or_more_configurations_on_the_same_seeds_share_the_run_variance():
    runs = _runs((0.0, 0.02, 0.0, 0.4))
    four = compare_runs(runs, metric="y", examples="eval", example_key="id", all_pairs=True)
    two = compare_runs([r for r in runs if r.params["cfg"] in (0, 1)], metric="y",
                       examples="eval", example_key="id")
    shared = next(p for p in four.pairs if {p.a, p.b} == {"cfg=0", "cfg=1"})
    alone = two.pairs[0]
    assert "moderated across the 6 pairs" in shared.ci_method
    assert "moderated" not in alone.ci_method
    # the same pair, the same estimate; its run term now has up to (3 - 1)(4 - 1) = 6 df
    assert math.isclose(shared.diff, alone.diff, rel_tol=1e-12)
    assert shared.df > alone.df


def test_a_noisier_configuration_keeps_its_own_wide_run_terms():
    rng = np.random.default_rng(3)
    mats = _scores(rng, (0.0,) * 5, seeds=4, n=400, seed_sd=0.02, noise=0.3)
    mats[4] = mats[4] + rng.normal(0, 0.3, (4, 1))  # one configuration's seeds vary 15x more
    from shared.compare.inference._examples_runners import share_run_terms

    scores = share_run_terms([ConfigScores(f"c{i}", m, (0, 1, 2, 3)) for i, m in enumerate(mats)])
    shared = scores[0].shared
    assert shared is not None
    quiet = shared.term("c0", "c1")[0]
    noisy = shared.term("c0", "c4")[0]
    assert noisy > 10 * quiet


def test_a_named_test_is_that_pairs_own_test():
    c = compare_runs(_runs((0.0, 0.02, 0.0, 0.4)), metric="y", examples="eval",
                     example_key="id", test="examples-seeds", all_pairs=True)
    assert all("moderated" not in p.ci_method for p in c.pairs)
