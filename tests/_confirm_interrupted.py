"""A confirm command interrupted after some items, for the rerun tests of both adapters.

``TRAIN`` is a ``--function`` train: each finished call appends ``lr seed`` to ``$TRAINED``;
with ``$HANG_AT=N`` the N-th call (counted in ``$CALLS``) hangs instead (a long training step)
and :func:`interrupt` sends SIGINT to the command then. The values differ by a lot between
``lr`` 0.1 and 0.9 and a little between seeds, so the first look decides.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

TRAIN = '''
import os, time

def train(lr, seed):
    with open(os.environ["CALLS"], "a") as calls:
        calls.write(".")
    if os.environ.get("HANG_AT") and os.path.getsize(os.environ["CALLS"]) == int(os.environ["HANG_AT"]):
        time.sleep(600)  # interrupted here
    with open(os.environ["TRAINED"], "a") as trained:
        trained.write(f"{lr} {seed}\\n")
    return {"acc": lr + 0.01 * ((seed * (3 if lr > 0.5 else 7)) % 5)}
'''

CONFIGS = "- {name: a, lr: 0.1}\n- {name: b, lr: 0.9}\n"


def set_up(folder: Path) -> dict[str, str]:
    """The train module and configs in ``folder``; the environment's file names."""
    (folder / "interrupted_train.py").write_text(TRAIN)
    (folder / "configs.yaml").write_text(CONFIGS)
    return {"CALLS": str(folder / "calls"), "TRAINED": str(folder / "trained")}


def interrupt(args: Sequence[str], env: dict[str, str], cwd: Path, hang_at: int) -> str:
    """Run ``args`` until its ``hang_at``-th train call hangs, then SIGINT it: its stderr."""
    calls = Path(env["CALLS"])
    proc = subprocess.Popen(list(args), cwd=cwd, env={**env, "HANG_AT": str(hang_at)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while not (calls.exists() and calls.stat().st_size >= hang_at):
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    return stderr


def trained(env: dict[str, str]) -> list[tuple[float, int]]:
    """Every (lr, seed) whose train call finished, in order."""
    lines = Path(env["TRAINED"]).read_text().split("\n")
    return [(float(lr), int(seed)) for lr, seed in (line.split() for line in lines if line)]
