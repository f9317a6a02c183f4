"""``--metric NAME[:min|:max]``: the metric to compare and which direction is better."""

from __future__ import annotations

from shared.errors import InputError
from shared.normalise._goal import GOALS, guess_goal

__all__ = ["parse_metric_spec", "guess_goal"]

# one rule for the goal everywhere (compare, confirm, the Python API): see shared.normalise._goal
_GOALS = GOALS


def _looks_like_a_goal(suffix: str) -> bool:
    """A misspelt ``min``/``max`` (``maxx``, ``mni``, ``minimise``), not part of a name."""
    import difflib

    return bool(difflib.get_close_matches(suffix.lower(), list(_GOALS), n=1, cutoff=0.75))


def parse_metric_spec(spec: str) -> tuple[str, str]:
    """Split ``NAME[:min|:max]`` into ``(name, goal)``.

    Without a suffix the goal is guessed from the name (see :func:`guess_goal`). A colon that is
    not followed by a direction is part of the name (W&B allows ``eval:acc``).

    Args:
        spec: what the user typed after ``--metric``.

    Returns:
        ``(name, "minimize" | "maximize")``.

    Raises:
        InputError: the name is empty, or the suffix is a misspelt goal (``:maxx``).

    Example:
        >>> parse_metric_spec("val_loss:min")
        ('val_loss', 'minimize')
        >>> parse_metric_spec("accuracy")
        ('accuracy', 'maximize')
    """
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
    return name, goal
