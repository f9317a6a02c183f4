"""test="auto": which test for which data, and the reason written into ``why``."""

from __future__ import annotations

import numpy as np
import pytest
from _tracker_compare_compare_data import make_runs
from scipy import stats

from shared.compare import compare_runs
from shared.compare.configs._pairing import Sample, plan_pair
from shared.compare.inference._selection import choose_auto, family_choice
from shared.model import Run

NORMALISH = [0.0, 0.5, -0.4, 1.1, -1.0, 0.2, 0.7, -0.6]


def _plan(a, b, paired=True):
    seeds = list(range(len(a))) if paired else None
    return plan_pair(Sample("A", a, seeds), Sample("B", b, list(range(len(b))) if paired
                                                    else None))


def test_auto_paired_normal_differences_paired_t():
    a = np.arange(8.0)
    ch = choose_auto(_plan(a, a + NORMALISH))
    p = stats.shapiro(-np.array(NORMALISH)).pvalue
    assert ch.test == "paired-t" and ch.paired
    assert f"Shapiro-Wilk p={p:.2g}" in ch.why and "paired by seed (8 shared seeds)" in ch.why


def test_auto_paired_skewed_differences_wilcoxon():
    a = np.arange(8.0)
    ch = choose_auto(_plan(a, a + [0.1, 0.1, 0.2, 0.1, 0.1, 0.15, 0.1, 5.0]))
    assert ch.test == "wilcoxon" and "not normal" in ch.why and "(exact)" in ch.why


def test_auto_two_pairs_only():
    ch = choose_auto(_plan([1.0, 2.0], [1.5, 2.7]))
    assert ch.test == "paired-t" and "too few to check normality" in ch.why


def test_auto_unpaired_normal_welch_skewed_brunner_munzel():
    a = np.array(NORMALISH)
    assert choose_auto(_plan(a, a + 1, paired=False)).test == "welch"
    skewed = np.array([0.1, 0.1, 0.2, 0.1, 0.1, 0.15, 0.1, 5.0])
    ch = choose_auto(_plan(a, skewed, paired=False))
    assert ch.test == "brunner-munzel" and "studentized permutation" in ch.why
    assert choose_auto(_plan([1.0, 2.0], [3.0, 4.0, 5.0], paired=False)).test == "welch"


def test_family_choice_pools_two_way_residuals():
    rng = np.random.default_rng(7)
    m = rng.normal(size=(10, 5)) + rng.normal(size=(10, 1)) * 5  # strong seed effect
    ok, why = family_choice([m[:, j] for j in range(5)], m)
    r = m - m.mean(1, keepdims=True) - m.mean(0, keepdims=True) + m.mean()
    p = stats.shapiro(r.ravel()).pvalue
    assert p >= 0.05 and ok and f"p={p:.2g}" in why
    m[0, 0] += 40  # one wild run
    ok, why = family_choice([m[:, j] for j in range(5)], m)
    assert not ok and "not normal" in why


def test_auto_three_configs_non_normal_blocks_friedman_and_wilcoxon():
    rng = np.random.default_rng(1)
    base = rng.normal(0, 1, 10)
    vals = {i: base + rng.exponential(1.0, 10) ** 3 + i for i in range(3)}
    comp = compare_runs(make_runs(vals, param="c"), metric="acc")
    assert comp.omnibus.test == "friedman"
    assert all(p.test == "wilcoxon" for p in comp.pairs)
    assert all("two-way (seed x config) residuals are not normal" in p.why for p in comp.pairs)


def test_rm_anova_with_more_configs_than_seeds_uses_greenhouse_geisser():
    rng = np.random.default_rng(2)
    base = rng.normal(0, 1, 4)
    vals = {i: base + rng.normal(0.1 * i, 0.3, 4) for i in range(6)}
    comp = compare_runs(make_runs(vals, param="c"), metric="acc", test="paired-t")
    o = comp.omnibus
    assert o.test == "rm-anova" and o.sphericity is None
    assert o.p_value == pytest.approx(o.pvalue_gg)
    assert "Greenhouse-Geisser" in o.why


def test_many_unpairable_configs_give_one_summarised_warning():
    rng = np.random.default_rng(3)
    runs = [Run("frame", f"{i}-{s}", params={"cfg": i, "seed": 42},
                metrics={"acc": rng.normal(0, 1)}) for i in range(8) for s in range(3)]
    comp = compare_runs(runs, metric="acc")
    assert not any(p.paired for p in comp.pairs)
    msgs = [w for w in comp.warnings if "duplicate seeds" in w or "cannot be paired" in w]
    assert len(msgs) == 1, msgs
    # one line, naming the count and the runs of the first configurations
    assert msgs[0].startswith("8 configurations have duplicate seeds, so their tests are "
                              "unpaired: cfg=0 (seed 42: 0-0, 0-1, 0-2) | cfg=1 (seed 42: ")
    assert "| and 5 more." in msgs[0]


def test_repeated_pair_warnings_are_counted_not_repeated():
    rng = np.random.default_rng(4)
    vals = {i: rng.normal(0, 1, 4) for i in range(6)}
    comp = compare_runs(make_runs(vals, param="c"), metric="acc", test="wilcoxon")
    cov = [w for w in comp.warnings if "coverage" in w]
    assert len(cov) == 1 and "(15 pairs, e.g. c=0 vs c=1)" in cov[0]
    assert all(any("coverage" in w for w in p.warnings) for p in comp.pairs)


def test_aso_family_size_follows_the_correction():
    rng = np.random.default_rng(5)
    vals = {i: rng.normal(i * 0.3, 1, 8) for i in range(3)}
    holm = compare_runs(make_runs(vals, param="c"), metric="acc", test="aso")
    none = compare_runs(make_runs(vals, param="c"), metric="acc", test="aso", correction="none")
    assert holm.pairs[0].epsilon_min >= none.pairs[0].epsilon_min
    assert holm.pairs[0].p_value is None
