"""The options of a comparison: checking what the caller passed, and the fixed settings.

``compare_runs`` calls these first, so a bad option or unusable input fails with one clear
``InputError`` line before any statistics run. The fixed settings (confidence level, bootstrap
size, when to switch to batched tests) are constants here so every stage uses the same ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.compare.configs._grouping import ConfigGroup, match_config, strip_prefix
from shared.compare.inference._registry import test_names
from shared.errors import InputError, Param
from shared.model import Run
from shared.stats._correction import CORRECTIONS
from shared.stats._validate import check_alpha

__all__ = [
    "BATCH_PAIRS",
    "BOOTSTRAP_RESAMPLES",
    "LEVEL",
    "Options",
    "check_options",
    "ci_level",
    "check_runs",
    "resolve_baseline",
    "usable_runs",
]

#: Confidence level of the configurations' CIs (and of effect sizes' CIs) in a comparison.
LEVEL = 0.95


def ci_level(alpha: float) -> float:
    """The level of a pair's interval: ``1 - alpha``, the interval consistent with the pair's
    two-sided test at ``alpha`` (95% at the default alpha). ``min_effect`` is judged on it, so
    a winner by a margin is a one-sided test of "no better than min_effect" at ``alpha / 2``
    whatever alpha is (a fixed 95% interval let 2.3% winners through at alpha = 0.01 when the
    true difference was exactly min_effect).

    Example:
        >>> ci_level(0.01)
        0.99
    """
    return 1.0 - float(alpha)

#: Resamples of the per-configuration bootstrap CIs of the mean.
BOOTSTRAP_RESAMPLES = 10_000
#: Above this many pairs, t-tests run through the vectorised ``shared.stats.pairwise_t`` and
#: effect sizes are reported without their noncentral-t CIs (a root search per pair).
BATCH_PAIRS = 100


@dataclass(frozen=True)
class Options:
    """The checked statistical options of one comparison (see ``compare_runs`` for each)."""

    goal: str
    test: str
    correction: str
    alpha: float
    min_effect: float
    seed: Any


def check_options(
    goal: str, test: str, correction: str, alpha: float, min_effect: float, seed: Any
) -> Options:
    """Check the statistical options; ``alpha`` and ``min_effect`` come back as floats.

    Args:
        goal: "maximize" or "minimize".
        test: "auto" or a registered test (``_registry.test_names()``).
        correction: a name in ``CORRECTIONS``.
        alpha: a number in (0, 1).
        min_effect: a finite number >= 0.
        seed: seed of the resampling methods (passed through unchanged).

    Raises:
        InputError: one line naming the bad option.

    Example:
        >>> check_options("minimize", "auto", "holm", "0.05", 0, seed=0).alpha
        0.05
    """
    if goal not in ("maximize", "minimize"):
        raise InputError(f"goal must be 'maximize' or 'minimize', got goal={goal!r}")
    if test not in test_names():
        raise InputError("unknown ", Param("test", repr(test)),
                         f"; use one of {', '.join(test_names())}")
    if correction not in CORRECTIONS:
        raise InputError(
            "unknown ",
            Param("correction", repr(correction)),
            f"; use one of {', '.join(CORRECTIONS)}",
        )
    a = check_alpha(alpha)
    try:
        me = float(min_effect)
    except (TypeError, ValueError):
        raise InputError(Param("min_effect", repr(min_effect)), " is not a number >= 0") from None
    if not (math.isfinite(me) and me >= 0):
        raise InputError(Param("min_effect", repr(min_effect)), " is not a finite number >= 0")
    return Options(goal, test, correction, a, me, seed)


def check_runs(
    runs: Sequence[Run] | Run, metric: str, group_by: str | Sequence[str] | None
) -> tuple[list[Run], str, Sequence[str] | None]:
    """Check the runs and the metric name; split a comma-separated ``group_by``.

    Args:
        runs: ``shared.Run`` objects (a single run is accepted).
        metric: the metric name; a leading ``metrics.`` (MLflow's column prefix) is dropped.
        group_by: params defining a configuration, as a list or ``"a, b"``.

    Returns:
        (the runs as a list, the metric name, ``group_by`` as a list or ``None``).

    Raises:
        InputError: no runs, something that is not a ``Run``, or no metric name.

    Example:
        >>> check_runs([Run("frame", "r1")], "metrics.acc", "lr, bs")[1:]
        ('acc', ['lr', 'bs'])
    """
    if isinstance(runs, Run):
        runs = [runs]
    runs = list(runs)
    if not runs:
        raise InputError("no runs to compare")
    bad = [type(r).__name__ for r in runs if not isinstance(r, Run)]
    if bad:
        raise InputError(f"compare_runs needs shared.Run objects, got {bad[0]}")
    if not isinstance(metric, str) or not metric.strip():
        raise InputError("a metric name is needed (e.g. ", Param("metric", "'val_loss'"), ")")
    metric = strip_prefix(metric.strip(), "metrics.")
    if isinstance(group_by, str):
        group_by = [g.strip() for g in group_by.split(",") if g.strip()]
    return runs, metric, group_by


def usable_runs(runs: Sequence[Run], warnings: list[str]) -> list[Run]:
    """The runs without duplicates (same ``key``); notes duplicates and unfinished runs.

    Unfinished runs are kept: their last logged values are often all a user has, so they are
    used and the warning says so rather than silently dropping them.

    Example:
        >>> w: list[str] = []
        >>> len(usable_runs([Run("frame", "r1"), Run("frame", "r1")], w)), w
        (1, ['1 duplicate run(s) ignored'])
    """
    seen: set[str] = set()
    unique_runs = []
    for r in runs:
        if r.key in seen:
            continue
        seen.add(r.key)
        unique_runs.append(r)
    if len(unique_runs) < len(runs):
        warnings.append(f"{len(runs) - len(unique_runs)} duplicate run(s) ignored")

    unfinished: dict[str, int] = {}
    for r in unique_runs:
        if r.status is not None and r.status.upper() not in ("FINISHED", "COMPLETED"):
            unfinished[r.status.upper()] = unfinished.get(r.status.upper(), 0) + 1
    if unfinished:
        warnings.append(
            "runs that did not finish are included (their last logged values are used): "
            + ", ".join(f"{n} {st_}" for st_, n in sorted(unfinished.items()))
        )
    return unique_runs


def resolve_baseline(baseline: str | None, groups: Sequence[ConfigGroup]) -> str | None:
    """A config name, a ``k=v, ...`` spec (spacing ignored), or a run id/key/name in one config.

    Returns:
        The name of the baseline configuration, or ``None`` when there is no baseline.

    Raises:
        InputError: ``baseline`` matches no configuration (the message lists them).

    Example:
        >>> groups = [ConfigGroup("lr=0.1, bs=16", {}), ConfigGroup("lr=0.01, bs=16", {})]
        >>> resolve_baseline("lr=0.1,bs=16", groups)
        'lr=0.1, bs=16'
    """
    if baseline is None:
        return None
    names = [g.name for g in groups]
    ids = ((g.name, (r.id, r.key, r.name)) for g in groups for r in g.runs)
    found = match_config(str(baseline).strip(), names, ids)
    if found is not None:
        return found
    raise InputError(
        Param("baseline", repr(baseline)),
        " is not a configuration; configurations are: "
        + ", ".join(repr(name) for name in names[:20])
        + (" ..." if len(names) > 20 else ""),
    )
