"""Run a W&B sweep config with no W&B server, as an Optuna study.

``grid`` uses Optuna's ``GridSampler``, ``random`` its ``RandomSampler`` and ``bayes`` its
``TPESampler`` (a model-based sampler). Each trial is a real W&B run (offline or online) in the
sweep's group (the study name), with its config given as ``wandb.config`` to a function, or as
``--key=value`` arguments (W&B agent's ``${env} ${interpreter} ${program} ${args}`` macros) to a
program. The study lives in Optuna storage: a sweep resumes where it stopped, and several runner
processes can share one study (``run_cap`` holds across them).

Example::

    from wandb_compare_ext.sweep import run_sweep

    def train(sweep):                      # or train() reading wandb.config, as wandb.agent
        for epoch in range(10):
            sweep.log({"loss": (sweep.config["lr"] - 0.1) ** 2 + 1 / (epoch + 1)})
            if sweep.should_stop():
                break

    result = run_sweep("sweep.yaml", train, count=20, storage="sqlite:///sweep.db")
    print(result.best)
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.errors import InputError, TrackerCompareError
from wandb_compare_ext.sweep._callback import (
    ATTR_CONFIG,
    ATTR_ERROR,
    ATTR_RUN_ID,
    ATTR_RUN_NAME,
    ATTR_SKIPPED,
    ATTR_STOP,
    ATTR_VALUE,
    BEST_TAG,
    ENV_CONFIG,
    ENV_STORAGE,
    ENV_STUDY,
    ENV_TRIAL_ID,
    ConfigAggregate,
    SweepCallback,
    aggregate_seeds,
    trial_history,
)
from wandb_compare_ext.sweep._config import SweepConfig, load_sweep_config
from wandb_compare_ext.sweep._distributions import grid_size, nest_config
from wandb_compare_ext.sweep._hyperband import StopDecision
from wandb_compare_ext.sweep._wandb_log import find_log, mirror_reports, read_log, read_run_log

__all__ = ["SweepResult", "TrialOutcome", "run_sweep", "build_command"]

_log = logging.getLogger("wandb_compare_ext.sweep")

ATTR_FINGERPRINT = "wandb_sweep:fingerprint"
ATTR_SWEEP_CONFIG = "wandb_sweep:config"
ATTR_BEST = "wandb_sweep:best_configuration"
ATTR_COMPARISON = "wandb_sweep:comparison"
_POLL_SECONDS = 0.2
_LOG_POLL_SECONDS = 1.0
_LOG_FLUSH_SECONDS = 1.0
# W&B's setting x_transaction_log_flush_interval, from the environment.
_FLUSH_ENV = "WANDB__TRANSACTION_LOG_FLUSH_INTERVAL"
_TERMINATE_GRACE = 10.0


@dataclass(frozen=True)
class TrialOutcome:
    """What happened to one trial run by this call.

    Args:
        number: the Optuna trial number.
        state: ``"COMPLETE"``, ``"PRUNED"`` (stopped by hyperband) or ``"FAIL"``.
        value: the metric's value (None when failed).
        config: the run's config (nested, as ``wandb.config``).
        run_id: the W&B run id.
        message: why it failed or was stopped, else None.
    """

    number: int
    state: str
    value: float | None
    config: Mapping[str, Any]
    run_id: str | None
    message: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "number": self.number,
            "state": self.state,
            "value": self.value,
            "config": dict(self.config),
            "run_id": self.run_id,
            "message": self.message,
        }


@dataclass(frozen=True)
class SweepResult:
    """The outcome of :func:`run_sweep`.

    Args:
        study_name: the Optuna study (and W&B group) name.
        storage: the storage URL, or None for in-memory.
        trials: the trials this call ran, in order.
        stop_reason: ``"count"``, ``"run_cap"``, ``"target"`` or ``"grid_complete"``.
        best: the study's best trial so far ({"number", "value", "config", "run_id"}), or None.
        configurations: every configuration's seeds aggregated, best first.
        comparison: the comparison of configurations (``Comparison.to_dict()``), or None.
        warnings: one line per problem met (failed trials, skipped comparison).
    """

    study_name: str
    storage: str | None
    trials: tuple[TrialOutcome, ...]
    stop_reason: str
    best: Mapping[str, Any] | None = None
    configurations: tuple[ConfigAggregate, ...] = ()
    comparison: Mapping[str, Any] | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "study_name": self.study_name,
            "storage": self.storage,
            "stop_reason": self.stop_reason,
            "trials": [t.to_dict() for t in self.trials],
            "best": None if self.best is None else dict(self.best),
            "configurations": [c.to_dict() for c in self.configurations],
            "comparison": None if self.comparison is None else dict(self.comparison),
            "warnings": list(self.warnings),
        }


# -- program sweeps: W&B agent's command macros --------------------------------------------------
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


# -- the study ------------------------------------------------------------------------------
def _grid_sampler_class() -> type:
    import optuna

    class GridSampler(optuna.samplers.GridSampler):
        """Optuna's GridSampler, minus its ``study.stop()`` once the grid is covered.

        ``study.stop()`` only works inside ``optimize``; the runner drives ask/tell and ends the
        sweep itself when every grid point has a run (as W&B counts them).
        """

        def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
            return None

    return GridSampler


def _GridSampler(space: Mapping[str, Sequence[Any]], seed: int) -> Any:  # noqa: N802
    return _grid_sampler_class()(space, seed=seed)


def _sampler(cfg: SweepConfig, seed: int | None) -> Any:
    import optuna

    if cfg.method == "grid":
        space = {p.name: p.grid_choices() for p in cfg.parameters if p.distribution != "constant"}
        if space:
            # A fixed seed: every runner process must order the grid the same way.
            return _GridSampler(space, seed=seed or 0)
        return optuna.samplers.RandomSampler(seed=seed)
    if cfg.method == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def _open_study(cfg: SweepConfig, study_name: str, storage: Any, seed: int | None) -> Any:
    import optuna

    study = optuna.create_study(
        study_name=study_name,
        storage=storage,
        sampler=_sampler(cfg, seed),
        direction=cfg.metric.goal,
        load_if_exists=True,
    )
    attrs = study.user_attrs
    if ATTR_FINGERPRINT not in attrs:
        study.set_user_attr(ATTR_FINGERPRINT, cfg.fingerprint())
        study.set_user_attr(ATTR_SWEEP_CONFIG, cfg.to_dict())
    elif attrs[ATTR_FINGERPRINT] != cfg.fingerprint():
        raise InputError(
            f"study {study_name!r} was created by another sweep config; give a new study name "
            f"or the config it was started with"
        )
    if study.direction.name.lower() != cfg.metric.goal:
        raise InputError(
            f"metric.goal: study {study_name!r} {study.direction.name.lower()}s, "
            f"the config says {cfg.metric.goal}"
        )
    return study


def _live_trials(study: Any) -> list[Any]:
    return [t for t in study.get_trials(deepcopy=False) if not t.user_attrs.get(ATTR_SKIPPED)]


def _sweep_done(cfg: SweepConfig, study: Any) -> str | None:
    import optuna

    trials = _live_trials(study)
    if cfg.run_cap is not None and len(trials) >= cfg.run_cap:
        return "run_cap"
    if cfg.metric.target is not None:
        for t in trials:
            if t.state == optuna.trial.TrialState.COMPLETE and cfg.metric.reached(t.value):
                return "target"
    if cfg.method == "grid":
        names = [p.name for p in cfg.parameters if p.distribution != "constant"]
        seen = {
            json.dumps([t.params.get(n) for n in names], default=str)
            for t in trials
            if all(n in t.params for n in names)
        }
        if len(seen) >= grid_size(cfg.parameters):
            return "grid_complete"
    return None


def _suggest(cfg: SweepConfig, trial: Any) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for spec in cfg.parameters:
        flat[spec.name] = spec.suggest_grid(trial) if cfg.method == "grid" else spec.suggest(trial)
    return flat


class _Heartbeat:
    """Records an RDB storage heartbeat for a running trial, so a dead runner's trial is failed."""

    def __init__(self, storage: Any, trial_id: int) -> None:
        self._storage = storage
        self._trial_id = trial_id
        self._stop = threading.Event()
        interval = getattr(storage, "get_heartbeat_interval", lambda: None)()
        self._thread = None
        if interval:
            self._interval = float(interval)
            self._thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        while True:
            # A missed beat is not fatal: the next one retries.
            with contextlib.suppress(Exception):
                self._storage.record_heartbeat(self._trial_id)
            if self._stop.wait(self._interval):
                return

    def __enter__(self) -> _Heartbeat:
        if self._thread is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


# -- one trial ------------------------------------------------------------------------------
@dataclass
class _Ctx:
    cfg: SweepConfig
    study: Any
    storage: Any
    storage_url: str | None
    study_name: str
    project: str | None
    entity: str | None
    mode: str | None
    wandb_dir: str | None
    interpreter: str | None
    program_env: Mapping[str, str]
    seed_key: str | None
    compare: bool
    warnings: list[str]


def _never_reported(ctx: _Ctx, number: int, run_id: str, logged: Sequence[str]) -> str:
    name = ctx.cfg.metric.name
    seen = ", ".join(sorted({k for k in logged if not k.startswith("_")})) or "nothing"
    return (
        f"trial {number} (run {run_id}): metric {name!r} was never reported "
        f"(the run logged: {seen}); the trial is marked failed"
    )


def _takes_argument(function: Callable[..., Any]) -> bool:
    try:
        inspect.signature(function).bind(None)
    except TypeError:
        return False
    except ValueError:  # builtins without a signature
        return False
    return True


def _agent_env(ctx: _Ctx, flat: dict[str, Any], run_id: str, name: str) -> dict[str, str]:
    """What W&B's agent puts in the environment before calling a sweep function."""
    base = Path(ctx.wandb_dir or os.environ.get("WANDB_DIR") or ".") / "wandb"
    param_path = base / f"sweep-{ctx.study_name}" / f"config-{run_id}.yaml"
    _write_param_file(param_path, nest_config(flat))
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
    if ctx.cfg.early_terminate is not None and _FLUSH_ENV not in os.environ:
        # Hyperband reads a plain wandb.log loop's reports from W&B's log: have W&B write
        # it every second rather than every 15 s (its default).
        env[_FLUSH_ENV] = str(_LOG_FLUSH_SECONDS)
    return env


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _active_run(run_id: str) -> Any:
    import wandb

    run = wandb.run
    return run if run is not None and run.id == run_id else None


def _run_function_trial(
    ctx: _Ctx, trial: Any, flat: dict[str, Any], function: Callable[..., Any], run_id: str
) -> tuple[str, float | None, str | None, Any]:
    """Run one trial in this process.

    A function that takes an argument gets the :class:`SweepCallback` and a run the runner
    started. A function without arguments is called as ``wandb.agent`` calls it: the sweep's
    values, run id and group are in the environment and the function's own ``wandb.init()``
    starts the run (the sweep's values override its ``config=`` defaults, as under the agent).
    """
    import wandb

    name = f"{ctx.study_name}-{trial.number}"
    trial.set_user_attr(ATTR_RUN_NAME, name)
    cb = SweepCallback(ctx.cfg, study=ctx.study, trial=trial)
    agent_style = not _takes_argument(function)
    env: dict[str, str] = {}
    if agent_style:
        env = _agent_env(ctx, flat, run_id, name)
        cb.follow_wandb_run = True
        # As wandb.agent: W&B reads its settings from the environment again for each run.
        wandb.teardown()
    else:
        settings = None
        if ctx.cfg.early_terminate is not None and _FLUSH_ENV not in os.environ:
            # Hyperband reads a plain wandb.log loop's reports from W&B's log: have W&B
            # write it every second rather than every 15 s (its default).
            settings = wandb.Settings(x_transaction_log_flush_interval=_LOG_FLUSH_SECONDS)
        cb.run = wandb.init(
            settings=settings,
            project=ctx.project or ctx.cfg.project,
            entity=ctx.entity or ctx.cfg.entity,
            group=ctx.study_name,
            job_type="sweep",
            name=name,
            id=run_id,
            config=nest_config(flat),
            mode=ctx.mode,
            dir=ctx.wandb_dir,
        )
    bases = [ctx.wandb_dir, os.environ.get("WANDB_DIR"), os.getcwd()]
    try:
        with _environment(env), cb:
            if agent_style:
                function()
            else:
                function(cb)
    except KeyboardInterrupt:
        run = _active_run(run_id)
        if run is not None:
            run.finish(exit_code=255)
        raise
    except Exception as exc:  # the user's training code failed: the trial fails, the sweep goes on
        message = f"trial {trial.number} (run {run_id}) failed: {type(exc).__name__}: {exc}"
        run = _active_run(run_id)
        if run is not None:
            run.finish(exit_code=1)
        return "FAIL", None, " ".join(message.split()), None
    run = _active_run(run_id)
    log_path = find_log(run_id, bases)
    if run is None and log_path is None:
        message = (
            f"trial {trial.number}: the function never started a W&B run (call wandb.init() "
            f"in it, as under wandb.agent, or take the sweep callback as its argument)"
        )
        return "FAIL", None, message, None
    value = cb.final_value() if run is not None else None
    if value is None:
        # The function may have finished the run itself (wandb.finish(), as under
        # wandb.agent), or logged its last row with an explicit step that W&B holds back:
        # W&B's own log of the finished run has the final summary.
        if run is not None:
            run.finish()
            log_path = log_path or find_log(run_id, bases)
        value, reports = read_log(log_path, ctx.cfg.metric.name, finished=True)
        mirror_reports(trial, cb.history, reports)
        run = None
    if cb.stopped:
        return "PRUNED", value, _stop_message(cb.decision, trial.number), run
    if value is None or not math.isfinite(value):
        logged = list(cb.summary)
        finished_run = read_run_log(log_path, finished=True)
        if finished_run is not None:
            logged += list(finished_run.metric_names())
        if value is not None:
            message = (
                f"trial {trial.number} (run {run_id}): metric {ctx.cfg.metric.name!r} is "
                f"{value}; the trial is marked failed"
            )
        else:
            message = _never_reported(ctx, trial.number, run_id, logged)
        return "FAIL", None, message, None
    return "COMPLETE", value, None, run


def _stop_message(decision: Any, number: int) -> str:
    if decision is None:
        return f"trial {number}: stopped early by hyperband"
    return (
        f"trial {number}: stopped early by hyperband at band {decision.band} "
        f"(value {decision.value:.6g} worse than threshold {decision.threshold:.6g})"
    )


def _write_param_file(path: Path, nested: Mapping[str, Any]) -> None:
    import yaml

    # The format W&B's agent writes for WANDB_SWEEP_PARAM_PATH (wandb.init reads it).
    body = {k: {"value": v} for k, v in nested.items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("wandb_version: 1\n\n" + yaml.safe_dump(body, default_flow_style=False))


def _run_program_trial(
    ctx: _Ctx, trial: Any, flat: dict[str, Any], run_id: str
) -> tuple[str, float | None, str | None, Any]:
    cfg = ctx.cfg
    nested = nest_config(flat)
    base = (
        Path(ctx.wandb_dir or os.environ.get("WANDB_DIR") or ".")
        / "wandb"
        / f"sweep-{ctx.study_name}"
    )
    param_path = base / f"config-{run_id}.yaml"
    json_path = base / f"config-{run_id}.json"
    _write_param_file(param_path, nested)
    json_path.write_text(json.dumps(nested))
    name = f"{ctx.study_name}-{trial.number}"
    trial.set_user_attr(ATTR_RUN_NAME, name)
    env = dict(os.environ)
    env.update(
        {
            "WANDB_RUN_ID": run_id,
            "WANDB_RUN_GROUP": ctx.study_name,
            "WANDB_JOB_TYPE": "sweep",
            "WANDB_NAME": name,
            "WANDB_SWEEP_PARAM_PATH": str(param_path),
            ENV_STORAGE: ctx.storage_url or "",
            ENV_STUDY: ctx.study_name,
            ENV_TRIAL_ID: str(trial._trial_id),
            ENV_CONFIG: json.dumps(cfg.to_dict()),
        }
    )
    for key, value in (
        ("WANDB_PROJECT", ctx.project or cfg.project),
        ("WANDB_ENTITY", ctx.entity or cfg.entity),
        ("WANDB_MODE", ctx.mode),
        ("WANDB_DIR", ctx.wandb_dir),
    ):
        if value:
            env[key] = str(value)
    if cfg.early_terminate is not None:
        env.setdefault(_FLUSH_ENV, str(_LOG_FLUSH_SECONDS))
    env.update(ctx.program_env)
    command = build_command(
        cfg.command_template,
        nested,
        program=cfg.program,
        interpreter=ctx.interpreter,
        args_json_file=str(json_path),
        environ=env,
    )
    try:
        proc = subprocess.Popen(command, env=env)
    except OSError as exc:
        return (
            "FAIL",
            None,
            f"trial {trial.number}: cannot start {command[0]!r}: {exc.strerror}",
            None,
        )
    rule = cfg.early_terminate
    stopped = None
    bases = [env.get("WANDB_DIR"), os.getcwd()]
    log_path: Path | None = None
    last_read = 0.0
    try:
        while proc.poll() is None:
            time.sleep(_POLL_SECONDS)
            if rule is None or stopped is not None:
                continue
            mine = trial_history(ctx.storage.get_trial(trial._trial_id))
            if time.monotonic() - last_read >= _LOG_POLL_SECONDS:
                # A program that only calls wandb.log: its reports are read from W&B's log
                # and recorded with the trial, so every runner sees them.
                last_read = time.monotonic()
                log_path = log_path or find_log(run_id, bases)
                _, reports = read_log(log_path, cfg.metric.name)
                if len(reports) > len(mine):
                    mirror_reports(trial, mine, reports)
                    mine = list(mine) + list(reports[len(mine) :])
            # As W&B's agent: the runner applies the rule and stops the run's process.
            others = [trial_history(t) for t in _live_trials(ctx.study) if t.number != trial.number]
            decision = rule.decide(mine, others)
            if decision.stop:
                stopped = decision
                trial.set_user_attr(ATTR_STOP, decision.to_dict())
                proc.terminate()
                try:
                    proc.wait(timeout=_TERMINATE_GRACE)
                except subprocess.TimeoutExpired:
                    proc.kill()
    except KeyboardInterrupt:
        proc.kill()
        raise
    frozen = ctx.storage.get_trial(trial._trial_id)
    history = trial_history(frozen)
    # W&B's own log of the run: its summary is the trial's value (as W&B's sweeps take it)
    # unless the program's callback recorded one, and reports the callback did not record
    # (a program that only calls wandb.log) are recorded now, for peers and comparisons.
    logged_value, reports = read_log(
        log_path or find_log(run_id, bases),
        cfg.metric.name,
        # a process that was stopped or crashed never writes its exit record: do not wait
        finished=stopped is None and proc.returncode == 0,
    )
    mirror_reports(trial, history, reports)
    if len(reports) > len(history):
        history = list(history) + list(reports[len(history) :])
    value = frozen.user_attrs.get(ATTR_VALUE, logged_value)
    if value is None and history:
        value = history[-1]
    if stopped is not None:
        return "PRUNED", value, _stop_message(stopped, trial.number), None
    if ATTR_STOP in frozen.user_attrs and proc.returncode == 0:
        # The program asked should_stop() itself and ended early.
        decision = StopDecision(**frozen.user_attrs[ATTR_STOP])
        return "PRUNED", value, _stop_message(decision, trial.number), None
    if proc.returncode != 0:
        return (
            "FAIL",
            None,
            f"trial {trial.number} (run {run_id}): program exited with code {proc.returncode}",
            None,
        )
    if value is None or not math.isfinite(value):
        message = (
            f"trial {trial.number} (run {run_id}): metric {cfg.metric.name!r} was never reported "
            f"(neither in the run's W&B log nor through SweepCallback.from_env()); "
            f"the trial is marked failed"
        )
        return "FAIL", None, message, None
    return "COMPLETE", float(value), None, None


# -- after each trial: seeds, best run, comparison -------------------------------------------
def _best_trial(study: Any) -> dict[str, Any] | None:
    try:
        t = study.best_trial
    except ValueError:
        return None
    return {
        "number": t.number,
        "value": t.value,
        "config": nest_config(t.user_attrs.get(ATTR_CONFIG, {})),
        "run_id": t.user_attrs.get(ATTR_RUN_ID),
    }


def _comparison(ctx: _Ctx, trials: Sequence[Any]) -> dict[str, Any] | None:
    """Compare the configurations with shared.compare_runs (None when not possible yet)."""
    import optuna

    from shared import History, Run, compare_runs

    metric = ctx.cfg.metric.name
    runs = []
    for t in trials:
        if t.state != optuna.trial.TrialState.COMPLETE or ATTR_CONFIG not in t.user_attrs:
            continue
        hist = trial_history(t)
        runs.append(
            Run(
                tracker="wandb",
                id=str(t.user_attrs.get(ATTR_RUN_ID, t.number)),
                name=t.user_attrs.get(ATTR_RUN_NAME),
                experiment=ctx.project or ctx.cfg.project,
                status="FINISHED",
                params=dict(t.user_attrs[ATTR_CONFIG]),
                metrics={metric: float(t.value)},
                histories={metric: History(steps=list(range(1, len(hist) + 1)), values=hist)}
                if hist
                else {},
            )
        )
    configs = {
        json.dumps(
            {k: v for k, v in r.params.items() if k != ctx.seed_key}, sort_keys=True, default=str
        )
        for r in runs
    }
    if len(configs) < 2:
        return None
    try:
        comparison = compare_runs(
            runs, metric=metric, goal=ctx.cfg.metric.goal, seed_key=ctx.seed_key
        )
    except TrackerCompareError as exc:
        ctx.warnings.append(f"comparison skipped: {exc}")
        _log.warning("comparison skipped: %s", exc)
        return None
    return comparison.to_dict()


def _after_trial(ctx: _Ctx, number: int, run: Any) -> None:
    trials = ctx.study.get_trials(deepcopy=False)
    aggs = aggregate_seeds(trials, seed_key=ctx.seed_key, goal=ctx.cfg.metric.goal)
    if aggs:
        ctx.study.set_user_attr(ATTR_BEST, aggs[0].to_dict())
        if run is not None and number in aggs[0].trials:
            # Only the current run can be tagged: earlier runs are finished (and offline).
            _update_run(ctx, run, tags=(BEST_TAG,), summary={"sweep_best_configuration": True})
    if ctx.compare:
        comparison = _comparison(ctx, trials)
        if comparison is not None:
            ctx.study.set_user_attr(ATTR_COMPARISON, comparison)
            if run is not None:
                decision = comparison.get("decision") or {}
                _update_run(ctx, run, summary={"sweep_comparison_winner": decision.get("winner")})


def _update_run(
    ctx: _Ctx, run: Any, *, tags: tuple[str, ...] = (), summary: Mapping[str, Any] | None = None
) -> None:
    """Tag the trial's run and add to its summary; a run the user already finished is left be."""
    try:
        if tags:
            run.tags = tuple(run.tags or ()) + tuple(t for t in tags if t not in (run.tags or ()))
        for key, value in (summary or {}).items():
            run.summary[key] = value
    except Exception as exc:  # e.g. the training function called wandb.finish() itself
        message = f"run {run.id}: could not record the sweep's tags ({type(exc).__name__})"
        ctx.warnings.append(message)
        _log.warning(message)


def _new_run_id() -> str:
    import secrets
    import string

    # W&B run ids: 8 characters of lowercase letters and digits, like wandb's own.
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(8))


def _default_seed_key(cfg: SweepConfig) -> str | None:
    for name in ("seed", "random_seed"):
        if any(p.name == name for p in cfg.parameters):
            return name
    return None


def run_sweep(
    config: SweepConfig | Mapping[str, Any] | str | os.PathLike[str],
    function: Callable[..., Any] | None = None,
    count: int | None = None,
    *,
    study_name: str | None = None,
    storage: Any = None,
    project: str | None = None,
    entity: str | None = None,
    mode: str | None = None,
    seed: int | None = None,
    seed_key: str | None = None,
    wandb_dir: str | os.PathLike[str] | None = None,
    interpreter: str | None = None,
    program_env: Mapping[str, str] | None = None,
    heartbeat_interval: int | None = 60,
    compare: bool = True,
) -> SweepResult:
    """Run a W&B sweep config locally as an Optuna study; no W&B server needed.

    Args:
        config: the sweep config (dict, YAML path or :class:`SweepConfig`).
        function: the training function (no argument, reading ``wandb.config``, as with
            ``wandb.agent``; or one argument, the :class:`SweepCallback`). None runs the
            config's ``program``/``command``.
        count: at most this many trials in this call (None: until run_cap, target or the
            grid's end; a random or bayes sweep without any of them runs on, as W&B's agent).
        study_name: the Optuna study (and W&B group) name; default the config's ``name``, or a
            name derived from the config (the same config resumes the same study).
        storage: Optuna storage (URL or object) shared by runner processes; None keeps the
            study in memory (a program sweep then uses a temporary SQLite file).
        project, entity: W&B project and entity (default: the config's).
        mode: W&B mode (``"offline"``, ``"online"``; default: W&B's own, e.g. ``WANDB_MODE``).
        seed: seed of the sampler.
        seed_key: the parameter that only changes the seed (default ``seed`` if swept).
        wandb_dir: W&B's directory for the runs.
        interpreter: ``${interpreter}`` of a program sweep (default: this Python).
        program_env: extra environment for a program's process.
        heartbeat_interval: seconds between heartbeats of a running trial in an RDB storage
            given as a URL, so trials of a runner that died are failed, not left running.
        compare: recompare the configurations after each trial (``shared.compare_runs``).

    Returns:
        :class:`SweepResult`.

    Raises:
        InputError: the config cannot be honoured (one line naming the field), no function and
            no program, or a study made by another config.
    """
    import optuna

    cfg = config if isinstance(config, SweepConfig) else load_sweep_config(config)
    if function is not None:
        import wandb

        if wandb.run is not None:
            raise InputError(
                "a W&B run is already active; finish it before run_sweep starts the sweep's runs"
            )
    if function is None and not cfg.is_program_sweep:
        raise InputError(
            "program: missing (give a function, or program/command in the sweep config)"
        )
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise InputError(f"count: must be an integer >= 1, got {count!r}")
    name = study_name or cfg.default_study_name()
    tmpdir = None
    # A program's process reaches its trial through the storage's URL.
    storage_url = storage if isinstance(storage, str) else getattr(storage, "url", None)
    if storage is None and function is None:
        # A program's process reports to its trial, so the study must live in a file.
        tmpdir = tempfile.TemporaryDirectory(prefix="wandb-compare-sweep-")
        storage = storage_url = f"sqlite:///{tmpdir.name}/sweep.db"
    previous_level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        # Heartbeats and fail_stale_trials are "experimental" in Optuna and meant for optimize();
        # the runner drives them itself (ask/tell), so those notices are noise here.
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed")
        return _run(
            cfg,
            function,
            count,
            name,
            storage,
            storage_url,
            tmpdir,
            previous_level,
            project=project,
            entity=entity,
            mode=mode,
            seed=seed,
            seed_key=seed_key,
            wandb_dir=wandb_dir,
            interpreter=interpreter,
            program_env=program_env,
            heartbeat_interval=heartbeat_interval,
            compare=compare,
        )


def _run(
    cfg: SweepConfig,
    function: Callable[..., Any] | None,
    count: int | None,
    name: str,
    storage: Any,
    storage_url: str | None,
    tmpdir: Any,
    previous_level: int,
    *,
    project: str | None,
    entity: str | None,
    mode: str | None,
    seed: int | None,
    seed_key: str | None,
    wandb_dir: Any,
    interpreter: str | None,
    program_env: Mapping[str, str] | None,
    heartbeat_interval: int | None,
    compare: bool,
) -> SweepResult:
    import optuna

    storage_obj = None
    try:
        storage_obj = _make_storage(storage, heartbeat_interval)
        study = _open_study(cfg, name, storage_obj, seed)
        ctx = _Ctx(
            cfg=cfg,
            study=study,
            storage=storage_obj,
            storage_url=storage_url,
            study_name=name,
            project=project,
            entity=entity,
            mode=mode,
            wandb_dir=None if wandb_dir is None else str(wandb_dir),
            interpreter=interpreter,
            program_env=dict(program_env or {}),
            seed_key=seed_key or _default_seed_key(cfg),
            compare=compare,
            warnings=[],
        )
        outcomes = _loop(ctx, function, count)
        trials = study.get_trials(deepcopy=False)
        return SweepResult(
            study_name=name,
            storage=None if tmpdir is not None else storage_url,
            trials=tuple(outcomes[0]),
            stop_reason=outcomes[1],
            best=_best_trial(study),
            configurations=tuple(
                aggregate_seeds(trials, seed_key=ctx.seed_key, goal=cfg.metric.goal)
            ),
            comparison=study.user_attrs.get(ATTR_COMPARISON),
            warnings=tuple(ctx.warnings),
        )
    finally:
        optuna.logging.set_verbosity(previous_level)
        if function is not None and not _takes_argument(function):
            # W&B's settings still hold this sweep's environment (param file, run id).
            import wandb

            wandb.teardown()
        if tmpdir is not None:
            if isinstance(storage_obj, optuna.storages.RDBStorage):
                storage_obj.remove_session()
                storage_obj.engine.dispose()
            tmpdir.cleanup()


def _make_storage(storage: Any, heartbeat_interval: int | None) -> Any:
    import optuna

    if isinstance(storage, str):
        import sqlalchemy.exc

        for attempt in range(5):
            try:
                return optuna.storages.RDBStorage(
                    storage,
                    heartbeat_interval=heartbeat_interval,
                    grace_period=None if heartbeat_interval is None else 2 * heartbeat_interval,
                )
            except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError):
                # Runners started together on a fresh database race to create Optuna's
                # tables; the loser finds them made by the winner on the next try.
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))
    if storage is None:
        return optuna.storages.InMemoryStorage()
    return storage


def _loop(
    ctx: _Ctx, function: Callable[..., Any] | None, count: int | None
) -> tuple[list[TrialOutcome], str]:
    import optuna

    cfg, study = ctx.cfg, ctx.study
    outcomes: list[TrialOutcome] = []
    while True:
        if count is not None and len(outcomes) >= count:
            return outcomes, "count"
        if isinstance(ctx.storage, optuna.storages.RDBStorage):
            optuna.storages.fail_stale_trials(study)
        reason = _sweep_done(cfg, study)
        if reason is not None:
            return outcomes, reason
        trial = study.ask()
        if cfg.method == "grid" and trial.number >= grid_size(cfg.parameters):
            # GridSampler gives trial k the k-th grid point: a number past the grid means
            # other runners took every point meanwhile (W&B runs each point once).
            trial.set_user_attr(ATTR_SKIPPED, "every grid point already has a run")
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            return outcomes, "grid_complete"
        if cfg.run_cap is not None:
            # Another runner may have started the last allowed run meanwhile: trial numbers
            # are dense and ordered by the storage, so the rank decides, exactly.
            earlier = [t for t in _live_trials(study) if t.number <= trial.number]
            if len(earlier) > cfg.run_cap:
                trial.set_user_attr(ATTR_SKIPPED, "run_cap reached before this trial started")
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
                return outcomes, "run_cap"
        try:
            flat = _suggest(cfg, trial)
        except Exception:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            raise
        run_id = _new_run_id()
        trial.set_user_attr(ATTR_CONFIG, flat)
        trial.set_user_attr(ATTR_RUN_ID, run_id)
        try:
            with _Heartbeat(ctx.storage, trial._trial_id):
                if function is not None:
                    state, value, message, run = _run_function_trial(
                        ctx, trial, flat, function, run_id
                    )
                else:
                    state, value, message, run = _run_program_trial(ctx, trial, flat, run_id)
        except BaseException:
            # Interrupted or refused: the trial is recorded as failed, never left running.
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            raise
        if message is not None and state == "FAIL":
            trial.set_user_attr(ATTR_ERROR, message)
            ctx.warnings.append(message)
            _log.warning(message)
        if state == "COMPLETE":
            study.tell(trial, value)
        elif state == "PRUNED":
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        try:
            _after_trial(ctx, trial.number, run if state == "COMPLETE" else None)
        finally:
            if run is not None:
                run.finish()
        outcomes.append(
            TrialOutcome(
                number=trial.number,
                state=state,
                value=value,
                config=nest_config(flat),
                run_id=run_id,
                message=message,
            )
        )
