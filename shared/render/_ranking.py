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

Everything here reads the typed ``Comparison`` (a saved comparison.json from before ``mcb`` or
``best_set`` existed reads with them absent, and renders too).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shared.compare.results._extras import MCBRow, ParamEffect
from shared.compare.results._jsonable import finite_or_none as _float
from shared.compare.results._jsonable import jsonable
from shared.render._data import fmt_ci, fmt_int, fmt_num, json_span

if TYPE_CHECKING:  # the results layer calls the renderers back (notebook views)
    from shared.compare.results._comparison import Comparison, ConfigSummary, PairResult

__all__ = ["DEFAULT_TOP", "Ranking", "is_large", "ranking", "shown_pairs"]

#: Configurations shown by default (``--top``).
DEFAULT_TOP = 10
#: How many of the best a confirmation run re-evaluates with seeds.
CONFIRM_TOP = 3
#: Seeds suggested for a confirmation.
CONFIRM_SEEDS = 5


def single_runs(c: Comparison) -> bool:
    """Whether every configuration has exactly one run (at least three configurations)."""
    return len(c.configs) >= 3 and all(cfg.n == 1 for cfg in c.configs)


def _span(ci: tuple[float, float]) -> list[float | None]:
    """An MCB interval as its JSON shows it (an infinite bound is ``null``: "n/a")."""
    return [_float(ci[0]), _float(ci[1])]


def is_large(c: Comparison, top: int = DEFAULT_TOP) -> bool:
    """Whether the text outputs use the summary + top-K layout (more configurations than
    ``top``, a multiple-comparisons-with-the-best result, or one run per configuration)."""
    return len(c.configs) > top or c.mcb is not None or single_runs(c)


def best_set(c: Comparison) -> list[str] | None:
    """The configurations that could still be the best (``decision.best_set``, else the MCB
    rows marked ``in_best_set``), or ``None`` when the comparison has no such set (a file
    saved before ``best_set`` existed, without MCB)."""
    if c.decision.best_set:
        return [str(n) for n in c.decision.best_set]
    if c.mcb is not None:
        return [r.name for r in c.mcb.rows if r.in_best_set]
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


def _order(c: Comparison) -> list[tuple[ConfigSummary, MCBRow | None]]:
    """Configurations best first, each with its MCB row (if any)."""
    by_name = {str(cfg.name): cfg for cfg in c.configs}
    if c.mcb is not None:
        out = []
        for row in c.mcb.rows:
            cfg = by_name.pop(row.name, None)
            if cfg is not None:
                out.append((cfg, row))
        return out + [(cfg, None) for cfg in by_name.values()]
    maximize = c.goal != "minimize"

    def key(cfg: ConfigSummary) -> tuple[int, float]:
        mean = _float(cfg.mean)
        if mean is None:
            return (1, 0.0)
        return (0, -mean if maximize else mean)

    return [(cfg, None) for cfg in sorted(c.configs, key=key)]


def _pair_verdicts(c: Comparison, best: str) -> dict[str, bool]:
    """For each configuration tested against ``best``: whether it was significantly worse."""
    out: dict[str, bool] = {}
    for p in c.pairs:
        if best not in (p.a, p.b):
            continue
        other = str(p.b if p.a == best else p.a)
        out[other] = bool(p.significant) and p.better == best
    return out


def _summary(c: Comparison, n_configs: int) -> list[str]:
    runs = len(c.run_keys)
    ns = sorted({int(_float(cfg.n) or 0) for cfg in c.configs})
    per = f"{ns[0]} per configuration" if len(ns) == 1 else f"{ns[0]}-{ns[-1]} per configuration"
    lines = [f"{n_configs} configurations, {runs} runs ({per})"]
    best = best_set(c)
    m = c.mcb
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
    om = c.omnibus
    if om is not None:
        p = _float(om.p_value)
        p_text = "n/a" if p is None else ("<0.0001" if p < 1e-4 else f"{p:.3g}")
        verdict = "differences found" if om.significant else "no difference found"
        lines.append(f"omnibus {om.test}: p={p_text} ({verdict})")
    return lines


def _left_out(
    c: Comparison,
    rest: Sequence[tuple[ConfigSummary, MCBRow | None]],
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
        verdicts = _pair_verdicts(c, best_name)
        names = [str(cfg.name) for cfg, _row in rest]
        if names and all(name in verdicts for name in names):
            worse = sum(verdicts[name] for name in names)
            if worse == n:
                return f"{head}, all significantly worse than the best (pairwise tests){tail}"
            return (
                f"{head}: {worse} significantly worse than the best, {n - worse} not "
                f"separated from it (pairwise tests){tail}"
            )
    return f"{head}, ranked by mean{tail}"


def _confirm(c: Comparison, ordered: Sequence[ConfigSummary]) -> list[str]:
    k = min(CONFIRM_TOP, len(ordered))
    trials = [jsonable(dict(cfg.params or {})) for cfg in ordered[:k]]
    metric = c.metric or "metric"
    return [
        f"confirm the top {k} with seeds: the confirm command runs them over the same seeds, "
        "adding seeds only while the answer is still open, and decides:",
        f"  mlflow compare confirm configs.yaml --function module:train -m {metric} --seeds "
        f"{CONFIRM_SEEDS}   (or wandb-compare confirm; --from-study / --from-sweep --top {k} "
        "reads the top configurations itself)",
        f"  configs.yaml: {json.dumps(trials, default=str)}",
    ]


def _param_effects(c: Comparison) -> tuple[ParamEffect, ...]:
    """The stored param effects; a comparison saved before they were stored recomputes them."""
    if c.param_effects is not None:
        return c.param_effects
    from shared.compare.configs._sweep import param_effects

    found = param_effects([cfg.to_dict() for cfg in c.configs], c.goal or "maximize")
    return tuple(ParamEffect.from_dict(e) for e in found)


def ranking(c: Comparison, top: int = DEFAULT_TOP) -> Ranking:
    """The large layout of comparison ``c`` showing the best ``top`` configurations.

    Example:
        >>> from shared import Run, compare_runs
        >>> runs = [Run("frame", f"r{i}", params={"lr": i}, metrics={"acc": i / 10})
        ...         for i in range(12)]
        >>> r = ranking(compare_runs(runs, metric="acc"), top=3)
        >>> [row[1] for row in r.rows], r.left_out.split(" (")[0]
        (['lr=11', 'lr=10', 'lr=9'], '9 more runs, ranked by value')
    """
    top = max(1, int(top))
    pairs = _order(c)
    n = len(pairs)
    shown, rest = pairs[:top], pairs[top:]
    metric = c.metric or "metric"
    goal = c.goal or "maximize"
    if single_runs(c):
        rows = []
        for i, (cfg, _row) in enumerate(shown, 1):
            run_names = cfg.run_names or cfg.run_ids or ("",)
            rows.append((str(i), str(cfg.name), str(run_names[0]), fmt_num(cfg.mean)))
        effects = []
        for e in _param_effects(c):
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
            shown=[str(cfg.name) for cfg, _row in shown],
            effects_title=(
                f"param effects the data can support: Spearman rank correlation with {metric} "
                f"over the {n} runs, 95% CI by Fisher z (a trend, not a test of configurations)"
            )
            if effects
            else None,
            effects_rows=effects,
            confirm=_confirm(c, [cfg for cfg, _row in pairs]),
        )
    has_mcb = any(row is not None for _c, row in shown)
    best_mean = _float(pairs[0][0].mean) if pairs else None
    sign = -1.0 if goal == "minimize" else 1.0
    rows = []
    for i, (cfg, row) in enumerate(shown, 1):
        if row is not None:
            dist, ci = _float(row.distance), fmt_ci(_span(row.ci))
            in_set = "yes" if row.in_best_set else "no"
        else:
            mean = _float(cfg.mean)
            dist = None if mean is None or best_mean is None else sign * (mean - best_mean)
            ci, in_set = "n/a", "n/a"
        cells = (
            str(i), str(cfg.name), fmt_int(cfg.n),
            f"{fmt_num(cfg.mean)} ± {fmt_num(cfg.std)}", fmt_ci(json_span(cfg.ci)),
            fmt_num(dist),
        )  # fmt: skip
        rows.append(cells + ((ci, in_set) if has_mcb else ()))
    header = ("rank", "config", "n", "mean ± std", "95% CI", "vs best")
    right = (True, False, True, True, True, True)
    if has_mcb:
        header += ("simultaneous CI", "could be best")
        right += (True, False)
    best_name = str(pairs[0][0].name) if pairs else None
    return Ranking(
        summary=_summary(c, n),
        title=f"top {len(shown)} of {n} configurations, best first"
        + (" (vs best: distance from the best of the others; <= 0 is worse)" if has_mcb else
           " (vs best: difference of means from the best; <= 0 is worse)"),
        header=header,
        right=right,
        rows=rows,
        left_out=_left_out(c, rest, best_name),
        shown=[str(cfg.name) for cfg, _row in shown],
    )


def shown_pairs(
    c: Comparison, shown: Sequence[str], limit: int
) -> tuple[list[PairResult], int]:
    """The pairs to print among the ``shown`` configurations (at most ``limit``), and how
    many pairs of the comparison are not printed.

    Example:
        >>> from shared import Run, compare_runs
        >>> runs = [Run("frame", f"{c}{s}", params={"c": c, "seed": s},
        ...             metrics={"acc": 0.8 + 0.01 * s + 0.02 * (c == "y") * s})
        ...         for c in "xyz" for s in range(5)]
        >>> kept, hidden = shown_pairs(compare_runs(runs, metric="acc"), ["c=x", "c=y"], 10)
        >>> c = compare_runs(runs, metric="acc")
        >>> [(p.a, p.b) for p in kept], hidden, len(c.pairs)
        ([('c=x', 'c=y')], 1, 2)
    """
    names = set(shown)
    kept = [p for p in c.pairs if p.a in names and p.b in names][: max(0, limit)]
    return kept, len(c.pairs) - len(kept)


#: Pair rows printed in the large layout (among the shown configurations).
PAIR_ROWS = 15
#: Warnings printed in the large layout (JSON keeps all of them).
WARNING_ROWS = 12
