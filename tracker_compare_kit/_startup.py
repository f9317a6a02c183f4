"""Start-up hook that adds ``compare`` to the ``mlflow`` and ``wandb`` CLIs.

Neither CLI has an entry-point group for commands. The one-line ``tracker_compare.pth`` (and,
for Python 3.15+, ``tracker_compare.start``, PEP 829) in site-packages imports this module at
interpreter start-up. It only puts one tiny finder on ``sys.meta_path``; nothing else happens
until some code imports a target CLI module. Right after that module has finished importing,
the finder adds the adapter's command to the module's ``cli`` click group.

What is added where is the table :data:`HOOKS`: target CLI module, command name, and the
module holding the command (a click command of that name). A third tracker adds one row.

Rules this module keeps (it runs in every Python process of the environment):

* never breaks start-up: every step is inside ``try``/``except``;
* cheap: imports nothing beyond ``sys`` at start-up (about a millisecond in total);
* idempotent: a venv processes ``.pth`` import lines twice, and 3.15 may call :func:`install`
  again; at most one finder is installed and at most one warning printed per hook;
* does nothing when a tracker is missing; if it or our command is broken, one warning line.

Remove it with ``pip uninstall tracker-compare``, or delete ``tracker_compare.pth`` (and
``.start``) from site-packages; set ``TRACKER_COMPARE_NO_HOOK=1`` to disable it for a process.

Example:
    >>> from tracker_compare_kit import _startup
    >>> _startup.install()  # already done at start-up; calling again changes nothing
"""

import sys

__all__ = ["HOOKS", "Hook", "install", "register"]


class Hook:
    """One command to add: ``provider.<command>`` into ``<target>.cli`` under ``command``.

    A plain class, not a dataclass: ``dataclasses`` would cost an import at every start-up.

    Example:
        >>> Hook("mlflow.cli", "compare", "mlflow_compare_plugin.cli").tool
        'mlflow'
    """

    __slots__ = ("command", "provider", "target")

    def __init__(self, target: str, command: str, provider: str) -> None:
        self.target = target  # the CLI module, e.g. "mlflow.cli"; its click group is `.cli`
        self.command = command  # the command's name in that group, and its name in `provider`
        self.provider = provider  # the module defining the click command, e.g. "x.cli"

    @property
    def tool(self) -> str:
        """The executable users type, for messages (``mlflow``, ``wandb``)."""
        return self.target.split(".")[0]

    def __repr__(self) -> str:
        return f"Hook({self.target!r}, {self.command!r}, {self.provider!r})"


#: Every command the hook adds, one row per tracker CLI.
HOOKS: tuple[Hook, ...] = (
    Hook("mlflow.cli", "compare", "mlflow_compare_plugin.cli"),
    Hook("wandb.cli.cli", "compare", "wandb_compare_ext.cli"),
)

_warned: set = set()  # targets that already printed their one warning


def _warn(hook: Hook, message: str) -> None:
    """Print one line on stderr, once per hook and process, whatever goes wrong afterwards."""
    if hook.target in _warned:
        return
    _warned.add(hook.target)
    try:  # noqa: SIM105 - contextlib would cost an import at every start-up
        sys.stderr.write(f"tracker-compare: `{hook.tool} {hook.command}` unavailable: {message}\n")
    except Exception:
        pass


def _describe(error: BaseException) -> str:
    return " ".join(f"{type(error).__name__}: {error}".split())[:300]


def register(cli_module: object, hook: Hook) -> bool:
    """Add ``hook``'s command to ``cli_module.cli`` (a click group); True on success.

    Does nothing if a command of that name is already there (ours, or one the tracker adds
    later); True only if the one there is ours.

    Example:
        >>> import mlflow.cli  # the hook has already added `compare` while it was imported
        >>> register(mlflow.cli, HOOKS[0]), "compare" in mlflow.cli.cli.commands
        (True, True)
    """
    try:
        group = getattr(cli_module, "cli", None)
        commands = getattr(group, "commands", None)
        if group is None or not isinstance(commands, dict):
            _warn(hook, f"{hook.target}.cli is not a click group in this {hook.tool} version")
            return False
        if hook.command in commands:
            callback = getattr(commands[hook.command], "callback", None)
            return getattr(callback, "__module__", "").startswith(hook.provider.split(".")[0])
        # __import__ rather than importlib: nothing more to load at start-up.
        module = __import__(hook.provider, fromlist=[hook.command])
        group.add_command(getattr(module, hook.command), name=hook.command)
        return True
    except Exception as error:  # a broken install must not break the tracker's CLI
        _warn(hook, _describe(error))
        return False


class _Loader:
    """Wraps a target CLI module's real loader: runs it, then registers the hook's command."""

    def __init__(self, loader: object, hook: Hook) -> None:
        self._loader = loader
        self._hook = hook

    def __getattr__(self, name: str) -> object:
        # is_package, get_code, get_resource_reader... stay the real loader's.
        return getattr(self._loader, name)

    def create_module(self, spec: object) -> object:
        create = getattr(self._loader, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module: object) -> None:
        self._loader.exec_module(module)  # errors in the tracker itself propagate as usual
        register(module, self._hook)


class _Finder:
    """On ``sys.meta_path``: answers only for the hooks' targets, and only to wrap their loader."""

    _tracker_compare_hook = True  # marker so install() can find an existing finder

    def __init__(self, hooks: tuple) -> None:
        self._hooks = {hook.target: hook for hook in hooks}

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> object:
        hook = self._hooks.get(fullname)
        if hook is None:
            return None
        try:
            for finder in sys.meta_path:
                if finder is self or getattr(finder, "_tracker_compare_hook", None):
                    continue
                find = getattr(finder, "find_spec", None)
                if find is None:
                    continue
                spec = find(fullname, path, target)
                if spec is not None:
                    if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                        spec.loader = _Loader(spec.loader, hook)
                    return spec
        except Exception as error:
            _warn(hook, _describe(error))
        return None


def _quiet_exit(signum: int, frame: object) -> None:
    """Ctrl-C or SIGTERM while ``mlflow compare`` / ``wandb compare`` is still starting (the
    tracker's own imports, before the command's handlers): one line and the shell's exit code
    instead of a 40-line traceback out of the tracker's import machinery. Nothing has been
    written yet, so there is nothing to clean up."""
    import contextlib
    import os
    import signal

    terminated = signum == signal.SIGTERM
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    try:
        sys.stderr.write("error: terminated (SIGTERM)\n" if terminated else "error: interrupted\n")
        sys.stderr.flush()
    finally:
        os._exit(143 if terminated else 130)


def _quiet_start_up() -> None:
    """For the ``mlflow compare`` / ``wandb compare`` processes only (sys.argv is known when
    .pth files run): signals end the start-up quietly (see ``_quiet_exit``). The command's
    own handlers replace these once it runs, and put them back when it returns."""
    import os
    import signal
    import threading

    argv = getattr(sys, "argv", None) or []
    tool = os.path.basename(argv[0]) if argv else ""
    if tool not in ("mlflow", "wandb") or argv[1:2] != ["compare"]:
        return
    if threading.current_thread() is not threading.main_thread():
        return
    for number in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(number) in (signal.default_int_handler, signal.SIG_DFL):
            signal.signal(number, _quiet_exit)


def install(hooks: tuple = HOOKS) -> None:
    """Install the finder once (PEP 829 entry point; also run when this module is imported).

    A target CLI module imported before us gets its command right away.
    """
    try:
        import os

        if os.environ.get("TRACKER_COMPARE_NO_HOOK"):
            return
        _quiet_start_up()
        for hook in hooks:
            module = sys.modules.get(hook.target)
            if module is not None and hasattr(module, "cli"):
                register(module, hook)
        if any(getattr(f, "_tracker_compare_hook", None) for f in sys.meta_path):
            return
        sys.meta_path.insert(0, _Finder(hooks))
    except Exception:
        pass


install()
