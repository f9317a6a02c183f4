"""The sweep callback the training loop calls: reports, hyperband stops, seeds, best run.

A training loop run by :func:`~wandb_compare_ext.sweep.run_sweep` (or a program it starts)
gets a :class:`SweepCallback`. It logs through W&B, counts the sweep metric's reports (W&B's
hyperband bands count reports, not ``_step``), records them in the Optuna study so every runner
process sees them, and answers ``should_stop()`` with W&B's hyperband rule. When a trial ends,
:func:`~wandb_compare_ext.sweep.aggregate_seeds` groups the study's finished trials into configurations (every parameter
but the seed), the run of the best configuration is tagged ``sweep-best``, and the comparison
of configurations is recomputed with ``shared.compare_runs`` and stored with the study.

A loop written for ``wandb.agent`` that only calls ``wandb.log`` works too: it asks
``current_callback().should_stop()``, and the reports are read from W&B's own log of the run
(written every second while a hyperband sweep runs), so decisions come at most that late.

Example (inside ``run_sweep(config, function=train)``)::

    def train(sweep):
        for epoch in range(sweep.config["epochs"]):
            loss = ...
            sweep.log({"loss": loss, "epoch": epoch})
            if sweep.should_stop():
                break
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import json
import math
import os
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.errors import InputError, TrackerCompareError
from wandb_compare_ext.sweep._config import SweepConfig, load_sweep_config
from wandb_compare_ext.sweep._distributions import nest_config
from wandb_compare_ext.sweep._hyperband import StopDecision, clean_history
from wandb_compare_ext.sweep._keys import (
    ATTR_CONFIG,
    ATTR_SKIPPED,
    ATTR_STOP,
    ATTR_VALUE,
    BEST_TAG,
    ENV_CONFIG,
    ENV_STORAGE,
    ENV_STUDY,
    ENV_TRIAL_ID,
)
from wandb_compare_ext.sweep._seeds import ConfigAggregate, aggregate_runs, as_float, lookup_metric

__all__ = ["SweepCallback", "current_callback", "trial_history"]


_CURRENT: contextvars.ContextVar[SweepCallback | None] = contextvars.ContextVar(
    "wandb_compare_sweep_callback", default=None
)


def current_callback() -> SweepCallback | None:
    """The callback of the trial running in this thread (None outside a sweep)."""
    return _CURRENT.get()


def trial_history(trial: Any) -> list[float]:
    """A trial's metric reports (Optuna intermediate values) in report order."""
    values = trial.intermediate_values
    return clean_history(values[k] for k in sorted(values))


class SweepCallback:
    """What a training loop in a sweep calls each step or epoch.

    Args:
        config: the sweep config (a :class:`SweepConfig`, a dict or a YAML path).
        run: the W&B run of this trial (``log`` forwards to it); None to only count reports.
        study: the Optuna study holding every trial of the sweep (peers for hyperband).
        trial: this trial (an ``optuna.trial.Trial``); reports are recorded on it.
        peers: instead of a study, a callable returning the other runs' report histories
            (e.g. read with ``wandb.Api`` under a W&B server's ``wandb.agent``).
        log_path: the run's ``run-<id>.wandb`` log, where the reports of a loop that calls
            ``wandb.log`` directly are read from (default: found from the run's folder).

    Example:
        >>> cb = SweepCallback({"method": "random", "metric": {"name": "loss"},
        ...                     "parameters": {"x": {"values": [1]}},
        ...                     "early_terminate": {"type": "hyperband", "min_iter": 1}},
        ...                    peers=lambda: [[1.0], [2.0], [3.0]])
        >>> cb.log({"loss": 9.0})
        >>> cb.should_stop()
        True
    """

    def __init__(
        self,
        config: SweepConfig | Mapping[str, Any] | str | os.PathLike[str],
        *,
        run: Any = None,
        study: Any = None,
        trial: Any = None,
        peers: Callable[[], Iterable[Sequence[float]]] | None = None,
        log_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.sweep = config if isinstance(config, SweepConfig) else load_sweep_config(config)
        self._run = run
        # Under run_sweep's wandb.agent-style call, the function starts its own run with
        # wandb.init(): the callback follows W&B's current run.
        self.follow_wandb_run = False
        self.study = study
        self.trial = trial
        self._peers = peers
        self.history: list[float] = []
        self.summary: dict[str, Any] = {}
        self.decision: StopDecision | None = None
        self.stopped = False
        self.log_path = None if log_path is None else Path(log_path)
        self._own_reports = False
        self._finished = False
        self.peer_refresh_seconds = 1.0
        self._peer_cache: tuple[float, list[list[float]]] | None = None
        self._agent: _AgentLink | None = None
        self.configurations: list[ConfigAggregate] = []
        self.comparison: Any = None
        self.warnings: list[str] = []

    @property
    def run(self) -> Any:
        """This trial's W&B run (None before the function has started it)."""
        if self._run is None and self.follow_wandb_run:
            import wandb

            return wandb.run
        return self._run

    @run.setter
    def run(self, value: Any) -> None:
        self._run = value

    # -- what the training loop calls -------------------------------------------------------
    @property
    def config(self) -> Mapping[str, Any]:
        """This trial's config (nested like ``wandb.config``)."""
        if self.run is not None:
            return dict(self.run.config)
        if self.trial is not None and ATTR_CONFIG in getattr(self.trial, "user_attrs", {}):
            return nest_config(self.trial.user_attrs[ATTR_CONFIG])
        return {}

    @property
    def metric(self) -> str:
        """The sweep metric's name."""
        return self.sweep.metric.name

    def log(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        """Log ``metrics`` to the W&B run and count a report of the sweep metric if present.

        Args:
            metrics: what ``wandb.log`` takes.
            step: passed to ``wandb.log``; bands count reports whatever the step.
        """
        if self.run is not None:
            if step is None:
                self.run.log(dict(metrics))
            else:
                self.run.log(dict(metrics), step=step)
        self.summary.update(metrics)
        value = lookup_metric(metrics, self.metric)
        if value is not None:
            self.report(value)

    def report(self, value: Any) -> None:
        """Count one report of the sweep metric (non-finite values are not counted, as W&B)."""
        v = as_float(value)
        if v is None or not math.isfinite(v):
            return
        self._own_reports = True
        self.history.append(v)
        if self.trial is not None:
            # Steps are report numbers (1-based), so every process reads the same bands. The
            # runner may already have recorded this report from W&B's log (same number, same
            # value): Optuna then keeps the first and warns, which is noise here.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                self.trial.report(v, step=len(self.history))

    def peer_histories(self) -> list[list[float]]:
        """Every other run's reports of the metric, from the study (or ``peers``).

        Read at most once per ``peer_refresh_seconds`` (a loop may ask every step; other
        runners' reports a second old change no decision W&B's own controller would make
        sooner).
        """
        now = time.monotonic()
        if self._peer_cache is not None and now - self._peer_cache[0] < self.peer_refresh_seconds:
            return self._peer_cache[1]
        if self._peers is not None:
            peers = [list(h) for h in self._peers()]
        elif self.study is None:
            peers = []
        else:
            mine = getattr(self.trial, "number", None)
            peers = [
                trial_history(t)
                for t in self.study.get_trials(deepcopy=False)
                if t.number != mine and not t.user_attrs.get(ATTR_SKIPPED)
            ]
        self._peer_cache = (now, peers)
        return peers

    def should_stop(self) -> bool:
        """Apply the sweep's hyperband rule now: True when this run should stop.

        Always False without ``early_terminate``. Once True it stays True.
        """
        rule = self.sweep.early_terminate
        if rule is None:
            return False
        if self.stopped:
            return True
        if not self._own_reports:
            self._refresh_from_log()
        self.decision = rule.decide(self.history, self.peer_histories())
        if self.decision.stop:
            self.stopped = True
            if self.trial is not None:
                self.trial.set_user_attr(ATTR_STOP, self.decision.to_dict())
            if self.run is not None:
                self.run.summary["early_terminated"] = True
        return self.stopped

    def _refresh_from_log(self) -> None:
        """Take the reports of a loop that calls ``wandb.log`` directly from W&B's own log.

        W&B writes its log on its own schedule, so the last report or two may arrive at a
        later ``should_stop()``; decisions then come that much later, never earlier.
        """
        from wandb_compare_ext.sweep._wandb_log import mirror_reports, read_log

        if self.log_path is None:
            run = self.run
            if run is None or not getattr(run, "dir", None):
                return
            self.log_path = Path(run.dir).parent / f"run-{run.id}.wandb"
        _, reports = read_log(self.log_path, self.metric)
        if len(reports) > len(self.history):
            if self.trial is not None:
                mirror_reports(self.trial, self.history, reports)
            self.history.extend(reports[len(self.history) :])

    def final_value(self) -> float | None:
        """The trial's value: the metric's last value logged through this callback, else the
        run's summary of it (what ``wandb.log`` last recorded), else the last report.

        The callback's own record comes first because W&B holds back the last row logged with
        an explicit ``step`` until the step advances, so the run's summary lags by one row.
        """
        value = as_float(lookup_metric(self.summary, self.metric))
        if value is not None:
            return value
        if self.run is not None:
            try:
                value = as_float(lookup_metric(dict(self.run.summary), self.metric))
            except Exception:  # a finished run's summary may be unreadable offline
                value = None
            if value is not None:
                return value
        return self.history[-1] if self.history else None

    def set_value(self, value: float) -> None:
        """Record the trial's final value (a program sweep's process calls this at exit)."""
        if self.trial is not None:
            self.trial.set_user_attr(ATTR_VALUE, float(value))

    def finish(self) -> Any:
        """At the end of the run: record the final value with the trial (a program's process;
        also run at exit). Under :meth:`for_wandb_agent`, aggregate the sweep's seeds, tag
        this run when its configuration leads, and record the comparison (returned)."""
        if self._finished:
            return self.comparison
        self._finished = True
        value = self.final_value()
        if value is not None and self.trial is not None:
            self.set_value(value)
        if self._agent is not None:
            return self._agent_finish()
        return None

    # -- a program sweep's process ----------------------------------------------------------
    @classmethod
    def from_env(cls, run: Any = None) -> SweepCallback | None:
        """The callback of the trial that started this process, or None outside a sweep.

        ``run_sweep`` passes the study's storage, name and trial to a program's process in
        environment variables; this reconnects to them.

        Args:
            run: the process's W&B run (default: ``wandb.run``).
        """
        storage = os.environ.get(ENV_STORAGE)
        study_name = os.environ.get(ENV_STUDY)
        trial_id = os.environ.get(ENV_TRIAL_ID)
        config = os.environ.get(ENV_CONFIG)
        if not (storage and study_name and trial_id and config):
            return None
        import optuna

        if run is None:
            import wandb

            run = wandb.run
        study = optuna.load_study(study_name=study_name, storage=storage)
        trial = optuna.trial.Trial(study, int(trial_id))
        log_path = None
        if run is not None and getattr(run, "dir", None):
            log_path = Path(run.dir).parent / f"run-{run.id}.wandb"
        cb = cls(json.loads(config), run=run, study=study, trial=trial, log_path=log_path)
        atexit.register(cb.finish)
        return cb

    # -- under W&B's own wandb.agent (a W&B server runs the sweep) -------------------------
    @classmethod
    def for_wandb_agent(
        cls,
        config: SweepConfig | Mapping[str, Any] | str | os.PathLike[str],
        *,
        run: Any = None,
        project: str | None = None,
        sweep_id: str | None = None,
        source: Any = None,
        seed_key: str | None = None,
    ) -> SweepCallback:
        """The callback for training code that W&B's own ``wandb.agent`` runs.

        Peers are the sweep's other runs on the W&B server (read with ``wandb.Api``); at the
        end, :meth:`finish` aggregates their seeds, tags this run ``sweep-best`` when its
        configuration leads, and records the comparison of configurations on the server's
        runs (``compare-winner`` / ``compare-checked`` tags and a notes line).

        Args:
            config: the sweep config (as given to ``wandb sweep``).
            run: this run (default: ``wandb.run``).
            project: ``ENTITY/PROJECT`` of the sweep (default: the run's).
            sweep_id: the sweep (default: the run's, or ``WANDB_SWEEP_ID``).
            source: a ``wandb_compare_ext._online.WandbSource`` (default: from the environment).
            seed_key: the parameter that only changes the seed (default ``seed`` if swept).
        """
        from wandb_compare_ext._online import WandbSource

        if run is None:
            import wandb

            run = wandb.run
        if run is None:
            raise InputError("no W&B run: call wandb.init() before SweepCallback.for_wandb_agent()")
        sweep_id = sweep_id or getattr(run, "sweep_id", None) or os.environ.get("WANDB_SWEEP_ID")
        if not sweep_id:
            raise InputError("sweep_id: this run is not part of a W&B sweep (no sweep id)")
        if project is None:
            entity, name = getattr(run, "entity", None), getattr(run, "project", None)
            if not name:
                raise InputError("project: give ENTITY/PROJECT (the run does not say)")
            project = f"{entity}/{name}" if entity else name
        cb = cls(config, run=run)
        cb._agent = _AgentLink(
            source=source or WandbSource(),
            project=project,
            sweep_id=sweep_id,
            seed_key=seed_key,
        )
        cb._peers = cb._agent_peers
        return cb

    def _agent_runs(self) -> list[Any]:
        from wandb_compare_ext._online import fetch_runs

        link = self._agent
        return fetch_runs(
            link.source, projects=[link.project], sweep=link.sweep_id, history_keys=[self.metric]
        )

    def _agent_peers(self) -> list[list[float]]:
        from shared.normalise import canonical_metric_name

        mine = getattr(self.run, "id", None)
        wanted = canonical_metric_name(self.metric)
        peers = []
        for r in self._agent_runs():
            if r.id == mine:
                continue
            for key, history in r.histories.items():
                if canonical_metric_name(key) == wanted:
                    peers.append(clean_history(history.values))
                    break
        return peers

    def _agent_finish(self) -> Any:
        """Seeds, best-run tag and comparison for a sweep run by a W&B server."""
        link = self._agent
        runs = [r for r in self._agent_runs() if r.id != getattr(self.run, "id", None)]
        me = self._as_run()
        if me is not None:
            runs.append(me)
        params = set().union(*(r.params for r in runs)) if runs else set()
        seed_key = link.seed_key or next((k for k in ("seed", "random_seed") if k in params), None)
        goal = self.sweep.metric.goal
        aggs = aggregate_runs(runs, metric=self.metric, seed_key=seed_key, goal=goal)
        self.configurations = aggs
        if aggs and me is not None and me.id in aggs[0].run_ids and self.run is not None:
            self.run.tags = tuple(self.run.tags or ()) + (BEST_TAG,)
            self.run.summary["sweep_best_configuration"] = True
        if len(aggs) < 2:
            return None
        import shared

        try:
            comparison = shared.compare_runs(runs, metric=self.metric, goal=goal, seed_key=seed_key)
        except TrackerCompareError as exc:
            self.warnings.append(f"comparison skipped: {exc}")
            return None
        from wandb_compare_ext._online import write_decision

        write_decision(link.source, comparison, [r for r in runs if r is not me])
        if self.run is not None:
            self.run.summary["sweep_comparison_winner"] = comparison.decision.winner
        self.comparison = comparison
        return comparison

    def _as_run(self) -> Any:
        """This run as a ``shared.Run`` (the server may not have its last values yet)."""
        from shared.model import History, Run

        value = self.final_value()
        if self.run is None or value is None:
            return None
        params = {}
        with contextlib.suppress(Exception):
            from shared.normalise import flatten_config

            params = flatten_config(dict(self.run.config))
        histories = {}
        if self.history:
            histories[self.metric] = History(
                steps=list(range(1, len(self.history) + 1)), values=self.history
            )
        return Run(
            tracker="wandb",
            id=str(self.run.id),
            name=getattr(self.run, "name", None),
            status="FINISHED",
            params=params,
            metrics={self.metric: float(value)},
            histories=histories,
        )

    def __enter__(self) -> SweepCallback:
        self._token = _CURRENT.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _CURRENT.reset(self._token)


@dataclass(frozen=True)
class _AgentLink:
    """Where a sweep run by a W&B server lives."""

    source: Any
    project: str
    sweep_id: str
    seed_key: str | None
