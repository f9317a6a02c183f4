"""Fail clearly when a user's own ``shared`` folder shadows tracker-compare's core.

Our core package is called ``shared``; a folder of that name next to a training script comes
first on ``sys.path`` and would otherwise surface later as an obscure ImportError. This check
cannot live in ``shared`` (that is what may be shadowed), so it lives in the adapter kit, and
every public adapter module imports it first: ``from tracker_compare_kit import _guard``.

Example:
    >>> from tracker_compare_kit import _guard
    >>> _guard.check_core()  # the real core: nothing happens
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

__all__ = ["ShadowedCoreError", "check_core"]


class ShadowedCoreError(ImportError):
    """Another ``shared`` package is found before tracker-compare's core."""


def _expected() -> Path:
    # The core is installed beside the kit (site-packages, or the source checkout).
    return (Path(__file__).resolve().parent.parent / "shared" / "__init__.py").resolve()


def check_core() -> None:
    """Raise ``ShadowedCoreError`` (one-line message) if ``import shared`` is not our core."""
    module = sys.modules.get("shared")
    origin = getattr(module, "__file__", None) if module is not None else None
    if module is None:
        spec = importlib.util.find_spec("shared")
        origin = spec.origin if spec is not None else None
    expected = _expected()
    if origin is not None and Path(origin).resolve() == expected:
        return
    found = origin or "a namespace package without __init__.py"
    raise ShadowedCoreError(
        f"tracker-compare's core package 'shared' ({expected.parent}) is shadowed by {found}; "
        "rename your own 'shared' folder or run from another directory"
    )


check_core()
