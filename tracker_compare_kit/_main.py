"""``python -m <adapter>``: the shadowing check first, then the adapter's command.

Example (an adapter's ``__main__.py``)::

    from tracker_compare_kit._main import run

    if __name__ == "__main__":
        run("mlflow_compare_plugin.cli", prog_name="python -m mlflow_compare_plugin")
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["run"]


def run(cli_module: str, *, prog_name: str) -> None:
    """Call ``main(prog_name=...)`` of ``cli_module``; a shadowed core is one line and exit 2."""
    try:
        from tracker_compare_kit import _guard  # noqa: F401
    except ImportError as error:  # a user's own `shared` folder shadows our core
        sys.stderr.write(f"error: {error}\n")
        raise SystemExit(2) from None
    importlib.import_module(cli_module).main(prog_name=prog_name)
