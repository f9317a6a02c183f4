"""A per-item time limit (``item_timeout``): a train call that runs longer fails its attempt.

The call runs in a thread the worker stops waiting for after ``seconds``; the attempt then
fails like any failure (its run FAILED, its heartbeats stop, the item is retried, by this or
another worker). A ``--program`` is killed (``train.stop()``); an in-process function cannot
be killed: its thread is abandoned and its result ignored (it keeps the CPU until it returns).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["ItemTimeout", "call_with_timeout"]


class ItemTimeout(Exception):
    """The train call ran longer than ``item_timeout`` (the attempt fails, and is retried)."""


def call_with_timeout(
    call: Callable[[], Any],
    seconds: float | None,
    stop: Callable[[], None] | None = None,
    late: Callable[[], None] | None = None,
) -> Any:
    """``call()``, or :class:`ItemTimeout` after ``seconds`` (None: no limit, same thread).

    ``stop`` is called when the limit is reached or the wait is interrupted (Ctrl-C): it kills
    what ``call`` started (a program), if it can. ``late`` is called in the abandoned thread
    if ``call`` returns after the limit (to undo what its return did, e.g. a run ended FINISHED).

    Example:
        >>> call_with_timeout(lambda: 42, 5.0)
        42
        >>> import time
        >>> call_with_timeout(lambda: time.sleep(2), 0.1)
        Traceback (most recent call last):
        ...
        shared.confirm._timeout.ItemTimeout: train ran longer than item_timeout (0.1 s)
    """
    if seconds is None:
        return call()
    box: dict[str, Any] = {}
    abandoned = threading.Event()

    def run() -> None:
        try:
            box["out"] = call()
        except BaseException as error:  # noqa: BLE001 (re-raised in the worker's thread)
            box["error"] = error
        if abandoned.is_set() and late is not None:
            with contextlib.suppress(Exception):  # nobody is left to tell
                late()

    thread = threading.Thread(target=run, name="confirm-train", daemon=True)
    thread.start()
    try:
        thread.join(seconds)
    except KeyboardInterrupt:
        abandoned.set()
        if stop is not None:
            stop()
        raise
    if thread.is_alive():
        abandoned.set()
        if stop is not None:
            stop()
        raise ItemTimeout(f"train ran longer than item_timeout ({seconds:g} s)")
    if "error" in box:
        raise box["error"]
    return box.get("out")
