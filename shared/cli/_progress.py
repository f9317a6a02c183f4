"""Progress bars on stderr for long work, only on a terminal (see ``shared._progress``).

Example:
    >>> with progress_bar("fetching runs", 3, unit="runs") as bar:  # silent: not a terminal
    ...     bar.update(3)
    >>> list(progress(["a", "b"], label="reading"))
    ['a', 'b']
"""

from __future__ import annotations

from shared._progress import Bar, enabled, progress, progress_bar

__all__ = ["Bar", "enabled", "progress", "progress_bar"]
