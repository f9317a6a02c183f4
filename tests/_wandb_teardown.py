"""``wandb.teardown()`` with a bound, for the fixtures of the W&B tests and the docstring examples
(the root conftest).

Why: ``wandb.teardown()`` sends wandb-core a teardown message and then waits for the service
process to exit with no time limit (``ServiceProcess.join()`` is a bare ``Popen.wait()``).
wandb-core exits only once every request it was handling has returned, and some of its work
takes no cancellation (its run-history reader calls a Rust parquet library over FFI: HTTP range
reads with their own timeouts, and freeing a reader joins its HTTP client's thread). In CI under
load, the ``wandb_server`` fixture's teardown after a history-reading test waited until
pytest-timeout's 600 s limit; the stuck step inside the SDK was not reproduced locally. So the
wait is bounded here: past the bound, the wandb-core process this process started is stopped by
SIGTERM (wandb-core's own handling: stop at once, without waiting for in-flight work), then
SIGKILL, and a warning says where teardown was waiting and how the service's log ends, so the
cause is on record the next time. Everything is still torn down: ``wandb.teardown()`` drops
W&B's process-wide setup before it waits, so the next test starts afresh. Nothing in wandb is
patched: the SDK's public teardown runs as is, in a helper thread we can stop waiting for.

Example:
    >>> teardown_wandb()  # nothing set up: returns at once
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import traceback
import warnings
from pathlib import Path

__all__ = ["teardown_wandb", "wandb_core_children"]

#: Normal teardown takes well under a second; this leaves two orders of magnitude for a loaded
#: machine and still ends far inside the test's 600 s limit.
TEARDOWN_LIMIT = 60.0
#: After each signal, how long the SDK gets to notice that the service is gone.
AFTER_SIGNAL = 20.0


def wandb_core_children() -> list[int]:
    """The wandb-core processes this process started (its children), read from ``/proc``.

    Empty where there is no ``/proc``: the bounded wait still holds there, only nothing is
    stopped.
    """
    me = os.getpid()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    found = []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces or parentheses, so cut at the last ")"
        name = stat[stat.find("(") + 1 : stat.rfind(")")]
        fields = stat[stat.rfind(")") + 1 :].split()
        if name == "wandb-core" and len(fields) > 1 and fields[1] == str(me):
            found.append(int(entry))
    return found


def _core_log_tail(lines: int = 12) -> str:
    """The end of wandb-core's newest debug log (``$WANDB_CACHE_DIR/wandb/logs``), if any."""
    cache = os.environ.get("WANDB_CACHE_DIR")
    if not cache:
        return ""
    logs = sorted((Path(cache) / "wandb" / "logs").glob("core-debug-*.log"))
    if not logs:
        return ""
    try:
        text = logs[-1].read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return f"\nwandb-core log {logs[-1]} ends:\n" + "\n".join(text)


def teardown_wandb(limit: float = TEARDOWN_LIMIT, after_signal: float = AFTER_SIGNAL) -> None:
    """``wandb.teardown()``, waited for at most ``limit`` seconds; past that, this process's
    wandb-core is stopped (SIGTERM, then SIGKILL) and a warning tells where teardown was.

    Exceptions from ``wandb.teardown()`` propagate, except the ``SystemExit`` it raises for the
    exit code of a service we stopped.
    """
    import wandb

    services = wandb_core_children()  # the service(s) this teardown is about to wait for
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            wandb.teardown()
        except BaseException as error:  # noqa: BLE001 - handed to the caller below
            outcome.append(error)

    worker = threading.Thread(target=run, name="wandb-teardown", daemon=True)
    worker.start()
    worker.join(limit)
    if not worker.is_alive():
        if outcome:
            raise outcome[0]
        return
    frame = sys._current_frames().get(worker.ident or -1)
    where = "".join(traceback.format_stack(frame)) if frame is not None else "(no stack)\n"
    log_tail = _core_log_tail()
    stopped = []
    for sig in (signal.SIGTERM, signal.SIGKILL):
        alive = [pid for pid in services if pid in wandb_core_children()]
        for pid in alive:
            try:
                os.kill(pid, sig)
                stopped.append(f"{pid} ({sig.name})")
            except ProcessLookupError:
                pass
        worker.join(after_signal)
        if not worker.is_alive():
            break
    outcome = [e for e in outcome if not isinstance(e, SystemExit)]
    warnings.warn(
        f"wandb.teardown() did not return within {limit:.0f} s; stopped wandb-core "
        f"{', '.join(stopped) or '(none found)'}; teardown "
        f"{'then returned' if not worker.is_alive() else 'is still stuck and was left'}. "
        f"It was waiting at:\n{where}{log_tail}",
        RuntimeWarning,
        stacklevel=2,
    )
    if outcome:
        raise outcome[0]
