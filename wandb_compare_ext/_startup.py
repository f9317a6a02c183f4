"""Start-up hook that adds ``compare`` to the ``wandb`` CLI.

wandb's CLI (``wandb.cli.cli.cli``, a click group) has no entry-point group for commands. The
one-line ``tracker_compare_wandb.pth`` (and, for Python 3.15+, ``tracker_compare_wandb.start``,
PEP 829) in site-packages imports this module at interpreter start-up. It only puts a tiny
finder on ``sys.meta_path``; nothing else happens until some code imports ``wandb.cli.cli``.
Right after that module has finished importing, the finder adds
``wandb_compare_ext.cli.compare`` to its ``cli`` group.

Rules this module keeps (it runs in every Python process of the environment):

* never breaks start-up: every step is inside ``try``/``except``;
* cheap: imports nothing beyond ``sys`` at start-up;
* idempotent: a venv processes ``.pth`` import lines twice, and 3.15 may call :func:`install`
  again; at most one finder is installed and at most one warning printed;
* does nothing when wandb is missing; if wandb or our command is broken, one warning line.

Remove it with ``pip uninstall tracker-compare``, or delete ``tracker_compare_wandb.pth`` (and
``.start``) from site-packages; set ``TRACKER_COMPARE_NO_HOOK=1`` to disable it for a process.

Example:
    >>> from wandb_compare_ext import _startup
    >>> _startup.install()  # already done at start-up; calling again changes nothing
"""

import sys

__all__ = ["install", "register"]

_TARGET = "wandb.cli.cli"
_COMMAND = "compare"
_MARK = "_tracker_compare_wandb_hook"
_warned = False


def _warn(message: str) -> None:
    """Print one line on stderr, once per process, whatever goes wrong afterwards."""
    global _warned
    if _warned:
        return
    _warned = True
    try:  # noqa: SIM105 - contextlib would cost an import at every start-up
        sys.stderr.write(f"tracker-compare: `wandb {_COMMAND}` unavailable: {message}\n")
    except Exception:
        pass


def register(cli_module: object) -> bool:
    """Add the ``compare`` command to ``cli_module.cli`` (a click group); True on success.

    Does nothing if a ``compare`` command is already there (ours, or one wandb adds later).

    Example:
        >>> import wandb.cli.cli  # doctest: +SKIP
        >>> register(wandb.cli.cli)  # doctest: +SKIP
        True
    """
    try:
        group = getattr(cli_module, "cli", None)
        commands = getattr(group, "commands", None)
        if group is None or not isinstance(commands, dict):
            _warn(f"{_TARGET}.cli is not a click group in this wandb version")
            return False
        if _COMMAND in commands:
            callback = getattr(commands[_COMMAND], "callback", None)
            return getattr(callback, "__module__", "").startswith("wandb_compare_ext")
        from wandb_compare_ext.cli import compare

        group.add_command(compare, name=_COMMAND)
        return True
    except Exception as error:  # a broken install must not break `wandb`
        _warn(" ".join(f"{type(error).__name__}: {error}".split())[:300])
        return False


class _Loader:
    """Wraps wandb.cli.cli's real loader: runs it, then registers ``compare``."""

    def __init__(self, loader: object) -> None:
        self._loader = loader

    def __getattr__(self, name: str) -> object:
        # is_package, get_code, get_resource_reader... stay the real loader's.
        return getattr(self._loader, name)

    def create_module(self, spec: object) -> object:
        create = getattr(self._loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: object) -> None:
        self._loader.exec_module(module)  # errors in wandb itself propagate as usual
        register(module)


class _Finder:
    """On ``sys.meta_path``: answers only for ``wandb.cli.cli``, and only to wrap its loader."""

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> object:
        if fullname != _TARGET:
            return None
        try:
            for finder in sys.meta_path:
                if finder is self or getattr(finder, _MARK, None):
                    continue
                find = getattr(finder, "find_spec", None)
                if find is None:
                    continue
                spec = find(fullname, path, target)
                if spec is not None:
                    if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                        spec.loader = _Loader(spec.loader)
                    return spec
        except Exception as error:
            _warn(" ".join(f"{type(error).__name__}: {error}".split())[:300])
        return None


setattr(_Finder, _MARK, True)  # marker so install() can find an existing finder


def install() -> None:
    """Install the finder once (PEP 829 entry point; also run when this module is imported)."""
    try:
        import os

        if os.environ.get("TRACKER_COMPARE_NO_HOOK"):
            return
        module = sys.modules.get(_TARGET)
        if module is not None and hasattr(module, "cli"):
            register(module)  # wandb.cli.cli was imported before us: register right away
            return
        if any(getattr(f, _MARK, None) for f in sys.meta_path):
            return
        sys.meta_path.insert(0, _Finder())
    except Exception:
        pass


install()
