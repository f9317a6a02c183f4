"""``render``: one comparison, one output format, as a string."""

from __future__ import annotations

from typing import Any

from shared.errors import InputError
from shared.render._read import read_comparison

__all__ = ["FORMATS", "render"]

FORMATS = ("table", "markdown", "json", "csv", "html")


def render(comparison: Any, fmt: str = "table", *, top: int | None = None) -> str:
    """Render a comparison as text.

    Args:
        comparison: a ``Comparison``, its ``to_dict()``, or a ``pathlib.Path`` to a saved
            comparison.json (any schema version; read once, here, into a ``Comparison``).
        fmt: "table" (plain text for terminals), "markdown" (GitHub tables), "json" (exactly the
            dict, NaN/inf as null), "csv" (one row per configuration and one per tested pair, told apart by a ``kind``
            column) or "html" (a
            self-contained page with the plots embedded).
        top: with more configurations than this, "table" shows a summary, the ``top`` best
            and what was left out (default 10); "markdown" too when ``top`` is given (else it
            lists everything, as report.md does); JSON and CSV always keep everything.

    Raises:
        InputError: unknown format, or input that is not a comparison.

    Example:
        >>> from shared.render import render
        >>> from shared import Run, compare_runs
        >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
        ...             metrics={"acc": 0.8 + lr + 0.01 * ((7 * s + 100 * lr) % 5)})
        ...         for lr in (0.0, 0.1) for s in range(4)]
        >>> comparison = compare_runs(runs, metric="acc")
        >>> render(comparison, "markdown").splitlines()[0]
        '# tracker-compare: acc'
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    d = read_comparison(comparison)
    if fmt == "table":
        from shared.render._table import DEFAULT_TOP, render_table

        return render_table(d, DEFAULT_TOP if top is None else top)
    if fmt == "markdown":
        from shared.render._markdown import render_markdown

        return render_markdown(d, top)
    if fmt == "json":
        from shared.render._json import render_json

        return render_json(d)
    if fmt == "csv":
        from shared.render._csv import render_csv

        return render_csv(d)
    from shared.render._html import render_html

    return render_html(d)
