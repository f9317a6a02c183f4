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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Param",
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


@dataclass(frozen=True)
class Param:
    """A parameter named in an error message, as click's ``param_hint``: the core's Python
    callers read ``name=text``, a command line reads its option, ``--name text``.

    Args:
        name: the keyword of ``compare_runs`` (``min_effect``).
        text: what follows it, as shown (``"'at-budget'"``, ``"1e9"``); empty: the bare name.

    Example:
        >>> error = InputError(Param("reduce", "'at-budget'"), " needs ", Param("budget"))
        >>> str(error), error.params
        ("reduce='at-budget' needs budget=", ('reduce', 'budget'))
        >>> error.render(lambda name: "--" + name.replace("_", "-"))
        "--reduce 'at-budget' needs --budget"
    """

    name: str
    text: str = ""

    def python(self) -> str:
        """As a Python caller writes it: ``name=text``."""
        return f"{self.name}={self.text}"

    def as_option(self, option: str) -> str:
        """As a command line writes it: ``option text`` (``option`` alone with no text)."""
        return f"{option} {self.text}" if self.text else option


class TrackerCompareError(Exception):
    """Base of every error the product raises on purpose. ``str()`` is one line.

    A message is one string, or parts: strings, :class:`Param` (a parameter the message
    names) and other errors of ours (a cause quoted whole). ``str()`` names parameters as
    Python does; :meth:`render` lets a command line name them as options, with no rewriting
    of text.
    """

    exit_code: int = EXIT_BAD_INPUT

    def __str__(self) -> str:
        return self.render()

    @property
    def params(self) -> tuple[str, ...]:
        """The parameters the message names (those of quoted errors too), in order."""
        out: list[str] = []
        for part in self.args:
            if isinstance(part, Param):
                out.append(part.name)
            elif isinstance(part, TrackerCompareError):
                out.extend(part.params)
        return tuple(dict.fromkeys(out))

    def render(self, option: Callable[[str], str | None] | None = None) -> str:
        """The message on one line; with ``option`` (a parameter's name -> its option, or
        ``None`` when it has none), each :class:`Param` as that option (``--budget 1e9``),
        else as ``name=text``."""
        if not any(isinstance(part, (Param, TrackerCompareError)) for part in self.args):
            # BaseException directly: KeyError (a base of UnknownMetricError) would repr() it.
            text = BaseException.__str__(self)
        else:
            text = "".join(_render_part(part, option) for part in self.args)
        # Messages must stay on one line on stderr, whatever the caller passed in.
        return " ".join(text.split())


def _render_part(part: Any, option: Callable[[str], str | None] | None) -> str:
    if isinstance(part, Param):
        shown = option(part.name) if option is not None else None
        return part.as_option(shown) if shown else part.python()
    if isinstance(part, TrackerCompareError):
        return part.render(option)
    return str(part)


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
