"""A comparison reads a tracking store; it never creates one.

``MlflowClient("sqlite:///missing/dir/mlflow.db")`` makes the folders, the database and
MLflow's tables, and with no URI at all MLflow's default is ``./mlflow.db``: a mistyped path
would leave a fresh empty store behind and then report "unknown experiment". These checks run
before MLflow opens the store and say instead which path holds no store (exit 2).
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from shared import InputError

__all__ = ["check_store_exists", "check_database_has_store", "redacted"]

_HINT = "a comparison never creates a tracking store"


def redacted(uri: str) -> str:
    """``uri`` without its password, for messages.

    Example:
        >>> redacted("postgresql://me:secret@db:5432/mlflow")
        'postgresql://me:***@db:5432/mlflow'
    """
    try:
        from sqlalchemy.engine import make_url

        return make_url(uri).render_as_string(hide_password=True)
    except Exception:
        return uri


def _where(given: bool) -> str:
    if given:
        return "--tracking-uri"
    return "MLflow's default store; give --tracking-uri or set MLFLOW_TRACKING_URI"


def check_store_exists(uri: str, *, given: bool = True) -> None:
    """Raise ``InputError`` when ``uri`` names a local store that is not there.

    Args:
        uri: the tracking URI about to be opened.
        given: whether the user gave it (else it is MLflow's default), for the message.

    Raises:
        InputError: a sqlite file that does not exist, is not a database or has no MLflow
            tables; a store folder that does not exist.

    Example:
        >>> check_store_exists("http://127.0.0.1:5000")  # servers are not checked here
    """
    scheme = uri.split(":", 1)[0].lower() if "://" in uri or uri.startswith("sqlite:") else ""
    if scheme.startswith("sqlite"):
        _check_sqlite(uri, given)
    elif scheme in ("", "file"):
        path = uri[len("file://") :] if scheme == "file" else uri
        if not os.path.isdir(path):
            raise InputError(
                f"no MLflow tracking store at {path!r}: the folder does not exist "
                f"({_where(given)}; {_HINT})"
            )


def _check_sqlite(uri: str, given: bool) -> None:
    from sqlalchemy.engine import make_url

    database = make_url(uri).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = os.path.abspath(database)
    if not os.path.isfile(path):
        what = "does not exist" if not os.path.exists(path) else "is not a file"
        raise InputError(
            f"no MLflow tracking store at {path!r}: the sqlite file {what} ({_where(given)}; "
            f"{_HINT})"
        )
    try:
        # Read-only: opening must not change the file either.
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise InputError(f"cannot open the sqlite store {path!r}: {error}") from error
    try:
        found = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'experiments'"
        ).fetchone()
    except sqlite3.DatabaseError as error:
        raise InputError(f"{path!r} is not an MLflow tracking store: {error}") from error
    finally:
        connection.close()
    if not found:
        raise InputError(
            f"{path!r} is not an MLflow tracking store (no MLflow tables; {_HINT})"
        )


def check_database_has_store(connection: Any, uri: str) -> None:
    """Raise ``InputError`` when a reachable database server holds no MLflow tables.

    Args:
        connection: an open SQLAlchemy connection to the database of ``uri``.
        uri: the tracking URI, for the message (password hidden).
    """
    import sqlalchemy as sa

    if not sa.inspect(connection).has_table("experiments"):
        raise InputError(
            f"database {redacted(uri)!r} is not an MLflow tracking store (no MLflow tables; "
            f"{_HINT})"
        )
