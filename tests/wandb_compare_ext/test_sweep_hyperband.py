"""W&B's hyperband rule, on examples computed by hand.

The rule, as W&B's ``hyperband_stopping.py`` applies it: bands from ``max_iter``/``s``/``eta``
(``int(max_iter / eta**i)`` while >= 1) or ``min_iter``/``eta`` (``int(min_iter * eta**i)``);
threshold of band b = sorted values at report b of every run with >= b reports, element
``int(n / eta)``; a running run is judged at the last band it reached, by its value at that band
(``strict``) or its best value (not strict); maximize metrics are negated.
"""

from __future__ import annotations

import math

import pytest

from shared.errors import InputError
from wandb_compare_ext.sweep import HyperbandRule, SweepCallback


def rule(goal: str = "minimize", **et) -> HyperbandRule:
    return HyperbandRule.from_config({"type": "hyperband", **et}, goal=goal)


@pytest.mark.parametrize(
    ("et", "bands"),
    [
        ({"max_iter": 81, "s": 3, "eta": 3}, (3, 9, 27)),  # 81/3, 81/9, 81/27
        ({"max_iter": 10, "s": 5, "eta": 3}, (1, 3)),  # 3.33 -> 3, 1.11 -> 1, 0.37 < 1 stops
        ({"max_iter": 5, "s": 2, "eta": 2}, (1, 2)),  # 2.5 -> 2, 1.25 -> 1
        ({"min_iter": 3}, (3, 9, 27, 81)),  # eta defaults to 3
        ({"min_iter": 2, "eta": 1.5}, (2, 3, 4, 6, 10)),  # int(2 * 1.5**i): 2, 3, 4.5, 6.75, 10.1
    ],
)
def test_bands(et, bands):
    assert rule(**et).bands[: len(bands)] == bands


def test_strict_defaults_to_true_as_in_w_and_b_schema():
    assert rule(min_iter=1).strict is True


def test_w_and_b_docstring_example():
    # hyperband_stop_runs' own example: bands (1, 2); thresholds 10 (band 1) and
    # sorted([9, 10, 8, 7, 6])[int(0.5 * 5)] = 8 (band 2); only b is worse than 8 at band 2.
    r = rule(max_iter=5, eta=2, s=2)
    histories = {
        "a": [10, 9],
        "b": [10, 10],
        "c": [10, 8, 8],
        "d": [10, 7, 7],
        "e": [10, 6, 6],
    }
    assert r.thresholds(histories.values()) == [10.0, 8.0]
    assert r.stop_runs(histories, running=["b", "c", "d"]) == ["b"]
    assert rule(max_iter=5, eta=2, s=2, strict=False).stop_runs(histories, ["b", "c", "d"]) == ["b"]


def test_strict_judges_the_value_at_the_band_not_the_best():
    others = [[5, 4, 3], [6, 5, 4], [7, 6, 5]]
    mine = [2, 8, 9]
    # bands 1, 3, 9: judged at band 3; values at report 3: 3, 4, 5, 9 -> sorted, index
    # int(4 / 3) = 1 -> threshold 4. strict: 9 > 4 stops; not strict: best 2 <= 4 goes on.
    strict = rule(min_iter=1, eta=3).decide(mine, others)
    assert (strict.stop, strict.band, strict.threshold, strict.value) == (True, 3, 4.0, 9.0)
    lenient = rule(min_iter=1, eta=3, strict=False).decide(mine, others)
    assert (lenient.stop, lenient.band, lenient.threshold, lenient.value) == (False, 3, 4.0, 2.0)


def test_maximize_negates():
    others = [[0.5], [0.6], [0.7]]
    # negated: -0.5, -0.6, -0.7, -0.4 -> sorted, index int(4 / 2) = 2 -> -0.5 (0.5 as accuracy)
    d = rule("maximize", min_iter=1, eta=2).decide([0.4], others)
    assert d.stop and d.threshold == pytest.approx(0.5) and d.value == pytest.approx(0.4)
    # with 0.65: negated values -0.7, -0.65, -0.6, -0.5 -> index 2 -> -0.6; -0.65 is better
    d = rule("maximize", min_iter=1, eta=2).decide([0.65], others)
    assert not d.stop and d.threshold == pytest.approx(0.6)


def test_before_the_first_band_nothing_stops():
    d = rule(min_iter=3).decide([100.0, 100.0], [[1.0, 1.0, 1.0]] * 5)
    assert (d.stop, d.band, d.reports) == (False, None, 2)


def test_bands_count_valid_reports_only():
    # NaN and inf are not reports (W&B filters invalid values): 2 valid reports -> band 2.
    d = rule(min_iter=2, eta=2).decide([math.nan, 9.0, math.inf, 9.0], [[1.0, 1.0], [2.0, 2.0]])
    assert d.reports == 2 and d.band == 2 and d.stop


def test_a_lone_run_is_its_own_threshold():
    d = rule(min_iter=1).decide([5.0], [])
    assert not d.stop and d.threshold == 5.0


def test_callback_counts_reports_not_steps():
    # The run logs the metric at steps 0, 1000 and 5000 and other keys in between: three
    # reports, so it is judged at band 3 (min_iter 3), not at step 5000.
    peers = [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    cb = SweepCallback(
        {
            "method": "random",
            "metric": {"name": "val/loss"},
            "parameters": {"x": {"values": [1]}},
            "early_terminate": {"type": "hyperband", "min_iter": 3},
        },
        peers=lambda: peers,
    )
    cb.log({"val/loss": 5.0}, step=0)
    cb.log({"lr": 0.1}, step=10)
    cb.log({"val/loss": 5.0}, step=1000)
    assert cb.should_stop() is False  # two reports: before band 3
    cb.log({"val": {"loss": 5.0}}, step=5000)  # nested form of the same metric
    assert cb.should_stop() is True
    assert cb.decision.band == 3 and cb.decision.reports == 3
    assert cb.should_stop() is True  # stays stopped


def test_no_early_terminate_never_stops():
    cb = SweepCallback(
        {"method": "random", "metric": {"name": "loss"}, "parameters": {"x": {"value": 1}}},
        peers=lambda: [[0.0]] * 10,
    )
    cb.log({"loss": 1e9})
    assert cb.should_stop() is False


@pytest.mark.parametrize(
    ("et", "field"),
    [
        ({"type": "median", "min_iter": 3}, "early_terminate.type"),
        ({"type": "hyperband", "min_iter": 3, "eta": 1}, "early_terminate.eta"),
        ({"type": "hyperband"}, "early_terminate.min_iter"),
        ({"type": "hyperband", "max_iter": 27}, "early_terminate.s"),
        ({"type": "hyperband", "max_iter": 2, "s": 1, "eta": 3}, "early_terminate.s"),
        ({"type": "hyperband", "min_iter": 0}, "early_terminate.min_iter"),
        ({"type": "hyperband", "min_iter": 3, "strict": "yes"}, "early_terminate.strict"),
        ({"type": "hyperband", "min_iter": 3, "patience": 2}, "early_terminate.patience"),
    ],
)
def test_bad_early_terminate_names_the_field(et, field):
    with pytest.raises(InputError) as info:
        HyperbandRule.from_config(et, goal="minimize")
    assert str(info.value).startswith(field + ":"), str(info.value)
