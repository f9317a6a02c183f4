"""From runs to configurations: the seed key, the params that define a configuration, names.

A configuration is a distinct combination of the ``group_by`` keys. By default ``group_by``
is every param that varies across the runs except the seed key, so a sweep over ``lr`` and
``lora_rank`` with five seeds each gives one configuration per (lr, lora_rank), named
``lora_rank=16, lr=0.0001``.

Names are stable: they are built from the grouping keys of the whole selection (every run
passed in, before runs without the metric are left out), in a documented order: the keys as
given in ``group_by``, or by default the varying params sorted by name. So the same runs give
the same names whatever order the tracker returned them in. ``group_by`` may also name where
runs came from (``source.sweep``, ``source.group``, ``source.job_type``,
``source.parent_run``) or a tag (``tags.mlflow.runName``); see ``_provenance``.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.compare.configs._provenance import (
    MISSING,
    key_value,
    known_key,
    mixed_source_warnings,
    normalise_key,
)
from shared.errors import InputError
from shared.model import Run

__all__ = [
    "SEED_KEYS",
    "ConfigGroup",
    "Grouping",
    "detect_seed_key",
    "format_value",
    "config_name",
    "group_runs",
    "match_config",
    "spec_items",
    "strip_prefix",
]

#: Param names recognised as the replicate key, in order of preference.
SEED_KEYS: tuple[str, ...] = ("seed", "random_seed", "random_state", "rng_seed")

_MISSING = MISSING


def strip_prefix(name: str, prefix: str) -> str:
    """``"params.lr"`` -> ``"lr"`` (names copied from an MLflow DataFrame column)."""
    return name[len(prefix) :] if name.startswith(prefix) else name


def match_config(
    want: str, names: Sequence[str], run_ids: Iterable[tuple[str, Collection[Any]]]
) -> str | None:
    """The configuration ``want`` refers to, as ``baseline=`` accepts it, or ``None``.

    A config name, the same with other spacing (``lr = 0.1``), a partial spec naming some of
    its keys (``lr=0.001`` for ``hidden=128, lr=0.001``; numbers compare as numbers) that
    matches exactly one configuration, or the id, key or name of a run of exactly one
    configuration.

    Args:
        want: what the user typed (already stripped).
        names: the configuration names.
        run_ids: (config name, the ids/keys/names of one or all of its runs); read only when
            ``want`` is not a config name.

    Raises:
        InputError: a partial spec matches more than one configuration (the line lists them).

    Example:
        >>> match_config("lr = 0.1", ["lr=0.1", "lr=0.01"], [])
        'lr=0.1'
        >>> match_config("run-7", ["lr=0.1", "lr=0.01"], [("lr=0.01", ("run-7",))])
        'lr=0.01'
        >>> match_config("lr=1e-3", ["hidden=64, lr=0.001", "hidden=64, lr=0.1"], [])
        'hidden=64, lr=0.001'
    """
    if want in names:
        return want
    squeezed = want.replace(" ", "")
    for n in names:
        if n.replace(" ", "") == squeezed:
            return n
    spec = spec_items(want)
    if spec:
        found = [n for n in names if _matches(spec, n)]
        if len(found) == 1:
            return found[0]
        if found:
            more = f"; and {len(found) - 10} more" if len(found) > 10 else ""
            shown = "; ".join(found[:10]) + more
            raise InputError(
                f"{want!r} matches {len(found)} configurations: {shown}; give more keys to pick one"
            )
    owners = {name for name, ids in run_ids if want in ids}
    return owners.pop() if len(owners) == 1 else None


# A ", " that starts the next "key=" item of a configuration name or a spec.
_ITEM_SPLIT = re.compile(r"\s*,\s*(?=[^,=\s][^,=]*=)")


def spec_items(text: str) -> dict[str, str] | None:
    """``"lr=0.1, bs = 16"`` -> ``{"lr": "0.1", "bs": "16"}``; ``None`` when not a ``k=v`` list.

    Example:
        >>> spec_items("lr=0.001"), spec_items("run-7")
        ({'lr': '0.001'}, None)
    """
    items: dict[str, str] = {}
    for part in _ITEM_SPLIT.split(text.strip()):
        key, eq, value = part.partition("=")
        if not eq or not key.strip():
            return None
        items[key.strip()] = value.strip()
    return items or None


def _same_value(a: str, b: str) -> bool:
    """Equal as text, or as numbers (``1e-3`` is ``0.001``)."""
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def _matches(spec: Mapping[str, str], name: str) -> bool:
    """Whether configuration ``name`` has every ``key=value`` of ``spec`` (a partial spec)."""
    items = spec_items(name.split(" #", 1)[0])
    if not items:
        return False
    return all(k in items and _same_value(items[k], v) for k, v in spec.items())


def _freeze(value: Any) -> Any:
    """A hashable stand-in for a param value (lists and dicts from W&B configs)."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value  # the common case, called for every run and key: no checks needed
    if kind is float:
        return ("__nan__",) if value != value else value
    if isinstance(value, Mapping):
        return ("__dict__", tuple(sorted((str(k), _freeze(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return ("__list__", tuple(_freeze(v) for v in value))
    if isinstance(value, float) and math.isnan(value):
        return ("__nan__",)
    item = getattr(value, "item", None)  # numpy scalar -> python scalar
    if callable(item) and not isinstance(value, (str, bytes)):
        try:
            return _freeze(item())
        except (TypeError, ValueError):
            pass
    try:
        hash(value)
    except TypeError:
        return ("__repr__", repr(value))
    return value


def format_value(value: Any) -> str:
    """How a param value appears in a configuration name.

    Floats use Python's shortest round-trip form (``0.0001``, ``1e-05``), so names are as
    readable as what the user typed and two different values never print the same.

    Example:
        >>> format_value(0.0001), format_value(16), format_value("adamw"), format_value(None)
        ('0.0001', '16', 'adamw', 'None')
    """
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, (str, bytes)):
        with contextlib.suppress(TypeError, ValueError):
            value = item()
    if value is _MISSING:
        return "<unset>"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple, dict)):
        try:
            return json.dumps(value, sort_keys=True, default=str)
        except (TypeError, ValueError):
            return repr(value)
    return str(value)


def config_name(params: Mapping[str, Any]) -> str:
    """``{"lr": 0.0001, "lora_rank": 16}`` -> ``"lr=0.0001, lora_rank=16"``."""
    return ", ".join(f"{k}={format_value(v)}" for k, v in params.items())


def _sort_key(value: Any) -> tuple[int, Any]:
    """Order mixed param values without comparing a str with a float."""
    v = _freeze(value)
    if v is _MISSING or v is None:
        return (4, "")
    if isinstance(v, bool):
        return (0, int(v))
    if isinstance(v, (int, float)):
        return (1, float(v))
    if isinstance(v, str):
        return (2, v)
    return (3, repr(v))


def _param(run: Run, key: str) -> Any:
    return key_value(run, key)


def detect_seed_key(runs: Sequence[Run], seed_key: str | None) -> tuple[str | None, list[str]]:
    """The replicate param: ``seed_key`` checked, or detected among :data:`SEED_KEYS`.

    Detection tries the exact names first, then dotted names ending in one of them
    (``trainer.seed``) when exactly one such param exists.

    Returns:
        ``(key or None, warnings)``.

    Raises:
        InputError: ``seed_key`` is given and no run has that param.

    Example:
        >>> detect_seed_key([Run("frame", "r", params={"seed": 1, "lr": 0.1})], None)
        ('seed', [])
    """
    warnings: list[str] = []
    all_params: set[str] = set()
    for r in runs:
        all_params.update(r.params)
    if seed_key is not None:
        key = strip_prefix(str(seed_key), "params.")
        if key not in all_params:
            raise InputError(
                f"seed key {key!r} is not a param of any run; params are: "
                f"{', '.join(sorted(all_params)) or '(none)'}"
            )
        missing = [r.label for r in runs if key not in r.params]
        if missing:
            warnings.append(
                f"{len(missing)} run(s) have no {key!r} param and cannot be paired: "
                f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}"
            )
        return key, warnings
    for cand in SEED_KEYS:
        if cand in all_params:
            return cand, warnings
    for cand in SEED_KEYS:
        dotted = sorted(p for p in all_params if p.rsplit(".", 1)[-1] == cand)
        if len(dotted) == 1:
            return dotted[0], warnings
    return None, warnings


@dataclass
class ConfigGroup:
    """Runs that share one configuration (before any statistics)."""

    name: str
    params: dict[str, Any]
    runs: list[Run] = field(default_factory=list)


@dataclass
class Grouping:
    """The configurations found, the params that define them and what was noticed."""

    configs: list[ConfigGroup]
    group_by: list[str]
    warnings: list[str]


def _varying(runs: Sequence[Run], keys: Iterable[str]) -> list[str]:
    out = []
    for k in keys:
        values = {_freeze(_param(r, k)) for r in runs}
        if len(values) > 1:
            out.append(k)
    return out


def group_runs(
    runs: Sequence[Run],
    *,
    group_by: str | Sequence[str] | None = None,
    seed_key: str | None = None,
) -> Grouping:
    """Group runs into configurations.

    Args:
        runs: the runs (each with the metric already reduced elsewhere).
        group_by: params that define a configuration; default every param that varies across
            the runs except ``seed_key``. A text param that differs on every run (an output
            folder, a run uuid) is left out of the default when the other varying params
            already give at least two configurations, with a warning.
        seed_key: the replicate param (never part of the configuration).

    Raises:
        InputError: a ``group_by`` param no run has, or ``group_by`` containing the seed key.

    Example:
        >>> rs = [Run("frame", str(i), params={"lr": lr, "seed": s})
        ...       for i, (lr, s) in enumerate([(0.1, 0), (0.1, 1), (0.01, 0), (0.01, 1)])]
        >>> [c.name for c in group_runs(rs, seed_key="seed").configs]
        ['lr=0.01', 'lr=0.1']
    """
    warnings: list[str] = []
    all_params: list[str] = []
    seen: set[str] = set()
    for r in runs:
        for k in r.params:
            if k not in seen:
                seen.add(k)
                all_params.append(k)

    if group_by is not None:
        keys = [group_by] if isinstance(group_by, str) else list(group_by)
        keys = list(dict.fromkeys(normalise_key(str(k), seen) for k in keys))
        unknown = [k for k in keys if k not in seen and not known_key(runs, k)]
        if unknown:
            raise InputError(
                f"group-by key(s) {', '.join(map(repr, unknown))} not found; params are: "
                f"{', '.join(sorted(seen)) or '(none)'} (provenance: source.sweep, "
                "source.group, source.job_type, source.parent_run; tags: tags.NAME)"
            )
        if seed_key is not None and seed_key in keys:
            raise InputError(
                f"{seed_key!r} is the seed key (the replicate) and cannot also be a group-by "
                "param; pass a different --seed-key or leave it out of --group-by"
            )
        pooled = _varying(runs, [k for k in all_params if k not in keys and k != seed_key])
        if pooled:
            warnings.append(
                "params that vary but are not in group-by were pooled within configurations: "
                + ", ".join(pooled[:10])
                + (" ..." if len(pooled) > 10 else "")
            )
    else:
        # Sorted by name, not first-seen: trackers return runs newest first, so the first
        # run's param order would change the names whenever a run is added.
        keys = _varying(runs, sorted(k for k in all_params if k != seed_key))
        # A text param unique to every run (output dir, uuid, run name) would make every run
        # its own config. Numbers are never dropped: a random search gives every run its own
        # learning rate on purpose.
        unique = [
            k
            for k in keys
            if len({_freeze(_param(r, k)) for r in runs}) == len(runs)
            and all(isinstance(_param(r, k), str) for r in runs)
        ]
        rest = [k for k in keys if k not in unique]
        if unique and rest and len(runs) > 2:
            n_rest = len({tuple(_freeze(_param(r, k)) for k in rest) for r in runs})
            if n_rest >= 2:
                warnings.append(
                    "param(s) that differ on every run were not used to group configurations: "
                    + ", ".join(unique)
                    + " (pass --group-by to choose explicitly)"
                )
                keys = rest

    config_of = [tuple(_freeze(_param(r, k)) for k in keys) for r in runs]
    warnings.extend(mixed_source_warnings(runs, keys, config_of))
    buckets: dict[tuple[Any, ...], ConfigGroup] = {}
    for r in runs:
        values = tuple(_param(r, k) for k in keys)
        frozen = tuple(_freeze(v) for v in values)
        grp = buckets.get(frozen)
        if grp is None:
            params = {k: (None if v is _MISSING else v) for k, v in zip(keys, values, strict=True)}
            grp = ConfigGroup(name="", params=params)
            buckets[frozen] = grp
        grp.runs.append(r)

    ordered = sorted(
        buckets.values(), key=lambda g: tuple(_sort_key(g.params[k]) for k in keys)
    )
    names: dict[str, int] = {}
    for g in ordered:
        base = config_name(g.params) if keys else "all runs"
        n = names.get(base, 0)
        names[base] = n + 1
        # Two different values can only print alike in odd cases ("1" vs 1); keep names unique.
        g.name = base if n == 0 else f"{base} #{n + 1}"
    return Grouping(configs=ordered, group_by=list(keys), warnings=warnings)
