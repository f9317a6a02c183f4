"""Tracker-specific words for the core's messages, given by the sources themselves.

The core knows that runs may come from several sweeps, groups, job types or parent runs
(``Run.source``), but not how a tracker's command keeps only one of them: each
:class:`~shared.source.Source` names its options in ``option_hints`` and they are registered
here, keyed by the tracker name its runs carry (``Run.tracker``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["option_hint", "register_hints"]

_HINTS: dict[str, dict[str, str]] = {}


def register_hints(tracker: str, hints: Mapping[str, str]) -> None:
    """Record ``tracker``'s options per provenance key (``sweep`` -> ``--sweep ID (W&B)``).

    Example:
        >>> register_hints("doc-tracker", {"group": "--group NAME (doc)"})
        >>> option_hint("group", ["doc-tracker"])
        '--group NAME (doc)'
    """
    _HINTS.setdefault(tracker, {}).update(hints)


def option_hint(key: str, trackers: Iterable[str]) -> str | None:
    """The options that keep one source of provenance key ``key`` for runs of ``trackers``
    (``None`` when no such tracker registered one); several are joined with ``or``.

    Example:
        >>> option_hint("group", ["nobody"]) is None
        True
    """
    found = [
        _HINTS[tracker][key] for tracker in sorted(set(trackers)) if key in _HINTS.get(tracker, {})
    ]
    return " or ".join(dict.fromkeys(found)) or None
