"""A sweep's configurations across seeds: group finished trials or runs, average, best first.

A configuration is every parameter but the seed. Used when a trial ends (the runner tags the
best configuration's run ``sweep-best``) and by a run under W&B's own agent at its end.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.errors import InputError
from wandb_compare_ext.sweep._keys import ATTR_CONFIG, ATTR_RUN_ID

__all__ = ["ConfigAggregate", "aggregate_runs", "aggregate_seeds", "as_float", "lookup_metric"]


def lookup_metric(mapping: Mapping[str, Any], name: str) -> Any:
    """``mapping[name]``, or the nested ``mapping["a"]["b"]`` for ``a.b`` / ``a/b``."""
    if name in mapping:
        return mapping[name]
    for sep in (".", "/"):
        node: Any = mapping
        for part in name.split(sep):
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            else:
                node = None
                break
        if node is not None:
            return node
    return None


def as_float(value: Any) -> float | None:
    """``value`` as a float if it is a number (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)



@dataclass(frozen=True)
class ConfigAggregate:
    """One configuration (every parameter but the seed) across its seeds.

    Args:
        config: the configuration's parameters (flat, dot names), the seed left out.
        values: the finished trials' values, one per seed.
        trials: their trial numbers; ``run_ids`` their W&B run ids.
        mean, std: mean and sample standard deviation (ddof=1; NaN with one seed).
    """

    config: Mapping[str, Any]
    values: tuple[float, ...]
    trials: tuple[int, ...]
    run_ids: tuple[str, ...]
    mean: float
    std: float

    @property
    def n(self) -> int:
        """Number of seeds."""
        return len(self.values)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "config": dict(self.config),
            "values": list(self.values),
            "trials": list(self.trials),
            "run_ids": list(self.run_ids),
            "mean": self.mean,
            "std": None if math.isnan(self.std) else self.std,
            "n": self.n,
        }


def aggregate_seeds(
    trials: Iterable[Any], *, seed_key: str | None, goal: str = "minimize"
) -> list[ConfigAggregate]:
    """Group finished trials into configurations and average over seeds, best first.

    Args:
        trials: Optuna ``FrozenTrial`` objects (only COMPLETE ones with a config are used).
        seed_key: the parameter that only changes the seed (left out of the configuration).
        goal: ``"minimize"`` or ``"maximize"`` (orders the result best first).

    Example:
        >>> import optuna
        >>> def t(n, seed, x, v):
        ...     return optuna.trial.create_trial(value=v, user_attrs={
        ...         "wandb_sweep:config": {"seed": seed, "x": x}, "wandb_sweep:run_id": f"r{n}"})
        >>> aggs = aggregate_seeds([t(0, 0, 1, 1.0), t(1, 1, 1, 3.0), t(2, 0, 2, 0.5)],
        ...                        seed_key="seed")
        >>> [(dict(a.config), a.mean, a.n) for a in aggs]
        [({'x': 2}, 0.5, 1), ({'x': 1}, 2.0, 2)]
    """
    import optuna

    items = [
        (t.user_attrs[ATTR_CONFIG], t.value, t.number, str(t.user_attrs.get(ATTR_RUN_ID, "")))
        for t in trials
        if t.state == optuna.trial.TrialState.COMPLETE and ATTR_CONFIG in t.user_attrs
    ]
    return _aggregate(items, seed_key=seed_key, goal=goal)


def aggregate_runs(
    runs: Iterable[Any], *, metric: str, seed_key: str | None, goal: str = "minimize"
) -> list[ConfigAggregate]:
    """:func:`aggregate_seeds` for ``shared.Run`` objects (a W&B sweep's finished runs).

    A run's value is its summary of ``metric``; runs without it, or not finished, are left out.
    ``trials`` of the result hold the runs' positions in ``runs``.
    """
    items = []
    for i, run in enumerate(runs):
        if run.status not in (None, "FINISHED"):
            continue
        value = lookup_metric(run.metrics, metric)
        items.append((run.params, as_float(value), i, run.id))
    return _aggregate(items, seed_key=seed_key, goal=goal)


def _aggregate(
    items: Iterable[tuple[Mapping[str, Any], Any, int, str]], *, seed_key: str | None, goal: str
) -> list[ConfigAggregate]:
    if goal not in ("minimize", "maximize"):
        raise InputError(f"goal: must be minimize or maximize, got {goal!r}")
    groups: dict[str, dict[str, Any]] = {}
    for params, value, number, run_id in items:
        if value is None or not math.isfinite(value):
            continue
        config = {k: v for k, v in params.items() if k != seed_key}
        key = json.dumps(config, sort_keys=True, default=str)
        g = groups.setdefault(key, {"config": config, "values": [], "trials": [], "runs": []})
        g["values"].append(float(value))
        g["trials"].append(number)
        g["runs"].append(run_id)
    out = []
    for g in groups.values():
        vals = g["values"]
        mean = sum(vals) / len(vals)
        std = (
            math.sqrt(sum((v - mean) ** 2 for v in vals) / (len(vals) - 1))
            if len(vals) > 1
            else math.nan
        )
        out.append(
            ConfigAggregate(
                config=g["config"],
                values=tuple(vals),
                trials=tuple(g["trials"]),
                run_ids=tuple(g["runs"]),
                mean=mean,
                std=std,
            )
        )
    out.sort(key=lambda a: a.mean, reverse=(goal == "maximize"))
    return out
