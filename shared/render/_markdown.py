"""GitHub-flavoured markdown: the same content as the terminal table, as GFM tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from shared.render._data import build_rows
from shared.render._escape import md_text
from shared.render._ranking import (
    PAIR_ROWS,
    WARNING_ROWS,
    is_large,
    ranking,
    shown_pairs,
    single_runs,
)

if TYPE_CHECKING:  # the results layer calls the renderers back (notebook views)
    from shared.compare.results._comparison import Comparison

__all__ = ["render_markdown", "md_escape"]

def md_escape(text: str) -> str:
    r"""``text`` safe inside a GFM table cell or paragraph: shown as typed, never a link, an
    image, raw HTML or a line break (see :func:`shared.render._escape.md_text`).

    Example:
        >>> md_escape("a|b <i>")
        'a\\|b &lt;i&gt;'
    """
    return md_text(text)


def _table(
    header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]
) -> list[str]:
    lines = ["| " + " | ".join(header) + " |"]  # our own fixed words
    lines.append("|" + "|".join("---:" if r else ":---" for r in right) + "|")
    for row in rows:
        lines.append("| " + " | ".join(md_escape(c) for c in row) + " |")
    return lines


def render_markdown(c: Comparison, top: int | None = None) -> str:
    """The comparison as GitHub-flavoured markdown (headings, GFM tables, lists).

    Args:
        c: the comparison.
        top: when given (``--top``), more configurations than this give the screen-sized
            layout of the terminal table (summary, the ``top`` best, what was left out); without
            it (report.md) every configuration and pair is listed.

    Example:
        >>> from shared import Run, compare_runs
        >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
        ...             metrics={"acc": 0.8 + lr + 0.01 * ((7 * s + 100 * lr) % 5)})
        ...         for lr in (0.0, 0.1) for s in range(4)]
        >>> render_markdown(compare_runs(runs, metric="acc")).splitlines()[0]
        '# tracker-compare: acc'
    """
    large = top is not None and is_large(c, top)
    if large:
        rank = ranking(c, top)
        keep = set(rank.shown)
        pairs, pairs_hidden = ([], 0) if single_runs(c) else shown_pairs(c, rank.shown, PAIR_ROWS)
        # build_rows on the shown part only (as the terminal table does)
        r = build_rows(c, pairs=pairs, omnibus=False,
                       configs=[cfg for cfg in c.configs if cfg.name in keep])
    else:
        r = build_rows(c)
    e = md_escape
    out = [f"# {e(r.title)}", "", e(r.subtitle), "", "## Decision", ""]
    if r.winner:
        out.append(f"**{e(r.winner)} wins.**")
    else:
        out.append("**No reliable difference.**")
    if r.rationale:
        out += ["", e(r.rationale)]
    if r.seeds_needed is not None:
        out += ["", f"Seeds needed per configuration to detect this effect: {e(r.seeds_needed)}"]
    if r.cost:
        out += ["", f"Cost: {e(r.cost)}"]
    if r.cheaper:
        out += ["", f"Cheaper alternative, {r.cheaper_words}: {e(r.cheaper)}"]
    if large:
        out += ["", "## Summary", ""] + [f"- {e(line)}" for line in rank.summary]
        out += ["", f"## {e(rank.title)}", ""]
        out += _table([md_escape(h) for h in rank.header], rank.rows, list(rank.right))
        if rank.left_out:
            out += ["", e(rank.left_out)]
        if rank.effects_rows:
            out += ["", "## Param effects", "", e(rank.effects_title or ""), ""]
            out += _table(rank.effects_header, rank.effects_rows, [False, True, True, True, False])
        if rank.confirm:
            # list items, not a code fence: a param value could close a fence
            out += ["", "## Confirm with seeds", "", e(rank.confirm[0]), ""]
            out += [f"- {e(line.strip())}" for line in rank.confirm[1:]]
    else:
        out += ["", "## Configurations", ""]
        out += _table(r.config_header, r.config_rows, [False, True, True, True, True])
    if r.omnibus:
        out += ["", f"Omnibus test: {e(r.omnibus)}"]
    if r.pair_rows:
        out += ["", "## Pairs", ""]
        out += _table(
            r.pair_header, r.pair_rows, [False, False, True, True, True, True, True, False]
        )
        if r.why:
            out += ["", "### Why these tests", ""]
            out += [f"- **{e(what)}**: {e(text)}" for what, text in r.why]
    if large and pairs_hidden:
        out += ["", f"{pairs_hidden:,} pairwise tests not shown (--format json or csv has every one)"]
    if r.cost_rows:
        out += ["", "## Costs", ""]
        out += _table(r.cost_header, r.cost_rows, [False, False, True, True])
    if r.importance_rows:
        out += ["", "## Parameter importance", ""]
        if r.importance_measure:
            out += [e(r.importance_measure), ""]
        out += _table(r.importance_header, r.importance_rows, [False, True, True, True, False])
    if r.warnings:
        out += ["", "## Warnings", ""]
        shown_w = r.warnings[:WARNING_ROWS] if large else r.warnings
        out += [f"- {e(w)}" for w in shown_w]
        if len(shown_w) < len(r.warnings):
            out.append(f"- ... and {len(r.warnings) - len(shown_w)} more (--format json)")
    out += ["", f"<sub>{e(r.schema)}</sub>"]
    return "\n".join(out) + "\n"
