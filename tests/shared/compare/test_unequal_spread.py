"""Unpaired runs with unequal n and unequal spread (issue 17's D1): ``auto`` chooses a test
that does not assume equal spreads or shapes (Brunner-Munzel; Welch's t when min_effect
needs metric units), and the Brunner-Munzel record runs through ``compare_runs``.

New data: a 5-run configuration with a wide heavy-tailed spread against a 21-run narrow
one, centred alike."""

from __future__ import annotations

import numpy as np
import pytest
from _tracker_compare_compare_data import make_runs

from shared import stats as st
from shared.compare import compare_runs
from shared.errors import InputError

WIDE = np.array([-4.1, 6.3, 0.4, -2.2, 9.8])
NARROW = np.array([0.21, -0.35, 0.05, 0.62, -0.18, 0.44, -2.9, 0.11, -0.07, 0.33, -0.52,
                   0.02, 0.27, 3.4, -0.24, 0.15, -0.41, 0.58, -0.09, 0.36, -0.13])


def _runs():
    return make_runs({"W": WIDE, "N": NARROW}, param="cfg", seed_key=None)


def test_auto_picks_brunner_munzel_for_unequal_spread_not_mann_whitney():
    comp = compare_runs(_runs(), metric="acc")
    (pair,) = comp.pairs
    assert pair.test == "brunner-munzel" and not pair.paired
    assert "Brunner-Munzel" in pair.why and "equal spreads or shapes" in pair.why
    a, b = (WIDE, NARROW) if pair.a == "cfg=W" else (NARROW, WIDE)
    ref = st.brunner_munzel(a, b)
    assert pair.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    # Cliff's delta of a over b, counted pair by pair
    delta = float(np.mean(np.sign(np.subtract.outer(a, b))))
    assert pair.estimate == "cliffs_delta"
    assert pair.diff == pytest.approx(delta, abs=1e-12)
    assert comp.decision.winner is None


def test_auto_with_min_effect_picks_welch():
    comp = compare_runs(_runs(), metric="acc", min_effect=0.5)
    (pair,) = comp.pairs
    assert pair.test == "welch"
    assert "min_effect" in pair.why


def test_named_brunner_munzel_decides_a_real_difference():
    rng = np.random.default_rng(8)
    better, worse = 2.0 + 3.0 * rng.standard_t(3, 7), rng.standard_t(3, 18)
    better = np.abs(better - 2.0) + 2.5  # clearly above every run of the other
    comp = compare_runs(make_runs({"B": better, "C": worse}, param="cfg", seed_key=None),
                        metric="acc", test="brunner-munzel")
    (pair,) = comp.pairs
    assert pair.significant and comp.decision.winner == "cfg=B"
    assert pair.ci is not None and (pair.ci[0] > 0 if pair.a == "cfg=B" else pair.ci[1] < 0)


def test_named_brunner_munzel_refuses_min_effect():
    with pytest.raises(InputError, match="brunner-munzel.*no interval in metric units"):
        compare_runs(_runs(), metric="acc", test="brunner-munzel", min_effect=0.5)
