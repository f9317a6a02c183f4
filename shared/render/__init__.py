"""Rendering a comparison: terminal table, markdown, JSON, CSV, self-contained HTML, PNG plots.

Everything works from the typed ``Comparison``; a dict or a saved comparison.json (any schema
version) is read into one first (``_read.read_comparison``), so it renders exactly like a fresh
comparison.

Example:
    >>> from shared.render import render, write_report
    >>> from shared import Run, compare_runs
    >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
    ...             metrics={"acc": 0.8 + lr + 0.01 * ((7 * s + 100 * lr) % 5)})
    ...         for lr in (0.0, 0.1) for s in range(4)]
    >>> comparison = compare_runs(runs, metric="acc")
    >>> render(comparison, "table").splitlines()[0]
    'tracker-compare: acc'
    >>> sorted(p.name for p in write_report(comparison, "report/"))[:3]
    ['comparison.json', 'distribution.png', 'report.html']
"""

from shared.render._escape import md_text, visible
from shared.render._render import FORMATS, render
from shared.render._report import REPORT_FILES, write_report

__all__ = ["FORMATS", "REPORT_FILES", "md_text", "render", "visible", "write_report"]
