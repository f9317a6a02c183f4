"""Robust aggregates over runs x tasks (Agarwal et al. 2021, "Deep RL at the edge of the
statistical precipice", NeurIPS): the interquartile mean (IQM) with stratified bootstrap CIs and
the probability of improvement, computed as the rliable library does.

Stratified bootstrap: every replicate resamples the runs *within each task* with replacement, so
each task keeps its number of runs; the CI is the percentile interval of the replicates
(rliable's default ``method="percentile"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from shared.errors import InputError
from shared.stats._result import ConfidenceInterval
from shared.stats._validate import check_level

__all__ = ["RobustEstimate", "iqm", "iqm_ci", "probability_of_improvement"]


@dataclass(frozen=True)
class RobustEstimate:
    """A point estimate with a stratified-bootstrap confidence interval.

    Args:
        name: ``"iqm"`` or ``"probability_of_improvement"``.
        value: the estimate on the full data.
        ci: percentile bootstrap interval at ``ci.level``.
        n_runs: runs per task; for two samples the pair ``(n_runs_x, n_runs_y)``.
        n_tasks: number of tasks (strata).
        n_resamples: bootstrap replicates.
        seed: generator seed.
        method: how the CI was computed.
        warnings: plain-language notes.
    """

    name: str
    value: float
    ci: ConfidenceInterval
    n_runs: int | tuple[int, int]
    n_tasks: int
    n_resamples: int
    seed: int
    method: str = "stratified bootstrap, percentile"
    warnings: tuple[str, ...] = ()

    def confidence_interval(self) -> ConfidenceInterval:
        return self.ci

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": float(self.value) if math.isfinite(self.value) else None,
            "ci": self.ci.to_list(),
            "level": self.ci.level,
            "n_runs": list(self.n_runs) if isinstance(self.n_runs, tuple) else self.n_runs,
            "n_tasks": self.n_tasks,
            "n_resamples": self.n_resamples,
            "seed": self.seed,
            "method": self.method,
            "warnings": list(self.warnings),
        }


def _finite_array(x: Any, name: str) -> np.ndarray:
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise InputError(
            f"{name} must be numbers (a rectangular runs x tasks table, not ragged lists)"
        ) from None
    if a.size == 0:
        raise InputError(f"{name} is empty")
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name} contains NaN or infinite values")
    return a


def _scores(x: Any, name: str) -> np.ndarray:
    """runs x tasks; a 1-D input is one task."""
    a = _finite_array(x, name)
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise InputError(f"{name} must be runs x tasks (2-D) or 1-D, got shape {a.shape}")
    return a


def _check_common(n_resamples: int, level: float) -> None:
    if int(n_resamples) != n_resamples or n_resamples < 1:
        raise InputError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    check_level(level)


def _iqm_rows(values: np.ndarray) -> np.ndarray:
    """IQM of each row: mean after cutting int(0.25 n) from each end (scipy's trim_mean)."""
    n = values.shape[-1]
    cut = int(0.25 * n)
    s = np.sort(values, axis=-1)
    return s[..., cut : n - cut].mean(axis=-1)


def iqm(x: Any) -> float:
    """Interquartile mean: the mean of the middle 50% of all values (runs x tasks flattened).

    Equals ``scipy.stats.trim_mean(x, 0.25, axis=None)``, rliable's ``aggregate_iqm``.

    Example:
        >>> iqm([1, 2, 3, 4, 5, 6, 7, 100])
        4.5
    """
    a = _finite_array(x, "x").ravel()
    return float(_iqm_rows(a[None, :])[0])


def _percentile_ci(reps: np.ndarray, level: float) -> ConfidenceInterval:
    lo, hi = np.percentile(reps, [50 * (1 - level), 50 * (1 + level)])
    return ConfidenceInterval(float(lo), float(hi), float(level))


def iqm_ci(
    scores: Any, n_resamples: int = 2000, seed: int = 0, *, level: float = 0.95
) -> RobustEstimate:
    """IQM of a runs x tasks score table with a stratified bootstrap CI (Agarwal et al. 2021).

    Each replicate draws, independently for every task, ``n_runs`` runs with replacement
    (``rng = numpy.random.default_rng(seed)``, indices ``rng.integers(0, n_runs, (n_resamples,
    n_runs, n_tasks))``), computes the IQM of the resampled table, and the CI is the percentile
    interval of the replicates.

    Args:
        scores: runs x tasks (1-D means one task), finite.
        n_resamples: bootstrap replicates.
        seed: generator seed (same seed, same CI).
        level: confidence level.

    Example:
        >>> r = iqm_ci([[0.1, 0.5], [0.2, 0.6], [0.3, 0.7], [0.4, 0.9]], n_resamples=500)
        >>> round(r.value, 3)
        0.45
    """
    s = _scores(scores, "scores")
    _check_common(n_resamples, level)
    n_runs, n_tasks = s.shape
    rng = np.random.default_rng(int(seed))
    idx = rng.integers(0, n_runs, size=(int(n_resamples), n_runs, n_tasks))
    reps = np.empty(int(n_resamples))
    # chunks keep the (chunk, runs * tasks) resampled tables small
    step = max(1, 2_000_000 // (n_runs * n_tasks))
    cols = np.arange(n_tasks)
    for start in range(0, int(n_resamples), step):
        block = s[idx[start : start + step], cols]  # (chunk, runs, tasks)
        reps[start : start + step] = _iqm_rows(block.reshape(block.shape[0], -1))
    warnings: list[str] = []
    if n_runs < 3:
        warnings.append(f"only {n_runs} run(s) per task: the stratified bootstrap CI is unreliable")
    if n_runs * n_tasks < 4:
        warnings.append("fewer than 4 values: the IQM equals the plain mean")
    return RobustEstimate(
        name="iqm",
        value=iqm(s),
        ci=_percentile_ci(reps, float(level)),
        n_runs=n_runs,
        n_tasks=n_tasks,
        n_resamples=int(n_resamples),
        seed=int(seed),
        warnings=tuple(warnings),
    )


def _poi(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """P(X > Y) + 0.5 P(X = Y) per task, averaged over tasks; leading axes are replicates.

    ``x``: (..., runs_x, tasks), ``y``: (..., runs_y, tasks).
    """
    gt = (x[..., :, None, :] > y[..., None, :, :]).mean(axis=(-3, -2))
    eq = (x[..., :, None, :] == y[..., None, :, :]).mean(axis=(-3, -2))
    return (gt + 0.5 * eq).mean(axis=-1)


def probability_of_improvement(
    x: Any, y: Any, *, n_resamples: int = 2000, level: float = 0.95, seed: int = 0
) -> RobustEstimate:
    """Probability that a run of X beats a run of Y on a random task (Agarwal et al. 2021).

    Per task it is the Mann-Whitney U of X against Y divided by ``n_x * n_y`` (ties count
    half), averaged over tasks, as rliable's ``probability_of_improvement``. The CI comes from
    an independent stratified bootstrap of X and Y (runs resampled within each task, X first,
    then Y, from ``numpy.random.default_rng(seed)``). Higher is better; 0.5 means no difference.

    Args:
        x, y: runs x tasks tables with the same tasks (run counts may differ); 1-D means one task.
        n_resamples: bootstrap replicates.
        level: confidence level.
        seed: generator seed.

    Example:
        >>> r = probability_of_improvement([3.0, 4.0, 5.0], [1.0, 2.0, 3.5], n_resamples=200)
        >>> round(r.value, 3)
        0.889
    """
    sx = _scores(x, "x")
    sy = _scores(y, "y")
    _check_common(n_resamples, level)
    if sx.shape[1] != sy.shape[1]:
        raise InputError(
            f"x and y must cover the same tasks: {sx.shape[1]} vs {sy.shape[1]} task columns"
        )
    nx, n_tasks = sx.shape
    ny = sy.shape[0]
    rng = np.random.default_rng(int(seed))
    ix = rng.integers(0, nx, size=(int(n_resamples), nx, n_tasks))
    iy = rng.integers(0, ny, size=(int(n_resamples), ny, n_tasks))
    cols = np.arange(n_tasks)
    reps = np.empty(int(n_resamples))
    step = max(1, 4_000_000 // (nx * ny * n_tasks))
    for start in range(0, int(n_resamples), step):
        bx = sx[ix[start : start + step], cols]
        by = sy[iy[start : start + step], cols]
        reps[start : start + step] = _poi(bx, by)
    warnings: list[str] = []
    if min(nx, ny) < 3:
        warnings.append(
            f"only {min(nx, ny)} run(s) per task on one side: the bootstrap CI is unreliable"
        )
    if np.array_equal(sx, sy):
        warnings.append("x and y are identical: probability of improvement is 0.5")
    return RobustEstimate(
        name="probability_of_improvement",
        value=float(_poi(sx, sy)),
        ci=_percentile_ci(reps, float(level)),
        n_runs=(nx, ny),
        n_tasks=n_tasks,
        n_resamples=int(n_resamples),
        seed=int(seed),
        warnings=tuple(warnings),
    )
