"""One trial of a program sweep, run in a subprocess as W&B's agent runs it.

The config's ``command`` (default ``${env} ${interpreter} ${program} ${args}``) is started
with the environment W&B's agent gives a run plus the trial's address in the Optuna storage.
While it runs the runner applies the hyperband rule and stops the process, as the agent does.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from wandb_compare_ext.sweep._callback import trial_history
from wandb_compare_ext.sweep._command import agent_environment, build_command
from wandb_compare_ext.sweep._distributions import nest_config
from wandb_compare_ext.sweep._hyperband import StopDecision
from wandb_compare_ext.sweep._keys import (
    ATTR_RUN_NAME,
    ATTR_STOP,
    ATTR_VALUE,
    ENV_CONFIG,
    ENV_STORAGE,
    ENV_STUDY,
    ENV_TRIAL_ID,
)
from wandb_compare_ext.sweep._outcome import TrialOutcome, stop_message, trial_outcome
from wandb_compare_ext.sweep._study import SweepContext, live_trials
from wandb_compare_ext.sweep._wandb_log import find_log, mirror_reports, read_log

__all__ = ["run_program_trial"]

POLL_SECONDS = 0.2  # how often the process is checked
LOG_POLL_SECONDS = 1.0  # how often W&B's log of the run is read for reports
TERMINATE_GRACE = 10.0  # seconds a stopped process gets before it is killed


def run_program_trial(
    ctx: SweepContext, trial: Any, flat: dict[str, Any], run_id: str
) -> TrialOutcome:
    """Run the config's program for one trial and watch it (hyperband stops it, as W&B's agent).

    The program reports through ``SweepCallback.from_env()``, or only calls ``wandb.log``: then
    its reports are read from W&B's own log of the run while it runs.
    """
    cfg = ctx.cfg
    nested = nest_config(flat)
    name = f"{ctx.study_name}-{trial.number}"
    trial.set_user_attr(ATTR_RUN_NAME, name)
    env = dict(os.environ)
    env.update(agent_environment(ctx, flat, run_id, name))
    # ${args_json_file}: the values as JSON, beside the parameter file.
    json_path = Path(env["WANDB_SWEEP_PARAM_PATH"]).with_suffix(".json")
    json_path.write_text(json.dumps(nested))
    env.update(
        {  # how the program's SweepCallback.from_env() reaches its trial
            ENV_STORAGE: ctx.storage_url or "",
            ENV_STUDY: ctx.study_name,
            ENV_TRIAL_ID: str(trial._trial_id),
            ENV_CONFIG: json.dumps(cfg.to_dict()),
        }
    )
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
        message = f"trial {trial.number}: cannot start {command[0]!r}: {exc.strerror}"
        return trial_outcome(trial, flat, run_id, "FAIL", message=message)
    rule = cfg.early_terminate
    stopped = None
    bases = [env.get("WANDB_DIR"), os.getcwd()]
    log_path: Path | None = None
    last_read = 0.0
    try:
        while proc.poll() is None:
            time.sleep(POLL_SECONDS)
            if rule is None or stopped is not None:
                continue
            mine = trial_history(ctx.storage.get_trial(trial._trial_id))
            if time.monotonic() - last_read >= LOG_POLL_SECONDS:
                # A program that only calls wandb.log: its reports are read from W&B's log
                # and recorded with the trial, so every runner sees them.
                last_read = time.monotonic()
                log_path = log_path or find_log(run_id, bases)
                _, reports = read_log(log_path, cfg.metric.name)
                if len(reports) > len(mine):
                    mirror_reports(trial, mine, reports)
                    mine = list(mine) + list(reports[len(mine) :])
            # As W&B's agent: the runner applies the rule and stops the run's process.
            others = [trial_history(t) for t in live_trials(ctx.study) if t.number != trial.number]
            decision = rule.decide(mine, others)
            if decision.stop:
                stopped = decision
                trial.set_user_attr(ATTR_STOP, decision.to_dict())
                proc.terminate()
                try:
                    proc.wait(timeout=TERMINATE_GRACE)
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
        return trial_outcome(trial, flat, run_id, "PRUNED", value, stop_message(stopped, trial.number))
    if ATTR_STOP in frozen.user_attrs and proc.returncode == 0:
        # The program asked should_stop() itself and ended early.
        decision = StopDecision(**frozen.user_attrs[ATTR_STOP])
        return trial_outcome(trial, flat, run_id, "PRUNED", value, stop_message(decision, trial.number))
    if proc.returncode != 0:
        message = f"trial {trial.number} (run {run_id}): program exited with code {proc.returncode}"
        return trial_outcome(trial, flat, run_id, "FAIL", message=message)
    if value is None or not math.isfinite(value):
        message = (
            f"trial {trial.number} (run {run_id}): metric {cfg.metric.name!r} was never reported "
            f"(neither in the run's W&B log nor through SweepCallback.from_env()); "
            f"the trial is marked failed"
        )
        return trial_outcome(trial, flat, run_id, "FAIL", message=message)
    return trial_outcome(trial, flat, run_id, "COMPLETE", float(value))
