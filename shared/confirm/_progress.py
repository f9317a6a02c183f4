"""What a confirm says while it works: a line per look (always, on stderr) and, on a
terminal, a bar per training item.

A confirm can train for hours; the look line says, in a pipe or a log file as on a terminal,
where it stands: the seeds each configuration has so far, who left the race at this look and
why, who goes on with how many more seeds, or what was decided. On a terminal each item also
draws a bar (``training item k/n`` of the round, with a moving clock: one train call can take
minutes); nothing of it reaches a pipe (``shared._progress``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from shared._progress import status

__all__ = ["item_bar", "look_line"]


def look_line(*, look: int, looks: Sequence[int], seeds_used: Mapping[str, int],
              race: Sequence[str], outcome: Any, stop_reason: str | None) -> str:
    """The line printed after look ``look`` (0-based).

    Args:
        look: the look's index; ``looks`` the planned seeds per configuration at each look.
        seeds_used: seeds per configuration so far (every configuration, in the race or not).
        race: the configurations that got seeds for this look.
        outcome: the look's ``LookOutcome`` (``race``, ``winner``, ``best_set``).
        stop_reason: the words for ``outcome.stop`` (``STOP_REASONS``), None when going on.

    Example:
        >>> from types import SimpleNamespace as NS
        >>> look_line(look=0, looks=[3, 6], seeds_used={"a": 3, "b": 3, "c": 3},
        ...           race=["a", "b", "c"], outcome=NS(race=("b", "c"), winner=None,
        ...           best_set=("b", "c")), stop_reason=None)
        'confirm: look 1/2, 3 seeds per configuration, 9 runs so far (a: 3, b: 3, c: 3); out of the race: a; still in the race: b, c (3 more seeds each)'
    """
    seeds = ", ".join(f"{name}: {n}" for name, n in seeds_used.items())
    head = (f"confirm: look {look + 1}/{len(looks)}, {looks[look]} seeds per configuration, "
            f"{sum(seeds_used.values())} runs so far ({seeds})")
    if stop_reason is not None:
        if outcome.winner is not None:
            return f"{head}; stopped: {stop_reason}, winner {outcome.winner}"
        best = ", ".join(outcome.best_set)
        return f"{head}; stopped: {stop_reason}" + (f", possibly best: {best}" if best else "")
    dropped = [name for name in race if name not in outcome.race]
    more = looks[look + 1] - looks[look]
    out = f"; out of the race: {', '.join(dropped)}" if dropped else ""
    return (f"{head}{out}; still in the race: {', '.join(outcome.race)} "
            f"({more} more seed{'s' if more != 1 else ''} each)")


@contextlib.contextmanager
def item_bar(queue: Any, task: Any) -> Iterator[None]:
    """On a terminal, a bar while ``task`` trains: ``round r: training item k/n (config, seed s)``.

    ``k`` counts the round's items finished by every worker sharing the storage, plus this
    one; nothing is drawn off a terminal (and the storage is then not even asked).

    Example:
        >>> with item_bar(None, None):  # not a terminal here: nothing drawn, nothing asked
        ...     pass
    """
    from shared._progress import enabled

    if not enabled():
        yield
        return
    done, planned = queue.round_progress(task.round)
    k, n = min(done + 1, max(planned, 1)), max(planned, done + 1)
    label = f"round {task.round + 1}: training item {k}/{n} ({task.config}, seed {task.seed})"
    with status(label, unit="items", initial=done, total=n):
        yield
