"""CSV: one row per configuration, params flattened into ``params.<name>`` columns."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from typing import Any

__all__ = ["render_csv"]

_STATS = ("n", "mean", "std", "median", "ci_low", "ci_high", "stopped_early")
# A spreadsheet runs a cell starting with these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, float)):
        return repr(float(v)) if isinstance(v, float) and not math.isfinite(v) else v
    if isinstance(v, (list, tuple)):
        v = ";".join(str(x) for x in v)
    v = str(v)
    if v.startswith(_FORMULA_START):
        try:
            float(v)  # "-0.5" is a number, not a formula
        except ValueError:
            v = "'" + v
    return v


def render_csv(d: Mapping[str, Any]) -> str:
    """The configurations as CSV: ``config``, the stats, ``params.*`` (union over configs, in
    first-seen order, empty where a config lacks one), and the run ids joined by ``;``.

    Example:
        >>> print(render_csv(comparison_dict).splitlines()[0])  # doctest: +SKIP
        config,n,mean,std,median,ci_low,ci_high,stopped_early,params.lr,runs
    """
    configs = d.get("configs") or []
    param_keys: dict[str, None] = {}
    for c in configs:
        for k in c.get("params") or {}:
            param_keys.setdefault(str(k), None)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["config", *_STATS, *(f"params.{k}" for k in param_keys), "runs"])
    for c in configs:
        ci = c.get("ci") or [None, None]
        ci = list(ci) + [None] * (2 - len(ci))
        stats = {
            "n": c.get("n"),
            "mean": c.get("mean"),
            "std": c.get("std"),
            "median": c.get("median"),
            "ci_low": ci[0],
            "ci_high": ci[1],
            "stopped_early": c.get("stopped_early"),
        }
        params = {str(k): v for k, v in (c.get("params") or {}).items()}
        row = [c.get("name"), *(stats[s] for s in _STATS)]
        row += [params.get(k) for k in param_keys]
        row.append(c.get("runs"))
        w.writerow([_cell(v) for v in row])
    return buf.getvalue()
