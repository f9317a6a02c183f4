"""Errors of the MLflow client and its stores, as our exceptions: one line, the right exit.

``tracker_errors`` turns a connection problem into ``TrackerUnreachable`` (exit 3) with the
reason and address; ``_probe_database`` asks a SQL store's server before MLflow retries for
15 s (a server that answers "no such database" is bad input, not unreachable);
``http_retries`` bounds the MLflow client's own REST calls meanwhile.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from shared import InputError, TrackerUnreachable
from shared.cli import is_connection_problem, one_line

__all__ = ["http_retries", "tracker_errors"]


_REASONS = (
    ("connection refused", "connection refused"),
    ("name or service not known", "unknown host"),
    ("temporary failure in name resolution", "unknown host"),
    ("timed out", "timed out"),
    ("timeout", "timed out"),
    ("error responses", "the server kept answering with errors"),
    ("could not connect to server", "database server not reachable"),
    ("connection to server at", "database server not reachable"),
    ("connection reset", "connection reset"),
    ("remotedisconnected", "the server closed the connection"),
)


def _reason(error: BaseException) -> str:
    """A short why for a connection failure (the full text is a screen of urllib3 repr)."""
    text = str(error).lower()
    for needle, reason in _REASONS:
        if needle in text:
            return reason
    return one_line(str(error), 200)


def _url(error: BaseException) -> str:
    """The URL (or database address) the failing request went to, if the message names it."""
    import re

    text = str(error)
    database = re.search(r'server at "([^"]+)", port (\d+)', text)
    if database:
        return f"{database.group(1)}:{database.group(2)}"
    match = re.search(r"(https?://[^\s?]+)", text)
    return match.group(1) if match else one_line(text, 160)


def _probe_database(uri: str, retries: int, *, need_store: bool = True) -> None:
    """Fail fast (with our retries) when a database server is down or refuses us.

    MLflow's SQL store retries engine creation about ten times over ~100 s with a warning each
    time; a CLI should say "unreachable" after the user's ``--retries`` instead. A server that
    answers (missing database or role, rejected password) is bad input, said at once with the
    server's own words; a database without MLflow's tables is no store (never created here)
    unless ``need_store`` is False (``confirm`` creates the tables of a new store).
    """
    import time

    import sqlalchemy as sa

    from mlflow_compare_plugin._store_check import check_database_has_store, redacted

    engine = sa.create_engine(uri, pool_pre_ping=False)
    try:
        for attempt in range(retries + 1):
            try:
                with engine.connect() as connection:
                    if need_store:
                        check_database_has_store(connection, uri)
                    return
            except InputError:
                raise
            except Exception as error:
                if not is_connection_problem(error):
                    said = one_line(str(getattr(error, "orig", None) or error), 300)
                    raise InputError(
                        f"cannot open tracking store {redacted(uri)!r}: the server said: {said}"
                    ) from error
                if attempt == retries:
                    raise TrackerUnreachable(
                        f"cannot open tracking store: {_reason(error)}: {_url(error)}"
                    ) from error
                time.sleep(min(2.0**attempt * 0.5, 8.0))
    finally:
        engine.dispose()


def _not_an_mlflow_answer(error: Any) -> str | None:
    """Say so when a server answered with a web page: the URI is not an MLflow server.

    MLflow puts the whole response body in its message; a page of HTML is no help on stderr.
    """
    import re

    text = str(getattr(error, "message", error))
    body = text.split("Response body:", 1)[-1].lower()
    if "<html" not in body and "<!doctype" not in body:
        return None
    status = re.search(r"error code (\d+)", text)
    # "API request to endpoint was successful but ..." (a 200 page) names no endpoint.
    endpoint = re.search(r"endpoint (/\S+|https?://\S+)", text)
    code = f"HTTP {status.group(1)} " if status else ""
    asked = f" to {endpoint.group(1)}" if endpoint else ""
    return (
        f"not an MLflow tracking server: it answered {code}with a web page{asked}; "
        "check --tracking-uri"
    )


@contextlib.contextmanager
def tracker_errors(where: str) -> Iterator[None]:
    """Turn MLflow's exceptions into ours: bad input -> ``InputError``, down -> exit 3."""
    from mlflow.exceptions import MlflowException

    try:
        yield
    except (InputError, TrackerUnreachable):
        raise
    except MlflowException as error:
        if is_connection_problem(error):
            raise TrackerUnreachable(f"{where}: {_reason(error)}: {_url(error)}") from error
        not_mlflow = _not_an_mlflow_answer(error)
        if not_mlflow:
            raise InputError(f"{where}: {not_mlflow}") from error
        code = getattr(error, "error_code", "")
        if code in ("INVALID_PARAMETER_VALUE", "RESOURCE_DOES_NOT_EXIST", "BAD_REQUEST"):
            raise InputError(f"{where}: {one_line(error.message, 300)}") from error
        raise
    except Exception as error:
        if is_connection_problem(error):
            raise TrackerUnreachable(f"{where}: {_reason(error)}: {_url(error)}") from error
        raise


@contextlib.contextmanager
def http_retries(retries: int, timeout: float = 30) -> Iterator[None]:
    """Retry and timeout settings for the MLflow client's own REST calls meanwhile.

    MLflow's defaults (7 retries, backoff factor 2, 120 s per request) take minutes to report
    a dead server, even with no retries when it accepts connections but never answers. Ours
    bound a request at ``timeout`` seconds, so the whole wait is about
    ``(retries + 1) * timeout`` plus the backoff. The user's own ``MLFLOW_HTTP_REQUEST_*``
    settings win; ours are removed again on exit.

    Example:
        >>> with http_retries(2):
        ...     pass
    """
    ours = {
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": str(retries),
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
        "MLFLOW_HTTP_REQUEST_TIMEOUT": str(max(1, round(timeout))),
    }
    added = [name for name in ours if name not in os.environ]
    for name in added:
        os.environ[name] = ours[name]
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)
