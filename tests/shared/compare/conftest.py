"""Load the hand-built run helpers of ``_compare_data.py`` under a unique module name.

The suite runs with ``--import-mode=importlib`` (``tests`` is not a package), so a bare
``import _compare_data`` would not resolve; tests import ``_tracker_compare_compare_data``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_NAME = "_tracker_compare_compare_data"

if _NAME not in sys.modules:
    _spec = importlib.util.spec_from_file_location(_NAME, Path(__file__).with_name("_compare_data.py"))
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules[_NAME] = _module
    _spec.loader.exec_module(_module)
