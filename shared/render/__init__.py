"""Rendering a comparison: terminal table, markdown, JSON, CSV, self-contained HTML, PNG plots.

Everything works from the comparison dict (``Comparison.to_dict()``), so a saved
comparison.json renders exactly like a fresh comparison.

Example:
    >>> from shared.render import render, write_report
    >>> print(render(comparison, "table"))  # doctest: +SKIP
    >>> write_report(comparison, "report/")  # doctest: +SKIP
"""

from shared.render._escape import md_text, visible
from shared.render._render import FORMATS, render
from shared.render._report import REPORT_FILES, write_report

__all__ = ["FORMATS", "REPORT_FILES", "md_text", "render", "visible", "write_report"]
