"""W&B provenance as ``shared.Run.source``: sweep id, group and job type, tracker-neutral."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from shared.model import Run
from shared.source import register_hints

__all__ = ["OPTION_HINTS", "keep_source", "source_from_tags"]

#: ``Run.source`` key -> the ``wandb.*`` tag both W&B readers (API and offline) fill.
_FROM_TAG = {"sweep": "wandb.sweep_id", "group": "wandb.group", "job_type": "wandb.job_type"}
#: The options of ``wandb compare`` that keep one sweep, group or job type, for the core's
#: warnings about mixed sources; registered here, where every W&B reader passes.
OPTION_HINTS = {
    "sweep": "--sweep ID (W&B)",
    "group": "--group NAME (W&B)",
    "job_type": "--filter (W&B: job_type)",
}
register_hints("wandb", OPTION_HINTS)


def source_from_tags(tags: Mapping[str, str]) -> dict[str, str]:
    """``Run.source`` of a W&B run from its ``wandb.*`` tags.

    Example:
        >>> source_from_tags({"wandb.sweep_id": "abc", "wandb.group": "demo", "x": "true"})
        {'sweep': 'abc', 'group': 'demo'}
    """
    return {key: str(tags[tag]) for key, tag in _FROM_TAG.items() if tags.get(tag)}


def keep_source(
    runs: Iterable[Run], *, sweep: str | None = None, group: str | None = None
) -> list[Run]:
    """The runs of sweep ``sweep`` and group ``group`` (``None``: any; ``""``: the runs in no
    group); used for offline runs, which have no server to filter them.

    A sweep may be given as its id or as ``ENTITY/PROJECT/ID`` (only the id is compared).

    Example:
        >>> rs = [Run("wandb", "a", source={"sweep": "s1"}), Run("wandb", "b")]
        >>> [r.id for r in keep_source(rs, sweep="team/proj/s1")]
        ['a']
    """
    want_sweep = sweep.rstrip("/").rsplit("/", 1)[-1] if sweep else None
    out: Sequence[Run] = list(runs)
    if want_sweep:
        out = [r for r in out if r.source.get("sweep") == want_sweep]
    if group is not None:
        # group "": the runs in no group
        out = [r for r in out if (r.source.get("group") or "") == group]
    return list(out)
