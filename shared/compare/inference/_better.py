"""Which side of a pair a test found better, given the goal.

Every pairwise and family test fills ``PairResult.better`` with it; the decision reads the
pairs it made (``decision/_verdict`` re-exports it for the verdict's callers).
"""

from __future__ import annotations

__all__ = ["better_name"]


def better_name(a: str, b: str, a_higher: bool | None, goal: str) -> str | None:
    """Which of ``a``/``b`` is better, given the direction a test found and the goal.

    Example:
        >>> better_name("A", "B", True, "minimize")
        'B'
    """
    if a_higher is None:
        return None
    return a if a_higher == (goal == "maximize") else b
