"""When one configuration beats another: significant, in the test's direction, and by at
least ``min_effect`` judged against the test's interval (superiority by a margin).

A point estimate above ``min_effect`` with an interval reaching below it is not a win: the
data are then compatible with an advantage smaller than what matters. The Bayesian test
judges the margin itself (its ROPE is ``min_effect``).
"""

from __future__ import annotations

import math
from typing import Any

from shared.compare.inference._better import better_name
from shared.compare.inference._registry import REGISTRY

__all__ = ["advantage_bound", "better_name", "reliably_better"]


def advantage_bound(pair: Any) -> float | None:
    """The interval's bound nearest zero, as an advantage of ``pair.better`` (metric units).

    ``None`` when the pair has no interval or its estimate does not point to ``better``.
    """
    if pair.ci is None or not math.isfinite(pair.diff) or pair.diff == 0:
        return None
    lo, hi = pair.ci
    if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    return min(lo, hi) if pair.diff > 0 else -max(lo, hi)


def reliably_better(pair: Any, name: str, min_effect: float) -> bool:
    """``name`` beats the other side of ``pair``: significant, in the test's direction, and by
    at least ``min_effect`` across the test's whole interval.

    Example:
        >>> from types import SimpleNamespace as NS
        >>> p = NS(significant=True, better="A", diff=0.0256, ci=(0.0225, 0.0287),
        ...        extra={}, test="paired-t")
        >>> reliably_better(p, "A", 0.02), reliably_better(p, "A", 0.025)
        (True, False)
    """
    if not (pair.significant and pair.better == name):
        return False
    if min_effect <= 0:
        return True
    s = REGISTRY.get(pair.test)
    if s is not None and s.judges_margin:
        return True  # the Bayesian test's ROPE is min_effect: it already judged the margin
    bound = advantage_bound(pair)
    return bound is not None and bound >= min_effect
