"""Reading a comparison.json of any schema version: v1 -> v2 -> v3, then ``Comparison.from_dict``.

Schema history (``"schema"`` member; ``Comparison.to_dict`` writes the newest):

* ``tracker-compare/comparison/v1``: a pair's ``diff`` / ``ci`` are mean(a) - mean(b) and its
  interval, whatever the test.
* ``v2``: a pair's ``diff`` / ``ci`` are the deciding test's own estimate and interval,
  ``estimate`` names it (Hodges-Lehmann shift, Cliff's delta, mean-rank difference, mean
  difference); the mean difference and its t-interval moved to ``mean_diff`` / ``mean_ci``.
  Upgrading a v1 pair: ``estimate`` is ``"mean_difference"`` and ``mean_diff`` / ``mean_ci``
  are its ``diff`` / ``ci`` (what they were).
* ``v3``: comparisons over per-example scores: top-level ``examples``, a pair's ``variance``,
  ``decision.examples_needed``; ``null`` for run-level comparisons (so for every upgraded file).

Within a version, members were added without a new version ("keys may be added"): a file from
an older writer, or written by hand, may lack members of its own version (``best_set``, a
pair's ``n_a``, ``critical_difference.bars``...). Each missing member reads as what a
comparison without it meant: ``null`` / empty, ``estimate`` the mean difference, a
configuration's ``run_keys`` its run ids (so the run count stays), and critical-difference bars
Nemenyi's, drawn from the mean ranks and ``cd`` as the renderers drew them before bars were
stored. A member present is never changed, and members unknown here are kept (``extra``).

Example:
    >>> d = {"schema": "tracker-compare/comparison/v1", "metric": {"name": "acc"},
    ...      "configs": [{"name": "a", "runs": ["r1"], "values": [0.5]}],
    ...      "pairs": [{"a": "a", "b": "b", "test": "paired-t", "diff": 0.1, "ci": [0, 0.2]}]}
    >>> v3 = upgrade(d)
    >>> v3["schema"], v3["pairs"][0]["estimate"], v3["pairs"][0]["mean_ci"], v3["runs"]
    ('tracker-compare/comparison/v3', 'mean_difference', [0, 0.2], 1)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from shared.errors import InputError

__all__ = ["SCHEMA_PREFIX", "VERSIONS", "upgrade"]

SCHEMA_PREFIX = "tracker-compare/comparison/"
#: The version this code writes.
SCHEMA = SCHEMA_PREFIX + "v3"
#: The versions read, oldest first; the last is the one ``Comparison.to_dict`` writes.
VERSIONS = ("v1", "v2", "v3")


def _is_list(x: Any) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, (str, bytes))


def _numbers(values: Any, what: str) -> list[Any]:
    """``values`` checked to be numbers (``None`` allowed: a JSON ``null``)."""
    if hasattr(values, "tolist"):  # a numpy array handed in by a caller
        values = values.tolist()
    if not _is_list(values):
        raise InputError(f"{what} is not a list of numbers")
    for v in values:
        if v is None or isinstance(v, bool):
            continue
        try:
            float(v)
        except (TypeError, ValueError):
            raise InputError(f"{what} holds {v!r}, not a number") from None
    return list(values)


def _filled(d: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """``d`` with each missing member of ``defaults`` added (present members untouched)."""
    out = dict(d)
    for k, v in defaults.items():
        if k not in out:
            out[k] = v() if callable(v) else v
    return out


def _config(c: Any, i: int) -> dict[str, Any]:
    if not isinstance(c, Mapping):
        raise InputError(f"configs[{i}] is not an object")
    name = c.get("name")
    runs = list(c.get("runs") or [])
    out = _filled(c, {
        "name": f"config {i}", "params": {}, "runs": runs, "run_keys": runs, "run_names": [],
        "values": [], "seeds": None, "mean": None, "std": None, "median": None, "ci": None,
        "ci_bootstrap": None, "curve": None, "stopped_early": 0, "costs": None,
    })  # fmt: skip
    out["values"] = _numbers(out["values"] if out["values"] is not None else [],
                             f"values of config {name!r}")
    if "n" not in out or out["n"] is None:
        out["n"] = len(out["values"]) or len(runs)
    out["params"] = out["params"] or {}
    curve = out["curve"]
    if curve is not None and not isinstance(curve, Mapping):
        raise InputError(f"curve of config {name!r} is not an object")
    if curve:
        curve = _filled(curve, {"x_axis": "step", "grid": [], "mean": [], "lo": [], "hi": [],
                                "n": []})
        for key in ("grid", "mean", "lo", "hi", "n"):
            curve[key] = _numbers(curve[key] or [], f"curve {key!r} of config {name!r}")
        out["curve"] = curve
    else:
        out["curve"] = None
    return out


def _pair(p: Any, i: int, v1: bool) -> dict[str, Any]:
    if not isinstance(p, Mapping):
        raise InputError(f"pairs[{i}] is not an object")
    out = _filled(p, {
        "a": "", "b": "", "test": "", "paired": False, "n": 0, "diff": None, "ci": None,
        "effect_size": None, "effect_name": None, "p_value": None, "p_adjusted": None,
        "significant": False, "why": "", "n_a": 0, "n_b": 0, "statistic": None, "df": None,
        "ci_method": "", "effect_ci": None, "better": None, "warnings": [],
        "estimate": "mean_difference", "reach": None, "variance": None,
    })  # fmt: skip
    if v1:  # v1's diff and ci were the mean difference and its interval (v2 moved them)
        out = _filled(out, {"mean_diff": out["diff"], "mean_ci": out["ci"]})
    return _filled(out, {"mean_diff": None, "mean_ci": None})


def _nemenyi_bars(ranks: Mapping[str, Any], cd: Any) -> list[list[str]]:
    """Maximal runs of configurations, in mean-rank order, whose ranks differ by at most
    ``cd``: the bars renderers drew before the comparison stored its own."""
    try:
        crit = float(cd)
        order = sorted(ranks, key=lambda n: float(ranks[n]))
    except (TypeError, ValueError):
        return []
    if not math.isfinite(crit):
        return []
    bars: list[list[str]] = []
    last = -1
    for i in range(len(order)):
        j = i
        while j + 1 < len(order) and float(ranks[order[j + 1]]) - float(ranks[order[i]]) <= crit:
            j += 1
        if j > i and j > last:
            bars.append([order[i], order[j]])
            last = j
    return bars


def _critical_difference(cd: Any, configs: Sequence[Mapping[str, Any]]) -> Any:
    if not isinstance(cd, Mapping):
        return None
    ranks = cd.get("mean_ranks") or {}
    if not isinstance(ranks, Mapping):
        raise InputError("critical_difference mean_ranks is not an object")
    _numbers(list(ranks.values()), "critical_difference mean_ranks")
    out = _filled(cd, {"cd": None, "alpha": 0.05, "mean_ranks": {},
                       "n_blocks": min((int(c["n"]) for c in configs), default=0)})
    if "bars" not in out:
        out["bars"] = _nemenyi_bars(ranks, out["cd"])
        out = _filled(out, {"source": "Nemenyi's critical difference"})
    return _filled(out, {"source": "", "disagreements": []})


def upgrade(d: Any) -> dict[str, Any]:
    """The newest-schema (v3) dict a comparison dict of any version holds (see the module
    docstring); a complete v3 dict comes back equal.

    Raises:
        InputError: not a tracker-compare comparison, or a member that cannot be read (named).
    """
    if not isinstance(d, Mapping):
        raise InputError(
            f"expected a Comparison, a comparison dict or a path to comparison.json, "
            f"got {type(d).__name__}"
        )
    schema = d.get("schema")
    version = schema[len(SCHEMA_PREFIX):] if isinstance(schema, str) and schema.startswith(
        SCHEMA_PREFIX) else None
    if version not in VERSIONS:
        raise InputError(
            f"not a tracker-compare comparison (schema is {schema!r}, expected "
            f"{SCHEMA_PREFIX}{', '.join(reversed(VERSIONS))})"
        )
    configs = d.get("configs")
    if not _is_list(configs):
        raise InputError("comparison has no 'configs' list")
    configs = [_config(c, i) for i, c in enumerate(configs)]
    pairs = d.get("pairs") or []
    if not _is_list(pairs):
        raise InputError("comparison 'pairs' is not a list")
    metric = d.get("metric") if isinstance(d.get("metric"), Mapping) else {}
    omnibus = d.get("omnibus") or None
    if omnibus is not None:
        if not isinstance(omnibus, Mapping):
            raise InputError("comparison 'omnibus' is not an object")
        omnibus = _filled(omnibus, {"test": "", "statistic": None, "p_value": None, "df": None,
                                    "method": "", "significant": False, "why": ""})
    decision = d.get("decision") if isinstance(d.get("decision"), Mapping) else {}
    decision = _filled(decision, {
        "winner": None, "rationale": "", "seeds_needed": None, "cheaper_alternative": None,
        "cost": None, "best_set": [], "seeds_needed_how": "", "tests": [],
        "examples_needed": None,
    })  # fmt: skip
    out = _filled(d, {
        "seed_key": None, "warnings": [], "alpha": 0.05, "correction": "holm",
        "test_requested": "auto", "min_effect": 0.0, "baseline": None, "x_axis": "step",
        "budget": None, "param_importance": None, "pareto": None, "mcb": None,
        "param_effects": None, "examples": None,
    })  # fmt: skip
    out.update(
        schema=SCHEMA_PREFIX + VERSIONS[-1],
        metric=_filled(metric, {"name": "metric", "goal": "maximize", "reduce": "last"}),
        configs=configs,
        omnibus=omnibus,
        pairs=[_pair(p, i, version == "v1") for i, p in enumerate(pairs)],
        decision=decision,
        critical_difference=_critical_difference(d.get("critical_difference"), configs),
    )
    out.setdefault("runs", sum(len(c["run_keys"]) for c in configs))
    return out
