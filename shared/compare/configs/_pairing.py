"""Pairing runs of two configurations by their replicate (seed, fold, dataset).

Policy (a careful statistician's, stated in every result's ``why`` and ``warnings``):

* Both configurations have exactly the same set of seeds, one run per seed: **paired** on all.
* The sets differ (a configuration misses a seed the other has) but at least
  :data:`MIN_SHARED` seeds are shared: **paired on the shared seeds**; the unmatched runs are
  left out of that pair's test (they still count in each configuration's summary) and a
  warning names them. Pairing removes the seed-to-seed variation both configurations share,
  which is usually the larger part of the noise, so it is worth a few dropped runs.
* Fewer shared seeds, a run without the seed param, or two runs of one configuration with
  the same seed: **unpaired** on all runs, with a warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shared.compare.configs._grouping import _freeze, _sort_key, format_value
from shared.model import Run

__all__ = [
    "MIN_SHARED",
    "Sample",
    "PairPlan",
    "plan_pair",
    "complete_blocks",
    "is_constant",
    "duplicate_seed_warnings",
]

def is_constant(x: np.ndarray, *scale_from: np.ndarray) -> bool:
    """All values equal up to rounding noise, as ``shared.stats`` judges ties.

    ``scale_from``: the arrays whose magnitude sets the noise level (for differences
    ``a - b`` that is ``a`` and ``b``: 1000.3 - 1000.2 carries noise of order 1e-13, far above
    what the difference's own size suggests). Defaults to ``x`` itself.
    """
    from shared.stats._validate import is_constant as _constant
    from shared.stats._validate import tie_tolerance

    x = np.asarray(x, dtype=np.float64)
    if x.size < 2:
        return True
    return _constant(x, tie_tolerance(*(scale_from or (x,))))


#: Fewest shared seeds for which a partial pairing is used instead of an unpaired test.
MIN_SHARED = 3


@dataclass
class Sample:
    """One configuration's reduced values and seeds (aligned)."""

    name: str
    values: np.ndarray
    seeds: list[Any] | None  # None when the comparison has no seed key
    seed_index: dict[Any, int] | None = field(default=None, init=False)
    ordered: list[Any] = field(default_factory=list, init=False)  # seeds, sorted once
    unpairable: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=np.float64)
        if self.seeds is None:
            self.unpairable = "no seed key"
            return
        index: dict[Any, int] = {}
        for i, s in enumerate(self.seeds):
            if s is None:
                self.unpairable = f"a run of {self.name!r} has no seed"
                return
            k = _freeze(s)
            if k in index:
                self.unpairable = (
                    f"{self.name!r} has two runs with seed {format_value(s)}"
                )
                return
            index[k] = i
        self.seed_index = index
        self.ordered = sorted(index, key=_sort_key)


@dataclass
class PairPlan:
    """How two configurations are tested: paired (aligned arrays) or not."""

    paired: bool
    a: np.ndarray
    b: np.ndarray
    reason: str
    warnings: list[str] = field(default_factory=list)
    seeds: list[Any] | None = None


def plan_pair(sa: Sample, sb: Sample) -> PairPlan:
    """Decide pairing for ``sa`` versus ``sb`` (see the module docstring for the policy).

    Example:
        >>> p = plan_pair(Sample("A", [1.0, 2.0, 3.0], [0, 1, 2]), Sample("B", [1.5, 2.5, 3.0], [2, 1, 0]))
        >>> p.paired, p.b.tolist()
        (True, [3.0, 2.5, 1.5])
    """
    if sa.seed_index is None or sb.seed_index is None:
        # the reason belongs to a configuration; the caller warns once per configuration
        reason = sa.unpairable or sb.unpairable or "no seeds"
        return PairPlan(False, sa.values, sb.values, f"unpaired ({reason})")
    ka, kb = sa.seed_index.keys(), sb.seed_index.keys()
    shared = [s for s in sa.ordered if s in kb]
    if ka == kb:
        ia = [sa.seed_index[s] for s in shared]
        ib = [sb.seed_index[s] for s in shared]
        return PairPlan(
            True,
            sa.values[ia],
            sb.values[ib],
            f"paired by seed ({len(shared)} shared seeds)",
            seeds=shared,
        )
    only_a = [s for s in sa.ordered if s not in kb]
    only_b = [s for s in sb.ordered if s not in ka]
    desc = []
    if only_a:
        desc.append(f"{sb.name} lacks seed(s) {', '.join(format_value(s) for s in only_a)}")
    if only_b:
        desc.append(f"{sa.name} lacks seed(s) {', '.join(format_value(s) for s in only_b)}")
    if len(shared) >= MIN_SHARED:
        ia = [sa.seed_index[s] for s in shared]
        ib = [sb.seed_index[s] for s in shared]
        return PairPlan(
            True,
            sa.values[ia],
            sb.values[ib],
            f"paired on the {len(shared)} shared seeds",
            [
                f"{sa.name} vs {sb.name}: {'; '.join(desc)}; paired on the {len(shared)} "
                f"shared seeds, {len(only_a) + len(only_b)} unmatched run(s) left out of this test"
            ],
            seeds=shared,
        )
    return PairPlan(
        False,
        sa.values,
        sb.values,
        f"unpaired (only {len(shared)} shared seeds)",
        [
            f"{sa.name} vs {sb.name}: {'; '.join(desc)}; only {len(shared)} shared seed(s), "
            "so the runs were compared unpaired"
        ],
    )


def complete_blocks(samples: Sequence[Sample]) -> tuple[np.ndarray, list[Any], list[str]] | None:
    """The seeds x configs matrix over the seeds every configuration has (for Friedman).

    Returns ``None`` when some configuration cannot be paired or fewer than two seeds are
    shared by all; otherwise ``(matrix, seeds, warnings)`` where the warnings name the runs
    left out because their seed is not shared by every configuration.
    """
    if any(s.seed_index is None for s in samples):
        return None
    common = set(samples[0].seed_index or {})
    for s in samples[1:]:
        common &= set(s.seed_index or {})
    if len(common) < 2:
        return None
    seeds = sorted(common, key=_sort_key)
    matrix = np.column_stack(
        [s.values[[s.seed_index[k] for k in seeds]] for s in samples]  # type: ignore[index]
    )
    dropped = sum(len(s.seed_index or {}) - len(seeds) for s in samples)
    warnings = []
    if dropped:
        warnings.append(
            f"the omnibus test used the {len(seeds)} seeds every configuration has; "
            f"{dropped} run(s) with other seeds were left out of it"
        )
    return matrix, seeds, warnings


def duplicate_seed_warnings(
    groups: Sequence[tuple[str, Sequence[Run]]], seed_key: str | None
) -> list[str]:
    """Warnings naming the runs that share a seed within one configuration.

    Args:
        groups: (configuration name, its runs).
        seed_key: the replicate param (nothing to say without one).

    Example:
        >>> rs = [Run("frame", i, name=f"run-{i}", params={"seed": 0}) for i in "ab"]
        >>> duplicate_seed_warnings([("lr=0.1", rs)], "seed")[0]
        'configuration lr=0.1 has duplicate seeds (seed 0: run-a, run-b); its runs cannot be paired by seed, so its tests are unpaired'
    """
    if seed_key is None:
        return []
    found: list[tuple[str, str]] = []
    for name, runs in groups:
        by_seed: dict[Any, list[Run]] = {}
        for r in runs:
            if seed_key in r.params:
                by_seed.setdefault(_freeze(r.params[seed_key]), []).append(r)
        dup = [(rs[0].params[seed_key], rs) for rs in by_seed.values() if len(rs) > 1]
        if not dup:
            continue
        shown = "; ".join(
            f"{seed_key} {format_value(seed)}: {', '.join(r.label for r in rs[:4])}"
            + (f" and {len(rs) - 4} more" if len(rs) > 4 else "")
            for seed, rs in dup[:3]
        )
        more = f"; and {len(dup) - 3} more seeds" if len(dup) > 3 else ""
        found.append((name, f"{shown}{more}"))
    if not found:
        return []
    tail = "its runs cannot be paired by seed, so its tests are unpaired"
    if len(found) == 1:
        return [f"configuration {found[0][0]} has duplicate seeds ({found[0][1]}); {tail}"]
    listed = " | ".join(f"{name} ({detail})" for name, detail in found[:3])
    more = f" | and {len(found) - 3} more" if len(found) > 3 else ""
    return [
        f"{len(found)} configurations have duplicate seeds, so their tests are unpaired: "
        f"{listed}{more}. Runs from different sweeps or groups with the same params often "
        "cause this (see the warning about where the runs come from)"
    ]
