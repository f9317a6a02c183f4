"""Core messages name parameters; on the command line the same things are options.

The core (``shared.compare``, ``shared.normalise``) is a Python API: its errors speak of
parameters the way a Python caller writes them, ``name=`` (``reduce='at-budget' needs
budget=``), and quote what the user supplied (``'lr=0.1'``). The CLIs print the same message
with option names (``--reduce 'at-budget' needs --budget``): a command-line user never typed
``budget=``. Only the comparison options are mapped, and only outside quoted text, so a
configuration named ``'alpha=0.1'`` stays as it is.

Example:
    >>> option_wording("reduce='at-budget' needs budget= (e.g. budget=1e9)")
    "--reduce 'at-budget' needs --budget (e.g. --budget 1e9)"
    >>> option_wording("baseline='alpha=0.1' is not a configuration")
    "--baseline 'alpha=0.1' is not a configuration"
"""

from __future__ import annotations

import re

from shared.cli._options import COMPARISON_OPTION_NAMES

__all__ = ["option_wording"]

# A quoted span (as repr() writes user input), or a parameter written `name=`.
_TOKEN = re.compile(
    r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|\b("""
    + "|".join(sorted(COMPARISON_OPTION_NAMES, key=len, reverse=True))
    + r")=(?=(\S?))"  # what follows is looked at, not consumed: it may open a quote
)


def option_wording(message: str) -> str:
    """``message`` with every ``name=`` of a comparison parameter as its ``--name`` option."""

    def swap(match: re.Match[str]) -> str:
        quoted, name, after = match.groups()
        if quoted is not None:
            return quoted
        option = "--" + name.replace("_", "-")
        # `budget=1e9` -> `--budget 1e9`; `budget=` at a pause -> `--budget`.
        return f"{option} " if after and after not in ",;)." else option

    return _TOKEN.sub(swap, message)
