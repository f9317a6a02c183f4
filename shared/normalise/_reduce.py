"""Reduce each run's metric to one number, the unit of every statistic.

"last" is the default; "at-budget" and "best-at-budget" compare runs at equal compute (at 1e9
tokens, at 3600 s), which is the only fair comparison when batch sizes or speeds differ.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from shared.errors import InputError, Param
from shared.model import Run
from shared.normalise._curves import Curve, metric_curve
from shared.normalise._metric_names import resolve_metric
from shared.normalise._metric_spec import MetricSpec

__all__ = ["REDUCTIONS", "Reduction", "parse_reduce", "reduce_curve", "reduce_runs"]

REDUCTIONS = ("last", "min", "max", "mean-last-K", "auc", "at-budget", "best-at-budget")
_MEAN_LAST = re.compile(r"^mean-last-(\d+)$")


@dataclass(frozen=True)
class Reduction:
    """One number per run.

    Attributes:
        values: ``{run.key: value}``, finite values only.
        missing: runs that have no usable value (no such metric, no finite point, did not reach
            the budget); the warnings say why.
        warnings: plain-language notes naming the runs (non-finite values dropped, etc.).
        spellings: which spelling of the metric each run used.
    """

    values: dict[str, float]
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    spellings: dict[str, str] = field(default_factory=dict)


def _needs_budget(reduce: str) -> InputError:
    return InputError(
        Param("reduce", repr(reduce)),
        " needs a budget: ",
        Param("budget"),
        " (e.g. ",
        Param("budget", "1e9"),
        ")",
    )


def parse_reduce(reduce: str) -> tuple[str, int | None]:
    """Split "mean-last-5" into ("mean-last-K", 5); validate the others.

    Example:
        >>> parse_reduce("mean-last-5"), parse_reduce("last")
        (('mean-last-K', 5), ('last', None))
    """
    m = _MEAN_LAST.match(reduce)
    if m:
        k = int(m.group(1))
        if k < 1:
            raise InputError("mean-last-K needs K >= 1, e.g. mean-last-5")
        return "mean-last-K", k
    if reduce not in REDUCTIONS or reduce == "mean-last-K":
        raise InputError(
            f"unknown reduction {reduce!r}; use one of last, min, max, mean-last-5 (any K), "
            "auc, at-budget, best-at-budget"
        )
    return reduce, None


def reduce_curve(
    curve: Curve, how: str, k: int | None = None, budget: float | None = None,
    goal: str = "maximize",
) -> tuple[float, str | None]:
    """Reduce one curve; returns (value, why it is missing or None)."""
    x, y = curve.x, curve.y
    if y.size == 0:
        return math.nan, "no finite point"
    if how == "last":
        return float(y[-1]), None
    if how == "min":
        return float(y.min()), None
    if how == "max":
        return float(y.max()), None
    if how == "mean-last-K":
        assert k is not None
        if y.size < k:
            return float(y.mean()), f"only {y.size} point(s) for mean-last-{k}"
        return float(y[-k:].mean()), None
    if how == "auc":
        if budget is not None:
            if x[-1] < budget:
                return math.nan, f"stopped at {x[-1]:g}, before the budget {budget:g}"
            inside = x <= budget
            xs = np.append(x[inside], budget)
            ys = np.append(y[inside], np.interp(budget, x, y))
            return float(np.trapezoid(ys, xs)), None
        if y.size < 2:
            return math.nan, "auc needs at least 2 points"
        return float(np.trapezoid(y, x)), None
    if how in ("at-budget", "best-at-budget"):
        if budget is None:
            raise _needs_budget(how)
        if x[-1] < budget:
            return math.nan, f"stopped at {x[-1]:g}, before the budget {budget:g}"
        if x[0] > budget:
            return math.nan, f"first point at {x[0]:g}, after the budget {budget:g}"
        if how == "at-budget":
            return float(np.interp(budget, x, y)), None
        inside = y[x <= budget]
        return float(inside.max() if goal == "maximize" else inside.min()), None
    raise InputError(f"unknown reduction {how!r}")


def reduce_runs(
    runs: Sequence[Run],
    metric: str | MetricSpec,
    reduce: str = "last",
    *,
    x_axis: str = "step",
    budget: float | None = None,
    goal: str = "maximize",
) -> Reduction:
    """Reduce ``metric`` to one number per run.

    Runs without the metric, or with no finite value, are listed in ``missing`` with a warning;
    NaN and infinities are dropped, counted and reported per run.

    Args:
        runs: the runs.
        metric: the metric, in any spelling (``val/loss`` finds ``val_loss``); a
            ``MetricSpec`` whose spellings were resolved is not resolved again.
        reduce: "last", "min", "max", "mean-last-K" (e.g. "mean-last-5"), "auc", "at-budget",
            "best-at-budget".
        x_axis: the axis for "auc" and the budgets ("step", "seconds", "tokens"...).
        budget: the x value for "at-budget"/"best-at-budget" (optional cut-off for "auc").
        goal: "maximize" or "minimize" (what "best" means).

    Example:
        >>> from shared.model import History, Run
        >>> r = Run("frame", "r", histories={"acc": History([0, 1, 2], [0.5, 0.7, 0.6])})
        >>> reduce_runs([r], "acc", "max").values
        {'frame:r': 0.7}
    """
    if goal not in ("maximize", "minimize"):
        raise InputError(f"goal must be 'maximize' or 'minimize', got {goal!r}")
    how, k = parse_reduce(reduce)
    if how in ("at-budget", "best-at-budget") and budget is None:
        raise _needs_budget(reduce)
    if isinstance(metric, MetricSpec):
        spellings = metric.spellings_in(runs)  # resolved once, where the command began
        metric = metric.name
    else:
        spellings = resolve_metric(runs, metric)
    values: dict[str, float] = {}
    missing: list[str] = []
    warnings: list[str] = []
    nonfinite: list[str] = []
    reasons: dict[str, list[str]] = {}

    for run in runs:
        name = spellings.get(run.key)
        if name is None:
            missing.append(run.key)
            reasons.setdefault("does not have the metric", []).append(run.label)
            continue
        history = run.histories.get(name)
        if history is None or len(history) == 0:
            if how == "last" or (how in ("min", "max") and name in run.metrics):
                value = run.metrics.get(name, math.nan)
                # The largest float is how SQL tracking stores keep an infinity.
                if math.isfinite(value) and abs(value) < sys.float_info.max:
                    values[run.key] = float(value)
                else:
                    missing.append(run.key)
                    nonfinite.append(run.label)
                continue
            missing.append(run.key)
            reasons.setdefault(f"has no history (needed for {reduce})", []).append(run.label)
            continue
        curve = metric_curve(run, name, x_axis)
        warnings.extend(curve.warnings)
        if curve.n_nonfinite:
            nonfinite.append(f"{run.label} ({curve.n_nonfinite})")
        value, why = reduce_curve(curve, how, k, budget, goal)
        if math.isfinite(value) and (why is None or how == "mean-last-K"):
            values[run.key] = value
            if why:
                reasons.setdefault(why, []).append(run.label)
        else:
            missing.append(run.key)
            reasons.setdefault(why or "no finite value", []).append(run.label)

    if nonfinite:
        warnings.append(
            f"metric {metric!r}: non-finite values (NaN/inf) left out of the statistics in "
            f"{len(nonfinite)} run(s): {', '.join(nonfinite[:10])}"
            + (" ..." if len(nonfinite) > 10 else "")
        )
    for why, labels in reasons.items():
        warnings.append(
            f"metric {metric!r}: {len(labels)} run(s) {why}: {', '.join(labels[:10])}"
            + (" ..." if len(labels) > 10 else "")
        )
    return Reduction(values, missing, warnings, spellings)
