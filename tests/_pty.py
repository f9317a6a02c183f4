"""Run a command with a real pseudo-terminal as its stdin, stdout and stderr (``os.openpty``).

Terminal behaviour (progress bars, widths) is decided by ``isatty()`` and the terminal's size;
a pipe cannot show it. ``run_in_pty`` gives the child a pty of ``rows`` x ``cols`` (0 x 0 is a
terminal that reports no size, as some CI consoles and ``docker exec`` without ``-t`` sizes do)
and returns everything it wrote, with the exit code.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import termios
from collections.abc import Sequence
from pathlib import Path


def run_in_pty(argv: Sequence[str], *, env: dict[str, str], cwd: str | Path | None = None,
               rows: int = 40, cols: int = 120, timeout: float = 600.0) -> tuple[int, str]:
    """Run ``argv`` on a pty of ``rows`` x ``cols``; return (exit code, all output as text)."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    child = subprocess.Popen(list(argv), stdin=follower, stdout=follower, stderr=follower,
                             env=env, cwd=cwd, close_fds=True, start_new_session=True)
    os.close(follower)
    chunks: list[bytes] = []
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], timeout)
            if not ready:
                child.kill()
                raise TimeoutError(f"{argv[:3]} wrote nothing for {timeout} s")
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal (it has ended)
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(leader)
        code = child.wait(timeout=timeout)
    return code, b"".join(chunks).decode("utf-8", "replace")
