"""Options that are a fraction (alpha, a confidence level, a target power) are checked by one
function, ``shared.stats._validate.check_fraction``: every entry point refuses the same bad
values with the same one-line ``InputError`` (a non-number included, never a ``ValueError``)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import pytest

from shared.errors import InputError
from shared.stats import aso, iqm_ci, power, seeds_needed
from shared.stats._validate import check_fraction

A = [0.9, 0.92, 0.91, 0.93, 0.95]
B = [0.80, 0.82, 0.81, 0.85, 0.84]

CALLS: dict[str, tuple[str, Callable[[Any], object]]] = {
    "power(alpha)": ("alpha", lambda v: power(0.5, 10, alpha=v)),
    "seeds_needed(alpha)": ("alpha", lambda v: seeds_needed(0.5, alpha=v)),
    "seeds_needed(power)": ("power", lambda v: seeds_needed(0.5, power=v)),
    "aso(alpha)": ("alpha", lambda v: aso(A, B, alpha=v, n_bootstrap=10)),
    "iqm_ci(level)": ("level", lambda v: iqm_ci([[0.1, 0.2], [0.3, 0.4]], 10, level=v)),
}


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("bad", [0.0, 1.0, 1.5, -0.1, math.nan, "x", None])
def test_every_fraction_option_refuses_alike(call: str, bad: Any) -> None:
    name, run = CALLS[call]
    with pytest.raises(InputError) as caught:
        run(bad)
    with pytest.raises(InputError) as reference:
        check_fraction(bad, name)
    # the same wording (check_level adds an example after the interval)
    assert str(caught.value).replace(" (e.g. 0.95)", "") == str(reference.value)
    assert re.fullmatch(rf"{name} must be (a number )?in \(0, 1\), got .+", str(reference.value))


@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_fraction_given_as_text_is_read(call: str) -> None:
    _, run = CALLS[call]
    run("0.5")  # a number in a string, as from a config file, is accepted


def test_check_fraction_returns_the_float() -> None:
    assert check_fraction("0.05", "alpha") == 0.05
    assert check_fraction(0.95, "level") == 0.95
