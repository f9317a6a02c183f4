"""Where runs came from: provenance keys for grouping, and warnings when sources are mixed.

A run's provenance is ``Run.source`` (``sweep``, ``group``, ``job_type``, ``parent_run``,
filled by the fetchers) and its tags. Both can define configurations or be checked:

* ``group_by`` accepts ``source.sweep``, ``source.group``, ``source.job_type``,
  ``source.parent_run`` (the bare names too, when no param has that name) and ``tags.NAME``
  (any tag, e.g. ``tags.mlflow.runName``), beside the params.
* When the runs come from several sweeps, groups, job types or parent runs and that key does
  not define the configurations, one warning per key names the sources with their run counts
  and the option that keeps one of them. Mixing a sweep with ad-hoc runs of the same params is
  how duplicate seeds appear, so ``shared.compare.configs._pairing.duplicate_seed_warnings`` names
  those runs too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from shared.model import SOURCE_KEYS, Run
from shared.source import option_hint

__all__ = [
    "MISSING",
    "SOURCE_PREFIX",
    "TAG_PREFIX",
    "key_value",
    "mixed_source_warnings",
    "normalise_key",
]

SOURCE_PREFIX = "source."
TAG_PREFIX = "tags."
#: Stand-in for "this run has no value for the key" (never equal to a real value).
MISSING: Any = object()

#: What each source key is called in a sentence. The options that keep one source are the
#: sources' own words (``shared.source.Source.option_hints``).
_WORDS: Mapping[str, tuple[str, str]] = {
    "sweep": ("sweeps", "no sweep"),
    "group": ("groups", "no group"),
    "job_type": ("job types", "no job type"),
    "parent_run": ("parent runs", "no parent run"),
}
_SHOWN = 6


def normalise_key(key: str, params: Any) -> str:
    """The canonical spelling of a grouping key: ``params.lr`` -> ``lr``, ``sweep`` ->
    ``source.sweep`` (only when no run has a param called ``sweep``), others unchanged.

    Example:
        >>> normalise_key("params.lr", {"lr"}), normalise_key("sweep", {"lr"})
        ('lr', 'source.sweep')
    """
    if key.startswith("params."):
        return key[len("params.") :]
    if key in SOURCE_KEYS and key not in params:
        return SOURCE_PREFIX + key
    return key


def key_value(run: Run, key: str) -> Any:
    """The value of grouping key ``key`` for ``run`` (:data:`MISSING` when it has none).

    Example:
        >>> r = Run("frame", "r1", params={"lr": 0.1}, source={"sweep": "s1"})
        >>> key_value(r, "lr"), key_value(r, "source.sweep"), key_value(r, "tags.x") is MISSING
        (0.1, 's1', True)
    """
    if key in run.params:
        return run.params[key]
    if key.startswith(SOURCE_PREFIX):
        return run.source.get(key[len(SOURCE_PREFIX) :], MISSING)
    if key.startswith(TAG_PREFIX):
        return run.tags.get(key[len(TAG_PREFIX) :], MISSING)
    return MISSING


def known_key(runs: Sequence[Run], key: str) -> bool:
    """Whether some run has ``key`` (a param, ``source.*`` or ``tags.*``)."""
    return any(key_value(r, key) is not MISSING for r in runs)


def _counts_text(counts: Counter[Any], missing_word: str) -> str:
    items = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    parts = [
        f"{missing_word if value is None else value} ({n} run{'s' if n != 1 else ''})"
        for value, n in items[:_SHOWN]
    ]
    if len(items) > _SHOWN:
        parts.append(f"and {len(items) - _SHOWN} more")
    return ", ".join(parts)


def mixed_source_warnings(
    runs: Sequence[Run], group_by: Sequence[str], configs: Sequence[Any] | None = None
) -> list[str]:
    """One warning per provenance key that pools runs of different sources into one
    configuration, naming each source with its run count.

    Args:
        runs: the runs.
        group_by: the keys that define configurations (a source key among them is no mix).
        configs: each run's configuration (any hashable label, aligned with ``runs``); a key
            constant within every configuration pools nothing and is not reported.

    Example:
        >>> rs = [Run("wandb", str(i), source={"sweep": "s1"} if i < 3 else {}) for i in range(4)]
        >>> mixed_source_warnings(rs, ["lr"])[0][:60]
        'the runs come from 2 sweeps: s1 (3 runs), no sweep (1 run); '
    """
    out: list[str] = []
    reported: list[Sequence[Any]] = [configs] if configs is not None else []
    for key in SOURCE_KEYS:
        if SOURCE_PREFIX + key in group_by:
            continue
        labels = [r.source.get(key) or None for r in runs]
        counts: Counter[Any] = Counter(labels)
        if len(counts) < 2 or any(_coarser(labels, seen) for seen in reported):
            # one split, one warning (a local sweep sets group and job type together), and
            # none for a split the configurations already make
            continue
        reported.append(labels)
        plural, missing_word = _WORDS[key]
        option = option_hint(key, {r.tracker for r in runs}) or "a filter"
        # the params that define the configurations stay: --group-by replaces the default
        split = " ".join(f"--group-by {k}" for k in [*group_by, SOURCE_PREFIX + key])
        out.append(
            f"the runs come from {len(counts)} {plural}: {_counts_text(counts, missing_word)}; "
            f"their runs are pooled into the same configurations. Keep one with {option}, or "
            f"compare them with {split}"
        )
    return out


def _coarser(labels: Sequence[Any], other: Sequence[Any]) -> bool:
    """Whether ``labels`` split the runs no finer than ``other`` (nothing new to say)."""
    seen: dict[Any, Any] = {}
    for mine, theirs in zip(labels, other, strict=True):
        if seen.setdefault(theirs, mine) != mine:
            return False
    return True
