"""Write the comparison where the user asked, atomically: never a half-written file."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shared.errors import InputError

__all__ = ["check_output", "emit", "FORMATS"]

FORMATS = ("table", "markdown", "json", "csv", "html")


def check_output(output: str | os.PathLike[str] | None) -> Path | None:
    """Fail early (before any fetching) when ``--output`` cannot be written.

    Args:
        output: a file path, or ``None`` / ``"-"`` for stdout.

    Returns:
        The resolved path, or ``None`` for stdout.

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
        raise InputError(f"--output {str(output)!r} is a folder; give a file path")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"--output {str(output)!r}: folder {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InputError(f"--output {str(output)!r} is not writable")
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

    A file is written to a temporary file beside it and renamed into place, so readers never
    see a half-written file and a failure leaves the old file untouched.

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
    path = check_output(output)
    if path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return text
    _write_atomically(path, text)
    return text


def _write_atomically(path: Path, text: str) -> None:
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
        # NamedTemporaryFile creates 0600 files; give the result the usual umask permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as error:
        raise InputError(
            f"cannot write --output {str(path)!r}: {error.strerror or error}"
        ) from error
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
