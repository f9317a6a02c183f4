"""One trial of a function sweep, run in this process.

The function is called either with the :class:`SweepCallback` and a run the runner started,
or, taking no argument, as ``wandb.agent`` calls it: the sweep's values, run id and group in
the environment, and the function's own ``wandb.init()`` starts the run. The trial's value is
the callback's last report, or the summary in W&B's own log of the run.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from wandb_compare_ext.sweep._callback import SweepCallback
from wandb_compare_ext.sweep._command import agent_environment
from wandb_compare_ext.sweep._distributions import nest_config
from wandb_compare_ext.sweep._keys import ATTR_RUN_NAME, FLUSH_ENV, LOG_FLUSH_SECONDS
from wandb_compare_ext.sweep._outcome import (
    TrialOutcome,
    never_reported,
    stop_message,
    trial_outcome,
)
from wandb_compare_ext.sweep._study import SweepContext
from wandb_compare_ext.sweep._wandb_log import find_log, mirror_reports, read_log, read_run_log

__all__ = ["run_function_trial", "takes_argument"]


def takes_argument(function: Callable[..., Any]) -> bool:
    """True if ``function`` takes the sweep callback (else it is called as ``wandb.agent`` would)."""
    try:
        inspect.signature(function).bind(None)
    except TypeError:
        return False
    except ValueError:  # builtins without a signature
        return False
    return True


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


def run_function_trial(
    ctx: SweepContext, trial: Any, flat: dict[str, Any], function: Callable[..., Any], run_id: str
) -> TrialOutcome:
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
    agent_style = not takes_argument(function)
    env: dict[str, str] = {}
    if agent_style:
        env = agent_environment(ctx, flat, run_id, name)
        cb.follow_wandb_run = True
        # As wandb.agent: W&B reads its settings from the environment again for each run.
        wandb.teardown()
    else:
        settings = None
        if ctx.cfg.early_terminate is not None and FLUSH_ENV not in os.environ:
            # Hyperband reads a plain wandb.log loop's reports from W&B's log: have W&B
            # write it every second rather than every 15 s (its default).
            settings = wandb.Settings(x_transaction_log_flush_interval=LOG_FLUSH_SECONDS)
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
        return trial_outcome(trial, flat, run_id, "FAIL", message=" ".join(message.split()))
    run = _active_run(run_id)
    log_path = find_log(run_id, bases)
    if run is None and log_path is None:
        message = (
            f"trial {trial.number}: the function never started a W&B run (call wandb.init() "
            f"in it, as under wandb.agent, or take the sweep callback as its argument)"
        )
        return trial_outcome(trial, flat, run_id, "FAIL", message=message)
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
        message = stop_message(cb.decision, trial.number)
        return trial_outcome(trial, flat, run_id, "PRUNED", value, message, run)
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
            message = never_reported(ctx.cfg.metric.name, trial.number, run_id, logged)
        return trial_outcome(trial, flat, run_id, "FAIL", message=message)
    return trial_outcome(trial, flat, run_id, "COMPLETE", value, run=run)
