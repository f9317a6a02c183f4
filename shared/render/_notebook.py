"""How a ``Comparison`` and a ``ConfirmResult`` show themselves in Jupyter.

``_repr_html_`` is the report itself (decision, tables, plots) in an ``<iframe srcdoc>``: the
report's own styles stay inside it, its Content-Security-Policy still forbids scripts and
fetches, and nothing is loaded from the network (offline-safe). ``_repr_markdown_`` is the
Markdown report, for front ends that show no HTML.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.compare.results._comparison import Comparison

__all__ = ["notebook_html", "notebook_markdown"]


def notebook_html(c: Comparison, head: str = "") -> str:
    """The report of comparison ``c`` as a notebook cell's HTML, after ``head`` (text).

    Example:
        >>> # comparison._repr_html_() == notebook_html(comparison)
    """
    from shared.render._html import render_html

    page = render_html(c)
    lead = f"<p>{html.escape(head)}</p>" if head else ""
    return (
        f'{lead}<iframe class="tracker-compare-report" srcdoc="{html.escape(page, quote=True)}"'
        ' sandbox="" style="width:100%;height:900px;border:1px solid #d8dee4"'
        ' title="tracker-compare report"></iframe>'
    )


def notebook_markdown(c: Comparison, head: str = "") -> str:
    """The Markdown report of ``c``, after ``head``.

    Example:
        >>> # comparison._repr_markdown_().startswith("# tracker-compare:")
    """
    from shared.render._markdown import render_markdown

    text = render_markdown(c)
    return f"{head}\n\n{text}" if head else text
