"""Keep the trackers' own logging off the user's terminal unless asked (``-v``).

MLflow, SQLAlchemy, Alembic and urllib3 log through Python's ``logging``; a failure that we
report in one line (exit 2 or 3) can make MLflow print a 90-line traceback first. The compare
commands report through their own output and never through ``logging``, so for their duration
all logging is switched off (``logging.disable``): MLflow configures its loggers when it is
first imported, which happens later, so per-logger levels set now would be undone.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

__all__ = ["quiet_trackers", "visible_warnings"]


@contextlib.contextmanager
def quiet_trackers(quiet: bool = True) -> Iterator[None]:
    """Meanwhile (when ``quiet``), no logger prints anything; the previous state comes back.

    Example:
        >>> with quiet_trackers():
        ...     logging.getLogger("mlflow").error("not shown")
    """
    if not quiet:
        yield
        return
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(previous)


@contextlib.contextmanager
def visible_warnings() -> Iterator[None]:
    """Meanwhile, Python warnings reach stderr with invisible and reordering characters
    escaped (``shared.render.visible``): a library's warning may quote run data, as
    matplotlib's "Glyph 27 (\\x1b) missing from font(s)" quotes a character of a label, and a
    raw ESC, BEL or U+202E would act on the user's terminal.

    Example:
        >>> import warnings
        >>> with visible_warnings():
        ...     warnings.warn("label a\\u202eb")  # doctest: +SKIP
    """
    import warnings

    from shared.render._escape import visible

    previous = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: object = None, line: str | None = None) -> None:
        import sys

        text = warnings.formatwarning(message, category, filename, lineno, line)
        stream = file if file is not None else sys.stderr
        with contextlib.suppress(OSError, ValueError):  # a closed stderr: nothing to show
            stream.write(visible(text, one_line=False))  # type: ignore[attr-defined]

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = previous
