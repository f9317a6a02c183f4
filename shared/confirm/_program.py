"""Training as a program (``--program "python train.py"``), and checks on a train function.

A program gets each param as ``--key=value`` and the seed as ``--seed=N`` and reports the
metric to the tracker run it is given in its environment (MLflow: ``MLFLOW_RUN_ID``, so its
``mlflow.start_run()`` continues the item's run; W&B: ``WANDB_RUN_ID`` and friends, and the
metric is read from W&B's log of the run, as the local sweep runner reads a program's).
A program that exits non-zero fails its item (retried up to ``max_attempts``).
"""

from __future__ import annotations

import contextlib
import inspect
import json
import shlex
import subprocess
from collections.abc import Callable, Mapping
from typing import Any

from shared.errors import InputError

__all__ = ["check_signature", "program_args", "program_train"]


def program_args(params: Mapping[str, Any], seed: int) -> list[str]:
    """``--key=value`` per param (lists and dicts as JSON), then ``--seed=N``.

    Example:
        >>> program_args({"lr": 0.01, "layers": [64, 64]}, 3)
        ['--lr=0.01', '--layers=[64, 64]', '--seed=3']
    """
    def text(value: Any) -> str:
        return json.dumps(value) if isinstance(value, (list, dict, bool)) or value is None else str(value)

    return [f"--{k}={text(v)}" for k, v in params.items()] + [f"--seed={seed}"]


def program_train(program: str, env_for: Callable[[], Mapping[str, str]]) -> Callable[..., None]:
    """A train function that runs ``program`` once per (configuration, seed).

    Args:
        program: the command (``"python train.py"``), split like a shell would.
        env_for: called inside the item's tracker run: the environment variables that point
            the program at that run.
    """
    try:
        command = shlex.split(program)
    except ValueError as error:  # "No closing quotation": the user's command line
        raise InputError(f"--program {program!r} cannot be split like a shell would: {error}") from None
    if not command:
        raise InputError("--program is empty")

    running: list[subprocess.Popen[str]] = []

    def train(**kwargs: Any) -> None:
        import os

        seed = kwargs.pop("seed")
        argv = command + program_args(kwargs, seed)
        env = {**os.environ, **env_for()}
        try:
            proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True)
        except OSError as error:
            raise InputError(f"cannot start {command[0]!r}: {error.strerror}") from None
        running.append(proc)
        try:
            stdout, stderr = proc.communicate()
        except BaseException:
            proc.kill()  # Ctrl-C: the program does not outlive the item
            proc.wait()
            raise
        finally:
            running.remove(proc)
        if proc.returncode != 0:
            tail = (stderr or stdout).strip().splitlines()[-1:]
            said = f": {tail[0][:500]}" if tail else " (it printed nothing)"
            raise RuntimeError(f"{shlex.join(argv)} exited with code {proc.returncode}{said}")
        return None

    def stop() -> None:
        """Kill the program of the item that ran out of time (``item_timeout``)."""
        for proc in list(running):
            with contextlib.suppress(OSError):
                proc.kill()

    train.stop = stop  # type: ignore[attr-defined]
    return train


def check_signature(train: Callable[..., Any], configs: Mapping[str, Mapping[str, Any]]) -> None:
    """Refuse, before anything runs, a configuration key ``train`` does not accept (or no
    ``seed`` argument): one line naming the key and the configuration."""
    try:
        signature = inspect.signature(train)
    except (TypeError, ValueError):  # a builtin or C callable: nothing to check
        return
    params = signature.parameters.values()
    name = getattr(train, "__name__", "train")
    # an argument without a default must come from every configuration (or be the seed):
    # else each attempt of that configuration fails, found only after max_attempts of them
    required = [p.name for p in params if p.default is inspect.Parameter.empty
                and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
                and p.name != "seed"]
    for config, values in configs.items():
        missing = [r for r in required if r not in values]
        if missing:
            raise InputError(f"configuration {config!r} lacks {missing[0]!r}, which {name}() "
                             "requires: add it to the configuration, or give it a default")
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return
    accepted = {p.name for p in params
                if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}
    if "seed" not in accepted:
        raise InputError(f"{name}() takes no 'seed' argument: confirm calls {name}(**params, seed=N)")
    for config, values in configs.items():
        unknown = sorted(set(values) - accepted)
        if unknown:
            raise InputError(f"configuration {config!r} has key {unknown[0]!r} that {name}() "
                             f"does not accept (it takes: {', '.join(sorted(accepted))})")
