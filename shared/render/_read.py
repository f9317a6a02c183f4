"""The one edge where a comparison dict or a saved comparison.json becomes a ``Comparison``.

Any schema version (v1, v2, v3: ``shared.compare.results._upgrade``) is read, so a file saved
long ago renders like a fresh comparison. Its own module: the only renderer module importing
the ``Comparison`` class at run time, and one the notebook views (called back by
``Comparison._repr_html_``) never import, so the results layer and the renderers import each
other in no cycle.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from shared.compare.results._comparison import Comparison, as_comparison
from shared.errors import InputError

__all__ = ["read_comparison"]


def read_comparison(obj: Any) -> Comparison:
    """The ``Comparison`` itself, or the one a comparison dict or a path to a saved
    comparison.json holds (any schema version: older files are upgraded).

    Raises:
        InputError: when ``obj`` is none of these, or is not a tracker-compare comparison.

    Example:
        >>> read_comparison({"schema": "tracker-compare/comparison/v1", "configs": []}).configs
        ()
    """
    if isinstance(obj, os.PathLike):
        path = Path(obj)
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"cannot read comparison file {path}: {exc.strerror or exc}") from exc
        except ValueError as exc:
            raise InputError(f"{path} is not valid JSON: {exc}") from exc
    return as_comparison(obj)
