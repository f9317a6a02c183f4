"""A progress bar on stderr for long fetches, only when stderr is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["progress"]

T = TypeVar("T")


def progress(items: Iterable[T], *, label: str, length: int | None = None) -> Iterator[T]:
    """Yield ``items``, drawing a click progress bar on stderr when stderr is a terminal.

    Quiet otherwise (pipes, CI logs, tests), so machine-readable output stays clean.

    Args:
        items: what to iterate.
        label: shown left of the bar (``"fetching histories"``).
        length: number of items when ``items`` has no ``len()``.

    Example:
        >>> list(progress([1, 2, 3], label="demo"))
        [1, 2, 3]
    """
    stream = sys.stderr
    if not (hasattr(stream, "isatty") and stream.isatty()):
        yield from items
        return
    import click

    with click.progressbar(items, length=length, label=label, file=stream) as bar:
        yield from bar
