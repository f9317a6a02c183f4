"""Tests over examples and seeds, checked against independent implementations.

- one-way cluster-robust (CR1, Liang & Zeger 1986): statsmodels OLS ``cov_type="cluster"``;
- two-way clustering (Cameron, Gelbach & Miller 2011): statsmodels with two group columns and
  linearmodels' ``PanelOLS`` (no effects: OLS) with two-way ``clustered`` covariance;
- the crossed random-effects ANOVA (the balanced case our small-sample factor reproduces):
  statsmodels ``anova_lm`` mean squares, Var = (MS_seed + MS_example - MS_error) / (S N);
- McNemar: statsmodels ``mcnemar(exact=True)``, and the worked example of Agresti (2002),
  "Categorical Data Analysis", 2nd ed., table 10.1 (presidential approval: 794, 150, 86, 570).
"""

import numpy as np
import pandas as pd
import pytest

from shared.stats._clustered import cluster_pieces, two_way_terms
from shared.stats._examples import examples_only_test, examples_seeds_test, mcnemar_test


def _data(seed, s=3, n=60, g=12):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, g, n)
    codes[:g] = np.arange(g)  # every cluster present, unequal sizes
    x = rng.normal(0, 1, g)[codes] + rng.normal(0, 0.5, (s, 1)) + rng.normal(0, 1, (s, n))
    return x, codes, g


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_way_cluster_robust_matches_statsmodels(seed):
    import statsmodels.api as sm

    x, codes, g = _data(seed, s=1)
    a, b = x[0] + 0.1, np.zeros_like(x[0])
    ours = examples_only_test(a, b, codes)
    fit = sm.OLS(a - b, np.ones(len(a))).fit(cov_type="cluster", cov_kwds={"groups": codes})
    assert ours.estimate == pytest.approx(fit.params[0], rel=1e-12)
    assert ours.se == pytest.approx(fit.bse[0], rel=1e-10)
    assert ours.df == g - 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_way_pieces_match_statsmodels_and_linearmodels(seed):
    import statsmodels.api as sm
    from linearmodels import PanelOLS

    x, codes, g = _data(seed)
    s, n = x.shape
    p = cluster_pieces(x, codes, g)
    y = x.ravel()
    seed_id = np.repeat(np.arange(s), n)
    cluster_id = np.tile(codes, s)
    const = np.ones(y.size)
    ols = sm.OLS(y, const)
    kw = {"use_correction": False}
    one = ols.fit(cov_type="cluster", cov_kwds={"groups": seed_id, **kw}).bse[0] ** 2
    two = ols.fit(cov_type="cluster", cov_kwds={"groups": cluster_id, **kw}).bse[0] ** 2
    both = (
        ols.fit(
            cov_type="cluster", cov_kwds={"groups": np.column_stack([seed_id, cluster_id]), **kw}
        ).bse[0]
        ** 2
    )
    assert p.v_runs == pytest.approx(one, rel=1e-10)
    assert p.v_clusters == pytest.approx(two, rel=1e-10)
    assert p.v_runs + p.v_clusters - p.v_cells == pytest.approx(both, rel=1e-10)
    index = pd.MultiIndex.from_arrays([seed_id, np.tile(np.arange(n), s)])
    clusters = pd.DataFrame({"s": seed_id, "c": cluster_id}, index=index)
    lm = PanelOLS(pd.Series(y, index=index), pd.DataFrame({"const": const}, index=index)).fit(
        cov_type="clustered", clusters=clusters, debiased=False, group_debias=False
    )
    assert p.v_runs + p.v_clusters - p.v_cells == pytest.approx(
        lm.std_errors.iloc[0] ** 2, rel=1e-10
    )
    t = two_way_terms(p)
    cr, cg = s / (s - 1), g / (g - 1)
    assert t.runs + t.examples + t.interaction == pytest.approx(
        cr * cg * (p.v_runs + p.v_clusters - p.v_cells), rel=1e-12
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_two_way_terms_are_the_crossed_anova_estimator(seed):
    """Balanced, one example per cluster: our variance equals the unbiased method-of-moments
    estimator of y = mu + seed + example + error (Searle, Casella & McCulloch 1992, ch. 4)."""
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    x, _, _ = _data(seed, s=4, n=30, g=30)
    s, n = x.shape
    frame = pd.DataFrame(
        {
            "y": x.ravel(),
            "seed": np.repeat(np.arange(s), n).astype(str),
            "ex": np.tile(np.arange(n), s).astype(str),
        }
    )
    table = anova_lm(smf.ols("y ~ C(seed) + C(ex)", frame).fit())
    ms = table["sum_sq"] / table["df"]
    expected = (ms["C(seed)"] + ms["C(ex)"] - ms["Residual"]) / (s * n)
    t = two_way_terms(cluster_pieces(x, np.arange(n), n))
    assert t.runs + t.examples + t.interaction == pytest.approx(expected, rel=1e-10)
    # and the paired test of a - b uses exactly that variance of the differences
    r = examples_seeds_test(x + 1.0, np.ones_like(x), paired=True)
    assert r.se**2 == pytest.approx(expected, rel=1e-10)


def test_unpaired_seed_terms_add_each_configuration():
    x, codes, g = _data(5)
    y, _, _ = _data(6, s=4)
    r = examples_seeds_test(x, y[:, : x.shape[1]], codes, paired=False)
    assert r.estimate == pytest.approx(x.mean() - y[:, : x.shape[1]].mean())
    assert r.variance is not None
    assert r.variance.total == pytest.approx(r.se**2, rel=1e-12)
    assert 0 < r.pvalue <= 1 and r.df > 1


def test_mcnemar_matches_statsmodels_and_agresti():
    from statsmodels.stats.contingency_tables import mcnemar

    # Agresti 2002 table 10.1: first survey x second survey approval, 794 / 150 / 86 / 570
    a = np.array([1] * 794 + [1] * 150 + [0] * 86 + [0] * 570)
    b = np.array([1] * 794 + [0] * 150 + [1] * 86 + [0] * 570)
    ours = mcnemar_test(a, b)
    ref = mcnemar([[794, 150], [86, 570]], exact=True)
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-10)
    assert ours.statistic == ref.statistic == 86
    # Agresti's estimate of the change in approval: 0.59 - 0.5475 = 0.0425 (z = 4.17)
    assert ours.estimate == pytest.approx((150 - 86) / 1600)
    assert ours.pvalue < 1e-4
    small = mcnemar_test(np.array([1, 1, 0, 1]), np.array([0, 1, 1, 1]))
    assert small.pvalue == mcnemar([[2, 1], [1, 0]], exact=True).pvalue == 1.0


def test_too_few_clusters_or_seeds_are_value_errors():
    with pytest.raises(ValueError, match="2 clusters"):
        examples_only_test(np.ones(4), np.zeros(4), np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="same seeds"):
        examples_seeds_test(np.ones((1, 4)), np.zeros((1, 4)), paired=True)
