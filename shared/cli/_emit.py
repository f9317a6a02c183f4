"""Write the comparison where the user asked: a regular file atomically (never half-written),
a device, a FIFO or a stream directly (never replaced by a file)."""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shared.errors import InputError

__all__ = ["check_output", "emit", "is_regular_target", "write_output", "FORMATS"]

FORMATS = ("table", "markdown", "json", "csv", "html")


# Paths that name a stream of this process (or the kernel's view of one), not a file: they are
# written to, never replaced.
_STREAM_PREFIXES = ("/dev/", "/proc/")


def _names_a_stream(path: Path) -> bool:
    """True when ``path`` (or a symlink on the way to it) is under /dev or /proc."""
    current = Path(os.path.abspath(path))
    for _hop in range(40):
        if str(current).startswith(_STREAM_PREFIXES):
            return True
        if not current.is_symlink():
            return False
        current = Path(os.path.abspath(current.parent / os.readlink(current)))
    return True  # a symlink loop: do not try to replace anything


def is_regular_target(path: str | os.PathLike[str]) -> bool:
    """Whether ``--output`` may be replaced atomically (a regular file, or nothing yet).

    Devices (``/dev/null``, ``/dev/full``), FIFOs, sockets, ``/dev/stdout`` and anything else
    under /dev or /proc are written to directly: renaming a file over them would replace the
    device with a file, or leave a FIFO's reader with nothing.

    Example:
        >>> is_regular_target("/dev/null"), is_regular_target("report.md")
        (False, True)
    """
    path = Path(path).expanduser()
    if _names_a_stream(path):
        return False
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return True  # nothing there yet (or unreadable): the usual checks report it
    return stat.S_ISREG(mode)


def check_output(
    output: str | os.PathLike[str] | None, option: str = "--output"
) -> Path | None:
    """Fail early (before any fetching) when ``--output`` cannot be written.

    Args:
        output: a file path, or ``None`` / ``"-"`` for stdout.
        option: the option's name, for the messages (``--report-spec``...).

    Returns:
        The path (resolved when it is a regular file), or ``None`` for stdout.

    Raises:
        InputError: the path is a folder, its folder does not exist or is not writable.

    Example:
        >>> check_output("-") is None
        True
    """
    if output is None or str(output) == "-":
        return None
    path = Path(output).expanduser()
    if path.is_dir():
        raise InputError(f"{option} {str(output)!r} is a folder; give a file path")
    if path.exists() and not is_regular_target(path):
        if not os.access(path, os.W_OK):
            raise InputError(f"{option} {str(output)!r} is not writable")
        return path
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{option} {str(output)!r}: folder {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(f"{option} {str(output)!r} is not writable")
    return path.resolve()


def emit(
    comparison: Any,
    fmt: str = "table",
    output: str | os.PathLike[str] | None = None,
    *,
    secondary: Mapping[str, Any] | None = None,
    top: int | None = None,
) -> str:
    """Render ``comparison`` as ``fmt`` and write it to ``output`` (stdout when ``None``/``-``).

    A regular file is written to a temporary file beside it and renamed into place, so readers
    never see a half-written file and a failure leaves the old file untouched; a device, a FIFO
    or ``/dev/stdout`` is written to directly (see :func:`write_output`).

    Args:
        comparison: a ``shared.Comparison`` or its ``to_dict()``.
        fmt: ``table``, ``markdown``, ``json``, ``csv`` or ``html``. ``json`` is exactly
            ``Comparison.to_dict()``.
        output: file path, or ``None`` / ``"-"`` for stdout.
        secondary: comparisons of the extra ``--metric`` options (they do not decide); shown
            after the main one in ``table`` and ``markdown`` only, so ``json``/``csv``/``html``
            keep one schema.
        top: ``table`` with more configurations than this shows the summary and the ``top``
            best (``--top``; default 10); every other format keeps everything.

    Returns:
        The text written.

    Raises:
        InputError: ``fmt`` is unknown or the file cannot be written.

    Example:
        >>> # emit(compare_runs(runs, metric="acc"), "markdown", "report.md")
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown --format {fmt!r}; use one of {', '.join(FORMATS)}")
    from shared.render import render

    text = render(comparison, fmt, top=top)
    if secondary and fmt in ("table", "markdown"):
        for name, other in secondary.items():
            heading = (
                f"## {name} (secondary metric, does not decide)"
                if fmt == "markdown"
                else (f"--- {name} (secondary metric, does not decide) ---")
            )
            text = f"{text.rstrip()}\n\n{heading}\n\n{render(other, fmt, top=top)}"
    if not text.endswith("\n"):
        text += "\n"
    write_output(output, text)
    return text


def write_output(
    output: str | os.PathLike[str] | None, text: str, option: str = "--output"
) -> None:
    """Write ``text`` to ``output``: stdout for ``None``/``-``/``/dev/stdout``, a regular file
    atomically (temporary file renamed into place), anything else (a device, a FIFO) directly.

    Raises:
        InputError: the target cannot be written (full device, no permission...).

    Example:
        >>> write_output("-", "hello\\n")
        hello
    """
    path = check_output(output, option)
    if path is None or os.path.abspath(path) == "/dev/stdout":
        # Our own stdout, whatever it is (a pipe, a socket, a file): reopening
        # /dev/stdout fails for sockets and would truncate a file shared with the shell.
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    if os.path.abspath(path) == "/dev/stderr":
        sys.stderr.write(text)
        sys.stderr.flush()
        return
    if is_regular_target(path):
        _write_atomically(path, text, option)
        return
    try:
        # "a": no truncation of what is not a file; a FIFO or device just receives the text.
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise InputError(
            f"cannot write {option} {str(path)!r}: {error.strerror or error}"
        ) from error


def _take_mode(tmp_name: str, path: Path) -> None:
    """Give the temporary file the mode and owner of the file it replaces (a private 0600
    file stays private), or, for a new file, the usual umask permissions (NamedTemporaryFile
    creates 0600 files)."""
    try:
        old = os.stat(path)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        return
    # Owner first: chown clears set-id bits, which chmod then restores.
    with contextlib.suppress(OSError):  # only root may give a file away; the group may still go
        os.chown(tmp_name, old.st_uid, old.st_gid)
    os.chmod(tmp_name, stat.S_IMODE(old.st_mode))


def _write_atomically(path: Path, text: str, option: str = "--output") -> None:
    tmp_name: str | None = None
    try:
        with tempfile.NamedTemporaryFile(
            "w",
            encoding="utf-8",
            dir=path.parent,
            prefix=f".{path.name}.",
            suffix=".tmp",
            delete=False,
        ) as handle:
            tmp_name = handle.name
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        _take_mode(tmp_name, path)
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as error:
        raise InputError(
            f"cannot write {option} {str(path)!r}: {error.strerror or error}"
        ) from error
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
