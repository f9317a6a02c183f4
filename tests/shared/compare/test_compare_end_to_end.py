"""End to end: runs built by hand -> compare_runs -> every number checked against scipy,
statsmodels and numpy directly (independent implementations)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from _tracker_compare_compare_data import make_runs
from scipy import stats
from statsmodels.stats.anova import AnovaRM
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestPower

from shared.compare import SCHEMA, compare_frame, compare_runs
from shared.errors import InputError

A = [0.812, 0.795, 0.830, 0.801, 0.822, 0.788, 0.809, 0.815]
# B = A + a noisy gain: differences look normal
GAIN = [0.021, 0.017, 0.025, 0.012, 0.019, 0.028, 0.015, 0.022]
B = [a + g for a, g in zip(A, GAIN, strict=True)]


def _j(df):
    # Hedges' exact correction, written out independently of shared.stats
    return math.gamma(df / 2) / (math.sqrt(df / 2) * math.gamma((df - 1) / 2))


def test_two_configs_paired_every_number_against_scipy():
    comp = compare_runs(make_runs({0.1: A, 0.01: B}), metric="acc")
    d = comp.to_dict()
    json.dumps(d, allow_nan=False)  # strict JSON

    assert d["schema"] == SCHEMA
    assert d["metric"] == {"name": "acc", "goal": "maximize", "reduce": "last"}
    assert d["seed_key"] == "seed"
    by_name = {c["name"]: c for c in d["configs"]}
    assert set(by_name) == {"lr=0.1", "lr=0.01"}
    for name, vals in (("lr=0.1", A), ("lr=0.01", B)):
        c = by_name[name]
        x = np.array(vals)
        assert c["n"] == len(vals)
        assert c["mean"] == pytest.approx(x.mean(), rel=1e-12)
        assert c["std"] == pytest.approx(np.std(x, ddof=1), rel=1e-12)  # ddof=1
        assert c["median"] == pytest.approx(np.median(x), rel=1e-12)
        lo, hi = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
        assert c["ci"] == pytest.approx([lo, hi], rel=1e-10)
        assert c["values"] == pytest.approx(vals)
        assert c["seeds"] == list(range(len(vals)))
        assert len(c["runs"]) == len(c["run_keys"]) == len(c["run_names"]) == len(vals)
        # BCa bootstrap CI of the mean: scipy's, up to Monte Carlo error (other random draws)
        ref = stats.bootstrap((x,), np.mean, method="BCa", n_resamples=10000,
                              random_state=np.random.default_rng(1)).confidence_interval
        tol = 0.1 * (ref.high - ref.low)
        assert c["ci_bootstrap"] == pytest.approx([ref.low, ref.high], abs=tol)

    (pair,) = d["pairs"]
    a = np.array(by_name[pair["a"]]["values"])
    b = np.array(by_name[pair["b"]]["values"])
    diff = a - b
    sw = stats.shapiro(diff).pvalue
    assert sw > 0.05
    ref = stats.ttest_rel(a, b)
    assert pair["test"] == "paired-t" and pair["paired"] is True
    assert pair["n"] == 8
    assert pair["diff"] == pytest.approx(diff.mean(), rel=1e-12)
    assert pair["statistic"] == pytest.approx(ref.statistic, rel=1e-10)
    assert pair["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert pair["p_adjusted"] == pytest.approx(ref.pvalue, rel=1e-10)  # one pair: no change
    assert pair["df"] == 7
    ci = ref.confidence_interval(0.95)
    assert pair["ci"] == pytest.approx([ci.low, ci.high], rel=1e-10)
    dz = diff.mean() / np.std(diff, ddof=1)
    assert pair["effect_name"] == "hedges_g_z"
    assert pair["effect_size"] == pytest.approx(_j(7) * dz, rel=1e-10)
    assert f"Shapiro-Wilk p={sw:.2g}" in pair["why"]
    assert pair["significant"] is True
    assert pair["better"] == "lr=0.01"
    assert d["decision"]["winner"] == "lr=0.01"
    assert "reliably better" in d["decision"]["rationale"]
    assert d["decision"]["seeds_needed"] is None
    assert d["omnibus"] is None
    assert d["runs"] == 16 and comp.run_keys == [k for c in d["configs"] for k in c["run_keys"]]


def test_non_normal_differences_use_exact_wilcoxon():
    rng = np.random.default_rng(3)
    a = rng.normal(0.8, 0.01, 10)
    gain = np.array([0.001, 0.002, 0.001, 0.003, 0.002, 0.001, 0.002, 0.09, 0.08, 0.001])
    comp = compare_runs(make_runs({"x": a, "y": a + gain}, param="opt"), metric="acc")
    (pair,) = comp.pairs
    d = np.array(comp.config(pair.a).values) - np.array(comp.config(pair.b).values)
    assert stats.shapiro(d).pvalue < 0.05
    ref = stats.wilcoxon(d, method="exact")
    assert pair.test == "wilcoxon"
    assert pair.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert pair.statistic == pytest.approx(ref.statistic)
    assert "not normal" in pair.why and "exact" in pair.why
    # the estimate and CI are the rank test's: the Hodges-Lehmann shift (median of the Walsh
    # averages) and its distribution-free interval; the mean's t-interval is kept beside
    iu = np.triu_indices(d.size)
    walsh = np.sort((d[iu[0]] + d[iu[1]]) / 2)
    assert pair.estimate == "hodges_lehmann_shift"
    assert pair.diff == pytest.approx(np.median(walsh), abs=1e-12)
    # exact CI: the Walsh averages at ranks q and m+1-q, q from the signed-rank null (n=10:
    # P(T <= 8) = 0.0244, the largest lower tail not above 0.025 -> q = 9), as R's wilcox.test
    assert pair.ci == pytest.approx((walsh[8], walsh[walsh.size - 9]), abs=1e-12)
    ci = stats.ttest_rel(comp.config(pair.a).values, comp.config(pair.b).values)
    ci = ci.confidence_interval(0.95)
    assert pair.mean_ci == pytest.approx((ci.low, ci.high), rel=1e-10)
    assert pair.ci_method.startswith("Hodges-Lehmann")


def test_unpaired_welch_and_mann_whitney_against_scipy():
    x = [0.71, 0.74, 0.69, 0.73, 0.72, 0.70]
    y = [0.75, 0.78, 0.74, 0.80, 0.77]
    comp = compare_runs(make_runs({"a": x, "b": y}, param="arch", seed_key=None), metric="acc")
    assert comp.seed_key is None
    (p,) = comp.pairs
    ref = stats.ttest_ind(x, y, equal_var=False)
    assert p.test == "welch" and p.paired is False
    assert p.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert p.df == pytest.approx(ref.df, rel=1e-10)
    ci = ref.confidence_interval(0.95)
    assert p.ci == pytest.approx((ci.low, ci.high), rel=1e-10)
    n1, n2 = len(x), len(y)
    sp = math.sqrt(((n1 - 1) * np.var(x, ddof=1) + (n2 - 1) * np.var(y, ddof=1)) / (n1 + n2 - 2))
    assert p.effect_size == pytest.approx(_j(n1 + n2 - 2) * (np.mean(x) - np.mean(y)) / sp)

    comp = compare_runs(make_runs({"a": x, "b": y}, param="arch", seed_key=None),
                        metric="acc", test="mann-whitney")
    (p,) = comp.pairs
    ref = stats.mannwhitneyu(x, y, method="exact")
    assert p.test == "mann-whitney"
    assert p.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert p.statistic == pytest.approx(ref.statistic)
    assert p.effect_name == "cliffs_delta"
    dom = np.sign(np.subtract.outer(x, y))
    assert p.effect_size == pytest.approx(dom.mean())

    comp = compare_runs(make_runs({"a": x, "b": y}, param="arch", seed_key=None),
                        metric="acc", test="student-t")
    ref = stats.ttest_ind(x, y, equal_var=True)
    assert comp.pairs[0].p_value == pytest.approx(ref.pvalue, rel=1e-10)


def test_three_configs_friedman_then_holm_corrected_pairs():
    rng = np.random.default_rng(11)
    base = rng.normal(0.8, 0.02, 8)  # a seed effect shared by every configuration
    vals = {
        "a": base + rng.normal(0.0, 0.004, 8),
        "b": base + 0.01 + rng.normal(0.0, 0.004, 8),
        "c": base + 0.002 + rng.normal(0.0, 0.004, 8),
    }
    # every pair (the all-pairs question): the default compares each with the best
    comp = compare_runs(make_runs(vals, param="opt"), metric="acc", all_pairs=True)
    names = [c.name for c in comp.configs]
    assert names == ["opt=a", "opt=b", "opt=c"]
    m = np.column_stack([vals[k] for k in "abc"])
    n, k = m.shape
    # residuals look normal: repeated-measures ANOVA (statsmodels AnovaRM independently)
    df = pd.DataFrame([(s, c, v) for c in "abc" for s, v in enumerate(vals[c])],
                      columns=["seed", "cfg", "y"])
    aov = AnovaRM(df, "y", "seed", within=["cfg"]).fit().anova_table
    assert comp.omnibus is not None and comp.omnibus.test == "rm-anova"
    assert comp.omnibus.statistic == pytest.approx(aov["F Value"].iloc[0], rel=1e-9)
    assert comp.omnibus.sphericity is True  # Mauchly does not reject: uncorrected p
    assert comp.omnibus.p_value == pytest.approx(aov["Pr > F"].iloc[0], rel=1e-9)
    # a rank-based family gets Friedman with the Iman-Davenport F (scipy independently)
    ranked = compare_runs(make_runs(vals, param="opt"), metric="acc", test="wilcoxon")
    ref = stats.friedmanchisquare(*m.T)
    assert ranked.omnibus.test == "friedman"
    assert ranked.omnibus.chi2 == pytest.approx(ref.statistic, rel=1e-10)
    ff = (n - 1) * ref.statistic / (n * (k - 1) - ref.statistic)
    assert ranked.omnibus.statistic == pytest.approx(ff, rel=1e-10)
    assert ranked.omnibus.p_value == pytest.approx(
        stats.f.sf(ff, k - 1, (k - 1) * (n - 1)), rel=1e-10
    )
    # pairs: all three, paired t (residuals normal here), Holm across the family
    assert [(p.a, p.b) for p in comp.pairs] == [("opt=a", "opt=b"), ("opt=a", "opt=c"),
                                                ("opt=b", "opt=c")]
    raw = []
    for p in comp.pairs:
        i, j = names.index(p.a), names.index(p.b)
        ref_p = stats.ttest_rel(m[:, i], m[:, j]).pvalue
        assert p.test == "paired-t"
        assert p.p_value == pytest.approx(ref_p, rel=1e-10)
        raw.append(ref_p)
    holm = multipletests(raw, method="holm")[1]
    assert [p.p_adjusted for p in comp.pairs] == pytest.approx(list(holm), rel=1e-10)
    bh = compare_runs(make_runs(vals, param="opt"), metric="acc", correction="bh",
                      all_pairs=True)
    assert [p.p_adjusted for p in bh.pairs] == pytest.approx(
        list(multipletests(raw, method="fdr_bh")[1]), rel=1e-10)
    assert comp.decision.winner == "opt=b"
    cd = comp.critical_difference
    assert cd is not None
    # Nemenyi CD (Demsar 2006, eq. 5): q_alpha from the studentized range / sqrt(2)
    q = stats.studentized_range.ppf(0.95, 3, np.inf) / math.sqrt(2)
    assert cd.cd == pytest.approx(q * math.sqrt(k * (k + 1) / (6 * n)), rel=1e-6)
    ranks = stats.rankdata(-m, axis=1).mean(axis=0)
    assert list(cd.mean_ranks.values()) == pytest.approx(list(ranks))


def test_baseline_mode_tests_only_against_the_baseline():
    rng = np.random.default_rng(5)
    base = rng.normal(0.5, 0.05, 6)
    vals = {1: base, 2: base + 0.05 + rng.normal(0, 0.005, 6), 3: base + rng.normal(0, 0.005, 6),
            4: base - 0.04 + rng.normal(0, 0.005, 6)}
    comp = compare_runs(make_runs(vals, param="v"), metric="acc", baseline="v=1")
    assert comp.baseline == "v=1"
    assert [(p.a, p.b) for p in comp.pairs] == [("v=2", "v=1"), ("v=3", "v=1"), ("v=4", "v=1")]
    assert comp.decision.winner == "v=2"
    assert comp.worse_than("v=1") == ["v=4"]
    # the gate accepts the baseline the way the option did: spacing, or one of its runs
    assert comp.worse_than(" v = 1") == comp.worse_than("v1-s3") == ["v=4"]
    with pytest.raises(InputError, match="no configuration named 'v=9'"):
        comp.worse_than("v=9")
    raw = [stats.ttest_rel(vals[i], vals[1]).pvalue for i in (2, 3, 4)]
    assert [p.p_adjusted for p in comp.pairs] == pytest.approx(
        list(multipletests(raw, method="holm")[1]), rel=1e-10)
    # the baseline can be named by one of its runs, or with other spacing
    assert compare_runs(make_runs(vals, param="v"), metric="acc", baseline="v1-s0").baseline == "v=1"
    assert compare_runs(make_runs(vals, param="v"), metric="acc", baseline=" v = 1 ").baseline == "v=1"


def test_minimize_flips_what_better_means():
    loss_a = [0.52, 0.50, 0.55, 0.51, 0.53, 0.54]
    loss_b = [x - 0.03 + e for x, e in zip(loss_a, [0.001, -0.002, 0.003, 0.0, -0.001, 0.002],
                                          strict=True)]
    runs = make_runs({"a": loss_a, "b": loss_b}, param="cfg", metric="loss")
    up = compare_runs(runs, metric="loss", goal="maximize")
    down = compare_runs(runs, metric="loss", goal="minimize")
    assert up.pairs[0].p_value == down.pairs[0].p_value
    assert up.decision.winner == "cfg=a"
    assert down.decision.winner == "cfg=b"
    assert down.pairs[0].better == "cfg=b"


def test_seeds_needed_matches_statsmodels_power_analysis():
    a = np.array([0.80, 0.81, 0.79, 0.82, 0.80])
    b = a + np.array([0.01, -0.005, 0.012, -0.002, 0.004])
    comp = compare_runs(make_runs({"a": a, "b": b}, param="cfg"), metric="acc")
    p = comp.pairs[0]
    assert not p.significant and comp.decision.winner is None
    d = comp.decision
    assert d.rationale.startswith("no reliable difference")
    # sized for the observed d_z made median-unbiased among the pilots that miss (issue 17):
    # the median of scipy's noncentral t conditional on |T| < t_crit
    from scipy import optimize, stats

    diff = a - b
    t = abs(diff.mean() / diff.std(ddof=1)) * np.sqrt(5)
    c = stats.t.ppf(0.975, 4)

    def below(ncp: float) -> float:
        law = stats.nct(4, ncp)
        return (law.cdf(t) - law.cdf(-c)) / (law.cdf(c) - law.cdf(-c)) - 0.5

    dz = optimize.brentq(below, 0.0, c + 3) / np.sqrt(5)
    expected = math.ceil(TTestPower().solve_power(dz, alpha=0.05, power=0.8))
    assert d.seeds_needed == expected
    assert f"about {expected} seeds per configuration" in d.rationale
    assert "95% CI [" in d.rationale  # the observed effect's CI is in the rationale


def test_min_effect_blocks_a_significant_but_small_win():
    comp = compare_runs(make_runs({0.1: A, 0.01: B}), metric="acc", min_effect=0.05)
    assert comp.pairs[0].significant
    assert comp.decision.winner is None
    assert "smaller than min_effect=0.05" in comp.decision.rationale
    assert compare_runs(make_runs({0.1: A, 0.01: B}), metric="acc",
                        min_effect=0.01).decision.winner == "lr=0.01"


def test_compare_frame_with_mlflow_search_runs_columns():
    rows = []
    for lr, vals in (("0.1", A), ("0.01", B)):
        for s, v in enumerate(vals):
            rows.append({"run_id": f"{lr}-{s}", "experiment_id": "1", "status": "FINISHED",
                         "params.lr": lr, "params.seed": str(s), "params.epochs": "3",
                         "metrics.acc": v, "tags.mlflow.runName": f"run-{lr}-{s}"})
    frame = pd.DataFrame(rows)
    comp = compare_frame(frame, metric="metrics.acc", seed_key="params.seed")
    ref = compare_runs(make_runs({0.1: A, 0.01: B}), metric="acc")
    assert [c.name for c in comp.configs] == [c.name for c in ref.configs]
    assert comp.configs[0].params == {"lr": 0.01}  # MLflow strings typed
    assert comp.pairs[0].p_value == pytest.approx(ref.pairs[0].p_value, rel=1e-12)
    assert comp.decision.winner == "lr=0.01"
    assert comp.seed_key == "seed"
