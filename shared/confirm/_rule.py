"""The stopping rule at one look: stop (and why), or which configurations get more seeds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["LookOutcome", "look_outcome"]


@dataclass(frozen=True)
class LookOutcome:
    """``stop`` is a key of ``STOP_REASONS`` or None; ``race`` the configurations that go on."""

    stop: str | None
    race: tuple[str, ...]
    winner: str | None
    best_set: tuple[str, ...]


def _equivalent(comparison: Any, names: Mapping[str, str], best: Sequence[str],
                min_effect: float) -> bool:
    """Every pair of possibly-best configurations has its CI inside (-min_effect, min_effect)."""
    if min_effect <= 0 or len(best) < 2:
        return False
    inside = set(best)
    pairs = [p for p in comparison.pairs if names.get(p.a) in inside and names.get(p.b) in inside]
    if len(pairs) < len(best) * (len(best) - 1) // 2:
        return False
    return all(p.ci is not None and -min_effect < p.ci[0] and p.ci[1] < min_effect
               for p in pairs)


def look_outcome(comparison: Any, names: Mapping[str, str], race: Sequence[str], *,
                 last: bool, min_effect: float) -> LookOutcome:
    """What look ``comparison`` decides.

    Args:
        comparison: the look's comparison (run at the look's alpha).
        names: the comparison's configuration names -> the confirm's names.
        race: the configurations that got seeds this round.
        last: this is the last planned look (``max_seeds`` reached).
        min_effect: the equivalence margin (0: equivalence is never claimed).

    Example:
        >>> from types import SimpleNamespace as NS
        >>> c = NS(decision=NS(winner="config=a", best_set=("config=a",)), pairs=())
        >>> look_outcome(c, {"config=a": "a", "config=b": "b"}, ["a", "b"], last=False,
        ...              min_effect=0.0).stop
        'decided'
    """
    decision = comparison.decision
    winner = names.get(decision.winner) if decision.winner else None
    best = tuple(names[n] for n in (decision.best_set or ()) if n in names) or tuple(race)
    if winner is not None:
        return LookOutcome("decided", (), winner, (winner,))
    if _equivalent(comparison, names, best, min_effect):
        return LookOutcome("equivalent", (), None, best)
    if last:
        return LookOutcome("budget", (), None, best)
    # Only the configurations that could still be the best get more seeds; a set of one
    # without a winner (separated, but not by min_effect) keeps its closest rivals in the race.
    go_on = tuple(n for n in race if n in best)
    return LookOutcome(None, go_on if len(go_on) >= 2 else tuple(race), None, best)
