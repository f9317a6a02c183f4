"""What W&B's agent hands a run: its environment, its parameter file, a program's command line.

Both kinds of trial use these: both give the run the environment and the parameter file
``wandb.init`` reads (``WANDB_SWEEP_PARAM_PATH``), and a program sweep fills the config's
``command`` macros.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wandb_compare_ext.sweep._distributions import nest_config
from wandb_compare_ext.sweep._keys import FLUSH_ENV, LOG_FLUSH_SECONDS

if TYPE_CHECKING:
    from wandb_compare_ext.sweep._study import SweepContext

__all__ = ["agent_environment", "build_command", "write_param_file"]


def _format_value(value: Any) -> str:
    # W&B's agent formats with f"{value}" (Python's str()).
    return f"{value}"


def build_command(
    template: Sequence[str],
    config: Mapping[str, Any],
    *,
    program: str | None,
    interpreter: str | None = None,
    args_json_file: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    """Fill W&B's command macros for one run, as W&B's agent does.

    ``${args}`` gives ``--key=value`` for each top-level config key (a nested parameter's value
    is its dict), ``${args_no_hyphens}`` ``key=value``, ``${args_no_equals}`` ``--key value``,
    ``${args_no_boolean_flags}`` ``--flag`` for true and nothing for false, ``${args_json}``
    the JSON, ``${args_json_file}`` a file holding it, ``${args_append_hydra}`` ``+key=value``,
    ``${args_override_hydra}`` ``++key=value``, ``${envvar:NAME}`` the variable's value.

    Example:
        >>> build_command(["${env}", "${interpreter}", "${program}", "${args}"],
        ...               {"lr": 0.1, "opt": "sgd"}, program="train.py", interpreter="python")
        ['/usr/bin/env', 'python', 'train.py', '--lr=0.1', '--opt=sgd']
    """
    import re

    env = os.environ if environ is None else environ
    flags = [f"--{k}={_format_value(v)}" for k, v in config.items()]
    no_bool: list[str] = []
    no_equals: list[str] = []
    for k, v in config.items():
        no_equals += [f"--{k}", _format_value(v)]
        if isinstance(v, bool):
            if v:
                no_bool.append(f"--{k}")
        else:
            no_bool.append(f"--{k}={_format_value(v)}")
    macros: dict[str, list[str]] = {
        "env": ["/usr/bin/env"] if os.name != "nt" else [],
        "interpreter": [interpreter or sys.executable],
        "program": [program] if program else [],
        "args": flags,
        "args_no_hyphens": [f"{k}={_format_value(v)}" for k, v in config.items()],
        "args_no_equals": no_equals,
        "args_no_boolean_flags": no_bool,
        "args_json": [json.dumps(dict(config))],
        "args_json_file": [args_json_file] if args_json_file else [],
        "args_append_hydra": [f"+{k}={_format_value(v)}" for k, v in config.items()],
        "args_override_hydra": [f"++{k}={_format_value(v)}" for k, v in config.items()],
    }
    envvar = re.compile(r"\$\{envvar:([A-Z0-9_]*)\}")
    out: list[str] = []
    for part in template:
        part = envvar.sub(lambda m: env.get(m.group(1), m.group(1)), str(part))
        if part.startswith("${") and part.endswith("}") and part[2:-1] in macros:
            out += macros[part[2:-1]]
        else:
            out.append(part)
    return out


def write_param_file(path: Path, nested: Mapping[str, Any]) -> None:
    """Write the sweep values of one run where ``WANDB_SWEEP_PARAM_PATH`` will point."""
    import yaml

    # The format W&B's agent writes for WANDB_SWEEP_PARAM_PATH (wandb.init reads it).
    body = {k: {"value": v} for k, v in nested.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("wandb_version: 1\n\n" + yaml.safe_dump(body, default_flow_style=False))


def agent_environment(
    ctx: SweepContext, flat: Mapping[str, Any], run_id: str, name: str
) -> dict[str, str]:
    """What W&B's agent puts in the environment of a run (the parameter file is written here).

    Only the variables it sets; the W&B settings of the caller's environment stay as they are.
    """
    base = Path(ctx.wandb_dir or os.environ.get("WANDB_DIR") or ".") / "wandb"
    param_path = base / f"sweep-{ctx.study_name}" / f"config-{run_id}.yaml"
    write_param_file(param_path, nest_config(dict(flat)))
    env = {
        "WANDB_SWEEP_PARAM_PATH": str(param_path),
        "WANDB_RUN_ID": run_id,
        "WANDB_RUN_GROUP": ctx.study_name,
        "WANDB_JOB_TYPE": "sweep",
        "WANDB_NAME": name,
    }
    for key, value in (
        ("WANDB_PROJECT", ctx.project or ctx.cfg.project),
        ("WANDB_ENTITY", ctx.entity or ctx.cfg.entity),
        ("WANDB_MODE", ctx.mode),
        ("WANDB_DIR", ctx.wandb_dir),
    ):
        if value:
            env[key] = str(value)
    if ctx.cfg.early_terminate is not None and FLUSH_ENV not in os.environ:
        # Hyperband reads a plain wandb.log loop's reports from W&B's log: have W&B write
        # it every second rather than every 15 s (its default).
        env[FLUSH_ENV] = str(LOG_FLUSH_SECONDS)
    return env
