"""A self-contained HTML report: inline CSS, plots as PNG data URIs, no script, no network.

MLflow shows HTML artifacts in an iframe that runs scripts, so every user-supplied string (run,
config, param, metric and tag names, warnings, rationale) goes through ``html.escape`` and the
page carries a Content-Security-Policy that forbids scripts and any fetch: even a string that
slipped through escaping could neither run nor phone home.
"""

from __future__ import annotations

import base64
import dataclasses
import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shared.compare.results._jsonable import finite_or_none, jsonable
from shared.render._data import Rows, build_rows, fmt_num
from shared.render._escape import MAX_NAME, shorten, visible

if TYPE_CHECKING:  # the results layer calls the renderers back (notebook views)
    from shared.compare.results._comparison import Comparison, PairResult

__all__ = ["render_html"]

_MAX_RUN_ROWS = 500

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

# Layout rules (the report is read in MLflow's artifact pane, 370-1300 px wide, and in browsers):
# a table never squeezes a column below ~8 characters (min-width on cells, headers on one line);
# names wrap at spaces and break inside a word only when it is longer than the column may grow
# (overflow-wrap: break-word; "anywhere" would let the table shrink a name column to one
# character per line); a table wider than the pane scrolls sideways inside its own box, with
# the first (name) column kept in view.
_CSS = """
:root { color-scheme: light; }
body { margin: 0; background: #fff; color: #1f2328;
  font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 20px 32px; }
h1 { font-size: 1.5em; margin: 0.2em 0; overflow-wrap: break-word; }
h2 { font-size: 1.15em; margin: 1.4em 0 0.5em; border-bottom: 1px solid #d8dee4; padding-bottom: 0.2em; }
h3 { font-size: 1em; margin: 1.1em 0 0.4em; }
.sub { color: #59636e; margin: 0 0 1em; overflow-wrap: break-word; }
.decision { border: 1px solid; border-left-width: 6px; border-radius: 6px; padding: 10px 14px; }
.decision.win { border-color: #1a7f37; background: #dafbe1; }
.decision.nowin { border-color: #9a6700; background: #fff8c5; }
.decision p { margin: 0.3em 0; overflow-wrap: break-word; }
.verdict { font-size: 1.15em; font-weight: 600; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: separate; border-spacing: 0; margin: 0.3em 0;
  font-variant-numeric: tabular-nums; }
th, td { border: solid #d8dee4; border-width: 0 1px 1px 0; padding: 4px 8px; text-align: left;
  vertical-align: top; min-width: 8ch; background: #fff; }
tr > :first-child { border-left-width: 1px; }
thead th { border-top-width: 1px; background: #f6f8fa; white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; }
td.name { overflow-wrap: break-word; word-break: normal; min-width: 12ch; max-width: 32ch; }
td.text { overflow-wrap: break-word; max-width: 24ch; }
tbody td:first-child, thead th:first-child { position: sticky; left: 0; z-index: 1; }
tr.sig td { background: #f0fff4; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #59636e; font-size: 0.9em; }
ul.why li, ul.warnings li { overflow-wrap: break-word; margin: 0.2em 0; }
ul.warnings li { color: #9a6700; }
footer { margin-top: 2em; color: #59636e; font-size: 0.85em; border-top: 1px solid #d8dee4; padding-top: 0.5em; }
td.pair .side { display: block; }
td.pair .vs { color: #59636e; }
td.pair { max-width: 44ch; }
tr.best td:first-child { box-shadow: inset 4px 0 0 #1a7f37; }
.legend { color: #59636e; font-size: 0.9em; }
@media (max-width: 640px) {
  main { padding: 10px 10px 24px; }
  th, td { padding: 3px 6px; }
}
/* Narrower than the pairs table (MLflow's artifact pane beside its Assistant panel is 400-960
   px): each row becomes a card, verdict first, so nothing hides behind a sideways scroll. */
@media (max-width: 999px) {
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; }
  table.cards { width: 100%; }
  table.cards thead { display: none; }
  table.cards tr { display: flex; flex-wrap: wrap; border: 1px solid #d8dee4;
    border-radius: 6px; margin: 0 0 8px; padding: 4px 0; }
  table.cards td { border: 0; min-width: 0; position: static; background: transparent;
    padding: 2px 10px; white-space: normal; text-align: left; box-sizing: border-box;
    max-width: 100%; overflow-wrap: anywhere; }
  table.cards td.name { flex: 1 0 100%; max-width: none; font-weight: 600; }
  table.cards td:not(.name)::before { content: attr(data-label) ": "; color: #59636e; }
  table.cards tr.sig { background: #f0fff4; }
  .scroll.cards-box { overflow-x: visible; }
}
"""

_CAPTIONS = {
    "curves.png": "Learning curves per configuration: mean across runs with a 95% CI band.",
    "distribution.png": "Distribution of the reduced metric per configuration.",
    "cd_diagram.png": "Critical-difference diagram (Demsar 2006): mean ranks; bars join "
    "configurations that are not significantly different.",
    "param_importance.png": "Parameter importance: the share of the metric's variance each "
    "param (or group of confounded params) explains; see the table.",
}


def _e(x: Any) -> str:
    # Invisible and reordering characters (NUL, U+202E...) are shown as escapes, not obeyed.
    return html.escape(visible("" if x is None else str(x)), quote=True)


def _name(x: Any) -> str:
    """A name cell: shortened past ``MAX_NAME`` characters, the full name in a tooltip."""
    text = visible("" if x is None else str(x))
    if len(text) <= MAX_NAME:
        return html.escape(text, quote=True)
    return (
        f'<span title="{html.escape(text, quote=True)}">'
        f"{html.escape(shorten(text), quote=True)}</span>"
    )


def _table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: Sequence[bool],
    *,
    table_id: str,
    row_classes: Sequence[str] | None = None,
    cards: bool = False,
    first_html: Sequence[str] | None = None,
) -> str:
    """A table; ``cards``: one card per row on narrow panes; ``first_html``: the first cells as
    ready-made (escaped) HTML."""
    box = "scroll cards-box" if cards else "scroll"
    table_cls = ' class="cards"' if cards else ""
    out = [f'<div class="{box}"><table id="{table_id}"{table_cls}><thead><tr>']
    out += [f"<th>{_e(h)}</th>" for h in header]
    out.append("</tr></thead><tbody>")
    for i, row in enumerate(rows):
        cls = row_classes[i] if row_classes else ""
        out.append(f'<tr class="{cls}">' if cls else "<tr>")
        for j, (cell, num, label) in enumerate(zip(row, numeric, header, strict=True)):
            shown = _e(cell) if num else _name(cell)
            kind = "num" if num else "name"
            if j == 0 and first_html is not None:
                shown, kind = first_html[i], "name pair"
            elif cards and j > 0 and not num:
                kind = "text"  # a short value (test, effect), not a name to keep whole
            labelled = f' data-label="{_e(label)}"' if cards else ""
            out.append(f'<td class="{kind}"{labelled}>{shown}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


#: configurations listed in the report, best first (plus every possibly-best one); the rest are
#: in comparison.json and table.csv. 400 of them made a 55,000 px page no one reads.
TOP_CONFIGS = 20


def _ranked(c: Comparison) -> list[int]:
    """Indexes of ``c.configs``, best mean first for the goal (no mean: last)."""
    sign = -1.0 if c.goal == "minimize" else 1.0

    def key(i: int) -> tuple[int, float]:
        mean = finite_or_none(c.configs[i].mean)
        return (0, -sign * mean) if mean is not None else (1, 0.0)

    return sorted(range(len(c.configs)), key=key)


def _best_set(c: Comparison) -> set[str]:
    names = {str(n) for n in c.decision.best_set}
    if c.decision.winner:
        names.add(str(c.decision.winner))
    return names


def _shown(c: Comparison) -> list[int]:
    """The configurations the report lists: the top ``TOP_CONFIGS`` and the possibly-best set."""
    best = _best_set(c)
    order = _ranked(c)
    return [i for k, i in enumerate(order)
            if k < TOP_CONFIGS or str(c.configs[i].name) in best]


def _configs_section(c: Comparison, r: Rows) -> str:
    """Configurations ranked best first, the possibly-best set marked; big sweeps cut to the
    top ``TOP_CONFIGS`` (and every possibly-best one), the rest counted."""
    shown = _shown(c)
    configs = c.configs
    best = _best_set(c)
    rows = [r.config_rows[i] for i in shown]
    marks = ["best" if str(configs[i].name) in best else "" for i in shown]
    out = ["<section><h2>Configurations</h2>"]
    if best and len(best) < len(configs):
        out.append(f'<p class="legend">Ranked best first; marked: could be the best '
                   f"({len(best)} of {len(configs)}).</p>")
    elif len(configs) > 2:
        out.append('<p class="legend">Ranked best first.</p>')
    out.append(_table(r.config_header, rows, (False, True, True, True, True), table_id="configs",
                      row_classes=marks, cards=True))
    if len(shown) < len(configs):
        out.append(f"<p>… and {len(configs) - len(shown)} more configurations, ranked, in "
                   "table.csv and comparison.json.</p>")
    return "".join(out)


def _pair_name(p: PairResult) -> str:
    """Each side of a pair on its own line: two lines, not four."""
    return (f'<span class="side">{_name(p.a)}</span>'
            f'<span class="side"><span class="vs">vs</span> {_name(p.b)}</span>')


def _pairs_table(c: Comparison, r: Rows) -> str:
    """The pairs, verdict first (significant, p_adj, the estimate with its CI), then the
    details; pairs of configurations the report does not list are counted, not shown."""
    listed = {str(c.configs[i].name) for i in _shown(c)}
    keep = [i for i, p in enumerate(c.pairs) if str(p.a) in listed and str(p.b) in listed]
    # r.pair_header: a vs b, test, estimate, CI, effect, p, p_adj, significant
    header = ("pair", "significant", "p_adj", "estimate [95% CI]", "p", "effect", "test")
    rows, names, classes = [], [], []
    for i in keep:
        _name_text, test, estimate, ci, effect, p_value, p_adj, sig = r.pair_rows[i]
        rows.append((_name_text, sig, p_adj, f"{estimate} {ci}", p_value, effect, test))
        names.append(_pair_name(c.pairs[i]))
        classes.append("sig" if sig == "yes" else "")
    out = [_table(header, rows, (False, False, True, True, True, False, False), table_id="pairs",
                  row_classes=classes, cards=True, first_html=names)]
    if len(keep) < len(r.pair_rows):
        out.append(f"<p>… and {len(r.pair_rows) - len(keep)} more pairs, with configurations not "
                   "listed above, in table.csv and comparison.json.</p>")
    return "".join(out)


def _decision(r: Rows) -> str:
    cls = "win" if r.winner else "nowin"
    verdict = f"{_name(r.winner)} wins" if r.winner else "No reliable difference"
    out = [f'<section class="decision {cls}" id="decision"><p class="verdict">{verdict}</p>']
    if r.rationale:
        out.append(f"<p>{_e(r.rationale)}</p>")
    if r.seeds_needed is not None:
        out.append(
            f"<p>Seeds needed per configuration to detect this effect: {_e(r.seeds_needed)}</p>"
        )
    if r.cost:
        out.append(f'<p id="cost-words">Cost: {_e(r.cost)}</p>')
    if r.cheaper:
        out.append(f"<p>Cheaper alternative, {_e(r.cheaper_words)}: {_e(r.cheaper)}</p>")
    out.append("</section>")
    return "".join(out)


def _why(r: Rows) -> str:
    """Why each test was chosen, shown (not folded away): the reasons are part of the answer."""
    if not r.why:
        return ""
    out = ['<h3>Why these tests</h3><ul class="why" id="why">']
    out += [f"<li><b>{_e(what)}</b>: {_e(text)}</li>" for what, text in r.why]
    out.append("</ul>")
    return "".join(out)


def _runs_table(c: Comparison) -> str:
    rows = []
    total = 0
    configs = list(c.configs)
    if len(configs) > TOP_CONFIGS:  # a big sweep: the runs of the configurations listed above
        configs = [configs[i] for i in _shown(c)]
    for cfg in configs:
        ids, names, values = cfg.run_ids, cfg.run_names, cfg.values
        seeds = [] if cfg.seeds is None else jsonable(list(cfg.seeds))  # as the JSON shows them
        for i, rid in enumerate(ids):
            total += 1
            if len(rows) >= _MAX_RUN_ROWS:
                continue
            rows.append(
                (
                    str(cfg.name),
                    str(names[i]) if i < len(names) and names[i] is not None else "",
                    str(rid),
                    str(seeds[i]) if i < len(seeds) and seeds[i] is not None else "",
                    fmt_num(values[i]) if i < len(values) else "n/a",
                )
            )
    if not rows:
        return ""
    out = ["<section><h2>Runs</h2>"]
    out.append(
        _table(
            ("config", "run name", "run id", "seed", "value"),
            rows,
            (False, False, False, True, True),
            table_id="runs",
        )
    )
    everything = sum(len(cfg.run_ids) for cfg in c.configs)
    if everything > len(rows):
        out.append(f"<p>… and {everything - len(rows)} more runs (see comparison.json).</p>")
    out.append("</section>")
    return "".join(out)


def _pareto(c: Comparison) -> str:
    p = c.pareto
    if p is None or not p.points:
        return ""
    rows = [
        (pt.config, fmt_num(pt.metric), fmt_num(pt.cost), "yes" if pt.config in p.front else "no")
        for pt in p.points
    ]
    out = [f"<h3>Pareto front: metric against {_e(p.cost_metric)}</h3>"]
    out.append(
        _table(
            ("config", "metric", "cost", "on the front"),
            rows,
            (False, True, True, False),
            table_id="pareto",
        )
    )
    return "".join(out)


def _importance(r: Rows) -> str:
    """Parameter importance as a table, with the measure and any confounding in words."""
    if not r.importance_rows:
        return ""
    out = ["<section><h2>Parameter importance</h2>"]
    if r.importance_measure:
        out.append(f"<p>{_e(r.importance_measure)}</p>")
    out.append(
        _table(r.importance_header, r.importance_rows, (False, True, True, True, False),
               table_id="importance")
    )
    out.append("</section>")
    return "".join(out)


def render_html(c: Comparison, images: Mapping[str, bytes] | None = None) -> str:
    """The comparison as one self-contained HTML page.

    Args:
        c: the comparison.
        images: ``{file name: PNG bytes}`` to embed (as made by ``make_plots``); None makes them.

    Example:
        >>> from shared import Run, compare_runs
        >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
        ...             metrics={"acc": 0.8 + lr + 0.01 * ((7 * s + 100 * lr) % 5)})
        ...         for lr in (0.0, 0.1) for s in range(4)]
        >>> page = render_html(compare_runs(runs, metric="acc"))
        >>> page.startswith("<!DOCTYPE html>"), "<script" in page  # self-contained, no scripts
        (True, False)
    """
    if images is None:
        from shared.render._plots import make_plots

        images = make_plots(c)
    configs = list(c.configs)
    if len(configs) > TOP_CONFIGS and images:
        # a big sweep: the page plots the configurations it lists (the PNG files keep them all);
        # 400 curves made a 4 MB page no one could read
        from shared.render._plots import make_plots

        shown = [configs[i] for i in _shown(c)]
        names = {str(cfg.name) for cfg in shown}
        small = dataclasses.replace(
            c, configs=tuple(shown), critical_difference=None,
            pairs=tuple(p for p in c.pairs if str(p.a) in names and str(p.b) in names))
        images = {**images, **{k: v for k, v in make_plots(small).items()
                               if k in ("curves.png", "distribution.png")}}
        # the critical-difference diagram of every configuration stays a file of its own
        images = {k: v for k, v in images.items() if k != "cd_diagram.png"}
    r = build_rows(c)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(_CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(r.title)}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        f"<h1>{_e(r.title)}</h1>",
        f'<p class="sub">{_e(r.subtitle)}</p>',
        _decision(r),
        _configs_section(c, r),
    ]
    if r.omnibus:
        out.append(f"<p>Omnibus test: {_e(r.omnibus)}</p>")
    out.append("</section>")
    if r.pair_rows:
        out.append("<section><h2>Pairs</h2>")
        out.append(_pairs_table(c, r))
        out.append(_why(r))
        out.append("</section>")
    if images:
        out.append('<section id="plots"><h2>Plots</h2>')
        for name, png in images.items():
            caption = _CAPTIONS.get(name, name)
            data = base64.b64encode(png).decode("ascii")
            out.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{_e(caption)}">'
                f"<figcaption>{_e(caption)}</figcaption></figure>"
            )
        out.append("</section>")
    if r.warnings:
        out.append('<section><h2>Warnings</h2><ul class="warnings">')
        out += [f"<li>{_e(w)}</li>" for w in r.warnings]
        out.append("</ul></section>")
    pareto = _pareto(c)
    if r.cost_rows or pareto:
        out.append("<section><h2>Costs</h2>")
        if r.cost_rows:
            out.append(
                _table(r.cost_header, r.cost_rows, (False, False, True, True), table_id="costs")
            )
        out.append(pareto)
        out.append("</section>")
    out.append(_importance(r))
    out.append(_runs_table(c))
    out.append(
        f"<footer>tracker-compare report · schema {_e(r.schema)}</footer></main></body></html>"
    )
    return "\n".join(x for x in out if x) + "\n"
