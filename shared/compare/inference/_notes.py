"""Warnings housekeeping: one line per distinct note, however many pairs share it.

With thousands of pairs, a per-pair note (say "fewer than 2 paired seeds") would otherwise
appear thousands of times in ``Comparison.warnings``.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["dedupe", "summarise_notes"]


def dedupe(items: Sequence[str]) -> tuple[str, ...]:
    """The non-empty items, each once, in the order first seen.

    Example:
        >>> dedupe(["a", "", "b", "a"])
        ('a', 'b')
    """
    seen: set[str] = set()
    out = []
    for w in items:
        if w and w not in seen:
            seen.add(w)
            out.append(w)
    return tuple(out)


def summarise_notes(notes: Sequence[tuple[str, str | None]], limit: int = 10) -> list[str]:
    """Pair-level notes as top-level warnings: one line per distinct message with a count.

    Args:
        notes: (message, pair label) pairs; a label of ``None`` marks a message that already
            names its pair (kept as is, at most ``limit`` of them).
        limit: how many unlabelled messages to keep before summarising the rest.

    Example:
        >>> summarise_notes([("no test", "A vs B"), ("no test", "A vs C"), ("odd", "B vs C")])
        ['no test (2 pairs, e.g. A vs B)', 'B vs C: odd']
    """
    out: list[str] = []
    seen: dict[str, list[str]] = {}
    order: list[str] = []
    for msg, label in notes:
        if label is None:
            out.append(msg)
            continue
        if msg not in seen:
            seen[msg] = []
            order.append(msg)
        seen[msg].append(label)
    if len(out) > limit:
        out = out[:limit] + [f"... and {len(out) - limit} more pairs with unmatched seeds"]
    for msg in order:
        labels = seen[msg]
        if len(labels) == 1:
            out.append(f"{labels[0]}: {msg}")
        else:
            out.append(f"{msg} ({len(labels)} pairs, e.g. {labels[0]})")
    return out
