"""String params from MLflow get their real types back; W&B values keep theirs."""

import math

import pytest

from shared import coerce_params, coerce_value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("16", 16),
        ("-3", -3),
        ("1e-4", 1e-4),
        ("0.001", 0.001),
        (".5", 0.5),
        ("1.", 1.0),
        ("True", True),
        ("false", False),
        ("None", None),
        ("null", None),
        ("adam", "adam"),
        ("1_000", "1_000"),  # not a plain number: a user's text
        ("0x10", "0x10"),
        ("v1.2", "v1.2"),
        ("[64, 64]", [64, 64]),
        ("['a', 'b']", ["a", "b"]),
        ("[1, oops", "[1, oops"),
        ("", ""),
        (3, 3),
        (0.5, 0.5),
        ([1, 2], [1, 2]),
        (None, None),
    ],
)
def test_coerce_value(raw, expected):
    got = coerce_value(raw)
    assert got == expected
    assert type(got) is type(expected)


def test_coerce_value_non_finite_strings():
    assert math.isnan(coerce_value("nan"))
    assert coerce_value("inf") == math.inf
    assert coerce_value("-inf") == -math.inf


def test_numeric_strings_that_mean_the_same_config_become_equal():
    assert coerce_value("16") == coerce_value("16.0")


def test_coerce_params_keeps_keys():
    assert coerce_params({"optimizer.lr": "3e-4", "bs": "32", "name": "x"}) == {
        "optimizer.lr": 3e-4, "bs": 32, "name": "x"}
