"""Progress on long work, on a terminal only: a tqdm bar on stderr, silent in pipes and CI.

Fetchers and the statistics of large families report progress through :func:`progress_bar`
(counts that move) or :func:`progress` (wrap an iterable). Nothing is drawn unless stderr is
a terminal and the environment is not a CI job (``CI`` set), so JSON on stdout, logs and test
output stay clean. ``TRACKER_COMPARE_PROGRESS=1`` forces bars on (``0`` forces them off).

tqdm is imported only when a bar is really drawn.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

__all__ = ["Bar", "enabled", "progress", "progress_bar"]

T = TypeVar("T")

#: Work smaller than this is done before a bar would be worth drawing.
MIN_TOTAL = 50


def enabled() -> bool:
    """Whether progress bars are drawn: stderr is a terminal and this is not CI.

    Example:
        >>> enabled() in (True, False)  # True on a terminal, False in pipes, files and CI
        True
    """
    forced = os.environ.get("TRACKER_COMPARE_PROGRESS", "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    if os.environ.get("CI"):
        return False
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None) and stream.isatty())


class Bar:
    """A bar that may be silent: ``update(n)`` and ``set_total(n)`` always work."""

    def __init__(self, bar: Any = None) -> None:
        self._bar = bar

    @property
    def shown(self) -> bool:
        """Whether anything is drawn."""
        return self._bar is not None

    def update(self, n: int = 1) -> None:
        """Add ``n`` finished items."""
        if self._bar is not None and n:
            self._bar.update(n)

    def set_total(self, total: int | None) -> None:
        """Change the total (once it is known, e.g. after the first page of a search)."""
        if self._bar is not None:
            self._bar.total = total
            self._bar.refresh()


@contextlib.contextmanager
def progress_bar(
    label: str,
    total: int | None = None,
    *,
    unit: str = "it",
    min_total: int = MIN_TOTAL,
    show: bool = True,
) -> Iterator[Bar]:
    """A bar for ``total`` items on stderr (silent off a terminal, or for small totals).

    Args:
        label: what is being done (``"fetching runs"``).
        total: how many items, or ``None`` while unknown (the bar then counts up).
        unit: what an item is (``"runs"``, ``"pairs"``).
        min_total: below this known total nothing is drawn.
        show: ``False`` draws nothing whatever the terminal (a caller's own switch).

    Example:
        >>> with progress_bar("demo", 3) as bar:
        ...     bar.update(3)
    """
    if not show or not enabled() or (total is not None and total < min_total):
        yield Bar()
        return
    from tqdm.auto import tqdm

    bar = tqdm(
        total=total, desc=label, unit=f" {unit}", file=sys.stderr, leave=False,
        dynamic_ncols=True, mininterval=0.2,
    )  # fmt: skip
    try:
        yield Bar(bar)
    finally:
        bar.close()


def progress(
    items: Iterable[T], *, label: str, length: int | None = None, unit: str = "it"
) -> Iterator[T]:
    """Yield ``items``, drawing a bar on stderr when it is a terminal (see :func:`enabled`).

    Args:
        items: what to iterate.
        label: shown left of the bar (``"fetching histories"``).
        length: number of items when ``items`` has no ``len()``.
        unit: what an item is.

    Example:
        >>> list(progress([1, 2, 3], label="demo"))
        [1, 2, 3]
    """
    if length is None and hasattr(items, "__len__"):
        length = len(items)  # type: ignore[arg-type]
    with progress_bar(label, length, unit=unit) as bar:
        if not bar.shown:
            yield from items
            return
        for item in items:
            yield item
            bar.update(1)
