"""Every name in the ``test`` vocabulary, through compare_runs, against an independent
implementation (scipy, scikit-posthocs, pingouin, statsmodels, deepsig, baycomp)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from _tracker_compare_compare_data import make_runs
from scipy import stats
from statsmodels.stats.multitest import multipletests

from shared.compare import TESTS, compare_runs

A = np.array([0.812, 0.795, 0.830, 0.801, 0.822, 0.788, 0.809])
B = A + np.array([0.021, 0.017, -0.004, 0.012, 0.019, 0.028, 0.015])
C = A + np.array([0.002, -0.003, 0.004, 0.001, -0.002, 0.003, 0.0])


def _runs2():
    return make_runs({"a": A, "b": B}, param="cfg")


def _runs3():
    return make_runs({"a": A, "b": B, "c": C}, param="cfg")


def test_vocabulary_is_the_issue_s():
    assert TESTS == ("auto", "paired-t", "welch", "student-t", "wilcoxon", "mann-whitney",
                     "permutation", "bootstrap", "friedman-nemenyi", "friedman-holm", "aso",
                     "bayes-signed-rank", "brunner-munzel")


def test_permutation_exact_paired_matches_scipy():
    comp = compare_runs(_runs2(), metric="acc", test="permutation")
    (p,) = comp.pairs
    ref = stats.permutation_test((A, B), lambda x, y: np.mean(x - y), permutation_type="samples",
                                 n_resamples=np.inf)
    assert p.test == "permutation" and p.paired
    assert p.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert "exact" in p.method


def test_permutation_unpaired_matches_scipy():
    comp = compare_runs(make_runs({"a": A[:5], "b": B[:6]}, param="cfg", seed_key=None),
                        metric="acc", test="permutation")
    (p,) = comp.pairs
    ref = stats.permutation_test((A[:5], B[:6]), lambda x, y: np.mean(x) - np.mean(y),
                                 permutation_type="independent", n_resamples=np.inf)
    assert not p.paired
    assert p.p_value == pytest.approx(ref.pvalue, rel=1e-10)


def test_bootstrap_bca_ci_close_to_scipy():
    comp = compare_runs(_runs2(), metric="acc", test="bootstrap", seed=3)
    (p,) = comp.pairs
    ref = stats.bootstrap((A - B,), np.mean, method="BCa", n_resamples=10000,
                          random_state=np.random.default_rng(3))
    # different random streams: the BCa endpoints agree to Monte Carlo precision
    width = ref.confidence_interval.high - ref.confidence_interval.low
    assert p.ci[0] == pytest.approx(ref.confidence_interval.low, abs=0.1 * width)
    assert p.ci[1] == pytest.approx(ref.confidence_interval.high, abs=0.1 * width)
    assert p.ci_method == "BCa bootstrap"
    # 7 runs: its p-values are not calibrated there, so it reports its interval, no p-value
    # and no verdict, and says which n it needs
    assert p.p_value is None and not p.significant and comp.decision.winner is None
    assert "refuses to decide with 7 runs" in p.reach and "at least 30" in p.reach


def test_bootstrap_decides_from_its_calibrated_n():
    rng = np.random.default_rng(11)
    a = rng.normal(0.70, 0.02, 32)
    b = a + rng.normal(0.015, 0.01, 32)
    comp = compare_runs(make_runs({"a": a, "b": b}, param="cfg"), metric="acc",
                        test="bootstrap", seed=1)
    (p,) = comp.pairs
    assert p.reach is None and 0.0 < p.p_value < 0.05 and p.significant
    assert comp.decision.winner == "cfg=b" and p.diff == pytest.approx(np.mean(a - b))


def test_friedman_nemenyi_matches_scikit_posthocs():
    import scikit_posthocs as sp

    comp = compare_runs(_runs3(), metric="acc", test="friedman-nemenyi")
    ref = sp.posthoc_nemenyi_friedman(np.column_stack([A, B, C]))
    names = [c.name for c in comp.configs]
    assert comp.omnibus.test == "friedman"
    for p in comp.pairs:
        i, j = names.index(p.a), names.index(p.b)
        assert p.test == "friedman-nemenyi"
        assert p.p_value == pytest.approx(ref.iloc[i, j], rel=1e-6)
        assert p.p_adjusted == p.p_value  # family-wise by construction
        assert "no further correction" in p.why


def test_friedman_holm_against_a_baseline_is_demsar_z_with_holm():
    comp = compare_runs(_runs3(), metric="acc", test="friedman-holm", baseline="cfg=a")
    m = np.column_stack([A, B, C])
    n, k = m.shape
    ranks = stats.rankdata(-m, axis=1).mean(axis=0)
    z = (ranks[1:] - ranks[0]) / math.sqrt(k * (k + 1) / (6 * n))
    raw = 2 * stats.norm.sf(np.abs(z))
    holm = multipletests(raw, method="holm")[1]
    assert [(p.a, p.b) for p in comp.pairs] == [("cfg=b", "cfg=a"), ("cfg=c", "cfg=a")]
    assert [p.p_value for p in comp.pairs] == pytest.approx(list(raw), rel=1e-10)
    assert [p.p_adjusted for p in comp.pairs] == pytest.approx(list(holm), rel=1e-10)


def test_friedman_holm_without_baseline_tests_every_pair():
    # no control picked from the same data (that would test a hypothesis chosen after
    # looking): every pair, z-tests on mean ranks, Holm over the three
    comp = compare_runs(_runs3(), metric="acc", test="friedman-holm")
    m = np.column_stack([A, B, C])
    n, k = m.shape
    ranks = stats.rankdata(-m, axis=1).mean(axis=0)
    idx = {"cfg=a": 0, "cfg=b": 1, "cfg=c": 2}
    assert {(p.a, p.b) for p in comp.pairs} == {("cfg=a", "cfg=b"), ("cfg=a", "cfg=c"),
                                                  ("cfg=b", "cfg=c")}
    z = [(ranks[idx[p.a]] - ranks[idx[p.b]]) / math.sqrt(k * (k + 1) / (6 * n))
         for p in comp.pairs]
    raw = 2 * stats.norm.sf(np.abs(z))
    assert [p.p_value for p in comp.pairs] == pytest.approx(list(raw), rel=1e-10)
    assert [p.p_adjusted for p in comp.pairs] == pytest.approx(
        list(multipletests(raw, method="holm")[1]), rel=1e-10)
    # the estimate is the test's own: the mean-rank difference (positive = a ranks ahead)
    for p in comp.pairs:
        assert p.estimate == "mean_rank_difference"
        assert p.diff == pytest.approx(ranks[idx[p.b]] - ranks[idx[p.a]])
        assert p.ci is None and p.mean_diff == pytest.approx(np.mean(m[:, idx[p.a]]
                                                                     - m[:, idx[p.b]]))


def test_aso_matches_deepsig_and_respects_the_goal():
    from deepsig import aso as deepsig_aso

    comp = compare_runs(_runs2(), metric="acc", test="aso", seed=4)
    (p,) = comp.pairs
    ref = deepsig_aso(A, B, confidence_level=0.95, seed=4, show_progress=False)
    assert p.test == "aso" and p.p_value is None
    assert p.epsilon_min == pytest.approx(ref, abs=1e-9)
    # 7 runs: below the n where ASO's false-winner rate is kept; statistics only
    assert not p.significant and "refuses to decide with 7 runs" in p.reach
    assert comp.decision.winner is None
    # 12 runs each, B clearly ahead: decided with the 0.2 threshold, in words of dominance
    rng = np.random.default_rng(8)
    a, b = rng.normal(0.80, 0.01, 12), rng.normal(0.83, 0.01, 12)
    comp = compare_runs(make_runs({"a": a, "b": b}, param="cfg", seed_key=None),
                        metric="acc", test="aso", seed=4)
    (p,) = comp.pairs
    ref = deepsig_aso(a, b, confidence_level=0.95, seed=4, show_progress=False)
    assert p.epsilon_min == pytest.approx(ref, abs=1e-9)
    assert p.epsilon_min_reverse < 0.2 and p.b_better and p.significant and comp.decision.winner == "cfg=b"
    assert "almost stochastically dominant" in comp.decision.rationale
    assert p.estimate == "cliffs_delta" and p.diff < 0
    # minimising the same numbers: A is the better one
    low = compare_runs(make_runs({"a": a, "b": b}, param="cfg", seed_key=None),
                       metric="acc", test="aso", seed=4, goal="minimize")
    assert low.pairs[0].a_better and low.decision.winner == "cfg=a"


def test_bayes_signed_rank_matches_baycomp_and_uses_min_effect_as_rope():
    from baycomp import SignedRankTest

    comp = compare_runs(_runs2(), metric="acc", test="bayes-signed-rank", min_effect=0.005,
                        seed=2)
    (p,) = comp.pairs
    ref = SignedRankTest.probs(A, B, rope=0.005, nsamples=50000, random_state=2)
    assert p.rope == 0.005
    assert (p.p_a_better, p.p_rope, p.p_b_better) == pytest.approx(
        ref, abs=1e-9)
    # 7 seeds: its posterior is overconfident there; probabilities only, no verdict
    assert not p.significant and "refuses to decide with 7 runs" in p.reach
    # 32 seeds: decided when a posterior probability reaches 1 - alpha/2
    rng = np.random.default_rng(9)
    a = rng.normal(0.8, 0.02, 32)
    b = a + rng.normal(0.02, 0.01, 32)
    comp = compare_runs(make_runs({"a": a, "b": b}, param="cfg"), metric="acc",
                        test="bayes-signed-rank", min_effect=0.005, seed=2)
    (p,) = comp.pairs
    ref = SignedRankTest.probs(a, b, rope=0.005, nsamples=50000, random_state=2)
    assert p.p_b_better == pytest.approx(ref[2], abs=1e-9)
    assert p.significant == (max(ref[0], ref[2]) >= 0.975) and p.significant
    assert comp.decision.winner == "cfg=b" and "P(cfg=b better)" in comp.decision.rationale


def test_bayes_without_rope_and_rank_family_with_min_effect_refuse():
    from shared.errors import InputError

    with pytest.raises(InputError, match="region of practical equivalence"):
        compare_runs(_runs2(), metric="acc", test="bayes-signed-rank")
    with pytest.raises(InputError, match="no interval in metric units"):
        compare_runs(_runs3(), metric="acc", test="friedman-nemenyi", min_effect=0.01)


def test_three_unpaired_configs_welch_anova_matches_pingouin():
    import pingouin as pg

    rng = np.random.default_rng(2)
    vals = {i: rng.normal(mu, 0.01, n) for i, (mu, n) in enumerate([(0.8, 6), (0.81, 7),
                                                                      (0.83, 5)])}
    # every pair (the all-pairs question): the default compares each with the best
    comp = compare_runs(make_runs(vals, param="c", seed_key=None), metric="acc",
                        all_pairs=True)
    df = pd.DataFrame([(k, v) for k, vs in vals.items() for v in vs], columns=["g", "y"])
    ref = pg.welch_anova(df, dv="y", between="g")
    assert comp.omnibus.test == "welch-anova"
    assert comp.omnibus.statistic == pytest.approx(ref["F"].iloc[0], rel=1e-9)
    assert comp.omnibus.p_value == pytest.approx(ref["p_unc"].iloc[0], rel=1e-6)
    assert all(p.test == "welch" for p in comp.pairs)
    raw = [stats.ttest_ind(vals[int(p.a[2:])], vals[int(p.b[2:])], equal_var=False).pvalue
           for p in comp.pairs]
    assert [p.p_value for p in comp.pairs] == pytest.approx(raw, rel=1e-10)


def test_three_unpaired_non_normal_configs_kruskal_and_brunner_munzel():
    vals = {0: [1.0, 1.0, 1.0, 1.0, 9.0], 1: [2.0, 2.0, 2.0, 2.0, 30.0], 2: [3.0, 3.0, 3.0, 3.0, 50.0]}
    comp = compare_runs(make_runs(vals, param="c", seed_key=None), metric="acc")
    ref = stats.kruskal(*vals.values())
    assert comp.omnibus.test == "kruskal-wallis"
    assert comp.omnibus.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    # rank tests that do not assume equal shapes (issue 17's D1)
    assert all(p.test == "brunner-munzel" for p in comp.pairs)


def test_paired_t_family_uses_repeated_measures_anova():
    from statsmodels.stats.anova import AnovaRM

    comp = compare_runs(_runs3(), metric="acc", test="paired-t")
    df = pd.DataFrame([(s, c, v) for c, vs in zip("abc", (A, B, C), strict=True)
                       for s, v in enumerate(vs)], columns=["seed", "cfg", "y"])
    ref = AnovaRM(df, "y", "seed", within=["cfg"]).fit().anova_table
    assert comp.omnibus.test == "rm-anova"
    assert comp.omnibus.statistic == pytest.approx(ref["F Value"].iloc[0], rel=1e-9)


def test_many_configs_batch_path_matches_scipy_and_hedges_g():
    from shared.stats import hedges_g

    rng = np.random.default_rng(9)
    k, n = 16, 6  # 120 pairs: above the batch threshold
    base = rng.normal(0, 1, n)
    vals = {i: base + rng.normal(i * 0.05, 0.2, n) for i in range(k)}
    comp = compare_runs(make_runs(vals, param="c"), metric="acc", test="paired-t")
    assert len(comp.pairs) == 120
    names = [c.name for c in comp.configs]
    order = [int(nm[2:]) for nm in names]
    raw = []
    for p in comp.pairs:
        a, b = vals[order[names.index(p.a)]], vals[order[names.index(p.b)]]
        ref = stats.ttest_rel(a, b)
        assert p.p_value == pytest.approx(ref.pvalue, rel=1e-9)
        assert p.statistic == pytest.approx(ref.statistic, rel=1e-9)
        assert p.effect_size == pytest.approx(hedges_g(a, b, paired=True).value, rel=1e-9)
        raw.append(ref.pvalue)
    assert [p.p_adjusted for p in comp.pairs] == pytest.approx(
        list(multipletests(raw, method="holm")[1]), rel=1e-9)

    comp = compare_runs(make_runs(vals, param="c", seed_key=None), metric="acc", test="welch")
    for p in comp.pairs[:10]:
        a, b = vals[order[names.index(p.a)]], vals[order[names.index(p.b)]]
        assert p.p_value == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue,
                                          rel=1e-9)
        assert p.effect_size == pytest.approx(hedges_g(a, b, paired=False).value, rel=1e-9)

    # a rank-test family of the same size: Wilcoxon per pair, g point estimates in bulk
    comp = compare_runs(make_runs(vals, param="c"), metric="acc", test="wilcoxon")
    for p in comp.pairs[:10]:
        a, b = vals[order[names.index(p.a)]], vals[order[names.index(p.b)]]
        assert p.p_value == pytest.approx(stats.wilcoxon(a, b, method="exact").pvalue, rel=1e-9)
        assert p.effect_size == pytest.approx(hedges_g(a, b, paired=True).value, rel=1e-9)
        assert p.effect_ci is None  # no noncentral-t CI for 120 pairs
        ci = stats.ttest_rel(a, b).confidence_interval(0.95)
        assert p.mean_ci == pytest.approx((ci.low, ci.high), rel=1e-9)
        # the pair's estimate is the rank test's own: the Hodges-Lehmann shift
        d = np.asarray(a) - np.asarray(b)
        iu = np.triu_indices(d.size)
        assert p.diff == pytest.approx(np.median((d[iu[0]] + d[iu[1]]) / 2), abs=1e-12)
        assert p.ci_method.startswith("Hodges-Lehmann")


def test_friedman_tests_say_when_the_correction_option_does_not_apply():
    comp = compare_runs(_runs3(), metric="acc", test="friedman-nemenyi", correction="bh")
    assert ("correction 'bh' is not applied: Nemenyi p-values are family-wise by construction"
            in comp.warnings)
    plain = compare_runs(_runs3(), metric="acc", test="friedman-nemenyi")
    assert not any("is not applied" in w for w in plain.warnings)
