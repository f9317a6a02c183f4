"""setuptools ``build_py`` that also ships the start-up hook for ``mlflow``/``wandb compare``.

Declared in setup.cfg (``[options] cmdclass = build_py = tracker_compare_kit._build.
BuildPyWithStartupHooks``). After the normal build it writes, beside the packages:

* ``tracker_compare.pth``: ``import tracker_compare_kit._startup`` (one line; the module holds
  the table of commands to add, see :mod:`tracker_compare_kit._startup`);
* ``tracker_compare.start``: the same hook as a PEP 829 entry point (``pkg.mod:callable``) for
  Python 3.15+, where ``.pth`` import lines go away.

A regular build writes them into ``build_lib`` (so they land in the wheel root, i.e. purelib,
and ``pip uninstall`` removes them with the RECORD); an editable build writes them into the
install command's ``install_lib``, which setuptools points at the editable wheel's root.
``get_outputs()`` is deliberately not overridden: strict editable mode breaks if it is.

This module runs inside pip's build isolation: it imports only setuptools and the standard
library. The names start with a lowercase letter so they sort after ``__editable__.*.pth``
(the editable path must be on ``sys.path`` before our import line runs).

Example:
    >>> from tracker_compare_kit._build import HOOK_FILES
    >>> HOOK_FILES["tracker_compare.pth"]
    'import tracker_compare_kit._startup\\n'
"""

from __future__ import annotations

import os

from setuptools.command.build_py import build_py

__all__ = ["BuildPyWithStartupHooks", "HOOK_FILES"]

#: File name -> exact content. Each is one line that imports (or names) a hook module.
HOOK_FILES: dict[str, str] = {
    "tracker_compare.pth": "import tracker_compare_kit._startup\n",
    "tracker_compare.start": "tracker_compare_kit._startup:install\n",
}


class BuildPyWithStartupHooks(build_py):
    """``build_py`` plus the one-line start-up hook files (see the module docstring)."""

    def run(self) -> None:
        super().run()
        target = self._hook_dir()
        os.makedirs(target, exist_ok=True)
        for name, content in HOOK_FILES.items():
            path = os.path.join(target, name)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(content)
            self.announce(f"writing start-up hook {path}", level=2)

    def _hook_dir(self) -> str:
        if getattr(self, "editable_mode", False):
            # setuptools' editable_wheel sets install.install_lib to the editable wheel's root.
            install = self.get_finalized_command("install")
            if install.install_lib:
                return str(install.install_lib)
        return str(self.build_lib)
