"""Repeated-measures and Welch ANOVA: checked against pingouin, statsmodels and Field (2009)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from shared.errors import InputError
from shared.stats import TestResult, rm_anova, welch_anova

# Field, "Discovering Statistics Using SPSS" (3rd ed., 2009), chapter 13 (repeated-measures
# designs), the "Bushtucker trial" example: time to retch (s) of 8 celebrities eating a stick
# insect, a kangaroo testicle, a fish eye and a witchetty grub. Reported: Mauchly W = .136,
# p = .047; Greenhouse-Geisser epsilon = .533, Huynh-Feldt = .666, lower bound = .333;
# F(3, 21) = 3.79, p = .026; GG-corrected p = .063; HF-corrected p = .048.
BUSHTUCKER = np.array(
    [
        [8, 7, 1, 6],
        [9, 5, 2, 5],
        [6, 2, 3, 8],
        [5, 3, 1, 9],
        [8, 4, 5, 8],
        [7, 5, 6, 7],
        [10, 2, 7, 2],
        [12, 6, 8, 1],
    ],
    dtype=float,
)


def test_field_bushtucker_rm_anova():
    r = rm_anova(BUSHTUCKER)
    assert isinstance(r, TestResult) and r.test == "rm-anova"
    assert (r.extra["df_num"], r.extra["df_den"]) == (3.0, 21.0)
    assert r.statistic == pytest.approx(3.79, abs=5e-3)
    assert r.pvalue == pytest.approx(0.026, abs=5e-4)
    assert r.extra["epsilon_gg"] == pytest.approx(0.533, abs=5e-4)
    assert r.extra["epsilon_hf"] == pytest.approx(0.666, abs=5e-4)
    assert r.extra["epsilon_lb"] == pytest.approx(0.333, abs=5e-4)
    assert r.extra["pvalue_gg"] == pytest.approx(0.063, abs=5e-4)
    assert r.extra["pvalue_hf"] == pytest.approx(0.048, abs=5e-4)
    assert r.extra["mauchly_w"] == pytest.approx(0.136, abs=5e-4)
    assert r.extra["mauchly_pvalue"] == pytest.approx(0.047, abs=5e-4)
    # sphericity is rejected, so the result says to use the corrected p-value
    assert r.extra["sphericity"] is False
    assert any("Greenhouse-Geisser" in w for w in r.warnings)


def _wide(seed: int, n: int, k: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    subject = rng.normal(0, 2, size=(n, 1))
    return (
        subject + rng.normal(0, 1, size=(n, k)) * rng.uniform(0.5, 2, size=k) + np.arange(k) * 0.4
    )


@pytest.mark.parametrize("seed, n, k", [(0, 8, 3), (1, 12, 4), (2, 6, 5), (3, 20, 2), (4, 5, 3)])
def test_rm_anova_matches_pingouin_and_statsmodels(seed, n, k):
    from statsmodels.stats.anova import AnovaRM

    m = _wide(seed, n, k)
    r = rm_anova(m)
    ref = pg.rm_anova(pd.DataFrame(m, columns=[f"c{j}" for j in range(k)]), correction=True)
    assert r.statistic == pytest.approx(float(ref["F"].iloc[0]), rel=1e-9)
    assert r.pvalue == pytest.approx(float(ref["p_unc"].iloc[0]), rel=1e-8)
    assert r.extra["eta2_generalized"] == pytest.approx(float(ref["ng2"].iloc[0]), rel=1e-9)
    assert r.extra["epsilon_gg"] == pytest.approx(float(ref["eps"].iloc[0]), rel=1e-9)
    if k >= 3:
        assert r.extra["pvalue_gg"] == pytest.approx(float(ref["p_GG_corr"].iloc[0]), rel=1e-8)
        assert r.extra["mauchly_w"] == pytest.approx(float(ref["W_spher"].iloc[0]), rel=1e-8)
        assert r.extra["mauchly_pvalue"] == pytest.approx(float(ref["p_spher"].iloc[0]), rel=1e-8)
        hf = pg.epsilon(pd.DataFrame(m), correction="hf")
        assert r.extra["epsilon_hf"] == pytest.approx(float(hf), rel=1e-9)
    long = pd.DataFrame(m).melt(ignore_index=False).reset_index()
    long.columns = ["block", "config", "y"]
    sm = AnovaRM(long, "y", "block", within=["config"]).fit().anova_table
    assert r.statistic == pytest.approx(float(sm["F Value"].iloc[0]), rel=1e-9)
    assert r.pvalue == pytest.approx(float(sm["Pr > F"].iloc[0]), rel=1e-8)
    assert r.extra["df_den"] == pytest.approx(float(sm["Den DF"].iloc[0]))


def test_rm_anova_two_configs_equals_paired_t_squared():
    # with k = 2 the RM-ANOVA F is the square of the paired t statistic (same p)
    m = _wide(5, 9, 2)
    r = rm_anova(m)
    t = stats.ttest_rel(m[:, 0], m[:, 1])
    assert r.statistic == pytest.approx(t.statistic**2, rel=1e-10)
    assert r.pvalue == pytest.approx(t.pvalue, rel=1e-9)
    assert r.extra["epsilon_gg"] == 1.0


def test_rm_anova_degenerate():
    # identical values within each block: nothing to test
    same = np.repeat([[1.0], [2.0], [3.0]], 3, axis=1)
    r = rm_anova(same)
    assert r.pvalue == 1.0 and math.isnan(r.statistic) and r.warnings
    # the same differences in every block: zero residual variance
    shift = np.array([[1.0, 2.0, 4.0]]) + np.array([[0.0], [1.0], [5.0], [2.0]])
    r = rm_anova(shift)
    assert r.pvalue == 0.0 and math.isinf(r.statistic)
    assert any("residual variance is zero" in w for w in r.warnings)


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ([[1.0, 2.0, 3.0]], "at least 2 blocks"),
        ([[1.0], [2.0]], "at least 2 configurations"),
        ([[1.0, 2.0], [float("inf"), 1.0]], "non-finite"),
        ([[1.0, 2.0], [1.0]], "rectangular"),
    ],
)
def test_rm_anova_bad_input(bad, fragment):
    with pytest.raises(InputError, match=fragment):
        rm_anova(bad)


# ---------------------------------------------------------------- Welch


def _groups(seed: int, sizes: list[int]) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(0.3 * i, 1 + i, size=s) for i, s in enumerate(sizes)]


@pytest.mark.parametrize(
    "seed, sizes", [(0, [5, 7, 9]), (1, [3, 3]), (2, [10, 4, 6, 8, 12]), (3, [2, 2, 2])]
)
def test_welch_anova_matches_pingouin_and_statsmodels(seed, sizes):
    from statsmodels.stats.oneway import anova_oneway

    g = _groups(seed, sizes)
    r = welch_anova(g)
    long = pd.DataFrame({"y": np.concatenate(g), "g": np.repeat(range(len(g)), sizes)})
    ref = pg.welch_anova(long, dv="y", between="g")
    assert r.statistic == pytest.approx(float(ref["F"].iloc[0]), rel=1e-9)
    assert r.pvalue == pytest.approx(float(ref["p_unc"].iloc[0]), rel=1e-8)
    assert r.extra["df_den"] == pytest.approx(float(ref["ddof2"].iloc[0]), rel=1e-9)
    assert r.extra["eta2_partial"] == pytest.approx(float(ref["np2"].iloc[0]), rel=1e-9)
    sm = anova_oneway(g, use_var="unequal")
    assert r.statistic == pytest.approx(sm.statistic, rel=1e-9)
    assert r.pvalue == pytest.approx(sm.pvalue, rel=1e-8)


def test_welch_anova_two_groups_equals_welch_t_squared():
    g = _groups(4, [6, 11])
    r = welch_anova(g)
    t = stats.ttest_ind(g[0], g[1], equal_var=False)
    assert r.statistic == pytest.approx(t.statistic**2, rel=1e-10)
    assert r.pvalue == pytest.approx(t.pvalue, rel=1e-9)


def test_welch_anova_zero_variance_group_warns_without_p():
    r = welch_anova([[1.0, 1.0, 1.0], [1.0, 2.0, 3.0], [2.0, 3.0, 5.0]])
    assert math.isnan(r.pvalue) and math.isnan(r.statistic)
    assert r.warnings and "zero variance" in r.warnings[0]
    assert r.to_dict()["pvalue"] is None


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ([[1.0, 2.0, 3.0]], "at least 2 groups"),
        ([[1.0, 2.0], [3.0]], "at least 2 per group"),
        ([[1.0, 2.0], [3.0, float("nan")]], "NaN"),
        ([[1.0, 2.0], ["a", "b"]], "numeric"),
    ],
)
def test_welch_anova_bad_input(bad, fragment):
    with pytest.raises(InputError, match=fragment):
        welch_anova(bad)


# ---------------------------------------------------------------- properties

_vals = st.integers(-20, 20).map(lambda v: v / 4)


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(st.lists(_vals, min_size=3, max_size=3), min_size=3, max_size=8),
    data=st.data(),
)
def test_rm_anova_invariant_to_block_shifts_and_order(rows, data):
    m = np.array(rows)
    n = m.shape[0]
    shift = np.array(data.draw(st.lists(st.integers(-10, 10), min_size=n, max_size=n)), float)
    perm = list(data.draw(st.permutations(range(n))))
    a, b = rm_anova(m), rm_anova(m[perm] + shift[:, None])
    assert 0.0 <= a.pvalue <= 1.0
    assert b.pvalue == pytest.approx(a.pvalue, rel=1e-6, abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(
    groups=st.lists(st.lists(_vals, min_size=2, max_size=6), min_size=2, max_size=4),
    c=st.integers(-50, 50),
)
def test_welch_anova_p_in_range_and_shift_invariant(groups, c):
    a = welch_anova(groups)
    b = welch_anova([[v + c for v in g] for g in groups])
    if math.isnan(a.pvalue):
        assert a.warnings and math.isnan(b.pvalue)
    else:
        assert 0.0 <= a.pvalue <= 1.0
        assert b.pvalue == pytest.approx(a.pvalue, rel=1e-6, abs=1e-9)


def test_rm_anova_fewer_blocks_than_configs_cannot_check_sphericity():
    m = np.array([[1.0, 2.0, 4.0, 3.0], [2.0, 5.0, 3.0, 3.5], [0.5, 1.0, 2.0, 2.5]])
    r = rm_anova(m)
    assert r.extra["sphericity"] is None and math.isnan(r.extra["mauchly_pvalue"])
    assert any("cannot be checked" in w for w in r.warnings)
    # the F test itself is still defined and matches statsmodels
    from statsmodels.stats.anova import AnovaRM

    long = pd.DataFrame(m).melt(ignore_index=False).reset_index()
    long.columns = ["block", "config", "y"]
    sm = AnovaRM(long, "y", "block", within=["config"]).fit().anova_table
    assert r.pvalue == pytest.approx(float(sm["Pr > F"].iloc[0]), rel=1e-8)
    assert 0.0 < r.extra["pvalue_gg"] <= 1.0


# ---------------------------------------------------------------- extreme magnitudes (issue 9)

# new data: three optimisers' final losses, unequal sizes and spreads
_LOSSES = [[1.3, 2.9, 2.2, 3.1], [4.0, 6.5, 5.2], [2.2, 2.8, 3.9, 3.3, 2.0]]


@pytest.mark.parametrize("factor", [2.0**-3, 1e200, 3e-200, 7.5e150])
def test_welch_anova_is_scale_invariant_at_extreme_magnitudes(factor):
    """Squares of values near 1e200 overflow (and near 1e-200 underflow): F, df and p must be
    those of the same data at ordinary magnitude, which match pingouin."""
    base = welch_anova(_LOSSES)
    df = pd.DataFrame({"y": np.concatenate(_LOSSES),
                       "g": np.repeat(np.arange(3), [len(g) for g in _LOSSES])})
    ref = pg.welch_anova(df, dv="y", between="g")
    assert base.statistic == pytest.approx(float(ref["F"].iloc[0]), rel=1e-9)
    assert base.pvalue == pytest.approx(float(ref["p_unc"].iloc[0]), rel=1e-9)
    r = welch_anova([np.array(g) * factor for g in _LOSSES])
    assert not r.warnings
    assert r.statistic == pytest.approx(base.statistic, rel=1e-12)
    assert r.pvalue == pytest.approx(base.pvalue, rel=1e-12)
    assert r.extra["df_den"] == pytest.approx(base.extra["df_den"], rel=1e-12)
    assert r.extra["eta2_partial"] == pytest.approx(base.extra["eta2_partial"], rel=1e-12)
    np.testing.assert_allclose(r.extra["group_means"],
                               np.array(base.extra["group_means"]) * factor, rtol=1e-14)


@pytest.mark.parametrize("factor", [1e200, 3e-200])
def test_rm_anova_is_scale_invariant_at_extreme_magnitudes(factor):
    m = np.array([[1.2, 2.5, 4.1], [2.2, 3.1, 5.5], [2.0, 2.4, 6.3], [1.1, 3.3, 5.0],
                  [1.7, 2.2, 4.4]])
    base, r = rm_anova(m), rm_anova(m * factor)
    for key in ("pvalue_gg", "pvalue_hf", "epsilon_gg", "mauchly_w", "eta2_generalized"):
        assert r.extra[key] == pytest.approx(base.extra[key], rel=1e-12)
    assert r.statistic == pytest.approx(base.statistic, rel=1e-12)
    assert r.pvalue == pytest.approx(base.pvalue, rel=1e-12)


def test_welch_anova_constant_group_is_judged_by_its_own_rounding_noise():
    """A group of token counts near 1e12 that differ by one is not constant; a group of
    computed decimals equal to rounding (0.1 + 0.2, 0.3) is."""
    big = 1e12
    r = welch_anova([[big, big + 1, big + 2], [big + 5, big + 7, big + 6, big + 9]])
    ref = welch_anova([[0.0, 1.0, 2.0], [5.0, 7.0, 6.0, 9.0]])
    assert r.pvalue == pytest.approx(ref.pvalue, rel=1e-6)
    r = welch_anova([[0.1 + 0.2, 0.3, 0.3], [0.5, 0.7, 0.9]])
    assert math.isnan(r.pvalue) and "zero variance" in r.warnings[0]
