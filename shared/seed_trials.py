"""Evaluate each Optuna trial over K seeds, then ask whether the best trial is really better.

A trial's value from one seed is one draw of a noisy number. :class:`SeedTrials` runs the
objective once per seed, each seed in a run of its own beside the trial's run, reports the mean
as the trial's value, and at the end compares the top trials seed by seed with
:func:`shared.compare_runs` (paired by seed): is the best really better than the runner-up, or
is it seed noise?

This is the tracker-neutral part of both adapters' ``SeedEvaluator``: it never imports optuna
(studies and trials are used through the attributes Optuna documents: ``directions``,
``get_trials``, ``user_attrs``, ``system_attrs``, ``storage``) nor a tracker. The tracker calls
go through the callback given, which must offer:

* ``metric_name``: the objective's metric name (or names), the default seed metric;
* ``child_run_value(trial, compute, *, name, metric, params, **options) -> ChildRunValue``:
  run ``compute()`` inside a new run beside the trial's run, log its value as ``metric`` and
  ``params()`` (called after ``compute``), end the run with the right status, and still
  compute when the tracker is down.

Both callbacks get these from :class:`ChildRunHost` (the order of the steps, the fallback when
the tracker is down) and write only its tracker calls. An adapter subclasses :class:`SeedTrials`, names its tracker and its seed runs, wraps the
objective in its callback's decorator (:meth:`SeedTrials._track`) and records the answer of
:meth:`SeedTrials.compare_top` where its tracker keeps such things.
"""

from __future__ import annotations

import functools
import math
import statistics
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from shared.errors import InputError
from shared.model import Run

if TYPE_CHECKING:
    from shared.compare import Comparison

__all__ = [
    "SEED_VALUES_ATTR",
    "ChildRunEnd",
    "ChildRunHost",
    "ChildRunValue",
    "SeedComparison",
    "SeedTrials",
    "top_trials",
]

#: trial user attr: ``{seed: value}`` (seeds as strings, JSON keys).
SEED_VALUES_ATTR = "tracker_compare.seed_values"
#: tag of a seed's ``shared.Run``: the Optuna trial id it belongs to.
TRIAL_ID_TAG = "optuna.trial_id"


class ChildRunEnd(NamedTuple):
    """How a run beside a trial's run ended: what ``_end_child_run`` records.

    Args:
        metric: the value's metric name.
        value: what ``compute()`` returned (None when it raised).
        params: gives the run's params (called only on success).
        error: what ``compute()`` raised, else None.
    """

    metric: str
    value: float | None
    params: Callable[[], Mapping[str, Any]]
    error: BaseException | None = None


class ChildRunValue(NamedTuple):
    """What a callback's ``child_run_value`` returns.

    Args:
        value: what ``compute()`` returned, as a float.
        run_id: the tracker's id of the run it ran in (None when the tracker was unreachable).
        experiment: where that run lives when the tracker names it only once the run exists
            (W&B's ``ENTITY/PROJECT``), else None.
    """

    value: float
    run_id: str | None
    experiment: str | None = None


class ChildRunHost:
    """The tracker-neutral half of a callback's runs beside a trial's run (a mixin).

    :meth:`child_run_value` opens a run, makes it the tracker's current run while ``compute``
    runs, ends it with the value or the error, and still computes when the tracker is down.
    The callback provides ``_metric_name``, ``_guard`` (a :class:`shared.retry.LoggingGuard`)
    and five tracker calls: ``_open_child_run(trial, name, **options) -> run``,
    ``_enter_child_run(run) -> token``, ``_exit_child_run(token)``,
    ``_end_child_run(run, label, end)`` (``end``: a :class:`ChildRunEnd`; it guards its own
    tracker calls) and
    ``_child_run_where(run) -> (run_id, experiment or None)``.
    """

    _metric_name: str | Sequence[str]
    _guard: Any

    @property
    def metric_name(self) -> str | Sequence[str]:
        """The objective's metric name, or one name per objective (as given)."""
        return self._metric_name

    def child_run_value(
        self,
        trial: Any,
        compute: Callable[[], float],
        *,
        name: str,
        metric: str,
        params: Callable[[], Mapping[str, Any]],
        **options: Any,
    ) -> ChildRunValue:
        """Run ``compute()`` in a run of its own beside the trial's run; log its value.

        Args:
            trial: the running Optuna trial.
            compute: what to run; returns the value.
            name: the run's name.
            metric: the value's metric name.
            params: called once ``compute`` returned (it may suggest them): the run's params.
            options: the tracker's own (the callback's ``_open_child_run`` says which).
        """
        label = f"trial {trial.number} run {name}"
        run = self._guard.call(label, lambda: self._open_child_run(trial, name, **options))
        if run is None:  # tracker down: the study goes on without this run
            return ChildRunValue(float(compute()), None)
        token = self._enter_child_run(run)
        try:
            value = float(compute())
        except BaseException as error:
            self._exit_child_run(token)
            self._end_child_run(run, label, ChildRunEnd(metric, None, params, error))
            raise
        self._exit_child_run(token)
        self._end_child_run(run, label, ChildRunEnd(metric, value, params))
        run_id, experiment = self._child_run_where(run)
        return ChildRunValue(value, run_id, experiment)

    # -- the tracker's calls (see the class docstring) ----------------------------------------
    def _open_child_run(self, trial: Any, name: str, **options: Any) -> Any:
        raise NotImplementedError

    def _enter_child_run(self, run: Any) -> Any:
        raise NotImplementedError

    def _exit_child_run(self, token: Any) -> None:
        raise NotImplementedError

    def _end_child_run(self, run: Any, label: str, end: ChildRunEnd) -> None:
        raise NotImplementedError

    def _child_run_where(self, run: Any) -> tuple[str, str | None]:
        raise NotImplementedError


@dataclass(frozen=True)
class SeedComparison:
    """The answer of :meth:`SeedTrials.compare_top`.

    Args:
        comparison: the ``shared.Comparison`` (configurations named ``trial=N``).
        trials: the compared trials, best first.
        runs: one ``shared.Run`` per (trial, seed) that went into the comparison.
    """

    comparison: Comparison
    trials: tuple[Any, ...]
    runs: tuple[Run, ...]


def _seed_list(seeds: int | Sequence[int]) -> list[int]:
    out = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    if len(out) < 2 or len(set(out)) != len(out):
        raise ValueError(f"need at least two distinct seeds, got {out}")
    return out


def _default_metric(metric_name: str | Sequence[str] | None) -> str:
    if isinstance(metric_name, str):
        return metric_name
    return metric_name[0] if metric_name else "value"


def _seed_params(trial: Any, seed: int) -> dict[str, Any]:
    return {**trial.params, "trial": trial.number, "seed": seed}


def top_trials(study: Any, top: int = 2) -> tuple[bool, list[Any]]:
    """The ``top`` complete trials with seed values, best (mean over seeds) first.

    Args:
        study: an Optuna study (single-objective).
        top: how many (at least 2).

    Returns:
        ``(minimize, trials)``.

    Raises:
        InputError: a multi-objective study, or fewer than two complete trials with at least
            two seed values each.
    """
    if len(study.directions) > 1:
        raise InputError("seed comparison needs a single-objective study")
    minimize = study.direction.name == "MINIMIZE"
    done = [
        t
        for t in study.get_trials(deepcopy=False)
        if t.state.name == "COMPLETE"
        and t.value is not None
        and len(t.user_attrs.get(SEED_VALUES_ATTR) or {}) >= 2
    ]
    if len(done) < 2:
        raise InputError(
            f"need at least two complete trials evaluated over seeds, found {len(done)}"
        )
    done.sort(key=lambda t: t.value if minimize else -t.value)
    return minimize, done[: max(2, int(top))]


class SeedTrials:
    """Runs an objective over several seeds per trial and compares the top trials at the end.

    Subclasses set :attr:`tracker`, :attr:`runs_attr` and :attr:`run_name_format`, and may
    override :meth:`_track` and :meth:`_child_options`.

    Args:
        callback: the study's tracker callback (see the module docstring for what it offers).
        seeds: the seeds, or how many (``0 .. n-1``). Every trial uses the same seeds, so the
            comparison can pair trials by seed.
        metric: the metric name logged in each seed run (default: the callback's metric name).
    """

    #: the ``tracker`` of the seeds' ``shared.Run`` objects.
    tracker: str = "optuna"
    #: trial system attr holding ``{seed: run id}``.
    runs_attr: str = "tracker_compare:seed_runs"
    #: name of a seed's run; ``{trial}`` is the trial number, ``{seed}`` the seed.
    run_name_format: str = "trial/{trial}/seed={seed}"

    def __init__(
        self, callback: Any, seeds: int | Sequence[int] = 5, *, metric: str | None = None
    ) -> None:
        self._callback = callback
        self.seeds = _seed_list(seeds)
        self.metric = metric or _default_metric(getattr(callback, "metric_name", None))
        self._lock = threading.Lock()
        self._experiment: str | None = None

    # -- what an adapter adapts ------------------------------------------------------------
    def _track(self, objective: Callable[[Any], float]) -> Callable[[Any], float]:
        """Wrap the per-seed objective so the trial has its run (the callback's decorator)."""
        return objective

    def _child_options(self, seed: int) -> dict[str, Any]:
        """Extra keyword arguments of ``callback.child_run_value`` for one seed."""
        return {}

    # -- running -----------------------------------------------------------------------------
    def run_name(self, trial_number: int, seed: int | str) -> str:
        """The name of a seed's run."""
        return self.run_name_format.format(trial=trial_number, seed=seed)

    def objective(self, func: Callable[[Any, int], float]) -> Callable[[Any], float]:
        """Turn ``func(trial, seed) -> float`` into an Optuna objective returning the mean.

        Each seed runs in a run of its own beside the trial's run, active for the tracker's
        logging API while ``func`` runs.
        """

        @functools.wraps(func)
        def per_seed(trial: Any) -> float:
            values: dict[str, float] = {}
            runs: dict[str, str] = {}
            for seed in self.seeds:
                got = self._callback.child_run_value(
                    trial,
                    functools.partial(func, trial, seed),
                    name=self.run_name(trial.number, seed),
                    metric=self.metric,
                    # Read once the objective ran: it suggests the parameters.
                    params=functools.partial(_seed_params, trial, seed),
                    **self._child_options(seed),
                )
                values[str(seed)] = got.value
                if got.run_id:
                    runs[str(seed)] = got.run_id
                if got.experiment:
                    with self._lock:
                        self._experiment = self._experiment or got.experiment
                trial.set_user_attr(SEED_VALUES_ATTR, values)
            trial.storage.set_trial_system_attr(trial._trial_id, self.runs_attr, runs)
            return statistics.fmean(values.values())

        return self._track(per_seed)

    # -- comparing ---------------------------------------------------------------------------
    def seed_runs(
        self, study: Any, trials: Sequence[Any] | None = None, *, experiment: str | None = None
    ) -> list[Run]:
        """``shared.Run`` objects, one per (trial, seed), for ``shared.compare_runs``.

        Args:
            study: the study.
            trials: which of its trials (default: all).
            experiment: the runs' experiment (default: where the seed runs were made, if the
                tracker said).
        """
        out = []
        for trial in trials if trials is not None else study.get_trials(deepcopy=False):
            values = trial.user_attrs.get(SEED_VALUES_ATTR) or {}
            run_ids = trial.system_attrs.get(self.runs_attr) or {}
            for seed, value in values.items():
                if value is None or not math.isfinite(float(value)):
                    continue
                out.append(
                    Run(
                        tracker=self.tracker,
                        id=run_ids.get(seed) or f"optuna-{trial._trial_id}-seed-{seed}",
                        name=self.run_name(trial.number, seed),
                        experiment=experiment or self._experiment,
                        status="FINISHED",
                        params={"trial": trial.number, "seed": int(seed)},
                        tags={TRIAL_ID_TAG: str(trial._trial_id)},
                        metrics={self.metric: float(value)},
                    )
                )
        return out

    def compare_top(
        self,
        study: Any,
        *,
        top: int = 2,
        alpha: float = 0.05,
        min_effect: float = 0.0,
        experiment: str | None = None,
    ) -> SeedComparison:
        """Compare the ``top`` trials (by mean over seeds) seed by seed; nothing is recorded.

        Args:
            study: the finished study.
            top: how many of the best trials to compare (2: best vs runner-up).
            alpha: significance level.
            min_effect: the smallest difference that matters.
            experiment: the seed runs' experiment in the comparison (see :meth:`seed_runs`).

        Raises:
            shared.errors.InputError: see :func:`top_trials`.
        """
        from shared.compare import compare_runs

        minimize, best = top_trials(study, top)
        runs = self.seed_runs(study, best, experiment=experiment)
        comparison = compare_runs(
            runs,
            metric=self.metric,
            goal="minimize" if minimize else "maximize",
            seed_key="seed",
            group_by="trial",
            alpha=alpha,
            min_effect=min_effect,
        )
        return SeedComparison(comparison, tuple(best), tuple(runs))
