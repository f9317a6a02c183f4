"""Opening a fresh database store from several processes at once (confirm workers on a cluster).

MLflow's and Optuna's SQL stores create their schema on first use, and neither serialises
that: two processes opening the same empty sqlite file can both create tables (one then fails
with ``UNIQUE constraint failed: alembic_version``, or leaves ``_alembic_tmp_*`` tables that
break every later call), and on PostgreSQL one gets a duplicate-key error from the other's
``CREATE``. :func:`set_up_store` runs the opening under a file lock for sqlite files (the
processes share the file's folder) and, for any database, tries again when the error is one of
those races: once the other process has finished, opening finds the schema made.

Example:
    >>> set_up_store("sqlite:///:memory:", lambda: 42)
    42
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

__all__ = ["set_up_store", "is_schema_race", "sqlite_file", "storage_error"]

T = TypeVar("T")

_RACES = (
    "unique constraint failed",
    "duplicate key value",
    "uniqueviolation",
    "already exists",
    "database is locked",
    "duplicatetable",
    "deadlock detected",
)


def sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None: not sqlite, or in memory).

    Example:
        >>> str(sqlite_file("sqlite:////tmp/x.db")), sqlite_file("postgresql://h/db")
        ('/tmp/x.db', None)
    """
    head, sep, rest = url.partition(":///")
    if not sep or head.split("+")[0] != "sqlite":
        return None
    path = rest.split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def storage_error(url: str, error: BaseException, what: str = "") -> Exception:
    """An Optuna storage that would not open, as one of our errors: what the user must fix
    (not a URL, a bad URL, a database the server says does not exist or refuses, a sqlite file
    in a missing folder) is ``InputError`` (exit 2); only a server that cannot be reached is
    ``TrackerUnreachable`` (exit 3).

    Example:
        >>> print(storage_error("confirm.db", ValueError("Could not parse SQLAlchemy URL")))
        storage 'confirm.db' is not a URL: for a file give sqlite:///confirm.db
        >>> print(storage_error("postgresql://h/db", Exception('FATAL: database "db" does not exist')))
        storage 'postgresql://h/db': the database server said: FATAL: database "db" does not exist
    """
    from shared.errors import InputError, TrackerUnreachable
    from shared.reach import is_connection_problem, server_refused

    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    text = text.split("connection failed: ", 1)[-1]  # psycopg repeats itself before the reason
    said = text.rsplit("failed: ", 1)[-1] if "FATAL:" in text else text
    prefix = f"{what}: " if what else ""
    if "://" not in url:
        return InputError(f"{prefix}storage {url!r} is not a URL: for a file give sqlite:///{url}")
    if type(error).__name__ in ("ArgumentError", "NoSuchModuleError", "ValueError"):
        return InputError(f"{prefix}storage URL {url!r} is not usable: {text}")
    if server_refused(error):
        return InputError(f"{prefix}storage {url!r}: the database server said: {said}")
    path = sqlite_file(url)
    if path is not None and not path.parent.is_dir():
        return InputError(f"{prefix}storage {url!r}: no folder {str(path.parent)!r} for the "
                          "sqlite file")
    if is_connection_problem(error) or path is None:
        return TrackerUnreachable(f"{prefix}storage {url!r} cannot be reached: {text}")
    return InputError(f"{prefix}storage {url!r} cannot be opened: {text}")


def is_schema_race(error: BaseException) -> bool:
    """Whether ``error`` is another process creating the same schema at the same time.

    Example:
        >>> is_schema_race(RuntimeError("UNIQUE constraint failed: alembic_version.version_num"))
        True
    """
    text = f"{type(error).__name__} {error}".lower()
    return any(race in text for race in _RACES)


@contextlib.contextmanager
def _file_lock(path: Path | None) -> Iterator[None]:
    if path is None or not path.parent.is_dir():
        yield
        return
    import fcntl

    try:
        handle = open(f"{path}.setup-lock", "a")  # noqa: SIM115 - held for the block
    except OSError:  # a read-only folder: no lock, the retries remain
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def set_up_store(url: str, open_store: Callable[[], T], attempts: int = 8) -> T:
    """``open_store()``, serialised with other processes for a sqlite file and tried again
    after a schema-creation race (see the module docstring)."""
    for attempt in range(attempts):
        try:
            with _file_lock(sqlite_file(url)):
                return open_store()
        except Exception as error:
            if attempt == attempts - 1 or not is_schema_race(error):
                raise
            time.sleep(random.uniform(0.2, 0.6) * (attempt + 1))
    raise AssertionError("unreachable")
