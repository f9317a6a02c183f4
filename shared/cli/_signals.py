"""SIGINT and SIGTERM as exceptions, so a command can clean up before it stops.

Python turns SIGINT (Ctrl-C) into ``KeyboardInterrupt`` but lets SIGTERM kill the process on
the spot, leaving whatever it was writing half-done. :func:`signals_as_exceptions` makes
SIGTERM raise :class:`Terminated` (a ``KeyboardInterrupt``, so every clean-up written for
Ctrl-C also runs for it); :func:`ignoring_signals` holds both off while a clean-up runs.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

__all__ = ["Terminated", "signals_as_exceptions", "ignoring_signals", "exit_code_for"]


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM (raised in the main thread, like Ctrl-C's exception)."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated("terminated (SIGTERM)")


def _in_main_thread() -> bool:
    # signal.signal only works in the main thread; elsewhere (a test runner's worker thread)
    # the interpreter's default behaviour stays.
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def signals_as_exceptions() -> Iterator[None]:
    """Meanwhile, SIGTERM raises :class:`Terminated` (SIGINT already raises
    ``KeyboardInterrupt``); the previous handlers come back on exit.

    Example:
        >>> with signals_as_exceptions():
        ...     pass
    """
    if not _in_main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def ignoring_signals() -> Iterator[None]:
    """Meanwhile, SIGINT and SIGTERM are ignored: a clean-up runs to its end.

    The user already asked to stop; a second Ctrl-C must not leave the clean-up half-done.

    Example:
        >>> with ignoring_signals():
        ...     pass
    """
    if not _in_main_thread():
        yield
        return
    saved: dict[int, Any] = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        saved[number] = signal.signal(number, signal.SIG_IGN)
    try:
        yield
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


def exit_code_for(interrupt: KeyboardInterrupt) -> int:
    """130 for Ctrl-C (SIGINT), 143 for SIGTERM: the shell's 128 + signal number.

    Example:
        >>> exit_code_for(KeyboardInterrupt()), exit_code_for(Terminated())
        (130, 143)
    """
    from shared.errors import EXIT_SIGINT, EXIT_SIGTERM

    return EXIT_SIGTERM if isinstance(interrupt, Terminated) else EXIT_SIGINT
