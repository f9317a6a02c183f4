"""Evaluate each Optuna trial over K seeds (one W&B run per seed), then compare the top trials.

The W&B twin of ``mlflow_compare_plugin.optuna.SeedEvaluator``: each seed of a trial is its own
W&B run (grouped with the study's runs, ``job_type="seed"``, config ``trial`` and ``seed``), the
trial's value is the mean over seeds, and :meth:`SeedEvaluator.compare` compares the best trials
seed by seed with ``shared.compare_runs`` and writes a W&B Report spec of the answer (no server
needed; publish it later with ``wandb_compare_ext.report.save_report``).
"""

from __future__ import annotations

import functools
import math
import os
import statistics
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wandb_compare_ext._optuna_callback import WeightsAndBiasesCallback

if TYPE_CHECKING:
    import optuna

    from shared import Comparison

__all__ = ["SeedEvaluator", "SEED_VALUES_ATTR", "SEED_RUNS_ATTR", "DECISION_ATTR"]

#: trial user attr ``{seed: value}``; trial system attr ``{seed: W&B run id}``.
SEED_VALUES_ATTR = "tracker_compare.seed_values"
SEED_RUNS_ATTR = "tracker_compare:wandb_seed_runs"
#: study user attr holding the last comparison's decision.
DECISION_ATTR = "tracker_compare.seeds_decision"


class SeedEvaluator:
    """Runs an objective over several seeds per trial; compares the top trials at the end.

    Args:
        callback: the study's :class:`WeightsAndBiasesCallback` (its ``wandb_kwargs``).
        seeds: the seeds, or how many (``0 .. n-1``); the same for every trial.
        metric: the metric logged in each seed run (default: the callback's metric name).

    Example:
        >>> cb = WeightsAndBiasesCallback(wandb_kwargs={"project": "p"}, as_multirun=True)
        ... # doctest: +SKIP
        >>> seeds = SeedEvaluator(cb, seeds=5)  # doctest: +SKIP
        >>> study.optimize(seeds.objective(train), n_trials=20, callbacks=[cb])  # doctest: +SKIP
        >>> comparison = seeds.compare(study, project="team/p", spec_path="seeds-report.json")
        ... # doctest: +SKIP
    """

    def __init__(
        self,
        callback: WeightsAndBiasesCallback,
        seeds: int | Sequence[int] = 5,
        *,
        metric: str | None = None,
    ) -> None:
        self._callback = callback
        self.seeds = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
        if len(self.seeds) < 2 or len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"need at least two distinct seeds, got {self.seeds}")
        name = callback._metric_name
        self.metric = metric or (name if isinstance(name, str) else (name[0] if name else "value"))
        self._lock = threading.Lock()
        self._project: str | None = None
        #: the last report spec written by :meth:`compare` (a JSON-ready dict), if any.
        self.report_spec: dict[str, Any] | None = None

    def objective(self, func: Callable[[optuna.Trial, int], float]) -> Callable:
        """Turn ``func(trial, seed) -> float`` into an Optuna objective returning the mean.

        While ``func`` runs, ``callback.run`` is that seed's W&B run (from any thread).
        """

        @functools.wraps(func)
        def per_seed(trial: optuna.Trial) -> float:
            values: dict[str, float] = {}
            runs: dict[str, str] = {}
            for seed in self.seeds:
                value, run_id = self._one_seed(func, trial, seed)
                values[str(seed)] = value
                if run_id:
                    runs[str(seed)] = run_id
                trial.set_user_attr(SEED_VALUES_ATTR, values)
            trial.storage.set_trial_system_attr(trial._trial_id, SEED_RUNS_ATTR, runs)
            return statistics.fmean(values.values())

        return self._callback.track_in_wandb()(per_seed)

    def _one_seed(
        self, func: Callable[[optuna.Trial, int], float], trial: optuna.Trial, seed: int
    ) -> tuple[float, str | None]:
        cb = self._callback
        group = cb._wandb_kwargs.get("group", trial.study.study_name)
        run = cb._guard.call(
            f"trial {trial.number} seed {seed}",
            lambda: cb._initialize_run(
                group=group,
                job_type="seed",
                name=f"trial/{trial.number}/seed={seed}",
                reinit="create_new",
            ),
        )
        if run is None:  # W&B unavailable: the study goes on without this seed's run
            return float(func(trial, seed)), None
        with self._lock:
            if self._project is None:
                self._project = f"{run.entity}/{run.project}" if run.entity else run.project
        outer = getattr(cb._local, "run", None)
        cb._local.run = run
        exit_code = 1
        try:
            value = float(func(trial, seed))
            exit_code = 0
        finally:
            cb._local.run = outer
            if exit_code == 0:
                cb._guard.call(
                    f"trial {trial.number} seed {seed}",
                    lambda: self._finish_seed(run, trial, seed, value),
                )
            else:
                cb._guard.call(f"trial {trial.number} seed {seed}", lambda: run.finish(exit_code=1))
        return value, run.id

    def _finish_seed(self, run: Any, trial: optuna.Trial, seed: int, value: float) -> None:
        run.log({self.metric: value})
        run.config.update(
            {**trial.params, "trial": trial.number, "seed": seed}, allow_val_change=True
        )
        run.finish(exit_code=0)

    def seed_runs(self, study: optuna.Study, trials: Sequence[Any] | None = None) -> list[Any]:
        """``shared.Run`` objects, one per (trial, seed), for ``shared.compare_runs``."""
        from shared import Run

        out = []
        for trial in trials if trials is not None else study.get_trials(deepcopy=False):
            values = trial.user_attrs.get(SEED_VALUES_ATTR) or {}
            run_ids = trial.system_attrs.get(SEED_RUNS_ATTR) or {}
            for seed, value in values.items():
                if value is None or not math.isfinite(float(value)):
                    continue
                out.append(
                    Run(
                        tracker="wandb",
                        id=run_ids.get(seed) or f"optuna-{trial._trial_id}-seed-{seed}",
                        name=f"trial/{trial.number}/seed={seed}",
                        experiment=self._project,
                        status="FINISHED",
                        params={"trial": trial.number, "seed": int(seed)},
                        metrics={self.metric: float(value)},
                    )
                )
        return out

    def compare(
        self,
        study: optuna.Study,
        *,
        top: int = 2,
        alpha: float = 0.05,
        min_effect: float = 0.0,
        project: str | None = None,
        spec_path: str | os.PathLike[str] | None = None,
    ) -> Comparison:
        """Compare the ``top`` trials (by mean over seeds) seed by seed and record the answer.

        The decision goes into the study's user attrs (``tracker_compare.seeds_decision``) and,
        when ``spec_path`` is given, a W&B Report spec is written there (and kept in
        :attr:`report_spec`).

        Args:
            study: the finished study.
            top: how many of the best trials to compare (2: best vs runner-up).
            alpha: significance level.
            min_effect: the smallest difference that matters.
            project: ``ENTITY/PROJECT`` of the report (default: the seed runs' project).
            spec_path: where to write the report spec (JSON).

        Raises:
            shared.errors.InputError: fewer than two complete trials with seed values, or a
                report project that is not ``ENTITY/PROJECT``.
        """
        from optuna.trial import TrialState

        from shared import compare_runs
        from shared.errors import InputError

        if len(study.directions) > 1:
            raise InputError("seed comparison needs a single-objective study")
        minimize = study.direction.name == "MINIMIZE"
        done = [
            t
            for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if len(t.user_attrs.get(SEED_VALUES_ATTR) or {}) >= 2 and t.value is not None
        ]
        if len(done) < 2:
            raise InputError(
                f"need at least two complete trials evaluated over seeds, found {len(done)}"
            )
        done.sort(key=lambda t: t.value if minimize else -t.value)
        best = done[: max(2, int(top))]
        runs = self.seed_runs(study, best)
        target = project or self._project or ""
        for run in runs:  # the report's run set selects the seed runs of this project
            run.experiment = target
        comparison = compare_runs(
            runs,
            metric=self.metric,
            goal="minimize" if minimize else "maximize",
            seed_key="seed",
            group_by="trial",
            alpha=alpha,
            min_effect=min_effect,
        )
        decision = comparison.decision.to_dict()
        decision.update(best_trial=best[0].number, runner_up_trial=best[1].number)
        study.set_user_attr(DECISION_ATTR, decision)
        if spec_path is not None:
            from wandb_compare_ext.report import build_report, report_spec, write_report_spec

            report = build_report(
                comparison,
                runs,
                project=target,
                title=f"tracker-compare seeds: {study.study_name}",
            )
            write_report_spec(report, Path(spec_path))
            self.report_spec = report_spec(report)
        return comparison
