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
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from shared.compare.results._jsonable import finite_or_none, jsonable
from shared.render._data import json_span
from shared.render._escape import visible

if TYPE_CHECKING:  # the results layer calls the renderers back (notebook views)
    from shared.compare.results._comparison import Comparison

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


def _bounds(ci: Sequence[float] | None) -> list[Any]:
    """An interval's two cells as the JSON holds them (a non-finite bound is empty)."""
    return json_span(ci) or [None, None]


def render_csv(c: Comparison) -> str:
    """The configurations and the tested pairs as one CSV, told apart by the ``kind`` column
    (see the module docstring for every column).

    Example:
        >>> from shared import Run, compare_runs
        >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
        ...             metrics={"acc": 0.8 + lr + 0.01 * ((7 * s + 100 * lr) % 5)})
        ...         for lr in (0.0, 0.1) for s in range(4)]
        >>> render_csv(compare_runs(runs, metric="acc")).splitlines()[0].split(",")[:4]
        ['kind', 'config', 'a', 'b']
    """
    num = finite_or_none
    # params as the JSON holds them (numpy numbers plain, NaN empty), keys as text
    params_of = [jsonable(dict(cfg.params or {})) for cfg in c.configs]
    param_keys: dict[str, None] = {}
    for params in params_of:
        for k in params:
            param_keys.setdefault(str(k), None)
    mcb = c.mcb
    mcb_rows = {r.name: r for r in mcb.rows} if mcb is not None else {}
    columns = ["kind", "config", "a", "b", *_STATS, *_PAIR, *(_MCB if mcb else ())]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*columns, *(f"params.{k}" for k in param_keys), "runs"])
    for cfg, params in zip(c.configs, params_of, strict=True):
        lo, hi = _bounds(cfg.ci)
        cells = {
            "kind": "config",
            "config": cfg.name,
            "n": int(cfg.n),
            "mean": num(cfg.mean),
            "std": num(cfg.std),
            "median": num(cfg.median),
            "ci_low": lo,
            "ci_high": hi,
            "stopped_early": int(cfg.stopped_early),
        }
        row_mcb = mcb_rows.get(str(cfg.name))
        if row_mcb is not None:
            # an infinite bound is empty, as in the JSON (null)
            m_lo, m_hi = (finite_or_none(b) for b in row_mcb.ci)
            cells.update(mcb_distance=finite_or_none(row_mcb.distance), mcb_ci_low=m_lo,
                         mcb_ci_high=m_hi, in_best_set=row_mcb.in_best_set)  # fmt: skip
        params = {str(k): v for k, v in params.items()}
        row = [cells.get(col) for col in columns]
        row += [params.get(k) for k in param_keys]
        row.append(list(cfg.run_ids))
        w.writerow([_cell(v) for v in row])
    for p in c.pairs:
        lo, hi = _bounds(p.ci)
        cells = {
            "kind": "pair",
            "a": p.a,
            "b": p.b,
            "n": int(p.n),
            "ci_low": lo,
            "ci_high": hi,
            "test": p.test,
            "paired": bool(p.paired),
            "diff": num(p.diff),
            "effect_name": p.effect_name,
            "effect": num(p.effect_size),
            "p": num(p.p_value),
            "p_adj": num(p.p_adjusted),
            "significant": bool(p.significant),
            "why": p.why,
        }
        row = [cells.get(col) for col in columns] + [None] * len(param_keys) + [None]
        w.writerow([_cell(v) for v in row])
    return buf.getvalue()
