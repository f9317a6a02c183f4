"""W&B sweep parameters: parsing, W&B's sampling semantics, and their Optuna suggestions.

Every W&B distribution is defined by its inverse CDF applied to a uniform draw (that is how W&B's
own sweeps engine samples: ``ppf(random.uniform(0, 1))``). Where Optuna has the very same
distribution we suggest it natively, so ``trial.params`` shows the real value:

============================== ========================================================
W&B distribution               Optuna suggestion
============================== ========================================================
constant                       none (the value is fixed)
categorical                    ``suggest_categorical`` (non-scalar values as JSON text)
int_uniform                    ``suggest_int(min, max)`` (both ends included)
uniform                        ``suggest_float(min, max)``
log_uniform (exponent bounds)  ``suggest_float(e**min, e**max, log=True)``
log_uniform_values             ``suggest_float(min, max, log=True)``
inv_log_uniform (exponents)    ``suggest_float(e**-max, e**-min, log=True)``
inv_log_uniform_values         ``suggest_float(min, max, log=True)``
============================== ========================================================

(W&B draws ``inv_log_uniform`` as ``exp(-U(min, max))``; for ``_values`` the bounds are
``-log(max), -log(min)``, so its draws are log-uniform on ``[min, max]``.)

Every other distribution (categorical_w_probabilities, q_uniform, q_log_uniform(_values),
normal, q_normal, log_normal, q_log_normal, beta, q_beta) is suggested as its quantile
``u = suggest_float("<name>:u", 0, 1)`` and mapped through W&B's inverse CDF, so samplers see a
bounded space and the values follow W&B's definition exactly (quantised values are
``round(x / q) * q``, integers when ``q`` is an integer, as W&B does).

Example:
    >>> specs = parse_parameters({"lr": {"min": 1e-4, "max": 1e-1,
    ...                                  "distribution": "log_uniform_values"}})
    >>> specs[0].distribution, specs[0].native
    ('log_uniform_values', True)
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.errors import InputError

__all__ = [
    "DISTRIBUTIONS",
    "GRID_DISTRIBUTIONS",
    "ParamSpec",
    "grid_size",
    "nest_config",
    "parse_parameters",
]

# Settings each distribution accepts, with W&B's defaults (None: required).
_SETTINGS: dict[str, dict[str, Any]] = {
    "constant": {"value": None},
    "categorical": {"values": None},
    "categorical_w_probabilities": {"values": None, "probabilities": None},
    "int_uniform": {"min": None, "max": None},
    "uniform": {"min": None, "max": None},
    "q_uniform": {"min": None, "max": None, "q": 1.0},
    "log_uniform": {"min": None, "max": None},
    "log_uniform_values": {"min": None, "max": None},
    "inv_log_uniform": {"min": None, "max": None},
    "inv_log_uniform_values": {"min": None, "max": None},
    "q_log_uniform": {"min": None, "max": None, "q": 1.0},
    "q_log_uniform_values": {"min": None, "max": None, "q": 1.0},
    "normal": {"mu": 0.0, "sigma": 1.0},
    "q_normal": {"mu": 0.0, "sigma": 1.0, "q": 1.0},
    "log_normal": {"mu": 0.0, "sigma": 1.0},
    "q_log_normal": {"mu": 0.0, "sigma": 1.0, "q": 1.0},
    "beta": {"a": 1.0, "b": 1.0},
    "q_beta": {"a": 1.0, "b": 1.0, "q": 1.0},
}

DISTRIBUTIONS: tuple[str, ...] = tuple(_SETTINGS)
"""Every W&B distribution name this runner honours."""

GRID_DISTRIBUTIONS: tuple[str, ...] = ("constant", "categorical", "int_uniform", "q_uniform")
"""The distributions W&B's grid search accepts (as W&B, probabilities are not allowed)."""

_NATIVE = {
    "constant",
    "categorical",
    "int_uniform",
    "uniform",
    "log_uniform",
    "log_uniform_values",
    "inv_log_uniform",
    "inv_log_uniform_values",
}
_SCALAR = (str, int, float, bool, type(None))
# Quantiles are clipped away from 0 and 1 so normal-type inverse CDFs stay finite.
_U_EPS = 1e-12


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _quantise(x: float, q: float | int) -> float | int:
    # W&B: np.round(x / q) * q, cast to int when q is an int (np.round rounds half to even,
    # as Python's round does).
    k = round(x / q)
    return int(k * q) if _is_int(q) else float(k * q)


@dataclass(frozen=True)
class ParamSpec:
    """One W&B sweep parameter with its distribution and filled-in settings.

    Args:
        name: dot path of the parameter (``optimizer.lr`` for nested parameters).
        distribution: the W&B distribution name (one of :data:`DISTRIBUTIONS`).
        settings: the distribution's settings with W&B's defaults filled in.

    Example:
        >>> p = ParamSpec("x", "q_uniform", {"min": 0.0, "max": 1.0, "q": 0.25})
        >>> p.ppf(0.49)
        0.5
    """

    name: str
    distribution: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def native(self) -> bool:
        """True when Optuna suggests the value itself (not a quantile)."""
        return self.distribution in _NATIVE

    @property
    def optuna_name(self) -> str:
        """The name of this parameter in Optuna's ``trial.params``."""
        return self.name if self.native else f"{self.name}:u"

    # -- sampling ---------------------------------------------------------------------------
    def suggest(self, trial: Any) -> Any:
        """Draw this parameter's value for an Optuna trial (W&B semantics)."""
        d, s = self.distribution, self.settings
        if d == "constant":
            return s["value"]
        if d == "categorical":
            choices = self._choices()
            return self._decode(trial.suggest_categorical(self.name, choices))
        if d == "int_uniform":
            return int(trial.suggest_int(self.name, s["min"], s["max"]))
        if d == "uniform":
            return float(trial.suggest_float(self.name, s["min"], s["max"]))
        if d in ("log_uniform", "log_uniform_values", "inv_log_uniform", "inv_log_uniform_values"):
            low, high = self.value_bounds()
            return float(trial.suggest_float(self.name, low, high, log=True))
        return self.ppf(trial.suggest_float(self.optuna_name, 0.0, 1.0))

    def suggest_grid(self, trial: Any) -> Any:
        """Take this parameter's grid value for a trial run by Optuna's ``GridSampler``."""
        if self.distribution == "constant":
            return self.settings["value"]
        return self._decode(trial.suggest_categorical(self.name, self.grid_choices()))

    def value_bounds(self) -> tuple[float, float]:
        """Lowest and highest value of the log-uniform family (values, not exponents)."""
        d, s = self.distribution, self.settings
        if d == "log_uniform":
            return math.exp(s["min"]), math.exp(s["max"])
        if d == "inv_log_uniform":
            return math.exp(-s["max"]), math.exp(-s["min"])
        return float(s["min"]), float(s["max"])

    def ppf(self, u: float) -> Any:
        """W&B's inverse CDF: the value at quantile ``u`` in [0, 1].

        This is W&B's definition of every distribution; random search draws ``ppf(U(0, 1))``.
        """
        from scipy import stats

        d, s = self.distribution, self.settings
        u = min(max(float(u), _U_EPS), 1.0 - _U_EPS)
        if d == "constant":
            return s["value"]
        if d == "categorical":
            return s["values"][min(int(u * len(s["values"])), len(s["values"]) - 1)]
        if d == "categorical_w_probabilities":
            total = 0.0
            for value, p in zip(s["values"], s["probabilities"], strict=True):
                total += p
                if u < total:
                    return value
            return s["values"][-1]
        if d == "int_uniform":
            n = s["max"] - s["min"] + 1
            return int(s["min"] + min(int(u * n), n - 1))
        if d == "uniform":
            return s["min"] + u * (s["max"] - s["min"])
        if d == "q_uniform":
            return _quantise(s["min"] + u * (s["max"] - s["min"]), s["q"])
        if d in ("log_uniform", "log_uniform_values", "inv_log_uniform", "inv_log_uniform_values"):
            low, high = self.value_bounds()
            return math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
        if d in ("q_log_uniform", "q_log_uniform_values"):
            lo, hi = s["min"], s["max"]
            if d == "q_log_uniform_values":
                lo, hi = math.log(lo), math.log(hi)
            return _quantise(math.exp(lo + u * (hi - lo)), s["q"])
        if d in ("normal", "q_normal"):
            x = float(stats.norm.ppf(u, loc=s["mu"], scale=s["sigma"]))
        elif d in ("log_normal", "q_log_normal"):
            x = float(math.exp(s["mu"] + s["sigma"] * stats.norm.ppf(u)))
        elif d in ("beta", "q_beta"):
            x = float(stats.beta.ppf(u, a=s["a"], b=s["b"]))
        else:  # pragma: no cover - parse_parameters admits only known names
            raise InputError(f"parameters.{self.name}: unknown distribution {d!r}")
        return _quantise(x, s["q"]) if d.startswith("q_") else x

    # -- grid ---------------------------------------------------------------------------------
    def grid_values(self) -> list[Any]:
        """The values W&B's grid search takes for this parameter, duplicates removed.

        ``int_uniform`` gives ``min..max`` (both included) and ``q_uniform`` gives
        ``min, min+q, ...`` below ``max`` (W&B uses ``numpy.arange(min, max, q)``).
        """
        d, s = self.distribution, self.settings
        if d == "constant":
            values: list[Any] = [s["value"]]
        elif d == "categorical":
            values = list(s["values"])
        elif d == "int_uniform":
            values = list(range(s["min"], s["max"] + 1))
        elif d == "q_uniform":
            import numpy as np

            values = [
                int(v) if _is_int(s["q"]) and _is_int(s["min"]) else float(v)
                for v in np.arange(s["min"], s["max"], s["q"])
            ]
        else:
            raise InputError(
                f"parameters.{self.name}: distribution {d!r} cannot be used with method grid "
                f"(grid takes value, values, int_uniform or q_uniform)"
            )
        unique: list[Any] = []
        seen: set[str] = set()
        for v in values:
            key = json.dumps(v, sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                unique.append(v)
        return unique

    def grid_choices(self) -> list[Any]:
        """:meth:`grid_values` as Optuna choices (non-scalar values as JSON text)."""
        return [self._encode(v) for v in self.grid_values()]

    # -- helpers -------------------------------------------------------------------------------
    def _choices(self) -> list[Any]:
        return [self._encode(v) for v in self.settings["values"]]

    def _needs_json(self) -> bool:
        values = self.settings.get("values", [self.settings.get("value")])
        if not all(isinstance(v, _SCALAR) for v in values):
            return True
        # Optuna finds a choice by ==, and True == 1: keep such mixes apart as JSON text.
        has_bool = any(isinstance(v, bool) for v in values)
        return has_bool and any(_is_number(v) for v in values)

    def _encode(self, value: Any) -> Any:
        return json.dumps(value, sort_keys=True) if self._needs_json() else value

    def _decode(self, choice: Any) -> Any:
        return json.loads(choice) if self._needs_json() else choice

    def to_dict(self) -> dict[str, Any]:
        """JSON form: name, distribution and settings."""
        return {"name": self.name, "distribution": self.distribution, **dict(self.settings)}


def _infer_distribution(path: str, cfg: Mapping[str, Any]) -> str:
    # W&B's rules when "distribution" is absent (docs: "If you don't specify a distribution").
    if "value" in cfg:
        return "constant"
    if "values" in cfg:
        return "categorical_w_probabilities" if "probabilities" in cfg else "categorical"
    if "min" in cfg and "max" in cfg:
        return "int_uniform" if _is_int(cfg["min"]) and _is_int(cfg["max"]) else "uniform"
    raise InputError(
        f"{path}: cannot tell the distribution: give value, values, min and max, "
        f"or distribution (one of {', '.join(DISTRIBUTIONS)})"
    )


def _check_number(path: str, value: Any, *, integer: bool = False) -> None:
    if integer and not _is_int(value):
        raise InputError(f"{path}: must be an integer, got {value!r}")
    if not _is_number(value):
        raise InputError(f"{path}: must be a finite number, got {value!r}")


def _parse_one(path: str, name: str, cfg: Mapping[str, Any]) -> ParamSpec:
    dist = cfg.get("distribution")
    if dist is None:
        dist = _infer_distribution(path, cfg)
    if dist not in _SETTINGS:
        raise InputError(
            f"{path}.distribution: unknown distribution {dist!r} "
            f"(expected one of {', '.join(DISTRIBUTIONS)})"
        )
    allowed = _SETTINGS[dist]
    for key in cfg:
        if key != "distribution" and key not in allowed:
            raise InputError(
                f"{path}.{key}: not a setting of distribution {dist!r} "
                f"(its settings: {', '.join(allowed)})"
            )
    settings: dict[str, Any] = {}
    for key, default in allowed.items():
        if key in cfg:
            settings[key] = cfg[key]
        elif default is None:
            raise InputError(f"{path}.{key}: missing (distribution {dist!r} needs it)")
        else:
            settings[key] = default
    _validate(path, dist, settings)
    return ParamSpec(name=name, distribution=dist, settings=settings)


def _validate(path: str, dist: str, s: dict[str, Any]) -> None:
    if "values" in s:
        if not isinstance(s["values"], (list, tuple)) or len(s["values"]) == 0:
            raise InputError(f"{path}.values: must be a non-empty list")
        s["values"] = list(s["values"])
    if dist == "categorical_w_probabilities":
        probs = s["probabilities"]
        if not isinstance(probs, (list, tuple)) or len(probs) != len(s["values"]):
            raise InputError(
                f"{path}.probabilities: must be a list as long as values ({len(s['values'])})"
            )
        for p in probs:
            if not _is_number(p) or p < 0:
                raise InputError(f"{path}.probabilities: must be numbers >= 0, got {p!r}")
        if not math.isclose(sum(probs), 1.0, rel_tol=0, abs_tol=1e-8):
            raise InputError(f"{path}.probabilities: must sum to 1, they sum to {sum(probs)!r}")
        s["probabilities"] = [float(p) for p in probs]
    if "min" in s:
        integer = dist == "int_uniform"
        _check_number(f"{path}.min", s["min"], integer=integer)
        _check_number(f"{path}.max", s["max"], integer=integer)
        if s["min"] >= s["max"]:
            raise InputError(f"{path}.min: must be less than max ({s['min']!r} >= {s['max']!r})")
        if dist.endswith("_values") and s["min"] <= 0:
            raise InputError(
                f"{path}.min: must be > 0 for {dist} (bounds are values, not exponents), "
                f"got {s['min']!r}"
            )
        if dist in ("log_uniform", "inv_log_uniform", "q_log_uniform"):
            # Exponent bounds: e**709 is the largest finite float.
            for key in ("min", "max"):
                if abs(s[key]) > 700:
                    raise InputError(
                        f"{path}.{key}: {dist} takes exponent bounds (values are e**x); "
                        f"{s[key]!r} overflows; did you mean {dist}_values?"
                    )
    if "q" in s:
        _check_number(f"{path}.q", s["q"])
        if s["q"] <= 0:
            raise InputError(f"{path}.q: must be > 0, got {s['q']!r}")
    if "mu" in s:
        _check_number(f"{path}.mu", s["mu"])
        _check_number(f"{path}.sigma", s["sigma"])
        if s["sigma"] <= 0:
            raise InputError(f"{path}.sigma: must be > 0, got {s['sigma']!r}")
    if "a" in s:
        for key in ("a", "b"):
            _check_number(f"{path}.{key}", s[key])
            if s[key] <= 0:
                raise InputError(f"{path}.{key}: must be > 0, got {s[key]!r}")


def parse_parameters(
    parameters: Any, *, path: str = "parameters", prefix: str = ""
) -> list[ParamSpec]:
    """Parse a sweep config's ``parameters`` section (nested parameters included).

    A nested parameter is ``{"parameters": {...}}``; its children get dot names
    (``optimizer.lr``). Raises :class:`~shared.errors.InputError` naming the field for anything
    that is not a valid W&B parameter.

    Args:
        parameters: the mapping of parameter name to its W&B definition.
        path: where the mapping sits in the config (used in error messages).
        prefix: dot prefix for nested names.

    Example:
        >>> [p.name for p in parse_parameters({"opt": {"parameters": {"lr": {"value": 1}}}})]
        ['opt.lr']
    """
    if not isinstance(parameters, Mapping) or len(parameters) == 0:
        raise InputError(f"{path}: must be a non-empty mapping of parameter names")
    specs: list[ParamSpec] = []
    for key, cfg in parameters.items():
        here = f"{path}.{key}"
        if not isinstance(key, str) or not key:
            raise InputError(f"{here}: parameter names must be non-empty strings")
        if "." in key:
            # Dots name nested parameters here (optimizer.lr), so a flat dotted name would be
            # ambiguous: refused rather than silently nested.
            head, _, tail = key.partition(".")
            raise InputError(
                f"{here}: dotted parameter names are not supported; nest it as "
                f"{head}: {{parameters: {{{tail}: ...}}}}"
            )
        if not isinstance(cfg, Mapping):
            raise InputError(
                f"{here}: must be a mapping such as {{value: ...}}, {{values: [...]}} or "
                f"{{min: ..., max: ...}}, got {cfg!r}"
            )
        if "parameters" in cfg:
            extra = [k for k in cfg if k != "parameters"]
            if extra:
                raise InputError(f"{here}.{extra[0]}: a nested parameter takes only 'parameters'")
            specs.extend(
                parse_parameters(
                    cfg["parameters"], path=f"{here}.parameters", prefix=f"{prefix}{key}."
                )
            )
        else:
            specs.append(_parse_one(here, f"{prefix}{key}", cfg))
    return specs


def nest_config(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Turn dot names back into nested dicts: ``{"a.b": 1}`` -> ``{"a": {"b": 1}}``.

    Example:
        >>> nest_config({"opt.lr": 0.1, "opt.name": "sgd", "seed": 0})
        {'opt': {'lr': 0.1, 'name': 'sgd'}, 'seed': 0}
    """
    out: dict[str, Any] = {}
    for name, value in flat.items():
        parts = name.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def grid_size(specs: Iterable[ParamSpec]) -> int:
    """Number of points in the grid product of ``specs``."""
    n = 1
    for spec in specs:
        n *= len(spec.grid_values())
    return n
