"""Big comparisons on one screen: a summary, the top-K ranking, and what was left out.

A sweep of 400 configurations has 79,800 pairs; nobody reads them in a terminal. The text
outputs show instead:

* a summary: how many configurations and runs, the set that could still be the best
  (multiple comparisons with the best, ``mcb`` in the comparison) and the omnibus result;
* the top ``K`` configurations, best first, with each one's distance from the best and its
  simultaneous interval (from ``mcb``; without it, the difference of means from the best);
* one line saying what was left out ("390 more configurations, all significantly worse than
  the best"); JSON and CSV keep every configuration and every pair.

When every configuration has one run (a search over a continuous param), no seed-level test
is possible: the runs are ranked, the rank trend of each numeric param is reported
(``shared.compare.configs._sweep``), and the lines that confirm the top ones with seeds are shown.

Everything here reads the comparison dict leniently (a saved comparison.json from before
``mcb`` existed renders too).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.compare.results._extras import MCB, MCBRow, ParamEffect
from shared.compare.results._jsonable import finite_or_none as _float
from shared.render._data import fmt_ci, fmt_int, fmt_num, read_typed, read_typed_list

__all__ = ["DEFAULT_TOP", "Ranking", "is_large", "ranking", "shown_pairs"]

#: Configurations shown by default (``--top``).
DEFAULT_TOP = 10
#: How many of the best a confirmation run re-evaluates with seeds.
CONFIRM_TOP = 3
#: Seeds suggested for a confirmation.
CONFIRM_SEEDS = 5




def _configs(d: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [c for c in d.get("configs") or [] if isinstance(c, Mapping)]


def single_runs(d: Mapping[str, Any]) -> bool:
    """Whether every configuration has exactly one run (at least three configurations)."""
    configs = _configs(d)
    return len(configs) >= 3 and all(_float(c.get("n")) == 1 for c in configs)


def _mcb(d: Mapping[str, Any]) -> MCB | None:
    return read_typed(d.get("mcb"), MCB)


def _span(ci: tuple[float, float]) -> list[float | None]:
    """An MCB interval as its JSON shows it (an infinite bound is ``null``: "n/a")."""
    return [_float(ci[0]), _float(ci[1])]


def is_large(d: Mapping[str, Any], top: int = DEFAULT_TOP) -> bool:
    """Whether the text outputs use the summary + top-K layout (more configurations than
    ``top``, a multiple-comparisons-with-the-best result, or one run per configuration)."""
    return len(_configs(d)) > top or _mcb(d) is not None or single_runs(d)


def best_set(d: Mapping[str, Any]) -> list[str] | None:
    """The configurations that could still be the best (``decision.best_set``, else the MCB
    rows marked ``in_best_set``), or ``None`` when the comparison has no such set."""
    decision = d.get("decision") or {}
    names = decision.get("best_set") if isinstance(decision, Mapping) else None
    if isinstance(names, Sequence) and not isinstance(names, str):
        return [str(n) for n in names]
    m = _mcb(d)
    if m is not None:
        return [r.name for r in m.rows if r.in_best_set]
    return None


@dataclass
class Ranking:
    """The lines and rows of the large layout, as plain (unescaped) text."""

    summary: list[str]
    title: str
    header: tuple[str, ...]
    right: tuple[bool, ...]
    rows: list[tuple[str, ...]]
    left_out: str | None
    shown: list[str]
    effects_title: str | None = None
    effects_header: tuple[str, ...] = ("param", "rho", "95% CI", "n", "better metric with")
    effects_rows: list[tuple[str, ...]] = field(default_factory=list)
    confirm: list[str] = field(default_factory=list)


def _order(d: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], MCBRow | None]]:
    """Configurations best first, each with its MCB row (if any)."""
    configs = _configs(d)
    by_name = {str(c.get("name")): c for c in configs}
    m = _mcb(d)
    if m is not None:
        out = []
        for row in m.rows:
            c = by_name.pop(row.name, None)
            if c is not None:
                out.append((c, row))
        return out + [(c, None) for c in by_name.values()]
    maximize = (d.get("metric") or {}).get("goal") != "minimize"

    def key(c: Mapping[str, Any]) -> tuple[int, float]:
        mean = _float(c.get("mean"))
        if mean is None:
            return (1, 0.0)
        return (0, -mean if maximize else mean)

    return [(c, None) for c in sorted(configs, key=key)]


def _pair_verdicts(d: Mapping[str, Any], best: str) -> dict[str, bool]:
    """For each configuration tested against ``best``: whether it was significantly worse."""
    out: dict[str, bool] = {}
    for p in d.get("pairs") or []:
        if not isinstance(p, Mapping) or best not in (p.get("a"), p.get("b")):
            continue
        other = str(p.get("b") if p.get("a") == best else p.get("a"))
        out[other] = bool(p.get("significant")) and p.get("better") == best
    return out


def _summary(d: Mapping[str, Any], n_configs: int) -> list[str]:
    runs = fmt_int(d.get("runs"))
    ns = sorted({int(_float(c.get("n")) or 0) for c in _configs(d)})
    per = f"{ns[0]} per configuration" if len(ns) == 1 else f"{ns[0]}-{ns[-1]} per configuration"
    lines = [f"{n_configs} configurations, {runs} runs ({per})"]
    best = best_set(d)
    m = _mcb(d)
    if best is not None:
        how = ""
        if m is not None:
            # the method's first clause; the whole description is in JSON and "why" lines
            method = (m.method or "MCB").split(", ")[0]
            how = f" ({method}, alpha {fmt_num(m.alpha)})"
        if len(best) == 1:
            lines.append(f"best{how}: {best[0]}, separated from every other configuration")
        else:
            shown = "; ".join(best[:5]) + (f"; and {len(best) - 5} more" if len(best) > 5 else "")
            lines.append(f"could be the best{how}: {len(best)} configurations: {shown}")
    om = d.get("omnibus")
    if isinstance(om, Mapping) and om:
        p = _float(om.get("p_value"))
        p_text = "n/a" if p is None else ("<0.0001" if p < 1e-4 else f"{p:.3g}")
        verdict = "differences found" if om.get("significant") else "no difference found"
        lines.append(f"omnibus {om.get('test')}: p={p_text} ({verdict})")
    return lines


def _left_out(
    d: Mapping[str, Any],
    rest: Sequence[tuple[Mapping[str, Any], MCBRow | None]],
    best_name: str | None,
) -> str | None:
    if not rest:
        return None
    n = len(rest)
    head = f"{n} more configuration{'s' if n != 1 else ''}"
    tail = " (--top N shows more; --format json or csv has every one)"
    if any(row is not None for _c, row in rest):
        in_set = sum(1 for _c, row in rest if row is not None and row.in_best_set)
        if in_set == 0:
            return f"{head}, all significantly worse than the best{tail}"
        return (
            f"{head}: {in_set} could still be the best, {n - in_set} significantly worse "
            f"than the best{tail}"
        )
    if best_name is not None:
        verdicts = _pair_verdicts(d, best_name)
        names = [str(c.get("name")) for c, _row in rest]
        if names and all(name in verdicts for name in names):
            worse = sum(verdicts[name] for name in names)
            if worse == n:
                return f"{head}, all significantly worse than the best (pairwise tests){tail}"
            return (
                f"{head}: {worse} significantly worse than the best, {n - worse} not "
                f"separated from it (pairwise tests){tail}"
            )
    return f"{head}, ranked by mean{tail}"


def _confirm(d: Mapping[str, Any], ordered: Sequence[Mapping[str, Any]]) -> list[str]:
    k = min(CONFIRM_TOP, len(ordered))
    trials = [dict(c.get("params") or {}) for c in ordered[:k]]
    metric = (d.get("metric") or {}).get("name") or "metric"
    return [
        f"confirm the top {k} with seeds: the confirm command runs them over the same seeds, "
        "adding seeds only while the answer is still open, and decides:",
        f"  mlflow compare confirm configs.yaml --function module:train -m {metric} --seeds "
        f"{CONFIRM_SEEDS}   (or wandb-compare confirm; --from-study / --from-sweep --top {k} "
        "reads the top configurations itself)",
        f"  configs.yaml: {json.dumps(trials, default=str)}",
    ]


def ranking(d: Mapping[str, Any], top: int = DEFAULT_TOP) -> Ranking:
    """The large layout of comparison dict ``d`` showing the best ``top`` configurations.

    Example:
        >>> d = {"metric": {"name": "acc", "goal": "maximize"}, "runs": 12,
        ...      "configs": [{"name": f"lr={i}", "n": 1, "mean": i / 10, "params": {"lr": i}}
        ...                  for i in range(12)]}
        >>> r = ranking(d, top=3)
        >>> [row[1] for row in r.rows], r.left_out.split(" (")[0]
        (['lr=11', 'lr=10', 'lr=9'], '9 more runs, ranked by value')
    """
    top = max(1, int(top))
    pairs = _order(d)
    n = len(pairs)
    shown, rest = pairs[:top], pairs[top:]
    metric = (d.get("metric") or {}).get("name") or "metric"
    goal = (d.get("metric") or {}).get("goal") or "maximize"
    if single_runs(d):
        rows = []
        for i, (c, _row) in enumerate(shown, 1):
            run_names = c.get("run_names") or c.get("runs") or [""]
            rows.append((str(i), str(c.get("name")), str(run_names[0]), fmt_num(c.get("mean"))))
        effects = []
        from shared.compare.configs._sweep import param_effects

        stored = d.get("param_effects")  # v2 comparisons carry them; older dicts recompute
        found = stored if isinstance(stored, list) else param_effects(_configs(d), goal)
        for e in read_typed_list(found, ParamEffect):
            better = e.better_when
            effects.append((
                e.param, fmt_num(e.rho, 3), fmt_ci(e.ci, 3), str(e.n),
                "unclear" if better == "unclear" else f"{better} {e.param}",
            ))  # fmt: skip
        more = f"{len(rest)} more runs, ranked by value" if rest else None
        return Ranking(
            summary=[
                f"{n} configurations with one run each: no seed-level test is possible (the "
                "spread between seeds is unknown), so the runs are ranked instead",
            ],
            title=f"top {len(shown)} of {n} runs by {metric} ({goal}), best first:",
            header=("rank", "config", "run", metric),
            right=(True, False, False, True),
            rows=rows,
            left_out=None if more is None else f"{more} (--top N shows more; --format json or "
            "csv has every one)",
            shown=[str(c.get("name")) for c, _row in shown],
            effects_title=(
                f"param effects the data can support: Spearman rank correlation with {metric} "
                f"over the {n} runs, 95% CI by Fisher z (a trend, not a test of configurations)"
            )
            if effects
            else None,
            effects_rows=effects,
            confirm=_confirm(d, [c for c, _row in pairs]),
        )
    has_mcb = any(row is not None for _c, row in shown)
    best_mean = _float(pairs[0][0].get("mean")) if pairs else None
    sign = -1.0 if goal == "minimize" else 1.0
    rows = []
    for i, (c, row) in enumerate(shown, 1):
        if row is not None:
            dist, ci = _float(row.distance), fmt_ci(_span(row.ci))
            in_set = "yes" if row.in_best_set else "no"
        else:
            mean = _float(c.get("mean"))
            dist = None if mean is None or best_mean is None else sign * (mean - best_mean)
            ci, in_set = "n/a", "n/a"
        cells = (
            str(i), str(c.get("name")), fmt_int(c.get("n")),
            f"{fmt_num(c.get('mean'))} ± {fmt_num(c.get('std'))}", fmt_ci(c.get("ci")),
            fmt_num(dist),
        )  # fmt: skip
        rows.append(cells + ((ci, in_set) if has_mcb else ()))
    header = ("rank", "config", "n", "mean ± std", "95% CI", "vs best")
    right = (True, False, True, True, True, True)
    if has_mcb:
        header += ("simultaneous CI", "could be best")
        right += (True, False)
    best_name = str(pairs[0][0].get("name")) if pairs else None
    return Ranking(
        summary=_summary(d, n),
        title=f"top {len(shown)} of {n} configurations, best first"
        + (" (vs best: distance from the best of the others; <= 0 is worse)" if has_mcb else
           " (vs best: difference of means from the best; <= 0 is worse)"),
        header=header,
        right=right,
        rows=rows,
        left_out=_left_out(d, rest, best_name),
        shown=[str(c.get("name")) for c, _row in shown],
    )


def shown_pairs(
    d: Mapping[str, Any], shown: Sequence[str], limit: int
) -> tuple[list[Mapping[str, Any]], int]:
    """The pairs to print among the ``shown`` configurations (at most ``limit``), and how
    many pairs of the comparison are not printed.

    Example:
        >>> d = {"pairs": [{"a": "x", "b": "y"}, {"a": "x", "b": "z"}]}
        >>> shown_pairs(d, ["x", "y"], 10)
        ([{'a': 'x', 'b': 'y'}], 1)
    """
    pairs = [p for p in d.get("pairs") or [] if isinstance(p, Mapping)]
    names = set(shown)
    kept = [p for p in pairs if p.get("a") in names and p.get("b") in names][: max(0, limit)]
    return kept, len(pairs) - len(kept)


#: Pair rows printed in the large layout (among the shown configurations).
PAIR_ROWS = 15
#: Warnings printed in the large layout (JSON keeps all of them).
WARNING_ROWS = 12
