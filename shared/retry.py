"""Retry a tracker call a few times, then warn once and let the study go on.

Tracker-neutral (it only calls what it is given), so both adapters' Optuna callbacks share it.

A tracking server that goes away mid-study must not stop an Optuna study: trials are already
safe in Optuna's storage, so a logging failure is reported (once, not once per trial) and the
optimisation continues.
"""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections.abc import Callable
from typing import TypeVar

from shared.reach import is_connection_problem

__all__ = ["LoggingGuard", "unreachable"]

T = TypeVar("T")


def unreachable(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) says the tracker could not be reached (the one
    classifier of every command: ``shared.reach.is_connection_problem``).

    Example:
        >>> unreachable(ConnectionRefusedError(111, "Connection refused"))
        True
        >>> unreachable(ValueError("bad metric name"))
        False
    """
    return is_connection_problem(error)


class LoggingGuard:
    """Runs tracker calls with retries; the first final failure warns, later ones only log.

    Args:
        what: the tracker's name for messages (``"MLflow"``, ``"W&B"``).
        retries: extra attempts after the first failure.
        wait: seconds before the first retry; doubles after each retry.
        cooldown: after giving up because the tracker is unreachable, calls in the next
            ``cooldown`` seconds are skipped (recorded as failures) instead of each waiting
            for its own connection timeouts, so the study keeps its pace.

    Example:
        >>> guard = LoggingGuard("MLflow", retries=0, wait=0.0)
        >>> guard.call("trial 0", lambda: 1 + 1)
        2
    """

    def __init__(
        self, what: str, retries: int = 2, wait: float = 0.5, cooldown: float = 30.0
    ) -> None:
        self.what = what
        self._logger = logging.getLogger(f"tracker_compare.{what.lower()}")
        self.retries = max(0, int(retries))
        self.wait = max(0.0, float(wait))
        self.cooldown = max(0.0, float(cooldown))
        self._lock = threading.Lock()
        self._warned = False
        self._down_until = 0.0
        #: descriptions of the logging operations that were given up (for inspection).
        self.failures: list[str] = []

    def reset_cooldown(self) -> None:
        """Try the tracker again on the next call (e.g. for an explicit backfill)."""
        with self._lock:
            self._down_until = 0.0

    def attempt(self, fn: Callable[[int], T]) -> T:
        """Call ``fn(attempt)`` until it succeeds or the retries run out (then re-raise)."""
        delay = self.wait
        for attempt in range(self.retries + 1):
            try:
                return fn(attempt)
            except Exception:
                if attempt == self.retries:
                    raise
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover

    def call(self, label: str, fn: Callable[[], T]) -> T | None:
        """Call ``fn`` with retries; on final failure warn once and return ``None``."""
        return self.call_with_attempt(label, lambda _attempt: fn())

    def call_with_attempt(self, label: str, fn: Callable[[int], T]) -> T | None:
        """Like :meth:`call`, passing the attempt number (0 first) so a retry can look up
        what a failed attempt may already have created."""
        with self._lock:
            down = time.monotonic() < self._down_until
            if down:
                self.failures.append(f"{label}: skipped, {self.what} was unreachable")
        if down:
            return None
        try:
            return self.attempt(fn)
        except Exception as error:  # the study must go on whatever the tracker did
            self.give_up(label, error)
            return None

    def give_up(self, label: str, error: BaseException) -> None:
        """Record a logging failure; warn the first time only."""
        message = " ".join(f"{type(error).__name__}: {error}".split())[:300]
        with self._lock:
            self.failures.append(f"{label}: {message}")
            first = not self._warned
            self._warned = True
            if unreachable(error):
                self._down_until = time.monotonic() + self.cooldown
        if first:
            warnings.warn(
                f"{self.what} logging failed for {label} after {self.retries + 1} attempts "
                f"({message}); the study goes on and its trials stay in Optuna's storage. "
                "Further logging failures are not warned about again.",
                RuntimeWarning,
                stacklevel=3,
            )
        else:
            self._logger.debug("%s logging failed for %s: %s", self.what, label, message)
