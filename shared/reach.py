"""The one answer to "could the tracker not be reached?" for every caller.

``handle_errors`` (exit 3 or not), the Optuna callbacks' ``LoggingGuard`` (a cool-down while
the tracker is down), the stores' errors of confirm and the MLflow adapter all ask
:func:`is_connection_problem`; a database server that answered with a lasting refusal
(:func:`server_refused`) was reached, and that is the user's input to fix.

Five kinds of error are told apart (``tests/shared/test_reach.py`` makes each with a real
HTTP client): connection refused, DNS failure and timeout are unreachable; an HTTP 5xx answer
is a tracker that is failing (unreachable, worth retrying later); a web page (HTML) where the
tracker's API was expected is a wrong URL (bad input, not unreachable). Matching class names
and text keeps ``shared`` free of tracker and HTTP imports.
"""

from __future__ import annotations

import re

__all__ = ["is_connection_problem", "server_refused"]

# Phrases that requests, urllib3, http.client, psycopg, SQLAlchemy and the trackers' own
# wrappers (MLflow's "API request to ... failed", W&B's "retry") use for a tracker that is down.
_CONNECTION_PHRASES = (
    "connection refused",
    "connection reset",
    "connection aborted",
    "failed to establish a new connection",
    "max retries exceeded",
    "name or service not known",
    "temporary failure in name resolution",
    "nodename nor servname provided",
    "no address associated with hostname",
    "timed out",
    "remotedisconnected",
    "could not connect to server",
    "connection to server at",
    "server closed the connection",
)
_CONNECTION_CLASS_WORDS = ("connection", "timeout", "maxretry", "protocolerror", "operationalerror")
_HTTP_LIBRARIES = {"requests", "urllib3", "http", "httpx", "psycopg", "psycopg2", "sqlalchemy"}
# "503 Server Error: ..." (requests), "too many 503 error responses" (urllib3's retries),
# "error code 503" (MLflow), "HTTP Error 503" (urllib)
_SERVER_ERROR = re.compile(
    r"\b5\d\d server error\b|too many 5\d\d error responses|error code 5\d\d\b"
    r"|http error 5\d\d\b|\bstatus(?: code)?[ =:]+5\d\d\b"
)
# A database server that answers "FATAL: ..." was reached: a missing database or role, or a
# rejected password, is the user's input (exit 2), not worth retrying. Only these are
# transient: the server is starting, stopping or full.
_TRANSIENT_FATAL = (
    "starting up",
    "shutting down",
    "too many clients",
    "in recovery mode",
    "terminating connection",
)


def server_refused(error: BaseException) -> bool:
    """True when a database server answered the connection with a lasting refusal.

    Example:
        >>> server_refused(Exception('FATAL:  database "x" does not exist'))
        True
        >>> server_refused(Exception("FATAL:  the database system is starting up"))
        False
    """
    text = str(error).lower()
    return "fatal:" in text and not any(phrase in text for phrase in _TRANSIENT_FATAL)


def _status(error: BaseException) -> int | None:
    """The HTTP status an error carries (requests' ``response``, urllib's ``code``)."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(error, "code", None)
    return status if isinstance(status, int) else None


def _one(error: BaseException) -> bool | None:
    """This error alone: True unreachable, False reached (say no more), None: ask its cause."""
    if server_refused(error):
        return False
    status = _status(error)
    if status is not None and 100 <= status < 600:
        return status >= 500  # a server answered: failing (5xx) or refusing what we asked
    text = str(error).lower()
    if _SERVER_ERROR.search(text):
        return True
    if isinstance(error, (ConnectionError, TimeoutError)):
        return True
    for klass in type(error).__mro__:
        name = klass.__name__.lower()
        module = (klass.__module__ or "").split(".")[0]
        if module in _HTTP_LIBRARIES and any(word in name for word in _CONNECTION_CLASS_WORDS):
            # SQLAlchemy's OperationalError also covers "no such table": only count it when
            # its text says the server is unreachable.
            if "operationalerror" in name and not _has_phrase(text):
                continue
            return True
    if _has_phrase(text):
        return True
    return None


def _has_phrase(text: str) -> bool:
    return any(phrase in text for phrase in _CONNECTION_PHRASES)


def is_connection_problem(error: BaseException) -> bool:
    """True when ``error`` (or what caused it) says the tracker could not be reached or is
    failing (HTTP 5xx); False for everything else, a web page answering included.

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
        said = _one(current)
        if said is not None:
            return said
        current = current.__cause__ or current.__context__
    return False
