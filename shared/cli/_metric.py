"""``--metric NAME[:min|:max]``: the metric to compare and which direction is better."""

from __future__ import annotations

from collections.abc import Iterable

from shared.errors import InputError
from shared.normalise._goal import GOALS, guess_goal
from shared.normalise._metric_spec import MetricSpec

__all__ = ["MetricSpec", "guess_goal", "parse_metric_spec", "parse_metric_specs"]


# one rule for the goal everywhere (compare, confirm, the Python API): see shared.normalise._goal
_GOALS = GOALS


def _looks_like_a_goal(suffix: str) -> bool:
    """A misspelt ``min``/``max`` (``maxx``, ``mni``, ``minimise``), not part of a name."""
    import difflib

    return bool(difflib.get_close_matches(suffix.lower(), list(_GOALS), n=1, cutoff=0.75))


def parse_metric_spec(spec: str | MetricSpec) -> MetricSpec:
    """Split ``NAME[:min|:max]`` into ``(name, goal)`` (a spec already parsed is returned as is).

    Without a suffix the goal is guessed from the name (see :func:`guess_goal`). A colon that is
    not followed by a direction is part of the name (W&B allows ``eval:acc``).

    Args:
        spec: what the user typed after ``--metric``.

    Returns:
        ``MetricSpec(name, "minimize" | "maximize")``, a ``(name, goal)`` tuple.

    Raises:
        InputError: the name is empty, or the suffix is a misspelt goal (``:maxx``).

    Example:
        >>> parse_metric_spec("val_loss:min")
        MetricSpec(name='val_loss', goal='minimize')
        >>> tuple(parse_metric_spec("accuracy"))
        ('accuracy', 'maximize')
    """
    if isinstance(spec, MetricSpec):
        return spec
    text = spec.strip()
    name, sep, suffix = text.rpartition(":")
    if sep and suffix.lower() in _GOALS:
        goal = _GOALS[suffix.lower()]
    elif sep and name and _looks_like_a_goal(suffix):
        raise InputError(
            f"--metric {spec!r}: bad goal suffix {':' + suffix!r}; use :min or :max "
            "(or name the metric without a suffix)"
        )
    else:
        name, goal = text, guess_goal(text)
    name = name.strip()
    if not name:
        raise InputError(f"--metric {spec!r}: the metric name is empty (use NAME[:min|:max])")
    return MetricSpec(name, goal)


def parse_metric_specs(
    metric: str | MetricSpec | Iterable[str | MetricSpec] | None,
) -> tuple[MetricSpec, ...]:
    """Every ``--metric`` of a command (one or several), parsed.

    Raises:
        InputError: none given, or one that :func:`parse_metric_spec` refuses.

    Example:
        >>> [str(s) for s in parse_metric_specs(("acc", "val_loss"))]
        ['acc:max', 'val_loss:min']
    """
    if not metric:
        raise InputError("give at least one --metric NAME[:min|:max]")
    specs = [metric] if isinstance(metric, (str, MetricSpec)) else list(metric)
    return tuple(parse_metric_spec(spec) for spec in specs)
