"""Progress on long work, on a terminal only: a tqdm bar on stderr, silent in pipes and CI.

Fetchers and the statistics of large families report progress through :func:`progress_bar`
(counts that move) or :func:`progress` (wrap an iterable). Nothing is drawn unless stderr is
a terminal and the environment is not a CI job (``CI`` set), so JSON on stdout, logs and test
output stay clean. ``TRACKER_COMPARE_PROGRESS=1`` forces bars on (``0`` forces them off).
:func:`status` is a bar for work that cannot be counted (opening a store, the statistics):
its clock moves while the work runs, so a long step is never silent on a terminal.

A terminal that reports no size (0 columns: a pty never sized, ``COLUMNS=0``) gets bars
80 columns wide: tqdm would draw nothing at all there.

tqdm is imported only when a bar is really drawn.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

__all__ = ["Bar", "enabled", "progress", "progress_bar", "status"]

T = TypeVar("T")

#: Work smaller than this is done before a bar would be worth drawing.
MIN_TOTAL = 50
#: Width of the bars when the terminal reports 0 columns (or none at all).
FALLBACK_COLUMNS = 80
#: Rows assumed when the terminal reports none.
FALLBACK_LINES = 24
#: Seconds between redraws of a :func:`status` bar (its clock).
TICK_SECONDS = 0.5


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


def _size(variable: str, which: str) -> int | None:
    """One dimension of the terminal on stderr (``COLUMNS``/``LINES`` first), None if 0."""
    with contextlib.suppress(ValueError):
        size = int(os.environ.get(variable, ""))
        if size > 0:
            return size
    with contextlib.suppress(AttributeError, ValueError, OSError):
        size = int(getattr(os.get_terminal_size(sys.stderr.fileno()), which))
        if size > 0:
            return size
    return None


def terminal_columns() -> int | None:
    """The terminal's width when it reports one, else None (tqdm's own sizing is then wrong).

    ``COLUMNS`` wins when it is a positive number (as ``shutil.get_terminal_size`` reads it);
    ``COLUMNS=0`` and a terminal of 0 columns both mean "unknown".

    Example:
        >>> terminal_columns() is None or terminal_columns() > 0
        True
    """
    return _size("COLUMNS", "columns")


def _width() -> dict[str, Any]:
    """tqdm's size arguments: follow the terminal, or 80 x 24 where it reports 0 (tqdm then
    draws nothing: no width for the bar, and no row it thinks it may write on)."""
    size: dict[str, Any] = {"dynamic_ncols": True}
    if terminal_columns() is None:
        size = {"ncols": FALLBACK_COLUMNS, "dynamic_ncols": False}
    if _size("LINES", "lines") is None:
        size["nrows"] = FALLBACK_LINES
    return size


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

    def describe(self, label: str) -> None:
        """Change the label (what is being done now)."""
        if self._bar is not None:
            self._bar.set_description_str(label)

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
        mininterval=0.2, **_width(),
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


@contextlib.contextmanager
def status(
    label: str, *, unit: str = "it", show: bool = True, initial: int = 0, total: int | None = None
) -> Iterator[Bar]:
    """A bar whose clock moves while uncounted work runs (redrawn every half second).

    Drawn under the same rule as :func:`progress_bar` (a terminal, not CI), whatever the size
    of the work; ``update`` and ``describe`` still work on it.

    Args:
        label: what is being done (``"comparing 400 configurations"``).
        unit: what is counted, if anything.
        show: ``False`` draws nothing (a caller's own switch).
        initial, total: counts already done and to do, when known.

    Example:
        >>> with status("demo") as bar:
        ...     bar.describe("still the demo")
    """
    if not show or not enabled():
        yield Bar()
        return
    from tqdm.auto import tqdm

    # no total: tqdm's own format would draw an empty bar; the label, the count, the clock;
    # with a total: the bar and the clock (a rate means nothing for a few long items)
    shape = (
        "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} done [{elapsed}]" if total
        else "{desc} [{elapsed}]" if unit == "it" else "{desc}: {n_fmt}{unit} [{elapsed}]"
    )
    bar = tqdm(
        total=total, initial=initial, desc=label, unit=f" {unit}", file=sys.stderr,
        leave=False, mininterval=0.2, bar_format=shape, **_width(),
    )  # fmt: skip
    done = threading.Event()

    def tick() -> None:
        while not done.wait(TICK_SECONDS):
            with contextlib.suppress(Exception):  # a closed stream: nothing left to draw
                bar.refresh()

    ticker = threading.Thread(target=tick, name="tracker-compare-status", daemon=True)
    ticker.start()
    try:
        yield Bar(bar)
    finally:
        done.set()
        ticker.join()
        bar.close()
