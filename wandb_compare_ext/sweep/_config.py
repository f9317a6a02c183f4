"""Parse and validate a W&B sweep config (YAML file or dict) for the local runner.

Anything the runner cannot honour is refused with one line naming the field
(``metric.goal: must be minimize or maximize, got 'max'``), as an
:class:`~shared.errors.InputError` (exit code 2 from the CLI).

Example:
    >>> cfg = load_sweep_config({"method": "random", "metric": {"name": "loss"},
    ...                          "parameters": {"lr": {"min": 0.001, "max": 0.1}}})
    >>> cfg.method, cfg.metric.goal, cfg.parameters[0].distribution
    ('random', 'minimize', 'uniform')
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.errors import InputError
from wandb_compare_ext.sweep._distributions import ParamSpec, grid_size, parse_parameters
from wandb_compare_ext.sweep._hyperband import HyperbandRule

__all__ = [
    "COMMAND_MACROS",
    "DEFAULT_COMMAND",
    "METHODS",
    "MetricSpec",
    "SweepConfig",
    "load_sweep_config",
]

METHODS = ("grid", "random", "bayes")
DEFAULT_COMMAND = ("${env}", "${interpreter}", "${program}", "${args}")
COMMAND_MACROS = (
    "env",
    "interpreter",
    "program",
    "args",
    "args_no_equals",
    "args_no_hyphens",
    "args_no_boolean_flags",
    "args_json",
    "args_json_file",
    "args_append_hydra",
    "args_override_hydra",
)
_MACRO = re.compile(r"\$\{([^}]*)\}")
_ENVVAR = re.compile(r"envvar:[A-Z0-9_]*")
# Keys of W&B's schema that the runner honours (or that carry no behaviour).
_TOP_KEYS = (
    "method",
    "parameters",
    "metric",
    "early_terminate",
    "run_cap",
    "name",
    "description",
    "program",
    "command",
    "entity",
    "project",
    "controller",
    "kind",
    "apiVersion",
)
_LAUNCH_KEYS = ("job", "image_uri")


@dataclass(frozen=True)
class MetricSpec:
    """The sweep's metric: its name, goal, and optional target.

    Args:
        name: the logged metric to optimise (the run's summary value is the trial's value).
        goal: ``"minimize"`` (W&B's default) or ``"maximize"``.
        target: stop starting new runs once a run reaches this value.
    """

    name: str
    goal: str = "minimize"
    target: float | None = None

    def reached(self, value: float) -> bool:
        """True when ``value`` meets the target."""
        if self.target is None:
            return False
        return value <= self.target if self.goal == "minimize" else value >= self.target

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.name, "goal": self.goal, "target": self.target}


@dataclass(frozen=True)
class SweepConfig:
    """A validated W&B sweep config.

    Args:
        method: ``"grid"``, ``"random"`` or ``"bayes"``.
        metric: what to optimise.
        parameters: every parameter, nested ones with dot names.
        early_terminate: the hyperband rule, or None.
        run_cap: at most this many runs in the sweep, across every runner process.
        name, description, entity, project: as in W&B.
        program: the training script of a program sweep.
        command: the command template (W&B's macros), or None for the default one.
        raw: the config as given (for storing with the study).
    """

    method: str
    metric: MetricSpec
    parameters: tuple[ParamSpec, ...]
    early_terminate: HyperbandRule | None = None
    run_cap: int | None = None
    name: str | None = None
    description: str | None = None
    entity: str | None = None
    project: str | None = None
    program: str | None = None
    command: tuple[str, ...] | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_program_sweep(self) -> bool:
        """True when runs are started as processes (``program`` or ``command``)."""
        return self.program is not None or self.command is not None

    @property
    def command_template(self) -> tuple[str, ...]:
        """The command with W&B's macros, the default one when none was given."""
        return self.command if self.command is not None else DEFAULT_COMMAND

    def fingerprint(self) -> str:
        """A short hash of the config, to refuse resuming a study with another config."""
        text = json.dumps(self.raw, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def default_study_name(self) -> str:
        """``name`` if given, else ``sweep-<fingerprint>`` (stable for the same config)."""
        return self.name or f"sweep-{self.fingerprint()}"

    def to_dict(self) -> dict[str, Any]:
        """The config as given (JSON-able)."""
        return json.loads(json.dumps(self.raw, default=str))


def _read(source: Mapping[str, Any] | str | os.PathLike[str]) -> Mapping[str, Any]:
    if isinstance(source, Mapping):
        return source
    path = Path(source)
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not a text (UTF-8 YAML) file: byte {exc.start} is {exc.object[exc.start]:#04x}"
        ) from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such sweep config file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the sweep config: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InputError(f"{path}: not valid YAML{where}: {problem}") from None
    if not isinstance(data, Mapping):
        raise InputError(f"{path}: a sweep config must be a mapping (method, metric, parameters)")
    return data


def _metric(raw: Any) -> MetricSpec:
    if raw is None:
        raise InputError(
            "metric: missing (the runner needs metric.name: the logged value each trial reports)"
        )
    if not isinstance(raw, Mapping):
        raise InputError(f"metric: must be a mapping with name and goal, got {raw!r}")
    for key in raw:
        if key not in ("name", "goal", "target", "impute", "impute_while_running"):
            raise InputError(f"metric.{key}: unknown setting (known: name, goal, target)")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise InputError("metric.name: missing (the name of the logged metric to optimise)")
    goal = raw.get("goal", "minimize")
    if goal not in ("minimize", "maximize"):
        raise InputError(f"metric.goal: must be minimize or maximize, got {goal!r}")
    target = raw.get("target")
    if target is not None and (isinstance(target, bool) or not isinstance(target, (int, float))):
        raise InputError(f"metric.target: must be a number, got {target!r}")
    # Failed runs are left out of the model (Optuna), which is W&B's default for random/grid;
    # other imputation settings would change bayes and are refused rather than ignored.
    if raw.get("impute", "worst") != "worst":
        raise InputError(f"metric.impute: only 'worst' is supported, got {raw['impute']!r}")
    if str(raw.get("impute_while_running", "false")).lower() != "false":
        raise InputError("metric.impute_while_running: not supported by the local runner")
    return MetricSpec(name=name, goal=goal, target=None if target is None else float(target))


def _command(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, (list, tuple)) or not raw:
        raise InputError("command: must be a non-empty list of strings")
    out = []
    for i, part in enumerate(raw):
        if not isinstance(part, (str, int, float)) or isinstance(part, bool):
            raise InputError(f"command[{i}]: must be a string, got {part!r}")
        text = str(part)
        for macro in _MACRO.findall(text):
            if macro not in COMMAND_MACROS and not _ENVVAR.fullmatch(macro):
                raise InputError(
                    f"command[{i}]: unknown macro ${{{macro}}} "
                    f"(known: {', '.join('${' + m + '}' for m in COMMAND_MACROS)}, ${{envvar:NAME}})"
                )
        out.append(text)
    return tuple(out)


def load_sweep_config(source: Mapping[str, Any] | str | os.PathLike[str]) -> SweepConfig:
    """Read and validate a W&B sweep config (a dict, or the path of a YAML/JSON file).

    Raises:
        InputError: one line naming the first field that cannot be honoured.

    Example:
        >>> load_sweep_config({"method": "anneal", "parameters": {"x": {"value": 1}}})
        Traceback (most recent call last):
        ...
        shared.errors.InputError: method: unknown method 'anneal' (expected one of grid, random, bayes)
    """
    raw = _read(source)
    for key in raw:
        if key in _LAUNCH_KEYS:
            raise InputError(f"{key}: W&B Launch sweeps cannot run locally; use program or command")
        if key not in _TOP_KEYS:
            raise InputError(f"{key}: unknown sweep config key (known: {', '.join(_TOP_KEYS)})")
    method = raw.get("method")
    if method is None:
        raise InputError("method: missing (one of grid, random, bayes)")
    if method == "custom":
        raise InputError(
            "method: 'custom' needs W&B's server-side controller; use grid, random or bayes"
        )
    if method not in METHODS:
        raise InputError(
            f"method: unknown method {method!r} (expected one of {', '.join(METHODS)})"
        )
    if "parameters" not in raw:
        raise InputError("parameters: missing (the parameters to sweep)")
    parameters = tuple(parse_parameters(raw["parameters"]))
    names = [p.name for p in parameters]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise InputError(f"parameters.{sorted(duplicates)[0]}: defined twice")
    if method == "grid":
        for spec in parameters:
            spec.grid_values()  # raises InputError naming the parameter
        if grid_size(parameters) == 0:
            raise InputError("parameters: the grid is empty")
    metric = _metric(raw.get("metric"))
    early = None
    if raw.get("early_terminate") is not None:
        early = HyperbandRule.from_config(raw["early_terminate"], goal=metric.goal)
    run_cap = raw.get("run_cap")
    if run_cap is not None and (
        isinstance(run_cap, bool) or not isinstance(run_cap, int) or run_cap < 1
    ):
        raise InputError(f"run_cap: must be an integer >= 1, got {run_cap!r}")
    strings = {}
    for key in ("name", "description", "entity", "project", "program"):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(f"{key}: must be a string, got {value!r}")
        strings[key] = value
    command = _command(raw["command"]) if raw.get("command") is not None else None
    if command is not None and any("${program}" in c for c in command) and not strings["program"]:
        raise InputError("program: missing (command uses ${program})")
    return SweepConfig(
        method=method,
        metric=metric,
        parameters=parameters,
        early_terminate=early,
        run_cap=run_cap,
        command=command,
        raw=json.loads(json.dumps(dict(raw), default=str)),
        **strings,
    )
