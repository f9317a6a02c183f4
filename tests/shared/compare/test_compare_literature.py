"""Worked examples from the literature, run through the whole comparison (runs -> decision),
each naming its source. The replicate key is whatever the study paired on (patient, data set)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from shared.compare import compare_runs
from shared.model import Run

# Student (1908), "The probable error of a mean", Biometrika 6(1); the `sleep` data of R:
# extra hours of sleep of 10 patients under two drugs. R: t.test(extra ~ group, data = sleep,
# paired = TRUE) gives t = -4.0621, df = 9, p-value = 0.002833, 95% CI [-2.4599, -0.7001]
# for group 1 - group 2.
SLEEP = {
    1: [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0],
    2: [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4],
}

# Demsar (2006), "Statistical comparisons of classifiers over multiple data sets", JMLR 7:1-30,
# Table 6: AUC of C4.5, C4.5+m, C4.5+cf, C4.5+m+cf on 14 data sets. On "voting" the printed
# 0.975 tie between C4.5+cf and C4.5+m+cf is broken the way the paper's average ranks imply.
DEMSAR = {
    "C4.5": [0.763, 0.599, 0.954, 0.628, 0.882, 0.936, 0.661, 0.583, 0.775, 1.000, 0.940,
             0.619, 0.972, 0.957],
    "C4.5+m": [0.768, 0.591, 0.971, 0.661, 0.888, 0.931, 0.668, 0.583, 0.838, 1.000, 0.962,
               0.666, 0.981, 0.978],
    "C4.5+cf": [0.771, 0.590, 0.968, 0.654, 0.886, 0.916, 0.609, 0.563, 0.866, 1.000, 0.965,
                0.614, 0.9751, 0.946],
    "C4.5+m+cf": [0.798, 0.569, 0.967, 0.657, 0.898, 0.931, 0.685, 0.625, 0.875, 1.000, 0.962,
                  0.669, 0.975, 0.970],
}
DATASETS = ["adult", "breast cancer", "breast cancer wisconsin", "cmc", "ionosphere", "iris",
            "liver disorders", "lung cancer", "lymphography", "mushroom", "primary tumor",
            "rheum", "voting", "wine"]


def _sleep_runs():
    return [Run("frame", f"g{g}-p{i}", params={"drug": g, "patient": i + 1},
                metrics={"extra": v})
            for g, vals in SLEEP.items() for i, v in enumerate(vals)]


def _demsar_runs(names=tuple(DEMSAR)):
    return [Run("frame", f"{a}-{d}", params={"algorithm": a, "dataset": d},
                metrics={"auc": v})
            for a in names for d, v in zip(DATASETS, DEMSAR[a], strict=True)]


def test_student_1908_sleep_paired_t():
    comp = compare_runs(_sleep_runs(), metric="extra", seed_key="patient", test="paired-t")
    (p,) = comp.pairs
    assert (p.a, p.b) == ("drug=1", "drug=2")
    assert p.paired and p.n == 10 and p.df == 9
    assert p.statistic == pytest.approx(-4.0621, abs=5e-5)
    assert p.p_value == pytest.approx(0.002833, abs=5e-7)
    assert p.ci == pytest.approx((-2.4599, -0.7001), abs=5e-5)
    assert p.diff == pytest.approx(-1.58)
    assert comp.decision.winner == "drug=2"
    # against a baseline the orientation flips: drug 2 - drug 1
    flipped = compare_runs(_sleep_runs(), metric="extra", seed_key="patient",
                           test="paired-t", baseline="drug=1")
    assert flipped.pairs[0].statistic == pytest.approx(4.0621, abs=5e-5)
    assert flipped.pairs[0].ci == pytest.approx((0.7001, 2.4599), abs=5e-5)


def test_student_1908_sleep_auto_sees_the_outlying_difference():
    comp = compare_runs(_sleep_runs(), metric="extra", seed_key="patient")
    (p,) = comp.pairs
    d = np.array(SLEEP[1]) - np.array(SLEEP[2])
    sw = stats.shapiro(d).pvalue
    # patient 9's difference (4.6 h) makes the differences non-normal at 5%
    assert sw < 0.05
    assert p.test == "wilcoxon"
    # one zero difference (patient 5) dropped, ties among the rest: exact conditional p
    d = np.round(d, 6)
    ref = stats.wilcoxon(d[d != 0], method=stats.PermutationMethod(n_resamples=np.inf))
    assert p.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    assert p.p_value < 0.05 and comp.decision.winner == "drug=2"


def test_demsar_2006_table6_friedman_and_nemenyi_cd():
    comp = compare_runs(_demsar_runs(), metric="auc", seed_key="dataset",
                        group_by=["algorithm"], test="friedman-nemenyi")
    names = [c.name for c in comp.configs]
    assert names == ["algorithm=C4.5", "algorithm=C4.5+cf", "algorithm=C4.5+m",
                     "algorithm=C4.5+m+cf"]
    ranks = comp.critical_difference.mean_ranks
    # Demsar's average ranks: 3.143, 2.000, 2.893, 1.964
    assert ranks["algorithm=C4.5"] == pytest.approx(3.143, abs=5e-4)
    assert ranks["algorithm=C4.5+m"] == pytest.approx(2.000, abs=5e-4)
    assert ranks["algorithm=C4.5+cf"] == pytest.approx(2.893, abs=5e-4)
    assert ranks["algorithm=C4.5+m+cf"] == pytest.approx(1.964, abs=5e-4)
    # chi2_F = 9.28 and F_F = 3.69 (the paper's formulas, without a tie correction)
    assert comp.omnibus.chi2_uncorrected == pytest.approx(9.28, abs=5e-3)
    assert comp.omnibus.f_uncorrected == pytest.approx(3.69, abs=5e-3)
    # CD = 2.569 * sqrt(4 * 5 / (6 * 14)) = 1.25
    assert comp.critical_difference.cd == pytest.approx(1.25, abs=5e-3)
    # "the data is not sufficient to conclude" any pair differs under Nemenyi at 0.05:
    # the largest rank difference (3.143 - 1.964 = 1.179) is below the CD
    assert not any(p.significant for p in comp.pairs)
    assert comp.decision.winner is None


def test_demsar_2006_table6_holm_against_c45():
    comp = compare_runs(_demsar_runs(), metric="auc", seed_key="dataset",
                        group_by=["algorithm"], test="friedman-holm",
                        baseline="algorithm=C4.5")
    se = math.sqrt(4 * 5 / (6 * 14))
    z = {"algorithm=C4.5+m": (3.143 - 2.000) / se, "algorithm=C4.5+cf": (3.143 - 2.893) / se,
         "algorithm=C4.5+m+cf": (3.143 - 1.964) / se}
    for p in comp.pairs:
        assert p.b == "algorithm=C4.5"
        assert abs(p.statistic) == pytest.approx(z[p.a], abs=2e-3)
    sig = {p.a for p in comp.pairs if p.significant}
    # Holm at 0.05 (Demsar section 3.2.2): C4.5+m and C4.5+m+cf beat C4.5, C4.5+cf does not
    assert sig == {"algorithm=C4.5+m", "algorithm=C4.5+m+cf"}
    assert comp.worse_than("algorithm=C4.5") == []


def test_demsar_2006_table2_two_classifiers_wilcoxon():
    # Table 2: C4.5 vs C4.5+m over 14 data sets; the signed-rank test finds C4.5+m better
    comp = compare_runs(_demsar_runs(("C4.5", "C4.5+m")), metric="auc", seed_key="dataset",
                        group_by="algorithm", test="wilcoxon")
    (p,) = comp.pairs
    # the printed 3-decimal AUCs tie (|d| = 0.005 twice) and two differences are zero: the
    # exact null distribution of the signs given the mid-ranks, zeros dropped
    d = np.round(np.array(DEMSAR["C4.5"]) - np.array(DEMSAR["C4.5+m"]), 6)
    ref = stats.wilcoxon(d[d != 0], method=stats.PermutationMethod(n_resamples=np.inf))
    assert p.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    assert p.p_value < 0.05
    assert comp.decision.winner == "algorithm=C4.5+m"
