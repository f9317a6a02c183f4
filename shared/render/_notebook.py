"""How a ``Comparison`` and a ``ConfirmResult`` show themselves in Jupyter.

``_repr_html_`` is the report itself (decision, tables, plots) in an ``<iframe srcdoc>``: the
report's own styles stay inside it, its Content-Security-Policy still forbids scripts and
fetches, and nothing is loaded from the network (offline-safe). ``_repr_markdown_`` is the
Markdown report, for front ends that show no HTML.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

__all__ = ["notebook_html", "notebook_markdown"]


def notebook_html(d: Mapping[str, Any], head: str = "") -> str:
    """The report of comparison dict ``d`` as a notebook cell's HTML, after ``head`` (text).

    Example:
        >>> # comparison._repr_html_() == notebook_html(comparison.to_dict())
    """
    from shared.render._html import render_html

    page = render_html(d)
    lead = f"<p>{html.escape(head)}</p>" if head else ""
    return (
        f'{lead}<iframe class="tracker-compare-report" srcdoc="{html.escape(page, quote=True)}"'
        ' sandbox="" style="width:100%;height:900px;border:1px solid #d8dee4"'
        ' title="tracker-compare report"></iframe>'
    )


def notebook_markdown(d: Mapping[str, Any], head: str = "") -> str:
    """The Markdown report of ``d``, after ``head``.

    Example:
        >>> # comparison._repr_markdown_().startswith("# tracker-compare:")
    """
    from shared.render._markdown import render_markdown

    text = render_markdown(d)
    return f"{head}\n\n{text}" if head else text
