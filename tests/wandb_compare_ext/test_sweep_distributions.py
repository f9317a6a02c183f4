"""Every W&B distribution, sampled through Optuna, against W&B's definition.

W&B's definitions (wandb/sweeps ``src/sweeps/params.py``, ``HyperParameter.ppf``): a value is
``ppf(U(0, 1))`` with ``int_uniform`` ~ randint(min, max + 1); ``log_uniform`` = exp(U(min, max))
(exponent bounds); ``log_uniform_values`` = exp(U(log min, log max)); ``inv_log_uniform`` =
exp(-U(min, max)); ``inv_log_uniform_values`` = exp(-U(-log max, -log min)); ``q_*`` =
``round(x / q) * q`` (an int when q is an int); ``normal`` ~ N(mu, sigma); ``log_normal`` ~
lognorm(s=sigma, scale=e**mu); ``beta`` ~ Beta(a, b); categorical values equally likely, or with
the given probabilities. The reference distributions here are scipy's, independent of our code.
Statistical checks use fixed seeds and a 0.001 level, so they are deterministic, not flaky.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import optuna
import pytest
from scipy import stats

from shared.errors import InputError
from wandb_compare_ext.sweep import load_sweep_config, parse_parameters
from wandb_compare_ext.sweep._study import suggest as _suggest

N = 2000
ALPHA = 0.001

PARAMS = {
    "const": {"value": 3},
    "cat": {"values": ["a", "b", "c"]},
    "catp": {"values": [1, 2, 3], "probabilities": [0.2, 0.5, 0.3]},
    "iu": {"min": -2, "max": 4},
    "u": {"min": -1.0, "max": 3.0},
    "qu": {"distribution": "q_uniform", "min": 0.0, "max": 2.0, "q": 0.5},
    "lu": {"distribution": "log_uniform", "min": -5, "max": 0},
    "luv": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
    "ilu": {"distribution": "inv_log_uniform", "min": 0, "max": 3},
    "iluv": {"distribution": "inv_log_uniform_values", "min": 0.01, "max": 10.0},
    "qlu": {"distribution": "q_log_uniform", "min": 0, "max": 4, "q": 4},
    "qluv": {"distribution": "q_log_uniform_values", "min": 2.0, "max": 64.0, "q": 2.0},
    "n": {"distribution": "normal", "mu": 2, "sigma": 3},
    "qn": {"distribution": "q_normal", "mu": 0, "sigma": 2, "q": 1},
    "ln": {"distribution": "log_normal", "mu": 0.5, "sigma": 0.7},
    "qln": {"distribution": "q_log_normal", "mu": 2, "sigma": 0.5, "q": 2},
    "b": {"distribution": "beta", "a": 2, "b": 5},
    "qb": {"distribution": "q_beta", "a": 0.5, "b": 0.5, "q": 0.1},
    "nest": {"parameters": {"shape": {"values": [[64, 64], [128]]}, "depth": {"value": 2}}},
}


@pytest.fixture(scope="module")
def samples() -> dict[str, list]:
    """N draws of every parameter through Optuna's RandomSampler, as the runner suggests them."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    cfg = load_sweep_config({"method": "random", "metric": {"name": "m"}, "parameters": PARAMS})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=12345))
    rows = []
    for _ in range(N):
        trial = study.ask()
        rows.append(_suggest(cfg, trial))
        study.tell(trial, 0.0)
    return {k: [r[k] for r in rows] for k in rows[0]}


def ks_p(values, cdf) -> float:
    return float(stats.kstest(np.asarray(values, dtype=float), cdf).pvalue)


def chi2_p(observed: Counter, expected: dict) -> float:
    """Chi-square goodness of fit; keys with small expected counts are pooled."""
    keys = sorted(expected, key=lambda k: expected[k])
    obs, exp, pool_o, pool_e = [], [], 0.0, 0.0
    for k in keys:
        pool_o += observed.get(k, 0)
        pool_e += expected[k] * N
        if pool_e >= 5:
            obs.append(pool_o)
            exp.append(pool_e)
            pool_o = pool_e = 0.0
    if pool_e > 0:
        obs[-1] += pool_o
        exp[-1] += pool_e
    assert sum(observed.values()) == N
    assert set(observed) <= set(expected), set(observed) - set(expected)
    return float(stats.chisquare(obs, np.asarray(exp) * sum(obs) / sum(exp)).pvalue)


def quantised_expected(cdf, q: float, lo: float, hi: float) -> dict:
    """P(round(X / q) * q = k q) = F((k + 1/2) q) - F((k - 1/2) q), over the support."""
    out = {}
    for k in range(math.floor(lo / q) - 1, math.ceil(hi / q) + 2):
        p = cdf((k + 0.5) * q) - cdf((k - 0.5) * q)
        if p > 0:
            out[round(k * q, 10)] = p
    return out


def test_constant_and_nested(samples):
    assert set(samples["const"]) == {3}
    assert set(samples["nest.depth"]) == {2}
    shapes = Counter(tuple(s) for s in samples["nest.shape"])
    assert set(shapes) == {(64, 64), (128,)}
    assert chi2_p(Counter({k: v for k, v in shapes.items()}), {(64, 64): 0.5, (128,): 0.5}) > ALPHA


def test_categorical_uniform(samples):
    counts = Counter(samples["cat"])
    assert chi2_p(counts, {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}) > ALPHA


def test_categorical_with_probabilities(samples):
    counts = Counter(samples["catp"])
    assert chi2_p(counts, {1: 0.2, 2: 0.5, 3: 0.3}) > ALPHA
    # and not uniform: the test can tell the two apart
    assert chi2_p(counts, {1: 1 / 3, 2: 1 / 3, 3: 1 / 3}) < ALPHA


def test_int_uniform_both_ends_included(samples):
    values = samples["iu"]
    assert all(isinstance(v, int) for v in values)
    assert set(values) == set(range(-2, 5))
    assert chi2_p(Counter(values), {k: 1 / 7 for k in range(-2, 5)}) > ALPHA


def test_uniform(samples):
    v = np.array(samples["u"])
    assert v.min() >= -1.0 and v.max() <= 3.0
    assert ks_p(v, stats.uniform(-1.0, 4.0).cdf) > ALPHA


def test_q_uniform_rounds_to_multiples_of_q(samples):
    v = samples["qu"]
    assert all(isinstance(x, float) for x in v)
    # W&B: round(U(0, 2) / 0.5) * 0.5 -> 0 and 2 have half the mass of 0.5, 1, 1.5
    expected = quantised_expected(stats.uniform(0.0, 2.0).cdf, 0.5, 0.0, 2.0)
    assert expected == pytest.approx({0.0: 0.125, 0.5: 0.25, 1.0: 0.25, 1.5: 0.25, 2.0: 0.125})
    assert chi2_p(Counter(v), expected) > ALPHA


def test_log_uniform_takes_exponent_bounds(samples):
    v = np.array(samples["lu"])
    assert v.min() >= math.exp(-5) and v.max() <= 1.0
    assert ks_p(np.log(v), stats.uniform(-5, 5).cdf) > ALPHA
    assert ks_p(v, stats.loguniform(math.exp(-5), 1.0).cdf) > ALPHA


def test_log_uniform_values(samples):
    v = np.array(samples["luv"])
    assert v.min() >= 1e-4 and v.max() <= 1e-1
    assert ks_p(v, stats.loguniform(1e-4, 1e-1).cdf) > ALPHA
    # on a log scale, not a linear one
    assert ks_p(v, stats.uniform(1e-4, 1e-1 - 1e-4).cdf) < ALPHA


def test_inv_log_uniform_exponents(samples):
    v = np.array(samples["ilu"])
    # W&B: exp(-U(min, max)) -> values in [e**-3, 1]
    assert v.min() >= math.exp(-3) and v.max() <= 1.0
    assert ks_p(-np.log(v), stats.uniform(0, 3).cdf) > ALPHA


def test_inv_log_uniform_values(samples):
    v = np.array(samples["iluv"])
    assert v.min() >= 0.01 and v.max() <= 10.0
    # W&B: exp(-U(-log max, -log min)): log-uniform on [min, max]
    assert ks_p(v, stats.loguniform(0.01, 10.0).cdf) > ALPHA


def test_q_log_uniform_int_q_gives_ints(samples):
    v = samples["qlu"]
    assert all(isinstance(x, int) and x % 4 == 0 for x in v)
    cdf = stats.loguniform(1.0, math.exp(4)).cdf
    assert chi2_p(Counter(v), quantised_expected(cdf, 4, 1.0, math.exp(4))) > ALPHA


def test_q_log_uniform_values(samples):
    v = samples["qluv"]
    assert all(isinstance(x, float) and x % 2.0 == 0 for x in v)
    cdf = stats.loguniform(2.0, 64.0).cdf
    assert chi2_p(Counter(v), quantised_expected(cdf, 2.0, 2.0, 64.0)) > ALPHA


def test_normal(samples):
    assert ks_p(samples["n"], stats.norm(2, 3).cdf) > ALPHA


def test_q_normal(samples):
    v = samples["qn"]
    assert all(isinstance(x, int) for x in v)
    assert chi2_p(Counter(v), quantised_expected(stats.norm(0, 2).cdf, 1, -12, 12)) > ALPHA


def test_log_normal(samples):
    v = np.array(samples["ln"])
    assert v.min() > 0
    assert ks_p(v, stats.lognorm(s=0.7, scale=math.exp(0.5)).cdf) > ALPHA


def test_q_log_normal(samples):
    v = samples["qln"]
    assert all(isinstance(x, int) and x % 2 == 0 for x in v)
    cdf = stats.lognorm(s=0.5, scale=math.exp(2)).cdf
    assert chi2_p(Counter(v), quantised_expected(cdf, 2, 0, 60)) > ALPHA


def test_beta(samples):
    v = np.array(samples["b"])
    assert v.min() >= 0 and v.max() <= 1
    assert ks_p(v, stats.beta(2, 5).cdf) > ALPHA


def test_q_beta(samples):
    v = [round(x, 10) for x in samples["qb"]]
    assert all(abs(x / 0.1 - round(x / 0.1)) < 1e-9 for x in v)
    assert chi2_p(Counter(v), quantised_expected(stats.beta(0.5, 0.5).cdf, 0.1, 0, 1)) > ALPHA


def test_native_distributions_show_their_value_in_optuna():
    specs = {p.name: p for p in parse_parameters(PARAMS)}
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    trial = study.ask()
    values = {name: spec.suggest(trial) for name, spec in specs.items()}
    assert trial.params["luv"] == values["luv"]
    assert trial.params["iu"] == values["iu"]
    # the others are quantiles in [0, 1] under "<name>:u", mapped by W&B's inverse CDF
    u = trial.params["n:u"]
    assert 0 <= u <= 1
    assert values["n"] == pytest.approx(stats.norm(2, 3).ppf(u))
    assert specs["qn"].ppf(0.975) == round(stats.norm(0, 2).ppf(0.975))  # 1.96 * 2 -> 4


@pytest.mark.parametrize(
    ("param", "field"),
    [
        ({"min": 1.0, "max": 0.5}, "parameters.p.min"),
        ({"min": 3, "max": 3}, "parameters.p.min"),
        ({"distribution": "log_uniform_values", "min": 0.0, "max": 1.0}, "parameters.p.min"),
        ({"distribution": "int_uniform", "min": 0.5, "max": 3}, "parameters.p.min"),
        ({"distribution": "q_uniform", "min": 0, "max": 1, "q": 0}, "parameters.p.q"),
        ({"distribution": "normal", "sigma": -1}, "parameters.p.sigma"),
        ({"distribution": "beta", "a": 0}, "parameters.p.a"),
        ({"distribution": "gaussian"}, "parameters.p.distribution"),
        ({"distribution": "uniform", "min": 0.0}, "parameters.p.max"),
        ({"distribution": "uniform", "min": 0.0, "max": 1.0, "mu": 1}, "parameters.p.mu"),
        ({"values": []}, "parameters.p.values"),
        ({"values": [1, 2], "probabilities": [0.5, 0.6]}, "parameters.p.probabilities"),
        ({"values": [1, 2], "probabilities": [1.0]}, "parameters.p.probabilities"),
        ({"distribution": "log_uniform", "min": 0, "max": 1000}, "parameters.p.max"),
        ({"q": 1}, "parameters.p"),
        ({"parameters": {"x": {"min": 2, "max": 1}}}, "parameters.p.parameters.x.min"),
    ],
)
def test_bad_parameter_names_the_field(param, field):
    with pytest.raises(InputError) as info:
        parse_parameters({"p": param})
    message = str(info.value)
    assert message.startswith(field + ":"), message
    assert "\n" not in message


def test_categorical_keeps_true_and_1_apart():
    # Optuna finds a choice by ==, and True == 1 in Python; W&B keeps them distinct values.
    (spec,) = parse_parameters({"flag": {"values": [True, 1, "1"]}})
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=5))
    draws = []
    for _ in range(300):
        trial = study.ask()
        draws.append(spec.suggest(trial))
        study.tell(trial, 0.0)
    counts = Counter((type(v).__name__, v) for v in draws)
    assert set(counts) == {("bool", True), ("int", 1), ("str", "1")}
    assert min(counts.values()) > 60  # about 100 each


def test_dotted_parameter_names_are_refused_with_the_nested_form():
    with pytest.raises(InputError) as info:
        parse_parameters({"optimizer.lr": {"values": [0.1]}})
    assert str(info.value).startswith("parameters.optimizer.lr: dotted parameter names")
    assert "optimizer: {parameters: {lr: ...}}" in str(info.value)
