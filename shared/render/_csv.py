"""CSV: one file, one row per configuration and one per tested pair, told apart by ``kind``.

One file rather than two, so ``--format csv`` can go to stdout or one ``--output`` file and a
spreadsheet or ``pandas.read_csv`` gets everything at once (filter on ``kind``). Columns:

* ``kind``: ``config`` or ``pair``;
* ``config``: the configuration (config rows); ``a``, ``b``: the pair (pair rows);
* ``n``: runs of the configuration, or the pairs (paired) or runs (unpaired) in the test;
* ``mean``, ``std``, ``median``, ``stopped_early``: the configuration's summary;
* ``ci_low``, ``ci_high``: the 95% CI of the mean (config) or of the difference (pair);
* ``test``, ``paired``, ``diff`` (mean(a) - mean(b)), ``effect_name``, ``effect``, ``p``,
  ``p_adj``, ``significant``, ``why``: the pair's test;
* with multiple comparisons with the best (``mcb`` in the comparison), on config rows:
  ``mcb_distance`` (from the best of the others, <= 0 is worse), ``mcb_ci_low``,
  ``mcb_ci_high`` (its simultaneous interval) and ``in_best_set`` (could still be the best);
* ``params.<name>``: the configuration's defining params (union over configurations);
* ``runs``: the configuration's run ids joined by ``;``.

Numbers are written at full precision (not the display rounding); a cell that does not apply
to the row's kind is empty.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from typing import Any

from shared.compare.results._extras import MCB
from shared.compare.results._jsonable import finite_or_none
from shared.render._data import read_typed
from shared.render._escape import visible

__all__ = ["render_csv"]

_STATS = ("n", "mean", "std", "median", "ci_low", "ci_high", "stopped_early")
_PAIR = ("test", "paired", "diff", "effect_name", "effect", "p", "p_adj", "significant", "why")
_MCB = ("mcb_distance", "mcb_ci_low", "mcb_ci_high", "in_best_set")
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
    # NUL, U+202E and other invisible characters shown as escapes; one line per row.
    v = visible(str(v))
    if v.startswith(_FORMULA_START):
        try:
            float(v)  # "-0.5" is a number, not a formula
        except ValueError:
            v = "'" + v
    return v


def _bounds(ci: Any) -> list[Any]:
    ci = list(ci or [None, None])
    return ci + [None] * (2 - len(ci))


def render_csv(d: Mapping[str, Any]) -> str:
    """The configurations and the tested pairs as one CSV, told apart by the ``kind`` column
    (see the module docstring for every column).

    Example:
        >>> from shared import Run, compare_runs
        >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
        ...             metrics={"acc": 0.8 + lr + 0.01 * ((7 * s + 100 * lr) % 5)})
        ...         for lr in (0.0, 0.1) for s in range(4)]
        >>> comparison_dict = compare_runs(runs, metric="acc").to_dict()
        >>> render_csv(comparison_dict).splitlines()[0].split(",")[:4]
        ['kind', 'config', 'a', 'b']
    """
    configs = d.get("configs") or []
    param_keys: dict[str, None] = {}
    for c in configs:
        for k in c.get("params") or {}:
            param_keys.setdefault(str(k), None)
    mcb = read_typed(d.get("mcb"), MCB)
    mcb_rows = {r.name: r for r in mcb.rows} if mcb is not None else {}
    columns = ["kind", "config", "a", "b", *_STATS, *_PAIR, *(_MCB if mcb else ())]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*columns, *(f"params.{k}" for k in param_keys), "runs"])
    for c in configs:
        lo, hi = _bounds(c.get("ci"))
        cells = {
            "kind": "config",
            "config": c.get("name"),
            "n": c.get("n"),
            "mean": c.get("mean"),
            "std": c.get("std"),
            "median": c.get("median"),
            "ci_low": lo,
            "ci_high": hi,
            "stopped_early": c.get("stopped_early"),
        }
        row_mcb = mcb_rows.get(str(c.get("name")))
        if row_mcb is not None:
            # an infinite bound is empty, as in the JSON (null)
            m_lo, m_hi = (finite_or_none(b) for b in row_mcb.ci)
            cells.update(mcb_distance=finite_or_none(row_mcb.distance), mcb_ci_low=m_lo,
                         mcb_ci_high=m_hi, in_best_set=row_mcb.in_best_set)  # fmt: skip
        params = {str(k): v for k, v in (c.get("params") or {}).items()}
        row = [cells.get(col) for col in columns]
        row += [params.get(k) for k in param_keys]
        row.append(c.get("runs"))
        w.writerow([_cell(v) for v in row])
    for p in d.get("pairs") or []:
        lo, hi = _bounds(p.get("ci"))
        cells = {
            "kind": "pair",
            "a": p.get("a"),
            "b": p.get("b"),
            "n": p.get("n"),
            "ci_low": lo,
            "ci_high": hi,
            "test": p.get("test"),
            "paired": p.get("paired"),
            "diff": p.get("diff"),
            "effect_name": p.get("effect_name"),
            "effect": p.get("effect_size"),
            "p": p.get("p_value"),
            "p_adj": p.get("p_adjusted"),
            "significant": p.get("significant"),
            "why": p.get("why"),
        }
        row = [cells.get(col) for col in columns] + [None] * len(param_keys) + [None]
        w.writerow([_cell(v) for v in row])
    return buf.getvalue()
