"""Friedman, Nemenyi and Holm-vs-control: checked against scipy, scikit-posthocs, statsmodels and
worked examples from Demsar (2006) and Hollander & Wolfe."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scikit_posthocs as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.multitest import multipletests

from shared.errors import InputError
from shared.stats import TestResult, critical_difference, friedman, holm_vs_control, nemenyi

# Demsar (2006), "Statistical comparisons of classifiers over multiple data sets", JMLR 7:1-30,
# Table 6: AUC of C4.5, C4.5+m, C4.5+cf, C4.5+m+cf on 14 UCI data sets. The table prints AUCs
# rounded to 3 decimals; on "voting" C4.5+cf and C4.5+m+cf both print 0.975, but the paper's
# average ranks (3.143, 2.000, 2.893, 1.964) rank C4.5+cf ahead there, so we break that tie
# the way the paper's ranks do.
DEMSAR_TABLE6 = np.array(
    [
        [0.763, 0.768, 0.771, 0.798],  # adult (sample)
        [0.599, 0.591, 0.590, 0.569],  # breast cancer
        [0.954, 0.971, 0.968, 0.967],  # breast cancer wisconsin
        [0.628, 0.661, 0.654, 0.657],  # cmc
        [0.882, 0.888, 0.886, 0.898],  # ionosphere
        [0.936, 0.931, 0.916, 0.931],  # iris
        [0.661, 0.668, 0.609, 0.685],  # liver disorders
        [0.583, 0.583, 0.563, 0.625],  # lung cancer
        [0.775, 0.838, 0.866, 0.875],  # lymphography
        [1.000, 1.000, 1.000, 1.000],  # mushroom
        [0.940, 0.962, 0.965, 0.962],  # primary tumor
        [0.619, 0.666, 0.614, 0.669],  # rheum
        [0.972, 0.981, 0.9751, 0.975],  # voting (tie broken as the paper's ranks imply)
        [0.957, 0.978, 0.946, 0.970],  # wine
    ]
)

# Hollander & Wolfe, "Nonparametric Statistical Methods" (1973, p. 140; 2nd ed. 1999, Example
# 7.1): times (s) of 22 baseball players rounding first base with three methods ("round out",
# "narrow angle", "wide angle"). The classic result, also R's friedman.test help example:
# Friedman chi-squared = 11.143, df = 2, p-value = 0.003805 (with the tie correction).
ROUNDING_TIMES = np.array(
    [
        [5.40, 5.50, 5.55],
        [5.85, 5.70, 5.75],
        [5.20, 5.60, 5.50],
        [5.55, 5.50, 5.40],
        [5.90, 5.85, 5.70],
        [5.45, 5.55, 5.60],
        [5.40, 5.40, 5.35],
        [5.45, 5.50, 5.35],
        [5.25, 5.15, 5.00],
        [5.85, 5.80, 5.70],
        [5.25, 5.20, 5.10],
        [5.65, 5.55, 5.45],
        [5.60, 5.35, 5.45],
        [5.05, 5.00, 4.95],
        [5.50, 5.50, 5.40],
        [5.45, 5.55, 5.50],
        [5.55, 5.55, 5.35],
        [5.45, 5.50, 5.55],
        [5.50, 5.45, 5.25],
        [5.65, 5.60, 5.40],
        [5.70, 5.65, 5.55],
        [6.30, 6.30, 6.25],
    ]
)


def _random_matrix(seed: int, n: int, k: int, ties: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(n, k)) + np.linspace(0, 1, k)
    return np.round(m, 1) if ties else m


# ---------------------------------------------------------------- literature


def test_demsar_table6_friedman_and_iman_davenport():
    r = friedman(DEMSAR_TABLE6)
    assert isinstance(r, TestResult)
    # average ranks, last row of Table 6
    assert r.extra["mean_ranks"] == pytest.approx([3.143, 2.000, 2.893, 1.964], abs=5e-4)
    # Section 3.2.2: chi2_F = 9.28, F_F = 3.69 (Demsar's formulas ignore the tie correction)
    assert r.extra["chi2_uncorrected"] == pytest.approx(9.28, abs=5e-3)
    assert r.extra["f_uncorrected"] == pytest.approx(3.69, abs=5e-3)
    # "F_F is distributed according to the F distribution with 4-1 = 3 and (4-1)x(14-1) = 39
    # degrees of freedom"
    assert (r.extra["df_num"], r.extra["df_den"]) == (3.0, 39.0)
    # ... and the null hypothesis is rejected at 0.05 (critical value F(3, 39) = 2.85)
    assert r.statistic > 2.85 and r.pvalue < 0.05
    # our statistic is tie-corrected (the mushroom row ties all four): same chi2 as scipy
    chi2 = stats.friedmanchisquare(*DEMSAR_TABLE6.T)
    assert r.extra["chi2"] == pytest.approx(chi2.statistic, rel=1e-12)
    assert r.extra["chi2_pvalue"] == pytest.approx(chi2.pvalue, rel=1e-9)
    assert r.extra["chi2"] > r.extra["chi2_uncorrected"]


# Demsar (2006) Table 5(a), critical values q_0.05 for the two-tailed Nemenyi test, k = 2..10,
# and Table 5(a) second row q_0.10.
Q05 = [1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164]
Q10 = [1.645, 2.052, 2.291, 2.459, 2.589, 2.693, 2.780, 2.855, 2.920]


@pytest.mark.parametrize("k, q05, q10", list(zip(range(2, 11), Q05, Q10, strict=True)))
def test_demsar_table5_q_alpha(k, q05, q10):
    # CD = q_alpha sqrt(k(k+1)/(6N)), so with N = 1 the CD divided by sqrt(k(k+1)/6) is q_alpha
    unit = math.sqrt(k * (k + 1) / 6.0)
    assert critical_difference(k, 1, 0.05) / unit == pytest.approx(q05, abs=1.5e-3)
    assert critical_difference(k, 1, 0.10) / unit == pytest.approx(q10, abs=1.5e-3)


def test_demsar_nemenyi_critical_difference_example():
    # Section 3.2.2: "for four classifiers and 14 data sets ... CD = 2.569 sqrt(4*5/(6*14)) =
    # 1.25" at alpha 0.05, and 2.291 sqrt(...) = 1.12 at alpha 0.10.
    r = nemenyi(DEMSAR_TABLE6, alpha=0.05)
    assert r.critical_difference == pytest.approx(1.25, abs=5e-3)
    assert nemenyi(DEMSAR_TABLE6, alpha=0.10).critical_difference == pytest.approx(1.12, abs=5e-3)
    # With the paper's ranks no difference reaches 1.25 (largest: 3.143 - 1.964 = 1.179) ...
    assert not any(p.significant for p in r.pairs)
    # ... but at 0.10 C4.5 differs from C4.5+m (1.143) and from C4.5+m+cf (1.179)
    r10 = nemenyi(DEMSAR_TABLE6, alpha=0.10)
    sig = {(p.i, p.j) for p in r10.pairs if p.significant}
    assert sig == {(0, 1), (0, 3)}
    # significance by p-value agrees with the CD rule |R_i - R_j| > CD
    for res in (r, r10):
        for p in res.pairs:
            assert p.significant == (abs(p.rank_diff) > res.critical_difference)


def test_demsar_holm_against_control_c45():
    # Section 3.2.2 (Holm's procedure, C4.5 as the control): z = (R_0 - R_i)/SE with
    # SE = sqrt(4*5/(6*14)) = 0.488; from the paper's mean ranks the z values are 2.34 (C4.5+m),
    # 0.51 (C4.5+cf), 2.42 (C4.5+m+cf), two-sided p = 0.019, 0.607, 0.016. Holm compares
    # 0.016 < 0.05/3 and 0.019 < 0.05/2: both reject; 0.607 does not.
    r = holm_vs_control(DEMSAR_TABLE6, control=0)
    by = {p.i: p for p in r.pairs}
    assert [abs(by[i].statistic) for i in (1, 2, 3)] == pytest.approx([2.34, 0.51, 2.42], abs=0.01)
    assert [by[i].pvalue for i in (1, 2, 3)] == pytest.approx([0.019, 0.607, 0.016], abs=1.5e-3)
    assert [by[i].significant for i in (1, 2, 3)] == [True, False, True]
    assert all(p.j == 0 for p in r.pairs) and r.control == 0


def test_hollander_wolfe_rounding_first_base():
    r = friedman(ROUNDING_TIMES)
    assert r.extra["chi2"] == pytest.approx(11.143, abs=5e-4)
    assert r.extra["chi2_pvalue"] == pytest.approx(0.003805, abs=5e-7)
    assert r.extra["chi2_df"] == 2
    # Iman-Davenport: F = (N-1) chi2 / (N(k-1) - chi2), F(2, 42)
    f = 21 * r.extra["chi2"] / (22 * 2 - r.extra["chi2"])
    assert r.statistic == pytest.approx(f, rel=1e-12)
    assert r.pvalue == pytest.approx(stats.f.sf(f, 2, 42), rel=1e-10)
    assert r.pvalue < r.extra["chi2_pvalue"]  # Iman-Davenport is less conservative


# ---------------------------------------------------------------- independent implementations


@pytest.mark.parametrize(
    "seed, n, k, ties",
    [(0, 6, 3, False), (1, 10, 5, True), (2, 30, 8, True), (3, 4, 10, False), (4, 15, 3, True)],
)
def test_friedman_matches_scipy_and_pingouin(seed, n, k, ties):
    import pandas as pd
    import pingouin as pg

    m = _random_matrix(seed, n, k, ties)
    r = friedman(m)
    ref = stats.friedmanchisquare(*m.T)
    assert r.extra["chi2"] == pytest.approx(ref.statistic, rel=1e-10)
    assert r.extra["chi2_pvalue"] == pytest.approx(ref.pvalue, rel=1e-8)
    long = pd.DataFrame(m).melt(ignore_index=False).reset_index()
    long.columns = ["block", "config", "y"]
    pgr = pg.friedman(long, dv="y", within="config", subject="block", method="f")
    # same F and Kendall's W as pingouin; pingouin's p uses other df (k-1-2/n), so the
    # Iman-Davenport p is checked from its definition, F(k-1, (k-1)(N-1))
    assert r.statistic == pytest.approx(float(pgr["F"].iloc[0]), rel=1e-8)
    assert r.extra["kendall_w"] == pytest.approx(float(pgr["W"].iloc[0]), rel=1e-8)
    assert r.pvalue == pytest.approx(stats.f.sf(r.statistic, k - 1, (k - 1) * (n - 1)), rel=1e-10)
    assert 0.0 <= r.pvalue <= 1.0


@pytest.mark.parametrize("seed, n, k, ties", [(0, 6, 3, False), (5, 12, 6, True), (6, 20, 4, True)])
def test_nemenyi_matches_scikit_posthocs(seed, n, k, ties):
    m = _random_matrix(seed, n, k, ties)
    r = nemenyi(m)
    ref = sp.posthoc_nemenyi_friedman(m).to_numpy()
    np.testing.assert_allclose(r.pvalues, ref, rtol=1e-8, atol=1e-12)
    ranks = stats.rankdata(-m, axis=1).mean(axis=0)
    np.testing.assert_allclose(r.mean_ranks, ranks)
    assert r.critical_difference == pytest.approx(
        stats.studentized_range.ppf(0.95, k, np.inf)
        / math.sqrt(2)
        * math.sqrt(k * (k + 1) / (6 * n))
    )


def test_nemenyi_lower_is_better_flips_ranks_not_pvalues():
    m = _random_matrix(7, 9, 4)
    hi = nemenyi(m)
    lo = nemenyi(m, higher_is_better=False)
    np.testing.assert_allclose(np.array(hi.mean_ranks) + np.array(lo.mean_ranks), 5.0)
    np.testing.assert_allclose(hi.pvalues, lo.pvalues)


@pytest.mark.parametrize("control", [0, 2, 4])
def test_holm_vs_control_matches_statsmodels(control):
    m = _random_matrix(8, 12, 5, ties=True)
    r = holm_vs_control(m, control, alpha=0.05)
    n, k = m.shape
    ranks = stats.rankdata(-m, axis=1).mean(axis=0)
    others = [i for i in range(k) if i != control]
    z = (ranks[others] - ranks[control]) / math.sqrt(k * (k + 1) / (6 * n))
    p = 2 * stats.norm.sf(np.abs(z))
    reject, p_holm, _, _ = multipletests(p, alpha=0.05, method="holm")
    assert [pp.i for pp in r.pairs] == others
    np.testing.assert_allclose([pp.statistic for pp in r.pairs], z, rtol=1e-12)
    np.testing.assert_allclose([pp.pvalue for pp in r.pairs], p, rtol=1e-10)
    np.testing.assert_allclose([pp.p_adjusted for pp in r.pairs], p_holm, rtol=1e-10)
    assert [pp.significant for pp in r.pairs] == list(reject)


def test_posthoc_to_dict_is_json_ready():
    import json

    r = nemenyi(DEMSAR_TABLE6)
    d = json.loads(json.dumps(r.to_dict()))
    assert d["test"] == "nemenyi" and len(d["pairs"]) == 6
    assert d["critical_difference"] == pytest.approx(1.2536, abs=1e-4)
    h = json.loads(json.dumps(holm_vs_control(DEMSAR_TABLE6, 3).to_dict()))
    assert h["control"] == 3 and h["critical_difference"] is None
    assert np.isnan(holm_vs_control(DEMSAR_TABLE6, 3).pvalues[0, 1])  # not compared
    fr = json.loads(json.dumps(friedman(DEMSAR_TABLE6).to_dict()))
    assert fr["test"] == "friedman"


# ---------------------------------------------------------------- degenerate and bad input


def test_all_ties_gives_p_one_with_warning():
    m = np.tile([[0.5, 0.5, 0.5]], (6, 1))
    r = friedman(m)
    assert r.pvalue == 1.0 and r.statistic == 0.0
    assert any("ties all" in w for w in r.warnings)
    n = nemenyi(m)
    assert all(p.pvalue == 1.0 and not p.significant for p in n.pairs)
    assert any("ties all" in w for w in n.warnings)
    h = holm_vs_control(m, 0)
    assert all(p.p_adjusted == 1.0 for p in h.pairs)


def test_perfect_agreement_gives_exact_p():
    # every block orders the 3 configurations the same way: F is infinite; the exact
    # probability of the most extreme outcome is 3! / 3!^N
    m = np.array([[1.0, 2.0, 3.0]] * 6) + np.arange(6)[:, None]
    r = friedman(m)
    assert math.isinf(r.statistic)
    assert r.pvalue == pytest.approx(6.0 ** (1 - 6))
    assert r.warnings and "identically" in r.warnings[0]
    assert r.extra["kendall_w"] == pytest.approx(1.0)


def test_few_blocks_warn():
    r = friedman([[1, 2, 3], [2, 1, 3], [1, 3, 2]])
    assert any("blocks" in w for w in r.warnings)
    assert 0 <= r.pvalue <= 1


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ([[1.0, 2.0, 3.0]], "at least 2 blocks"),
        ([[1.0], [2.0], [3.0]], "at least 2 configurations"),
        ([[1.0, 2.0], [3.0, float("nan")]], "non-finite"),
        ([[1.0, 2.0, 3.0], [1.0, 2.0]], "rectangular"),
        ([1.0, 2.0, 3.0], "2-D"),
        ([["a", "b"], ["c", "d"]], "rectangular"),
    ],
)
@pytest.mark.parametrize("fn", [friedman, nemenyi, lambda m: holm_vs_control(m, 0)])
def test_bad_input_raises_one_line_input_error(bad, fragment, fn):
    with pytest.raises(InputError) as exc:
        fn(bad)
    assert fragment in str(exc.value)
    assert "\n" not in str(exc.value)


def test_bad_control_and_alpha():
    m = _random_matrix(9, 5, 3)
    with pytest.raises(InputError, match="out of range"):
        holm_vs_control(m, 3)
    with pytest.raises(InputError, match="index"):
        holm_vs_control(m, "a")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="alpha"):
        nemenyi(m, alpha=1.5)


# ---------------------------------------------------------------- properties

# values on a 0.25 grid so adding a per-block integer keeps ties exactly (no float rounding)
_cells = st.integers(min_value=-8, max_value=8).map(lambda v: v / 4)


@st.composite
def _matrices(draw):
    n = draw(st.integers(2, 8))
    k = draw(st.integers(2, 5))
    rows = draw(st.lists(st.lists(_cells, min_size=k, max_size=k), min_size=n, max_size=n))
    return np.array(rows, dtype=float)


@settings(max_examples=60, deadline=None)
@given(m=_matrices(), data=st.data())
def test_rank_tests_invariant_to_block_order_and_block_shifts(m, data):
    n = m.shape[0]
    perm = data.draw(st.permutations(range(n)))
    shift = np.array(data.draw(st.lists(st.integers(-5, 5), min_size=n, max_size=n)), float)
    m2 = m[list(perm)] + shift[:, None]
    a, b = friedman(m), friedman(m2)
    assert 0.0 <= a.pvalue <= 1.0
    assert b.pvalue == pytest.approx(a.pvalue, rel=1e-9, abs=1e-12)
    assert b.extra["chi2"] == pytest.approx(a.extra["chi2"], rel=1e-9, abs=1e-12)
    na, nb = nemenyi(m), nemenyi(m2)
    np.testing.assert_allclose(nb.pvalues, na.pvalues, rtol=1e-9, atol=1e-12)
    assert np.all((na.pvalues >= 0) & (na.pvalues <= 1))
    ha, hb = holm_vs_control(m, 0), holm_vs_control(m2, 0)
    for pa, pb in zip(ha.pairs, hb.pairs, strict=True):
        assert pb.p_adjusted == pytest.approx(pa.p_adjusted, rel=1e-9, abs=1e-12)
        assert pa.pvalue <= pa.p_adjusted <= 1.0


@settings(max_examples=40, deadline=None)
@given(m=_matrices(), data=st.data())
def test_permuting_configurations_permutes_mean_ranks(m, data):
    k = m.shape[1]
    perm = list(data.draw(st.permutations(range(k))))
    a, b = friedman(m), friedman(m[:, perm])
    assert b.pvalue == pytest.approx(a.pvalue, rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(b.extra["mean_ranks"], np.array(a.extra["mean_ranks"])[perm])


# ------------------------------------------------------- two configurations: the sign test


@pytest.mark.parametrize("seed, n", [(1, 5), (2, 8), (3, 11), (4, 14), (7, 30)])
def test_two_configurations_give_the_exact_sign_test(seed, n):
    """With two configurations Friedman's mean ranks are the sign test; its p-value is the
    exact binomial one (scipy's binomtest on the blocks that are not tied), for Nemenyi and for
    the z-test against a control alike."""
    m = _random_matrix(seed, n, 2, ties=True)
    ahead, behind = int(np.sum(m[:, 0] > m[:, 1])), int(np.sum(m[:, 0] < m[:, 1]))
    want = stats.binomtest(ahead, ahead + behind, 0.5).pvalue if ahead + behind else 1.0
    assert nemenyi(m).pairs[0].pvalue == pytest.approx(want, rel=1e-12)
    assert holm_vs_control(m, 0).pairs[0].pvalue == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("test", ["friedman-holm", "friedman-nemenyi"])
def test_five_seeds_one_way_are_no_winner_with_two_configurations(test):
    """5 of 5 seeds one way: p = 2 / 2**5 = 0.0625 exactly. The normal approximation gave
    0.025 and named a winner, which under no difference happens in 6.25% of data sets (the
    calibration table measured 0.078 +- 0.014 for friedman-holm at n = 5)."""
    from shared.compare import compare_runs
    from shared.model import Run

    runs = [Run("sim", f"{c}-{s}", params={"cfg": c, "seed": s},
                metrics={"y": s + (0.5 if c == "a" else 0.0)})
            for c in ("a", "b") for s in range(5)]  # fmt: skip
    comp = compare_runs(runs, metric="y", test=test)
    assert comp.pairs[0].p_value == pytest.approx(0.0625)
    assert comp.decision.winner is None
    # and it says why: the sign test cannot get below 2 / 2**5 with 5 seeds
    assert "cannot reach 0.05 with 5 untied seeds" in comp.pairs[0].reach
    assert "needs n >= 6" in comp.decision.rationale


@pytest.mark.parametrize("test", ["friedman-holm", "friedman-nemenyi"])
def test_two_configurations_reach_sentence_counts_untied_seeds(test):
    """Six seeds, one tied: five untied blocks, still out of reach; six untied: reachable,
    no sentence (three configurations never get it: their p is the mean-rank z)."""
    from shared.compare import compare_runs
    from shared.model import Run

    def runs(tied: int, configs: tuple[str, ...] = ("a", "b")) -> list[Run]:
        return [Run("sim", f"{c}-{s}", params={"cfg": c, "seed": s},
                    metrics={"y": s + (0.5 if c == "a" and s >= tied else 0.0)})
                for c in configs for s in range(6)]  # fmt: skip

    assert "with 5 untied seeds" in compare_runs(runs(1), metric="y", test=test).pairs[0].reach
    assert compare_runs(runs(0), metric="y", test=test).pairs[0].reach is None
    three = compare_runs(runs(1, ("a", "b", "c")), metric="y", test=test)
    assert all(p.reach is None for p in three.pairs)
