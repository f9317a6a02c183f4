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

The runner is split by question: :mod:`._study` sets up the study and answers whether the
sweep is over, :mod:`._trial_in_process` and :mod:`._trial_subprocess` run one trial (a
function here, a program in a subprocess) and return a :class:`TrialOutcome`, and this module
is the loop: ask a trial, run it, tell the study, update the best run and the comparison.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shared.errors import InputError, TrackerCompareError
from wandb_compare_ext.sweep._callback import trial_history
from wandb_compare_ext.sweep._config import SweepConfig, load_sweep_config
from wandb_compare_ext.sweep._distributions import grid_size, nest_config
from wandb_compare_ext.sweep._keys import (
    ATTR_CONFIG,
    ATTR_ERROR,
    ATTR_RUN_ID,
    ATTR_RUN_NAME,
    ATTR_SKIPPED,
    BEST_TAG,
    STUDY_BEST,
    STUDY_COMPARISON,
)
from wandb_compare_ext.sweep._outcome import SweepResult, TrialOutcome
from wandb_compare_ext.sweep._seeds import aggregate_seeds
from wandb_compare_ext.sweep._study import (
    Heartbeat,
    SweepContext,
    default_seed_key,
    live_trials,
    make_storage,
    new_run_id,
    open_study,
    suggest,
    sweep_done,
)
from wandb_compare_ext.sweep._trial_in_process import run_function_trial, takes_argument
from wandb_compare_ext.sweep._trial_subprocess import run_program_trial

if TYPE_CHECKING:
    from shared.compare import Comparison

__all__ = ["SweepResult", "TrialOutcome", "run_sweep"]

_log = logging.getLogger("wandb_compare_ext.sweep")


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
        storage_obj = make_storage(storage, heartbeat_interval)
        study = open_study(cfg, name, storage_obj, seed)
        ctx = SweepContext(
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
            seed_key=seed_key or default_seed_key(cfg),
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
            comparison=study.user_attrs.get(STUDY_COMPARISON),
            warnings=tuple(ctx.warnings),
        )
    finally:
        optuna.logging.set_verbosity(previous_level)
        if function is not None and not takes_argument(function):
            # W&B's settings still hold this sweep's environment (param file, run id).
            import wandb

            wandb.teardown()
        if tmpdir is not None:
            if isinstance(storage_obj, optuna.storages.RDBStorage):
                storage_obj.remove_session()
                storage_obj.engine.dispose()
            tmpdir.cleanup()


def _loop(
    ctx: SweepContext, function: Callable[..., Any] | None, count: int | None
) -> tuple[list[TrialOutcome], str]:
    import optuna

    cfg, study = ctx.cfg, ctx.study
    outcomes: list[TrialOutcome] = []
    while True:
        if count is not None and len(outcomes) >= count:
            return outcomes, "count"
        if isinstance(ctx.storage, optuna.storages.RDBStorage):
            optuna.storages.fail_stale_trials(study)
        reason = sweep_done(cfg, study)
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
            earlier = [t for t in live_trials(study) if t.number <= trial.number]
            if len(earlier) > cfg.run_cap:
                trial.set_user_attr(ATTR_SKIPPED, "run_cap reached before this trial started")
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
                return outcomes, "run_cap"
        try:
            flat = suggest(cfg, trial)
        except Exception:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            raise
        run_id = new_run_id()
        trial.set_user_attr(ATTR_CONFIG, flat)
        trial.set_user_attr(ATTR_RUN_ID, run_id)
        try:
            with Heartbeat(ctx.storage, trial._trial_id):
                if function is not None:
                    outcome = run_function_trial(ctx, trial, flat, function, run_id)
                else:
                    outcome = run_program_trial(ctx, trial, flat, run_id)
        except BaseException:
            # Interrupted or refused: the trial is recorded as failed, never left running.
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            raise
        _record(ctx, trial, outcome)
        outcomes.append(dataclasses.replace(outcome, run=None))  # the run is finished now


def _record(ctx: SweepContext, trial: Any, outcome: TrialOutcome) -> None:
    """Tell the study how the trial ended, then update the sweep's best run and comparison."""
    import optuna

    if outcome.message is not None and outcome.state == "FAIL":
        trial.set_user_attr(ATTR_ERROR, outcome.message)
        ctx.warnings.append(outcome.message)
        _log.warning(outcome.message)
    if outcome.state == "COMPLETE":
        ctx.study.tell(trial, outcome.value)
    elif outcome.state == "PRUNED":
        ctx.study.tell(trial, state=optuna.trial.TrialState.PRUNED)
    else:
        ctx.study.tell(trial, state=optuna.trial.TrialState.FAIL)
    try:
        _after_trial(ctx, trial.number, outcome.run if outcome.state == "COMPLETE" else None)
    finally:
        if outcome.run is not None:
            outcome.run.finish()


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


def _comparison(ctx: SweepContext, trials: Sequence[Any]) -> Comparison | None:
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
    return comparison


def _after_trial(ctx: SweepContext, number: int, run: Any) -> None:
    trials = ctx.study.get_trials(deepcopy=False)
    aggs = aggregate_seeds(trials, seed_key=ctx.seed_key, goal=ctx.cfg.metric.goal)
    if aggs:
        ctx.study.set_user_attr(STUDY_BEST, aggs[0].to_dict())
        if run is not None and number in aggs[0].trials:
            # Only the current run can be tagged: earlier runs are finished (and offline).
            _update_run(ctx, run, tags=(BEST_TAG,), summary={"sweep_best_configuration": True})
    if ctx.compare:
        comparison = _comparison(ctx, trials)
        if comparison is not None:
            ctx.study.set_user_attr(STUDY_COMPARISON, comparison.to_dict())  # JSON in storage
            if run is not None:
                winner = comparison.decision.winner
                _update_run(ctx, run, summary={"sweep_comparison_winner": winner})


def _update_run(
    ctx: SweepContext, run: Any, *, tags: tuple[str, ...] = (), summary: Mapping[str, Any] | None = None
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
