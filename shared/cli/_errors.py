"""``handle_errors``: every failure becomes one line on stderr and a documented exit code."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from shared.errors import (
    EXIT_BAD_INPUT,
    EXIT_TRACKER_UNREACHABLE,
    TrackerCompareError,
)

__all__ = ["handle_errors", "is_connection_problem", "one_line"]

F = TypeVar("F", bound=Callable[..., Any])

# Phrases that requests, urllib3, http.client, psycopg2, SQLAlchemy and the trackers' own
# wrappers (MLflow's "API request to ... failed", W&B's "retry") use for a tracker that is down.
# Matching text keeps ``shared`` free of tracker and HTTP imports.
_CONNECTION_PHRASES = (
    "connection refused",
    "connection reset",
    "connection aborted",
    "failed to establish a new connection",
    "max retries exceeded",
    "name or service not known",
    "temporary failure in name resolution",
    "timed out",
    "remotedisconnected",
    "could not connect to server",
    "connection to server at",
    "server closed the connection",
    "too many 500 error responses",
    "too many 502 error responses",
    "too many 503 error responses",
    "too many 504 error responses",
)
_CONNECTION_CLASS_WORDS = ("connection", "timeout", "maxretry", "protocolerror", "operationalerror")


def one_line(text: str, limit: int = 500) -> str:
    """Collapse whitespace (tracebacks, HTML bodies) to one line of at most ``limit`` chars.

    Example:
        >>> one_line("a\\n   b")
        'a b'
    """
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def is_connection_problem(error: BaseException) -> bool:
    """True when ``error`` (or what caused it) clearly says the tracker could not be reached.

    Example:
        >>> is_connection_problem(ConnectionRefusedError(111, "Connection refused"))
        True
        >>> is_connection_problem(ValueError("bad value"))
        False
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (ConnectionError, TimeoutError)):
            return True
        for klass in type(current).__mro__:
            name = klass.__name__.lower()
            module = klass.__module__ or ""
            if module.split(".")[0] in {
                "requests",
                "urllib3",
                "http",
                "psycopg2",
                "sqlalchemy",
            } and any(word in name for word in _CONNECTION_CLASS_WORDS):
                # SQLAlchemy's OperationalError also covers "no such table": only count it
                # when its text says the server is unreachable.
                if "operationalerror" in name and not _has_connection_phrase(current):
                    continue
                return True
        if _has_connection_phrase(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def _has_connection_phrase(error: BaseException) -> bool:
    text = str(error).lower()
    return any(phrase in text for phrase in _CONNECTION_PHRASES)


def handle_errors(func: F) -> F:
    """Decorate a click command callback so failures print one line and exit with a code.

    * ``TrackerCompareError`` -> ``error: <message>`` and its ``exit_code`` (1, 2 or 3).
    * anything clearly about reaching the tracker -> exit 3.
    * any other exception -> ``error: <Type>: <message>`` and exit 2.

    click's own exceptions (usage errors, ``--help``), ``SystemExit`` and ``KeyboardInterrupt``
    pass through. Set ``TRACKER_COMPARE_DEBUG=1`` to get the traceback instead.

    Example:
        >>> @handle_errors
        ... def command():
        ...     return 42
        >>> command()
        42
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import click

        try:
            return func(*args, **kwargs)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except TrackerCompareError as error:
            if os.environ.get("TRACKER_COMPARE_DEBUG"):
                raise
            click.echo(f"error: {one_line(str(error))}", err=True)
            sys.exit(error.exit_code)
        except Exception as error:  # noqa: BLE001 - the point is to catch everything
            if os.environ.get("TRACKER_COMPARE_DEBUG"):
                raise
            code = EXIT_TRACKER_UNREACHABLE if is_connection_problem(error) else EXIT_BAD_INPUT
            prefix = "cannot reach the tracker: " if code == EXIT_TRACKER_UNREACHABLE else ""
            message = one_line(str(error)) or "(no message)"
            click.echo(f"error: {prefix}{type(error).__name__}: {message}", err=True)
            sys.exit(code)

    return wrapper  # type: ignore[return-value]
