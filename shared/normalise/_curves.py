"""A run's metric as a clean curve on a chosen x-axis.

The x-axis matters: per-step loss at different batch sizes is not comparable, loss per token
or per second is. Any logged metric (tokens, samples, epoch) can be the x-axis; it is joined to
the metric by step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shared.errors import InputError, Param
from shared.model import History, Run

__all__ = ["Curve", "metric_curve", "X_AXES"]

#: Built-in x-axes; any other name is taken as a logged metric (e.g. "tokens").
X_AXES = ("step", "epoch", "seconds", "time")


@dataclass(frozen=True, eq=False)
class Curve:
    """One run's metric on one x-axis: ``x`` non-decreasing, ``y`` finite.

    Attributes:
        run_key: the run it came from.
        x, y: float arrays of equal length.
        n_nonfinite: NaN/inf values dropped (reported as warnings, never used).
        n_duplicates: points dropped because a later point had the same step (last write wins).
        warnings: what was repaired, in words.
    """

    run_key: str
    x: np.ndarray
    y: np.ndarray
    n_nonfinite: int = 0
    n_duplicates: int = 0
    warnings: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.x.shape[0])


def _last_per_step(h: History) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Sort by step and keep the last logged point of each step."""
    h = h.sorted()
    steps = h.steps
    if len(steps) < 2:
        return steps, h.values, h.timestamps, 0
    keep = np.empty(len(steps), dtype=bool)
    keep[:-1] = steps[1:] != steps[:-1]
    keep[-1] = True
    return steps[keep], h.values[keep], h.timestamps[keep], int(len(steps) - keep.sum())


def _find_history(run: Run, name: str) -> History | None:
    if name in run.histories:
        return run.histories[name]
    from shared.normalise._metric_names import canonical_metric_name

    wanted = canonical_metric_name(name)
    matches = [k for k in run.histories if canonical_metric_name(k) == wanted]
    return run.histories[matches[0]] if len(matches) == 1 else None


def _axis_from_metric(run: Run, axis: str, steps: np.ndarray) -> np.ndarray:
    """The x-axis metric's value at each of ``steps``; NaN outside its logged range."""
    axis_history = _find_history(run, axis)
    if axis_history is None or len(axis_history) == 0:
        raise InputError(
            f"x-axis {axis!r} is not a logged metric of run {run.label!r} "
            f"(built-in axes: {', '.join(X_AXES)})"
        )
    a_steps, a_vals, _, _ = _last_per_step(axis_history)
    finite = np.isfinite(a_vals)
    a_steps, a_vals = a_steps[finite].astype(np.float64), a_vals[finite]
    if a_steps.size == 0:
        return np.full(steps.shape, np.nan)
    # Joined by step; between logged steps interpolate, beyond them leave unknown (NaN).
    return np.interp(steps.astype(np.float64), a_steps, a_vals, left=np.nan, right=np.nan)


def metric_curve(run: Run, metric: str, x_axis: str = "step") -> Curve:
    """The run's ``metric`` history as a curve on ``x_axis``.

    Duplicate steps keep the last logged value; non-monotonic steps are sorted; NaN and
    infinities are dropped and counted; points where the x-axis is unknown are dropped.

    Args:
        run: the run.
        metric: the metric's spelling in this run (see ``resolve_metric``).
        x_axis: "step", "epoch", "seconds" (since the run started), "time" (seconds since the
            epoch) or any other logged metric, such as "tokens".

    Example:
        >>> from shared.model import History, Run
        >>> r = Run("frame", "r", histories={"loss": History([0, 1, 1, 2], [3.0, 2.5, 2.0, 1.0])})
        >>> c = metric_curve(r, "loss")
        >>> c.x.tolist(), c.y.tolist(), c.n_duplicates
        ([0.0, 1.0, 2.0], [3.0, 2.0, 1.0], 1)
    """
    history = run.histories.get(metric)
    if history is None or len(history) == 0:
        empty = np.empty(0, dtype=np.float64)
        return Curve(run.key, empty, empty)
    steps, values, stamps, n_dup = _last_per_step(history)
    warnings: list[str] = []
    if n_dup:
        warnings.append(
            f"run {run.label!r}: {n_dup} duplicate step(s) of {metric!r}, kept the last logged"
        )

    if x_axis == "step":
        x = steps.astype(np.float64)
    elif x_axis in ("seconds", "time"):
        if not np.isfinite(stamps).any():
            raise InputError(
                f"run {run.label!r} has no timestamps for {metric!r}; use ",
                Param("x_axis", "'step'"),
            )
        if x_axis == "time":
            x = stamps.copy()
        else:
            start = run.start_time if run.start_time is not None else float(np.nanmin(stamps))
            x = stamps - start
    else:
        x = _axis_from_metric(run, x_axis, steps)

    finite_y = np.isfinite(values)
    n_nonfinite = int((~finite_y).sum())
    keep = finite_y & np.isfinite(x)
    x, y = x[keep], values[keep]
    if x.size > 1 and bool(np.any(np.diff(x) < 0)):
        # e.g. a token counter reset by a resumed run: order by the axis, say so.
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
        warnings.append(f"run {run.label!r}: {x_axis!r} is not monotonic in step; sorted by it")
    return Curve(run.key, x, y, n_nonfinite, n_dup, tuple(warnings))
