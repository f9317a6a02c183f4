"""One exception hierarchy for the whole product.

Every error a user can cause (bad input, a tracker that is down, a failed gate) is a
``TrackerCompareError`` with an ``exit_code``; the CLIs print ``str(error)`` as one line on
stderr and exit with that code, never a traceback.

Exit codes (documented in the README):

* 0 done
* 1 a gate failed (e.g. the candidate is significantly worse than the baseline)
* 2 bad input or usage
* 3 the tracker could not be reached
* 4 internal error (a bug of ours: the traceback is saved to a file for the bug report)
* 130 / 143 interrupted by SIGINT (Ctrl-C) / SIGTERM, after cleaning up
"""

from __future__ import annotations

__all__ = [
    "EXIT_OK",
    "EXIT_GATE_FAILED",
    "EXIT_BAD_INPUT",
    "EXIT_TRACKER_UNREACHABLE",
    "EXIT_INTERNAL_ERROR",
    "EXIT_SIGINT",
    "EXIT_SIGTERM",
    "TrackerCompareError",
    "InputError",
    "UnknownMetricError",
    "AmbiguousMetricError",
    "GateFailed",
    "TrackerUnreachable",
]

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_TRACKER_UNREACHABLE = 3
EXIT_INTERNAL_ERROR = 4
# The shell's convention for a process ended by a signal: 128 + the signal number.
EXIT_SIGINT = 130
EXIT_SIGTERM = 143


class TrackerCompareError(Exception):
    """Base of every error the product raises on purpose. ``str()`` is one line."""

    exit_code: int = EXIT_BAD_INPUT

    def __str__(self) -> str:
        # Messages must stay on one line on stderr, whatever the caller passed in.
        # BaseException directly: KeyError (a base of UnknownMetricError) would repr() it.
        return " ".join(BaseException.__str__(self).split())


class InputError(TrackerCompareError, ValueError):
    """The user's input (options, data, names) cannot be used. Exit code 2."""

    exit_code = EXIT_BAD_INPUT


class UnknownMetricError(InputError, KeyError):
    """A metric that no run logged; the message lists the metrics that exist."""


class AmbiguousMetricError(InputError):
    """Two spellings (``val/loss`` and ``val_loss``) could be different metrics."""


class GateFailed(TrackerCompareError):
    """A regression gate failed (``--fail-if-worse``). Exit code 1."""

    exit_code = EXIT_GATE_FAILED


class TrackerUnreachable(TrackerCompareError, ConnectionError):
    """The tracker (server, store, API) could not be reached or kept failing. Exit code 3."""

    exit_code = EXIT_TRACKER_UNREACHABLE
