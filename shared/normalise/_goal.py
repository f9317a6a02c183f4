"""One rule for a metric's goal, used by every entry point (compare, confirm, both adapters,
the Python API): an explicit goal (``:min``/``:max`` or ``goal=``) wins; without one the goal
comes from the metric's name (``val_loss`` -> minimize, ``accuracy`` -> maximize).

An explicit goal that contradicts a telling name (``val_acc:min``, ``loss:max``) is kept (the
user may know better) but named in a one-line warning, because the usual cause is a typo that
crowns the worst configuration.
"""

from __future__ import annotations

import re

from shared.errors import InputError

__all__ = ["GOALS", "goal_conflict", "guess_goal", "resolve_goal", "split_goal_suffix"]

#: the goal suffixes (and ``goal=`` values) accepted, and what they mean.
GOALS = {"min": "minimize", "max": "maximize", "minimize": "minimize", "maximize": "maximize"}

# Names where smaller is better. Guessing wrong would crown the worst configuration, so the
# guess only applies when the user did not say ``:min``/``:max``; every output names the goal.
_LOWER_IS_BETTER = re.compile(
    r"(loss|error|(^|[^a-z])err([^a-z]|$)|mse|mae|perplexity|latency|regret)",
    re.IGNORECASE,
)
# Names where larger is better: only used to warn about an explicit goal that contradicts them.
_HIGHER_IS_BETTER = re.compile(
    r"(acc|auc|f1|precision|recall|reward|return|score|bleu|rouge|(^|[^a-z])map([^a-z]|$)"
    r"|iou|dice|r2|ndcg|mrr|win_?rate|throughput)",
    re.IGNORECASE,
)


def guess_goal(name: str) -> str:
    """``"minimize"`` for names like ``val_loss``, ``error_rate``, ``latency``; else ``"maximize"``.

    Example:
        >>> guess_goal("val/loss"), guess_goal("accuracy")
        ('minimize', 'maximize')
    """
    return "minimize" if _LOWER_IS_BETTER.search(name) else "maximize"


def goal_conflict(name: str, goal: str) -> str | None:
    """A one-line warning when an explicit ``goal`` contradicts what ``name`` says, else None.

    Example:
        >>> goal_conflict("val_acc", "minimize")
        "goal 'minimize' for metric 'val_acc', whose name reads higher-is-better: check it is not a typo"
        >>> goal_conflict("val_acc", "maximize") is None, goal_conflict("widgets", "minimize") is None
        (True, True)
    """
    lower = bool(_LOWER_IS_BETTER.search(name))
    higher = bool(_HIGHER_IS_BETTER.search(name)) and not lower
    if goal == "minimize" and higher:
        reads = "higher-is-better"
    elif goal == "maximize" and lower:
        reads = "lower-is-better"
    else:
        return None
    return f"goal {goal!r} for metric {name!r}, whose name reads {reads}: check it is not a typo"


def split_goal_suffix(metric: str) -> tuple[str, str | None]:
    """``"val_loss:min"`` -> ``("val_loss", "minimize")``; no suffix -> ``(metric, None)``.

    A colon not followed by a goal is part of the name (W&B allows ``eval:acc``).

    Example:
        >>> split_goal_suffix("val_loss:min"), split_goal_suffix("eval:acc")
        (('val_loss', 'minimize'), ('eval:acc', None))
    """
    name, sep, suffix = metric.strip().rpartition(":")
    if sep and suffix.lower() in GOALS:
        return name.strip(), GOALS[suffix.lower()]
    return metric.strip(), None


def resolve_goal(metric: str, goal: str | None = None) -> tuple[str, str, str | None]:
    """The metric's name, its goal, and a warning (or None): the one rule.

    Args:
        metric: the metric's name, optionally with a ``:min``/``:max`` suffix.
        goal: an explicit goal (``"maximize"``/``"minimize"``, or ``"min"``/``"max"``); it wins
            over the suffix, which wins over the name.

    Example:
        >>> resolve_goal("val_loss"), resolve_goal("acc:max")
        (('val_loss', 'minimize', None), ('acc', 'maximize', None))
        >>> resolve_goal("val_acc", "min")[1:]
        ('minimize', "goal 'minimize' for metric 'val_acc', whose name reads higher-is-better: check it is not a typo")
    """
    name, suffix_goal = split_goal_suffix(metric)
    if not name:
        raise InputError(f"metric {metric!r}: the metric name is empty (use NAME[:min|:max])")
    if goal is not None:
        if str(goal).lower() not in GOALS:
            raise InputError(f"goal must be 'maximize' or 'minimize', got goal={goal!r}")
        goal = GOALS[str(goal).lower()]
    explicit = goal or suffix_goal
    if explicit is None:
        return name, guess_goal(name), None
    return name, explicit, goal_conflict(name, explicit)
