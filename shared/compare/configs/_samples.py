"""Runs -> one number per run -> configurations -> one ``Sample`` per configuration.

The first data stage of ``compare_runs``: detect the seed key, reduce the metric to one value
per run (``shared.reduce_runs``), group the runs into configurations (leaving out those with
no usable value), and make the per-configuration samples every test works on. What limits the
conclusions (a configuration with one run, zero variance, seeds that cannot pair) is noted in
the warnings here, once, rather than by each test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from shared.compare.configs._grouping import ConfigGroup, Grouping, detect_seed_key, group_runs
from shared.compare.configs._pairing import Sample, duplicate_seed_warnings, is_constant
from shared.errors import InputError, Param
from shared.model import Run
from shared.normalise._metric_spec import MetricSpec

if TYPE_CHECKING:
    from shared.normalise import Reduction

__all__ = ["Configurations", "configurations"]


@dataclass(frozen=True)
class Configurations:
    """The configurations to compare, in order, and how they were found.

    Attributes:
        seed_key: the replicate param the runs are paired by (``None``: unpaired).
        reduction: the metric reduced to one value per run.
        grouping: the grouping of all runs (``group_by`` is the params that define a config).
        groups: the configurations that have at least one usable value.
        samples: one ``Sample`` per group, same order.
    """

    seed_key: str | None
    reduction: Reduction
    grouping: Grouping
    groups: list[ConfigGroup]
    samples: list[Sample]

    @property
    def names(self) -> list[str]:
        """The configuration names, in order."""
        return [g.name for g in self.groups]


def configurations(
    runs: Sequence[Run],
    metric: str | MetricSpec,
    *,
    seed_key: str | None,
    group_by: Sequence[str] | None,
    reduce: str,
    x_axis: str,
    budget: float | None,
    goal: str,
    warnings: list[str],
) -> Configurations:
    """Reduce the metric per run, group the runs, and make one sample per configuration.

    Args are those of ``compare_runs``; ``warnings`` collects what limits the conclusions.
    ``metric`` may be a ``MetricSpec`` whose spellings are resolved (read, not resolved again).

    Raises:
        InputError: an unknown seed key or group-by param, no run with a usable value, or
            fewer than two configurations with data.

    Example:
        >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
        ...             metrics={"acc": 0.5 + s / 10}) for lr in (0.1, 0.01) for s in range(3)]
        >>> c = configurations(runs, "acc", seed_key=None, group_by=None, reduce="last",
        ...                    x_axis="step", budget=None, goal="maximize", warnings=[])
        >>> c.seed_key, c.names
        ('seed', ['lr=0.01', 'lr=0.1'])
    """
    from shared.normalise import reduce_runs

    spec, metric = metric, metric.name if isinstance(metric, MetricSpec) else metric
    key, w = detect_seed_key(runs, seed_key)
    warnings.extend(w)
    red = reduce_runs(runs, spec, reduce, x_axis=x_axis, budget=budget, goal=goal)
    warnings.extend(red.warnings)
    if not red.values:
        raise InputError(
            f"no run has a usable value of metric {metric!r} with ",
            Param("reduce", repr(reduce)),
            f" ({red.warnings[0]})" if red.warnings else "",
        )
    grouping = group_runs(runs, group_by=group_by, seed_key=key)
    warnings.extend(grouping.warnings)
    groups = _groups_with_values(grouping, red, runs, metric, key, warnings)
    samples = [
        Sample(
            g.name,
            np.array([red.values[r.key] for r in g.runs], dtype=np.float64),
            [r.params.get(key) for r in g.runs] if key else None,
        )
        for g in groups
    ]
    _note_samples(samples, warnings)
    warnings.extend(duplicate_seed_warnings([(g.name, g.runs) for g in groups], key))
    return Configurations(key, red, grouping, groups, samples)


def _groups_with_values(
    grouping: Grouping,
    red: Reduction,
    runs: Sequence[Run],
    metric: str,
    key: str | None,
    warnings: list[str],
) -> list[ConfigGroup]:
    """The configurations restricted to runs with a usable value; at least two, or an error."""
    groups: list[ConfigGroup] = []
    for g in grouping.configs:
        kept = [r for r in g.runs if r.key in red.values]
        if not kept:
            warnings.append(f"configuration {g.name} has no run with a usable {metric!r}: left out")
            continue
        groups.append(ConfigGroup(g.name, g.params, kept))
    if len(groups) < 2:
        if len(grouping.configs) < 2:
            detail = (
                f"all {len(runs)} runs have the same params"
                + (f" apart from the seed key {key!r}" if key else "")
                + "; pass group_by (--group-by) to name the params that define configurations"
            )
        else:
            detail = f"only {len(groups)} configuration has runs with a usable {metric!r}"
        raise InputError(f"fewer than two configurations to compare: {detail}")
    return groups


#: Above this many configurations with one run, one summary line instead of one each.
_LIST_SINGLES = 3


def _note_samples(samples: Sequence[Sample], warnings: list[str]) -> None:
    """Warn about samples that limit the tests: one run, zero variance, unpairable seeds.

    Duplicate seeds are named (with their runs) by ``duplicate_seed_warnings`` instead.
    """
    singles = [s.name for s in samples if s.values.size == 1]
    if len(singles) == len(samples):
        warnings.append(
            f"every configuration has only one run ({len(samples)} configurations): no seed-level "
            "test is possible; the runs are ranked instead. Re-run the top configurations "
            "with several seeds to confirm them"
        )
    elif len(singles) > _LIST_SINGLES:
        warnings.append(
            f"{len(singles)} configurations have only one run (e.g. {singles[0]}): their "
            "spread is unknown and they cannot be tested; run more seeds"
        )
    else:
        warnings.extend(
            f"configuration {name} has only one run: its spread is unknown and it cannot "
            "be tested; run more seeds"
            for name in singles
        )
    for s in samples:
        if s.values.size == 1:
            continue
        if is_constant(s.values):
            warnings.append(
                f"configuration {s.name} has zero variance (all {s.values.size} runs give "
                f"{s.values[0]:.6g}); t-based tests may be undefined for it"
            )
    unpairable = [
        s.unpairable
        for s in samples
        if s.unpairable not in (None, "no seed key") and "two runs with seed" not in s.unpairable
    ]
    if len(unpairable) == 1:
        warnings.append(
            f"{unpairable[0]}: its runs cannot be paired by seed, so its tests are unpaired"
        )
    elif unpairable:
        warnings.append(
            f"{len(unpairable)} configurations cannot be paired by seed (e.g. {unpairable[0]}), "
            "so their tests are unpaired"
        )
