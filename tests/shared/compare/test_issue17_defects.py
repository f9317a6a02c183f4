"""Issue 17's smaller defects (D2, D5, D7-D12), each on new data that failed before the fix.

Independent references: scipy's ``ttest_rel`` (intervals), ``wilcoxon`` (p-values)."""

from __future__ import annotations

import numpy as np
import pytest
from _tracker_compare_compare_data import make_runs
from scipy import stats

from shared.compare import compare_runs


def _even_normal(mean: float, sd: float, n: int) -> np.ndarray:
    """n values with exactly this mean and SD (normal quantiles, shuffled by a fixed order)."""
    z = stats.norm.ppf((np.arange(n) + 0.5) / n)
    z = z / z.std(ddof=1)
    order = np.random.default_rng(n).permutation(n)
    return mean + sd * z[order]


@pytest.mark.parametrize("alpha", [0.01, 0.002])
def test_d2_min_effect_is_judged_on_the_interval_of_the_tests_alpha(alpha):
    # 12 seeds, paired gain 0.040 +- 0.016: the 95% interval [0.030, 0.050] clears
    # min_effect = 0.028, the 1 - alpha interval (99%: [0.026, 0.054]) does not
    base = np.linspace(0.71, 0.77, 12)
    gain = _even_normal(0.040, 0.016, 12)
    runs = make_runs({"base": base, "new": base + gain}, param="v")
    comp = compare_runs(runs, metric="acc", alpha=alpha, min_effect=0.028)
    (pair,) = comp.pairs
    ref = stats.ttest_rel(base + gain, base)
    assert ref.pvalue < alpha  # significant at alpha, so only the margin is in question
    want = ref.confidence_interval(1 - alpha)
    lo, hi = sorted(abs(x) for x in pair.ci)
    assert (lo, hi) == pytest.approx((want.low, want.high), rel=1e-9)
    assert ref.confidence_interval(0.95).low > 0.028 > want.low
    assert comp.decision.winner is None
    assert "no practically relevant difference" in comp.decision.rationale
    assert f"{100 * (1 - alpha):g}% CI" in comp.decision.rationale
    assert pair.extra["ci_level"] == pytest.approx(1 - alpha)
    # at the default alpha the interval stays the 95% one
    comp = compare_runs(runs, metric="acc", min_effect=0.028)
    assert comp.decision.winner == "v=new" and "95% CI" in comp.decision.rationale
