"""Per-configuration learning curves: mean and a 95% t-CI band on one common grid.

Every run's curve is put on one grid shared by all configurations (``shared.resample_curves``:
interpolated between logged points, never extrapolated). At each grid point the band is
``mean +/- t_{0.975, n-1} * sd / sqrt(n)`` over the runs that have data there (sd with
ddof=1); with fewer than two runs there the band is undefined (NaN, ``null`` in JSON).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from shared.compare.results._comparison import CurveBand
from shared.errors import TrackerCompareError
from shared.model import Run

__all__ = ["config_curves"]


def config_curves(
    groups: Sequence[tuple[str, Sequence[Run]]],
    spellings: Mapping[str, str],
    x_axis: str,
    warnings: list[str],
    num: int = 200,
) -> dict[str, tuple[CurveBand | None, int]]:
    """``{config: (band or None, runs stopped early)}``.

    Args:
        groups: ``(config name, runs)`` pairs.
        spellings: ``run.key -> metric spelling`` (from ``reduce_runs``).
        x_axis: the x-axis of the curves.
        warnings: appended to when curves cannot be built.
        num: grid size.
    """
    from scipy import special

    from shared.normalise import metric_curve, resample_curves

    curves = []
    owners: list[str] = []
    failed: list[str] = []
    for name, runs in groups:
        for r in runs:
            spelling = spellings.get(r.key)
            if spelling is None or spelling not in r.histories:
                continue
            try:
                c = metric_curve(r, spelling, x_axis)
            except TrackerCompareError:
                failed.append(r.label)
                continue
            if len(c):
                curves.append(c)
                owners.append(name)
    if failed:
        warnings.append(
            f"no curve on x-axis {x_axis!r} for {len(failed)} run(s): {', '.join(failed[:5])}"
            + (" ..." if len(failed) > 5 else "")
        )
    out: dict[str, tuple[CurveBand | None, int]] = {name: (None, 0) for name, _ in groups}
    if not curves:
        return out
    res = resample_curves(curves, num=num)
    owner_arr = np.asarray(owners)
    grid = tuple(float(v) for v in res.grid)
    for name, _ in groups:
        rows = owner_arr == name
        if not rows.any():
            continue
        vals = res.values[rows]
        finite = np.isfinite(vals)
        n = finite.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            total = np.where(finite, vals, 0.0).sum(axis=0)
            mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
            dev = np.where(finite, vals - mean, 0.0)
            var = np.where(n > 1, (dev**2).sum(axis=0) / np.maximum(n - 1, 1), np.nan)
            tcrit = np.where(n > 1, special.stdtrit(np.maximum(n - 1, 1), 0.975), np.nan)
            half = tcrit * np.sqrt(var) / np.sqrt(np.maximum(n, 1))
        band = CurveBand(
            x_axis=x_axis,
            grid=grid,
            mean=tuple(float(v) for v in mean),
            lo=tuple(float(v) for v in mean - half),
            hi=tuple(float(v) for v in mean + half),
            n=tuple(int(v) for v in n),
        )
        out[name] = (band, int(res.stopped_early[rows].sum()))
    return out
