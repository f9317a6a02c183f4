"""A self-contained HTML report: inline CSS, plots as PNG data URIs, no script, no network.

MLflow shows HTML artifacts in an iframe that runs scripts, so every user-supplied string (run,
config, param, metric and tag names, warnings, rationale) goes through ``html.escape`` and the
page carries a Content-Security-Policy that forbids scripts and any fetch: even a string that
slipped through escaping could neither run nor phone home.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from typing import Any

from shared.render._data import Rows, build_rows, fmt_num
from shared.render._escape import MAX_NAME, shorten, visible

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
tbody td:first-child, thead th:first-child { position: sticky; left: 0; z-index: 1; }
tr.sig td { background: #f0fff4; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #59636e; font-size: 0.9em; }
ul.why li, ul.warnings li { overflow-wrap: break-word; margin: 0.2em 0; }
ul.warnings li { color: #9a6700; }
footer { margin-top: 2em; color: #59636e; font-size: 0.85em; border-top: 1px solid #d8dee4; padding-top: 0.5em; }
@media (max-width: 640px) {
  main { padding: 10px 10px 24px; }
  th, td { padding: 3px 6px; }
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
) -> str:
    out = [f'<div class="scroll"><table id="{table_id}"><thead><tr>']
    out += [f"<th>{_e(h)}</th>" for h in header]
    out.append("</tr></thead><tbody>")
    for i, row in enumerate(rows):
        cls = row_classes[i] if row_classes else ""
        out.append(f'<tr class="{cls}">' if cls else "<tr>")
        for cell, num in zip(row, numeric, strict=True):
            shown = _e(cell) if num else _name(cell)
            out.append(f'<td class="{"num" if num else "name"}">{shown}</td>')
        out.append("</tr>")
    out.append("</tbody></table></div>")
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


def _runs_table(d: Mapping[str, Any]) -> str:
    rows = []
    total = 0
    for c in d.get("configs") or []:
        ids = list(c.get("runs") or [])
        names = list(c.get("run_names") or [])
        values = list(c.get("values") or [])
        seeds = c.get("seeds")
        seeds = list(seeds) if isinstance(seeds, Sequence) and not isinstance(seeds, str) else []
        for i, rid in enumerate(ids):
            total += 1
            if len(rows) >= _MAX_RUN_ROWS:
                continue
            rows.append(
                (
                    str(c.get("name", "")),
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
    if total > len(rows):
        out.append(f"<p>… and {total - len(rows)} more runs (see comparison.json).</p>")
    out.append("</section>")
    return "".join(out)


def _pareto(d: Mapping[str, Any]) -> str:
    p = d.get("pareto")
    if not isinstance(p, Mapping) or not p.get("points"):
        return ""
    front = {str(x) for x in p.get("front") or []}
    rows = []
    for pt in p["points"]:
        if isinstance(pt, Mapping):
            name = str(pt.get("config", ""))
            rows.append(
                (
                    name,
                    fmt_num(pt.get("metric")),
                    fmt_num(pt.get("cost")),
                    "yes" if name in front else "no",
                )
            )
    out = [f"<h3>Pareto front: metric against {_e(p.get('cost_metric'))}</h3>"]
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


def render_html(d: Mapping[str, Any], images: Mapping[str, bytes] | None = None) -> str:
    """The comparison as one self-contained HTML page.

    Args:
        d: the comparison dict (``Comparison.to_dict()``).
        images: ``{file name: PNG bytes}`` to embed (as made by ``make_plots``); None makes them.

    Example:
        >>> Path("report.html").write_text(render_html(comparison_dict))  # doctest: +SKIP
    """
    if images is None:
        from shared.render._plots import make_plots

        images = make_plots(d)
    r = build_rows(d)
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
        "<section><h2>Configurations</h2>",
        _table(r.config_header, r.config_rows, (False, True, True, True, True), table_id="configs"),
    ]
    if r.omnibus:
        out.append(f"<p>Omnibus test: {_e(r.omnibus)}</p>")
    out.append("</section>")
    if r.pair_rows:
        out.append("<section><h2>Pairs</h2>")
        sig = ["sig" if row[-1] == "yes" else "" for row in r.pair_rows]
        out.append(
            _table(
                r.pair_header,
                r.pair_rows,
                (False, False, True, True, True, True, True, False),
                table_id="pairs",
                row_classes=sig,
            )
        )
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
    pareto = _pareto(d)
    if r.cost_rows or pareto:
        out.append("<section><h2>Costs</h2>")
        if r.cost_rows:
            out.append(
                _table(r.cost_header, r.cost_rows, (False, False, True, True), table_id="costs")
            )
        out.append(pareto)
        out.append("</section>")
    out.append(_importance(r))
    out.append(_runs_table(d))
    out.append(
        f"<footer>tracker-compare report · schema {_e(r.schema)}</footer></main></body></html>"
    )
    return "\n".join(x for x in out if x) + "\n"
