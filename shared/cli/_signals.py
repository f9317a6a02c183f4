"""SIGINT and SIGTERM as exceptions, so a command can clean up before it stops.

Python turns SIGINT (Ctrl-C) into ``KeyboardInterrupt`` but lets SIGTERM kill the process on
the spot, leaving whatever it was writing half-done. :func:`signals_as_exceptions` makes
SIGTERM raise :class:`Terminated` (a ``KeyboardInterrupt``, so every clean-up written for
Ctrl-C also runs for it); :func:`ignoring_signals` holds both off while a clean-up runs.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

__all__ = [
    "Terminated",
    "signals_as_exceptions",
    "ignoring_signals",
    "deferring_signals",
    "Deferred",
    "exit_code_for",
    "interrupt_for",
    "pending_signal",
    "raise_if_signalled",
]


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM (raised in the main thread, like Ctrl-C's exception)."""


# The signals received while :func:`signals_as_exceptions` or :func:`deferring_signals` is in
# force. A raising handler can land in a weakref callback or a ``__del__``, where Python prints
# "Exception ignored ..." and carries on: the record survives that, and the command acts on it
# at its safe points (:func:`raise_if_signalled`) instead of finishing as if nothing happened.
_received: list[int] = []


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise Terminated("terminated (SIGTERM)")


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise KeyboardInterrupt


def _quiet_unraisable(previous: Any) -> Any:
    """A ``sys.unraisablehook`` that drops our own interrupt when Python could not raise it
    (it landed in a ``__del__`` or weakref callback): it is recorded in ``_received`` and acted
    on at the next safe point, so "Exception ignored ... Traceback" is only noise."""

    def hook(unraisable: Any) -> None:
        if _received and isinstance(unraisable.exc_value, KeyboardInterrupt):
            return
        previous(unraisable)

    return hook


def pending_signal() -> int | None:
    """The last signal received under our handlers (``None``: none).

    Example:
        >>> pending_signal() is None or pending_signal() > 0
        True
    """
    return _received[-1] if _received else None


def interrupt_for(signum: int | None, message: str) -> KeyboardInterrupt:
    """The exception a signal stands for: ``Terminated`` for SIGTERM, else KeyboardInterrupt.

    Example:
        >>> type(interrupt_for(signal.SIGTERM, "x")).__name__
        'Terminated'
    """
    return Terminated(message) if signum == signal.SIGTERM else KeyboardInterrupt(message)


def raise_if_signalled(message: str) -> None:
    """At a safe point: raise the interrupt of a signal received earlier (one whose exception
    Python swallowed, or one :func:`deferring_signals` held back).

    Example:
        >>> _received.clear(); raise_if_signalled("stopped")  # nothing received: no-op
    """
    if _received:
        raise interrupt_for(_received[-1], message)


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
    _received.clear()
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    previous_int = signal.signal(signal.SIGINT, _raise_interrupt)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _quiet_unraisable(previous_hook)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        sys.unraisablehook = previous_hook


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


class Deferred:
    """The signal held back by :func:`deferring_signals` (or received, and perhaps swallowed,
    before it), if any: ``pending``."""

    @property
    def pending(self) -> int | None:
        return pending_signal()

    def interrupt(self, message: str) -> KeyboardInterrupt:
        """The exception the pending signal stands for (``Terminated`` for SIGTERM)."""
        return interrupt_for(self.pending, message)


@contextlib.contextmanager
def deferring_signals() -> Iterator[Deferred]:
    """Meanwhile, SIGINT and SIGTERM are recorded (``.pending``), not raised: a section that
    must finish (or roll back) runs to its end, and the caller acts on the signal at the safe
    points it chooses. Unlike :func:`ignoring_signals`, the signal is never lost: the caller
    raises ``deferred.interrupt(...)`` once it is safe.

    A handler that raises can land anywhere, also in a weakref callback or a ``__del__``,
    where Python prints "Exception ignored" and carries on as if nothing had happened; a
    handler that only sets a flag cannot be swallowed that way.

    Example:
        >>> with deferring_signals() as deferred:
        ...     pass
        >>> deferred.pending is None or deferred.pending > 0
        True
    """
    deferred = Deferred()
    if not _in_main_thread():
        yield deferred
        return

    def record(signum: int, frame: FrameType | None) -> None:
        _received.append(signum)

    saved: dict[int, Any] = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        saved[number] = signal.signal(number, record)
    try:
        yield deferred
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
