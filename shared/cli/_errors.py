"""``handle_errors``: every failure becomes one line on stderr and a documented exit code."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from shared.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL_ERROR,
    EXIT_TRACKER_UNREACHABLE,
    TrackerCompareError,
)
from shared.reach import is_connection_problem, server_refused

__all__ = ["handle_errors", "is_connection_problem", "one_line", "option_name", "server_refused"]

F = TypeVar("F", bound=Callable[..., Any])

def one_line(text: str, limit: int = 500) -> str:
    """Collapse whitespace (tracebacks, HTML bodies) to one line of at most ``limit`` chars.

    Example:
        >>> one_line("a\\n   b")
        'a b'
    """
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


# Exceptions from these packages are the tracker (or its database driver) refusing what we
# asked, not a bug of ours: their message is shown as bad input (exit 2).
_TRACKER_MODULES = {
    "mlflow",
    "wandb",
    "optuna",
    "sqlalchemy",
    "psycopg2",
    "requests",
    "urllib3",
    "yaml",
    "alembic",
}


def _from_tracker(error: BaseException) -> bool:
    module = (type(error).__module__ or "").split(".")[0]
    return module in _TRACKER_MODULES


def _save_traceback(error: BaseException) -> str | None:
    """Write the traceback of an internal error to a file; its path, or None if that failed."""
    import platform
    import tempfile
    import traceback

    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    header = (
        f"command: {' '.join(sys.argv)}\n"
        f"python: {platform.python_version()} on {platform.platform()}\n\n"
    )
    try:
        handle, path = tempfile.mkstemp(prefix="tracker-compare-error-", suffix=".txt")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(header + text)
    except OSError:
        return None
    return path


def _report_internal(error: BaseException) -> None:
    import click

    message = one_line(str(error)) or "(no message)"
    click.echo(f"error: internal error: {type(error).__name__}: {message}", err=True)
    path = _save_traceback(error)
    if path:
        click.echo(f"the traceback is in {path}", err=True)
    click.echo(
        "this is a bug in tracker-compare, not your input: please report it with that file "
        "and the command you ran",
        err=True,
    )


def option_name(param: str) -> str | None:
    """The option of the running click command for parameter ``param`` (its long form), as
    click's own ``param_hint``; outside a command, the comparison options' spelling.

    Example:
        >>> option_name("min_effect"), option_name("goal")
        ('--min-effect', None)
    """
    import click

    from shared.cli._options import COMPARISON_OPTION_NAMES

    ctx = click.get_current_context(silent=True)
    for option in ctx.command.params if ctx is not None else ():
        if option.name == param and isinstance(option, click.Option):
            return max(option.opts, key=lambda opt: (opt.startswith("--"), len(opt)))
    if param in COMPARISON_OPTION_NAMES and param != "fmt":
        return "--" + param.replace("_", "-")
    return None


def handle_errors(func: F) -> F:
    """Decorate a click command callback so failures print one line and exit with a code.

    * ``TrackerCompareError`` -> ``error: <message>`` and its ``exit_code`` (1, 2 or 3).
    * anything clearly about reaching the tracker -> exit 3.
    * the tracker refusing a request (its own exception types) or the file system refusing
      (``OSError``) -> ``error: <Type>: <message>`` and exit 2.
    * any other exception is a bug of ours -> ``error: internal error: ...``, the path of a
      file holding the traceback, a request to report it, and exit 4.
    * Ctrl-C (SIGINT) and SIGTERM -> exit 130 and 143; SIGTERM raises like Ctrl-C meanwhile,
      so clean-ups (e.g. of a half-logged comparison run) run for both.

    When the command has a ``verbose`` option and it is off, the trackers' own logging is
    silenced (see :func:`shared.cli.quiet_trackers`).

    click's own exceptions (usage errors, ``--help``) and ``SystemExit`` pass through. Set
    ``TRACKER_COMPARE_DEBUG=1`` to get the traceback instead.

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

        from shared.cli._logging import quiet_trackers, visible_warnings
        from shared.cli._signals import exit_code_for, raise_if_signalled, signals_as_exceptions

        quiet = "verbose" in kwargs and not kwargs["verbose"]
        try:
            with signals_as_exceptions(), quiet_trackers(quiet), visible_warnings():
                result = func(*args, **kwargs)
                # A signal whose exception Python swallowed (in a __del__) still stops us.
                raise_if_signalled("interrupted")
                return result
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt as interrupt:
            message = one_line(str(interrupt)) or "interrupted"
            click.echo(f"error: {message}", err=True)
            sys.exit(exit_code_for(interrupt))
        except TrackerCompareError as error:
            if os.environ.get("TRACKER_COMPARE_DEBUG"):
                raise
            # Our own messages are written to be read whole (e.g. MLflow's migration hint);
            # the parameters the core names (`budget=`) as the command's options (`--budget`).
            message = one_line(error.render(option_name), 2000)
            click.echo(f"error: {message}", err=True)
            sys.exit(error.exit_code)
        except Exception as error:  # noqa: BLE001 - the point is to catch everything
            if os.environ.get("TRACKER_COMPARE_DEBUG"):
                raise
            if is_connection_problem(error):
                message = one_line(str(error)) or "(no message)"
                click.echo(
                    f"error: cannot reach the tracker: {type(error).__name__}: {message}",
                    err=True,
                )
                sys.exit(EXIT_TRACKER_UNREACHABLE)
            if _from_tracker(error) or isinstance(error, OSError):
                message = one_line(str(error)) or "(no message)"
                click.echo(f"error: {type(error).__name__}: {message}", err=True)
                sys.exit(EXIT_BAD_INPUT)
            _report_internal(error)
            sys.exit(EXIT_INTERNAL_ERROR)

    return wrapper  # type: ignore[return-value]
