"""``--filter`` on offline runs: the MongoDB-style subset W&B's server accepts online.

Offline run folders have no server to filter them, so the same JSON is evaluated here on the
``shared.Run`` objects read from them; what cannot be evaluated is refused with one line
(never silently ignored, which would compare runs the user meant to leave out).

Fields: ``config.KEY`` (also ``config.KEY.value``, W&B's stored form), ``summary_metrics.KEY``,
``tags`` (the run's W&B tags: equality means "has the tag"), ``state`` (``finished``,
``running``, ``failed``), ``group``, ``jobType``, ``sweep``, ``displayName``, ``name`` (the run
id). Operators: ``$and``, ``$or``, ``$nor``, ``$eq``, ``$ne``, ``$gt``, ``$gte``, ``$lt``,
``$lte``, ``$in``, ``$nin``, ``$exists``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from shared.errors import InputError
from shared.model import Run

__all__ = ["FIELDS", "OPERATORS", "check_filter", "matches"]

_MISSING = object()
#: top-level fields besides ``config.*`` and ``summary_metrics.*``.
FIELDS = ("tags", "state", "group", "jobType", "sweep", "displayName", "name")
_ALIASES = {"job_type": "jobType", "display_name": "displayName", "run_group": "group"}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "$gt": lambda a, b: a > b,
    "$gte": lambda a, b: a >= b,
    "$lt": lambda a, b: a < b,
    "$lte": lambda a, b: a <= b,
}
OPERATORS = ("$and", "$or", "$nor", "$eq", "$ne", "$in", "$nin", "$exists", *_COMPARE)
_STATES = {"FINISHED": "finished", "RUNNING": "running", "FAILED": "failed", "KILLED": "killed"}


def _field(run: Run, field: str) -> Any:
    field = _ALIASES.get(field, field)
    if field.startswith("config."):
        key = field[len("config.") :]
        if key not in run.params and key.endswith(".value"):
            key = key[: -len(".value")]
        return run.params.get(key, _MISSING)
    if field.startswith("summary_metrics."):
        return run.metrics.get(field[len("summary_metrics.") :], _MISSING)
    if field == "tags":
        return [t for t in (run.tags.get("wandb.tags") or "").split(",") if t]
    if field == "state":
        return _STATES.get(str(run.status), str(run.status).lower()) if run.status else _MISSING
    if field == "group":
        return run.source.get("group", _MISSING)
    if field == "jobType":
        return run.source.get("job_type", _MISSING)
    if field == "sweep":
        return run.source.get("sweep", _MISSING)
    if field == "displayName":
        return run.name if run.name is not None else _MISSING
    if field == "name":
        return run.id
    raise AssertionError(field)  # check_filter refused it before


def _equal(value: Any, want: Any) -> bool:
    if isinstance(value, list) and not isinstance(want, list):
        return want in value  # an array field matches when it holds the value (MongoDB)
    if value is _MISSING:
        return want is None
    if isinstance(value, bool) or isinstance(want, bool):
        return value is want or value == want and type(value) is type(want)
    return value == want


def _ordered(op: str, value: Any, want: Any) -> bool:
    if value is _MISSING or value is None or isinstance(value, list):
        return False
    numbers = (int, float)
    if isinstance(value, numbers) != isinstance(want, numbers):
        return False  # MongoDB compares within a type: 3 > "2" is no match
    try:
        return bool(_COMPARE[op](value, want))
    except TypeError:
        return False


def _field_matches(value: Any, condition: Any) -> bool:
    if not (
        isinstance(condition, Mapping)
        and condition
        and all(str(k).startswith("$") for k in condition)
    ):
        return _equal(value, condition)
    for op, want in condition.items():
        if op == "$eq" and not _equal(value, want):
            return False
        if op == "$ne" and _equal(value, want):
            return False
        if op == "$in" and not any(_equal(value, w) for w in want):
            return False
        if op == "$nin" and any(_equal(value, w) for w in want):
            return False
        if op == "$exists" and (value is not _MISSING) != bool(want):
            return False
        if op in _COMPARE and not _ordered(op, value, want):
            return False
    return True


def matches(run: Run, query: Mapping[str, Any]) -> bool:
    """Whether ``run`` matches the (checked) filter ``query``.

    Example:
        >>> r = Run("wandb", "a1", name="lr-0.1", params={"lr": 0.1}, metrics={"acc": 0.9},
        ...         status="FINISHED", tags={"wandb.tags": "best,v2"})
        >>> matches(r, {"config.lr": 0.1, "state": "finished", "tags": "v2"})
        True
        >>> matches(r, {"$or": [{"summary_metrics.acc": {"$lt": 0.5}}, {"config.lr": {"$in": [1]}}]})
        False
    """
    for key, condition in query.items():
        if key == "$and" and not all(matches(run, q) for q in condition):
            return False
        if key == "$or" and not any(matches(run, q) for q in condition):
            return False
        if key == "$nor" and any(matches(run, q) for q in condition):
            return False
        if not key.startswith("$") and not _field_matches(_field(run, key), condition):
            return False
    return True


def check_filter(query: Any, *, where: str = "--filter") -> None:
    """Refuse, in one line, what the offline evaluation cannot do as W&B would.

    Example:
        >>> check_filter({"config.lr": {"$gt": 0.01}, "$or": [{"state": "finished"}]})
        >>> check_filter({"createdAt": {"$gt": "2024"}})
        Traceback (most recent call last):
        ...
        shared.errors.InputError: --filter on offline runs: unknown field 'createdAt' (use config.KEY, summary_metrics.KEY, tags, state, group, jobType, sweep, displayName, name)
    """
    if not isinstance(query, Mapping):
        raise InputError(f"{where} on offline runs: expected a JSON object, got {query!r}")
    for key, condition in query.items():
        if key in ("$and", "$or", "$nor"):
            if not isinstance(condition, list) or not condition:
                raise InputError(f"{where} on offline runs: {key} needs a non-empty list")
            for sub in condition:
                check_filter(sub, where=where)
            continue
        if key.startswith("$"):
            raise InputError(
                f"{where} on offline runs: unsupported operator {key!r} at the top "
                "(use $and, $or, $nor)"
            )
        name = _ALIASES.get(key, key)
        if not (
            name in FIELDS
            or (name.startswith(("config.", "summary_metrics.")) and name.split(".", 1)[1])
        ):
            raise InputError(
                f"{where} on offline runs: unknown field {key!r} (use config.KEY, "
                f"summary_metrics.KEY, {', '.join(FIELDS)})"
            )
        if isinstance(condition, Mapping) and any(str(k).startswith("$") for k in condition):
            for op, want in condition.items():
                if op not in OPERATORS or op in ("$and", "$or", "$nor"):
                    raise InputError(
                        f"{where} on offline runs: unsupported operator {op!r} on "
                        f"{key!r} (use {', '.join(o for o in OPERATORS[3:])})"
                    )
                if op in ("$in", "$nin") and not isinstance(want, list):
                    raise InputError(f"{where} on offline runs: {op} on {key!r} needs a list")
