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

__all__ = ["quiet_trackers"]


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
