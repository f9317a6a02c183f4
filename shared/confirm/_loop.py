"""The confirm worker: claim a task, train or look, until the confirm is decided.

Every worker (one process, or many on many machines sharing a storage) runs :func:`run_confirm`.
The first one creates the study, the tracker's parent and the first round; the others join.
An item trains one (configuration, seed) in a tracker run of its own; a look compares every
finished item at its nominal level (``_plan``) and either records the decision (once: a look is
a task only one worker holds) or enqueues the next round for the configurations in the race.
"""

from __future__ import annotations

import math
import sys
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from shared.confirm._plan import Plan
from shared.confirm._program import check_signature
from shared.confirm._progress import item_bar, look_line
from shared.confirm._queue import Task, WorkQueue
from shared.confirm._result import STOP_REASONS, ConfirmFailed, ConfirmResult
from shared.confirm._rule import look_outcome
from shared.confirm._timeout import ItemTimeout, call_with_timeout
from shared.errors import InputError
from shared.model import Run

__all__ = ["ConfirmTracker", "Resumed", "compare_items", "run_confirm"]


@dataclass(frozen=True)
class Resumed:
    """What an earlier run of a confirm left in the tracker (a rerun without ``--storage``
    after an interruption): its parent, each finished item (``(config, seed) -> (run_id,
    value)``: a run that ended FINISHED with the metric) and the runs of attempts that never
    finished (hidden like a killed worker's)."""

    parent: str
    done: dict[tuple[str, int], tuple[str, float]] = field(default_factory=dict)
    unfinished: tuple[str, ...] = ()


def refuse_resume(study: str, where: str, why: str) -> InputError:
    """The one line when a confirm of this name exists but cannot be resumed safely."""
    return InputError(f"{where} already holds confirm {study!r} {why}: give this one another "
                      "--name, or resume it with the --storage it was run with")


class ConfirmTracker(Protocol):
    """The tracker calls a confirm needs (each adapter writes these and nothing else)."""

    name: str

    def open_parent(self, study: str, plan: Plan) -> str:
        """Create the parent run (MLflow) or name the group (W&B); return its id."""

    def resume(self, study: str, plan: Plan) -> Resumed | None:
        """The confirm named ``study`` already in the tracker (its parent reopened), None when
        there is none; raises ``InputError`` (:func:`refuse_resume`) when it holds another
        plan or cannot be read safely."""

    def start_item(self, parent: str, config: str, params: Mapping[str, Any], seed: int,
                   attempt: int) -> Any:
        """Start the item's run (params incl. seed); the handle has ``run_id``."""

    def call(self, handle: Any, train: Callable[[], Any]) -> Any:
        """Call ``train()`` with the item's run as the tracker's active run."""

    def logged(self, handle: Any, metric: str) -> float | None:
        """The metric as train logged it to the run itself (None: never logged)."""

    def end_item(self, handle: Any, metrics: Mapping[str, float] | None,
                 error: str | None) -> None:
        """Log ``metrics`` and end the run (FAILED with ``error``)."""

    def abandon(self, run_ids: tuple[str, ...]) -> None:
        """Hide the runs of attempts that never completed (killed, or lost a race)."""

    def publish(self, parent: str, comparison: Any, result: ConfirmResult) -> None:
        """Record the decision on the parent / group (called once per confirm)."""

    def fail_parent(self, parent: str, message: str) -> None:
        """Mark the parent failed (a task failed every attempt): no decision is recorded."""


def _as_metrics(out: Any, where: str, metric: str) -> dict[str, float]:
    """What train returned, as ``{metric: float}`` (a float is the compared metric's value)."""
    if out is None:
        return {}
    if isinstance(out, Mapping):
        metrics = {}
        for key, value in out.items():
            try:
                metrics[str(key)] = float(value)
            except (TypeError, ValueError):
                continue  # a non-numeric extra (a path, a label) is not a metric
        return metrics
    try:
        return {metric: float(out)}
    except (TypeError, ValueError):
        raise InputError(f"train returned {type(out).__name__} for {where}: return a float, "
                         "a dict of metrics, or log the metric to the run") from None


def _value(metrics: dict[str, float], metric: str) -> float | None:
    from shared.normalise import canonical_metric_name

    want = canonical_metric_name(metric)
    for key, value in metrics.items():
        if key == metric or canonical_metric_name(key) == want:
            return value  # NaN/inf included: the caller fails the attempt, saying so
    return None


def compare_items(queue: WorkQueue, plan: Plan, look: int, tracker: str) -> tuple[
        Any, dict[str, str], dict[str, int]]:
    """The comparison at ``look``: the items of rounds up to it (a look retried after later
    items finished still sees only its own planned seeds), at that look's alpha; the name
    map and the seeds per configuration."""
    alpha = plan.look_alpha(look)
    runs, seeds_used = [], dict.fromkeys(plan.configs, 0)
    items = [(t, trial) for t, trial in queue.completed() if t.round <= look]
    for task, trial in sorted(items, key=lambda x: (x[0].config, x[0].seed)):
        params = plan.configs[task.config]
        run_id = trial.user_attrs.get("confirm.run_id") or f"{task.config}:{task.seed}"
        metrics = {plan.metric: float(trial.values[0])}
        runs.append(Run(tracker, run_id, name=f"{task.config} seed={task.seed}",
                        params={**params, "config": task.config, "seed": task.seed},
                        metrics=metrics, status="FINISHED"))
        seeds_used[task.config] += 1
    # The looks' levels are computed from the joint law of the paired t statistics, so every
    # look runs the paired t-test. ``auto`` would pick the signed-rank test at a look whose
    # differences fail Shapiro-Wilk (5% of looks on normal data): a data-driven switch of
    # test outside that joint law (+0.1 points of false winners at alpha 5%, _plan's
    # docstring). A fixed design has one look: ``auto`` chooses as ``compare`` does.
    sequential = len(plan.looks) > 1
    try:
        comparison = _compare(runs, plan, alpha, "paired-t" if sequential else "auto")
    except InputError:
        # the paired t-test refuses a pair with too few shared seeds (``--seeds 2``: a
        # configuration that left the race after 2 seeds against one with 4); ``auto``
        # answers such a look as ``compare`` would
        comparison = _compare(runs, plan, alpha, "auto")
    if sequential and any(p.p_value is None for p in comparison.pairs):
        # every paired difference equal (no spread): the t statistic is undefined, and such
        # data have probability zero under the continuous noise the levels assume; ``auto``
        # gives them the exact signed-rank test, as ``compare`` would
        comparison = _compare(runs, plan, alpha, "auto")
    by_run = {r.id: r.params["config"] for r in runs}
    names = {c.name: by_run[c.run_ids[0]] for c in comparison.configs}
    return comparison, names, seeds_used


def _compare(runs: list[Run], plan: Plan, alpha: float, test: str) -> Any:
    from shared.compare import compare_runs

    return compare_runs(runs, metric=plan.metric, goal=plan.goal, seed_key="seed",
                        group_by=_group_by(plan), alpha=alpha, min_effect=plan.min_effect,
                        test=test,
                        # confirm's stopping rule reads every pair (issue 17 made "compare
                        # with the best" the default for 3+ configurations)
                        all_pairs=True)


def _group_by(plan: Plan) -> list[str]:
    """Group by the params that vary when they name the configurations (the report then says
    ``lr=0.01``); by the confirm's own names when those were given or params repeat."""
    # in name order, as ``config_names`` writes the names and ``compare`` groups
    keys = sorted(dict.fromkeys(k for p in plan.configs.values() for k in p))
    varying = [k for k in keys
               if len({repr(p.get(k)) for p in plan.configs.values()}) > 1]
    auto = all(name == ", ".join(f"{k}={p.get(k)}" for k in varying)
               for name, p in plan.configs.items())
    return varying if varying and auto else ["config"]


class _Worker:
    def __init__(self, plan: Plan, train: Callable[..., Any], tracker: ConfirmTracker,
                 queue: WorkQueue, item_timeout: float | None = None) -> None:
        self.plan, self.train, self.tracker, self.queue = plan, train, tracker, queue
        self.item_timeout = item_timeout
        self.parent: str = ""
        self.reused: dict[tuple[str, int], tuple[str, float]] = {}

    def open(self) -> str:
        """The parent: the one an earlier run of this confirm left in the tracker (its finished
        items reused, not trained again), else a new one."""
        resume = getattr(self.tracker, "resume", None)  # optional: a tracker may not keep one
        found = resume(self.queue.study_name, self.plan) if resume is not None else None
        if found is None:
            return self.tracker.open_parent(self.queue.study_name, self.plan)
        self.queue.set_attr("reused", [[c, s, run_id, value]
                                       for (c, s), (run_id, value) in sorted(found.done.items())])
        if found.unfinished:
            self.tracker.abandon(found.unfinished)
        return found.parent

    def load_reused(self) -> None:
        self.reused = {(str(c), int(s)): (str(run_id), float(value))
                       for c, s, run_id, value in self.queue.attr("reused") or []}

    def item(self, task: Task) -> None:
        config, seed = task.config or "", int(task.seed or 0)
        where = f"configuration {config!r} seed {seed}"
        params = self.plan.configs[config]
        if task.previous_runs:
            self.tracker.abandon(task.previous_runs)
        if (config, seed) in self.reused:  # finished by an earlier run of this confirm
            run_id, value = self.reused[(config, seed)]
            self.queue.set_task_attr(task, "run_id", run_id)
            self.queue.complete(task, value)
            return
        handle = self.tracker.start_item(self.parent, config, params, seed, task.attempt)
        self.queue.set_task_attr(task, "run_id", handle.run_id)
        try:
            with item_bar(self.queue, task):  # on a terminal: training item k/n of the round
                out = self._call(handle, params, seed, where)
            metrics = _as_metrics(out, where, self.plan.metric)
        except KeyboardInterrupt:
            # Ctrl-C / SIGTERM: the item's run ends FAILED (not left RUNNING); the item
            # itself stays claimed in the storage, and is taken over once its heartbeats stop.
            _quietly(lambda: self.tracker.end_item(handle, None, "interrupted"))
            raise
        except (Exception, SystemExit) as error:  # noqa: BLE001 (train's own: retried, reported)
            # sys.exit() inside train is train's failure, not the command's exit code (a
            # SystemExit(3) made confirm exit 3, "unreachable", saying nothing).
            text = "".join(traceback.format_exception_only(type(error), error)).strip()
            if isinstance(error, SystemExit):
                text = f"train called sys.exit({error.code!r})"
            elif isinstance(error, ItemTimeout):
                text = f"{error} for {where}: the attempt failed"
            self.tracker.end_item(handle, None, text)
            message = self.queue.fail(task, text, handle.run_id)
            if message:
                self._stop(message)
            return
        value = _value(metrics, self.plan.metric)  # returned: end_item records it
        if value is None:  # logged by train itself: in the run already, history as logged
            value = self.tracker.logged(handle, self.plan.metric)
        if value is not None and not math.isfinite(value):
            # A diverged seed (NaN/inf) is a failed attempt, retried like an exception up to
            # max_attempts; only then does the confirm stop (a decision on it means nothing).
            text = (f"train returned {self.plan.metric}={value!r} for {where} (not a finite "
                    "number: the attempt failed)")
            self.tracker.end_item(handle, None, text)
            message = self.queue.fail(task, text, handle.run_id)
            if message:
                self._stop(message)
            return
        if value is None:
            said = ", ".join(f"{k}={v!r}" for k, v in sorted(metrics.items())) or "nothing"
            text = (f"train never returned or logged metric {self.plan.metric!r} for {where} "
                    f"(returned: {said})")
            self.tracker.end_item(handle, metrics, text)
            self.queue.fail(task, text, handle.run_id)
            self.queue.set_attr("dead", {"message": text, "previous_runs": []})
            self._stop(text)
        self.tracker.end_item(handle, metrics, None)
        if not self.queue.complete(task, float(value)):
            self.tracker.abandon((handle.run_id,))  # a retry owns the item now

    def _call(self, handle: Any, params: Mapping[str, Any], seed: int, where: str) -> Any:
        """train in the item's run; with ``item_timeout``, in a thread given that long (a
        program is killed then; an in-process function is abandoned, its result ignored)."""
        def call() -> Any:
            return self.tracker.call(handle, lambda: self.train(**params, seed=seed))

        def late() -> None:  # the abandoned call ended its run as it pleased: FAILED again
            self.tracker.end_item(handle, None, f"train ran longer than item_timeout for {where}")

        return call_with_timeout(call, self.item_timeout, getattr(self.train, "stop", None), late)

    def _stop(self, message: str) -> None:
        self.tracker.fail_parent(self.parent, message)
        raise ConfirmFailed(message)

    def look(self, task: Task) -> None:
        k, looks = task.round, self.plan.looks
        if self.queue.attr("result") is not None:  # recorded by an attempt that then died
            self.queue.complete(task, 0.0)
            return
        comparison, names, seeds_used = compare_items(self.queue, self.plan, k,
                                                      self.tracker.name)
        history = list(self.queue.attr("looks") or [])[:k]
        race = [c for c, n in seeds_used.items() if n >= looks[k]]
        outcome = look_outcome(comparison, names, race, last=k == len(looks) - 1,
                               min_effect=self.plan.min_effect)
        history.append({"look": k + 1, "seeds": looks[k], "alpha": self.plan.look_alpha(k),
                        "share": self.plan.look_share(k), "race": race, "best_set": list(outcome.best_set),
                        "winner": outcome.winner})
        self.queue.set_attr("looks", history)
        # a line per round, on a terminal or in a pipe: long trainings are not silent
        print(look_line(look=k, looks=looks, seeds_used=seeds_used, race=race, outcome=outcome,
                        stop_reason=STOP_REASONS.get(outcome.stop or "")),
              file=sys.stderr, flush=True)
        if outcome.stop is None:
            added = {c: list(range(looks[k], looks[k + 1])) for c in outcome.race}
            self.queue.enqueue_round(k + 1, added)
        else:
            result = self._result(comparison, names, seeds_used, outcome.stop, history)
            self.tracker.publish(self.parent, comparison, result)
            self.queue.set_attr("result", {"stop": outcome.stop, "look": k})
        self.queue.complete(task, 0.0)

    def _result(self, comparison: Any, names: dict[str, str], seeds_used: dict[str, int],
                stop: str, history: list[Any]) -> ConfirmResult:
        decision = comparison.decision
        winner = names.get(decision.winner) if decision.winner else None
        best = tuple(names[n] for n in (decision.best_set or ()) if n in names)
        return ConfirmResult(comparison=comparison, seeds_used=seeds_used,
                             stopped_because=STOP_REASONS[stop], winner=winner, best_set=best,
                             parent=self.parent, looks=tuple(history),
                             study=self.queue.study_name, storage=self.queue.url,
                             config_names=names)

    def finished(self, stored: Mapping[str, Any]) -> ConfirmResult:
        """The result recorded by the worker that decided (the comparison is recomputed from
        the same items at the same alpha: the same numbers)."""
        comparison, names, seeds_used = compare_items(self.queue, self.plan, int(stored["look"]),
                                                      self.tracker.name)
        history = list(self.queue.attr("looks") or [])
        return self._result(comparison, names, seeds_used, str(stored["stop"]), history)


def run_confirm(plan: Plan, train: Callable[..., Any], tracker: ConfirmTracker,
                queue: WorkQueue, *, max_tasks: int | None = None,
                item_timeout: float | None = None) -> ConfirmResult | None:
    """Work on the confirm ``plan`` until it is decided; return its result.

    Args:
        plan: the confirm (two workers with equal plans share one confirm).
        train: ``train(**params, seed=seed)``.
        tracker: the adapter's tracker calls.
        queue: the work items (in memory, or an Optuna RDB storage shared by many workers).
        max_tasks: stop after this many tasks (None: until decided); returns None then.
        item_timeout: seconds a train call may take; a longer one fails its attempt (retried
            like any failure). None: no limit.

    Raises:
        ConfirmFailed: a (configuration, seed) failed every attempt, or never gave the metric.
    """
    check_signature(train, plan.configs)
    if item_timeout is not None and not item_timeout > 0:
        raise InputError(f"item_timeout must be a positive number of seconds, got {item_timeout!r}")
    worker = _Worker(plan, train, tracker, queue, item_timeout)
    if queue.open(plan.to_dict()):
        # every step may be redone by a worker taking over an interrupted set-up
        try:
            with queue.setting_up():
                worker.parent = queue.attr("parent") or worker.open()
                queue.set_attr("parent", worker.parent)
                queue.enqueue_round(0, {c: list(range(plan.looks[0])) for c in plan.configs})
                queue.set_attr("ready", True)
        except KeyboardInterrupt:
            if worker.parent:
                _quietly(lambda: tracker.fail_parent(
                    worker.parent, "interrupted (Ctrl-C or SIGTERM) during set-up"))
            raise
    else:
        worker.parent = queue.attr("parent")
    worker.load_reused()
    try:
        return _work(worker, queue, max_tasks)
    except KeyboardInterrupt:
        # The shared parent must not stay RUNNING for ever: a worker that resumes the confirm
        # (same --storage and name) or another one still working ends it when it decides.
        how = " (resume it with the same --storage and --name)" if queue.url else ""
        if worker.parent:
            _quietly(lambda: tracker.fail_parent(
                worker.parent, f"interrupted (Ctrl-C or SIGTERM){how}"))
        raise


def _quietly(action: Callable[[], Any]) -> None:
    """A clean-up after a signal: signals held off meanwhile, its own failure ignored (the
    interrupt is what the user is told about)."""
    import contextlib

    from shared.cli._signals import ignoring_signals

    with ignoring_signals(), contextlib.suppress(Exception):
        action()


def _work(worker: _Worker, queue: WorkQueue, max_tasks: int | None) -> ConfirmResult | None:
    done = 0
    while True:
        stored = queue.attr("result")
        if stored is not None:
            return worker.finished(stored)
        dead = queue.attr("dead")
        if dead is not None:
            worker._stop(dead["message"])
        if max_tasks is not None and done >= max_tasks:
            return None
        task = queue.claim()
        if task is None:
            queue.idle()
            continue
        with queue.heartbeat(task):
            worker.item(task) if task.kind == "item" else worker.look(task)
        done += 1
