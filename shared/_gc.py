"""Pausing Python's cyclic garbage collector while building many small objects.

Parsing a 100,000-row JSON table creates 100,000 row lists; each batch of new container
objects triggers a collection, and the older generations grow with every table already read,
so reading 50 such tables spent three quarters of its time in the collector
(benchmarks/bench_examples_command.py). The objects built hold no reference cycles worth
collecting meanwhile; the collector is switched back on afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Switch the cyclic collector off inside the block (back on after, if it was on).

    Call it from the main thread around a loop (the switch is process-wide).

    Example:
        >>> with paused_gc():
        ...     rows = [[i, str(i)] for i in range(1000)]
        >>> gc.isenabled()
        True
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
