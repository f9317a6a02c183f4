"""Plain-text tables for terminals."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from shared.render._data import build_rows
from shared.render._ranking import (
    DEFAULT_TOP,
    PAIR_ROWS,
    WARNING_ROWS,
    is_large,
    ranking,
    shown_pairs,
    single_runs,
)

if TYPE_CHECKING:  # the results layer calls the renderers back (notebook views)
    from shared.compare.results._comparison import Comparison

__all__ = ["render_table", "terminal_safe"]

# C0/C1 control characters (ESC starts ANSI sequences that could rewrite a terminal), the
# Unicode line/paragraph separators, and the bidirectional overrides/isolates, zero-width
# characters and BOM that reorder or hide text (U+202E shows "exe.gnp" as "png.exe"); shown as
# escapes instead of being sent to the terminal.
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def terminal_safe(text: str) -> str:
    """``text`` with control characters shown as ``\\xNN`` escapes (bidi and zero-width ones as
    ``\\uNNNN``), so a run name cannot move the cursor, clear the screen, break a table row or
    reorder what is read.

    Example:
        >>> terminal_safe("a\\x1b[2Jb")
        'a\\\\x1b[2Jb'
    """
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _width(text: str) -> int:
    if text.isascii():  # the common case, and 50x faster than looking at every character
        return len(text)
    # East Asian wide characters take two terminal columns; combining marks take none.
    w = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def grid(header: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]) -> list[str]:
    """Aligned lines: header, a rule, then the rows (cells already terminal-safe)."""
    widths = [_width(h) for h in header]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], _width(cell))
    lines = ["  ".join(_pad(h, widths[i], right[i]) for i, h in enumerate(header)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(_pad(c, widths[i], right[i]) for i, c in enumerate(row)).rstrip())
    return lines


def ranking_lines(c: Comparison, top: int, safe: Any) -> tuple[list[str], list[str]]:
    """The large layout as text lines: (summary and ranking lines, lines after the pairs).

    ``safe`` makes a cell safe for the medium (``terminal_safe`` for terminals). The pairs
    between the shown configurations are printed by the caller (``_ranking.shown_pairs``).
    """
    r = ranking(c, top)
    out = [safe(line) for line in r.summary] + ["", safe(r.title)]
    out += grid(r.header, [[safe(c) for c in row] for row in r.rows], r.right)
    if r.left_out:
        out.append(safe(r.left_out))
    after: list[str] = []
    if r.effects_rows:
        after += ["", safe(r.effects_title or "")]
        after += grid(
            r.effects_header,
            [[safe(c) for c in row] for row in r.effects_rows],
            (False, True, True, True, False),
        )
    if r.confirm:
        after += [""] + [safe(line) for line in r.confirm]
    return out, after


def render_table(c: Comparison, top: int = DEFAULT_TOP) -> str:
    """The comparison as aligned plain text: configurations, pairs, decision, warnings.

    More than ``top`` configurations (or a multiple-comparisons-with-the-best result, or one
    run per configuration) switch to the layout that fits a screen at any size: a summary,
    the ``top`` best configurations, what was left out, and only the pairs among those shown
    (``_ranking``). JSON and CSV keep everything.

    Args:
        c: the comparison.
        top: how many configurations the large layout shows.

    Example:
        >>> from shared import Run, compare_runs
        >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
        ...             metrics={"acc": 0.8 + lr + 0.01 * ((7 * s + 100 * lr) % 5)})
        ...         for lr in (0.0, 0.1) for s in range(4)]
        >>> render_table(compare_runs(runs, metric="acc")).splitlines()[0]
        'tracker-compare: acc'
    """
    s = terminal_safe
    large = is_large(c, top)
    after: list[str] = []
    pairs_hidden = 0
    if large:
        head, after = ranking_lines(c, top, s)
        shown = ranking(c, top).shown
        # one run per configuration: no pair table at all (every pair would say "no test")
        pairs, pairs_hidden = shown_pairs(c, shown, PAIR_ROWS) if not single_runs(c) else ([], 0)
        # build_rows on the shown part only: 79,800 pair rows would take seconds to format
        keep = set(shown)
        r = build_rows(c, pairs=pairs, omnibus=False,
                       configs=[cfg for cfg in c.configs if cfg.name in keep])
        out = [s(r.title), s(r.subtitle), ""] + head
    else:
        r = build_rows(c)
        out = [s(r.title), s(r.subtitle), ""]
        out += grid(
            r.config_header,
            [[s(c) for c in row] for row in r.config_rows],
            [False, True, True, True, True],
        )
    if r.omnibus:
        out += ["", f"omnibus {s(r.omnibus)}"]
    if r.pair_rows:
        out.append("")
        if large:
            out.append(f"pairs among the {len(r.config_rows)} shown:")
        out += grid(
            r.pair_header,
            [[s(c) for c in row] for row in r.pair_rows],
            [False, False, True, True, True, True, True, False],
        )
    if large and pairs_hidden:
        out.append(
            f"{pairs_hidden:,} {'more ' if r.pair_rows else ''}pairwise tests not shown "
            "(--format json or csv has every one)"
        )
    out += after
    if r.why:
        out += ["", "why these tests:"]
        out += [f"  - {s(what)}: {s(text)}" for what, text in r.why]
    out.append("")
    out.append(f"decision: {s(r.winner)} wins" if r.winner else "decision: no reliable difference")
    if r.rationale:
        out.append(f"  {s(r.rationale)}")
    if r.seeds_needed is not None:
        out.append(f"  seeds needed per configuration to detect this effect: {r.seeds_needed}")
    if r.cost:
        out.append(f"  cost: {s(r.cost)}")
    if r.cheaper:
        out.append(f"  cheaper alternative, {r.cheaper_words}: {s(r.cheaper)}")
    if r.cost_rows:
        out.append("")
        out += grid(
            r.cost_header, [[s(c) for c in row] for row in r.cost_rows], [False, False, True, True]
        )
    if r.importance_rows:
        out += ["", "parameter importance:"]
        if r.importance_measure:
            out.append(f"  {s(r.importance_measure)}")
        out += grid(
            r.importance_header,
            [[s(c) for c in row] for row in r.importance_rows],
            [False, True, True, True, False],
        )
    if r.warnings:
        out += ["", "warnings:"]
        shown_w = r.warnings if not large else r.warnings[:WARNING_ROWS]
        out += [f"  - {s(w)}" for w in shown_w]
        if len(shown_w) < len(r.warnings):
            out.append(f"  ... and {len(r.warnings) - len(shown_w)} more (--format json)")
    return "\n".join(out) + "\n"
