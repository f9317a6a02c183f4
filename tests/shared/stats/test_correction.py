"""p-value corrections against statsmodels.multipletests and Benjamini & Hochberg (1995)."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from shared.errors import InputError
from shared.stats import adjust_pvalues

SM = {"holm": "holm", "bonferroni": "bonferroni", "bh": "fdr_bh"}

# Benjamini & Hochberg (1995), JRSS B 57, section 4.2: the 15 p-values of the myocardial
# infarction study. At q = 0.05 their procedure rejects the 4 smallest; Bonferroni (and Holm)
# reject only the 3 smallest.
BH_1995 = [0.0201, 0.0001, 0.0004, 0.0019, 0.0095, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240,
           0.4262, 0.5719, 0.6528, 0.7590, 1.0000]


def test_benjamini_hochberg_1995_example():
    p = np.array(BH_1995)
    assert int((adjust_pvalues(p, "bh") <= 0.05).sum()) == 4
    assert int((adjust_pvalues(p, "bonferroni") <= 0.05).sum()) == 3
    assert int((adjust_pvalues(p, "holm") <= 0.05).sum()) == 3
    assert set(np.flatnonzero(adjust_pvalues(p, "bh") <= 0.05)) == {1, 2, 3, 4}


@pytest.mark.parametrize("method", ["holm", "bonferroni", "bh"])
@pytest.mark.parametrize("seed", range(5))
def test_matches_statsmodels(method, seed):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 60))
    p = np.concatenate([rng.uniform(0, 0.05, m // 3), rng.uniform(0, 1, m - m // 3)])
    p = rng.permutation(np.round(p, 3))  # rounding gives ties
    ours = adjust_pvalues(p, method)
    ref = multipletests(p, method=SM[method])[1]
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-15)


def test_none_and_empty_and_scalar():
    p = [0.2, 0.01]
    np.testing.assert_array_equal(adjust_pvalues(p, "none"), p)
    assert adjust_pvalues([], "holm").size == 0
    assert adjust_pvalues(0.03, "bonferroni").tolist() == [0.03]
    assert adjust_pvalues([0.01, 0.02], "HOLM").tolist() == pytest.approx([0.02, 0.02])


def test_nan_stays_nan_and_counts_conservatively():
    out = adjust_pvalues([0.01, np.nan, 0.04], "bonferroni")
    assert np.isnan(out[1])
    assert out[0] == pytest.approx(0.03) and out[2] == pytest.approx(0.12)


def test_bad_input():
    with pytest.raises(InputError, match="unknown correction"):
        adjust_pvalues([0.1], "sidak")
    with pytest.raises(InputError):
        adjust_pvalues([0.1, 1.2], "holm")
    with pytest.raises(InputError):
        adjust_pvalues([-0.1], "holm")
    with pytest.raises(InputError):
        adjust_pvalues([[0.1, 0.2]], "holm")
    with pytest.raises(InputError):
        adjust_pvalues(["a"], "holm")
