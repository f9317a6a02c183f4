"""Evaluate each Optuna trial over K seeds, then ask whether the best trial is really better.

A trial's value from one seed is one draw of a noisy number. ``SeedEvaluator`` runs the
objective once per seed (each seed a child run of the trial's MLflow run), reports the mean as
the trial's value, and at the end compares the top trials seed by seed with
``shared.compare_runs`` (paired by seed): is the best really better than the runner-up, or is
it seed noise? The answer is recorded on the study's parent run: tags and a report
(``shared.render.write_report``) logged as artifacts.
"""

from __future__ import annotations

import functools
import math
import statistics
import tempfile
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from mlflow_compare_plugin._optuna_callback import (
    RUN_ATTRIBUTE_KEY,
    TRIAL_ID_TAG,
    TRIAL_NUMBER_TAG,
    MLflowCallback,
    _pop_fluent,
    _push_fluent,
)
from mlflow_compare_plugin._optuna_parent import STUDY_TAG, shared_study_run_id

if TYPE_CHECKING:
    import optuna

    from shared import Comparison

__all__ = ["SeedEvaluator", "SEED_VALUES_ATTR", "SEED_RUNS_ATTR"]

#: trial user attr: ``{seed: value}`` (seeds as strings, JSON keys).
SEED_VALUES_ATTR = "tracker_compare.seed_values"
#: trial system attr: ``{seed: MLflow run id}``.
SEED_RUNS_ATTR = "tracker_compare:mlflow_seed_runs"
SEED_TAG = "tracker_compare.seed"


class SeedEvaluator:
    """Runs an objective over several seeds per trial and compares the top trials at the end.

    Args:
        callback: the study's :class:`MLflowCallback` (its tracking URI, experiment, nesting).
        seeds: the seeds, or how many (``0 .. n-1``). Every trial uses the same seeds, so the
            comparison can pair trials by seed.
        metric: the metric name logged in each seed run (default: the callback's metric name).

    Example:
        >>> cb = MLflowCallback(tracking_uri=uri, mlflow_kwargs={"nested": True})  # doctest: +SKIP
        >>> seeds = SeedEvaluator(cb, seeds=5)  # doctest: +SKIP
        >>> @seeds.objective  # doctest: +SKIP
        ... def objective(trial, seed):
        ...     return train(lr=trial.suggest_float("lr", 1e-4, 1e-1, log=True), seed=seed)
        >>> study.optimize(objective, n_trials=20, callbacks=[cb])  # doctest: +SKIP
        >>> comparison = seeds.compare(study)  # best vs runner-up, report on the parent run
        ... # doctest: +SKIP
    """

    def __init__(
        self, callback: MLflowCallback, seeds: int | Sequence[int] = 5, *, metric: str | None = None
    ) -> None:
        self._callback = callback
        self.seeds = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
        if len(self.seeds) < 2 or len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"need at least two distinct seeds, got {self.seeds}")
        name = callback._metric_name
        self.metric = metric or (name if isinstance(name, str) else (name[0] if name else "value"))

    def objective(self, func: Callable[[optuna.Trial, int], float]) -> Callable:
        """Turn ``func(trial, seed) -> float`` into an Optuna objective returning the mean.

        Runs inside the callback's ``track_in_mlflow`` (so the trial has its run); each seed
        runs in a child run of it, active for the fluent API while ``func`` runs.
        """

        @functools.wraps(func)
        def per_seed(trial: optuna.Trial) -> float:
            values: dict[str, float] = {}
            runs: dict[str, str] = {}
            for seed in self.seeds:
                value, run_id = self._one_seed(func, trial, seed)
                values[str(seed)] = value
                if run_id is not None:
                    runs[str(seed)] = run_id
                trial.set_user_attr(SEED_VALUES_ATTR, values)
            trial.storage.set_trial_system_attr(trial._trial_id, SEED_RUNS_ATTR, runs)
            return statistics.fmean(values.values())

        return self._callback.track_in_mlflow()(per_seed)

    def _one_seed(
        self, func: Callable[[optuna.Trial, int], float], trial: optuna.Trial, seed: int
    ) -> tuple[float, str | None]:
        from mlflow.entities import Metric, Param
        from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID

        cb = self._callback
        client = cb._get_client()
        record = trial.storage.get_trial_system_attrs(trial._trial_id).get(RUN_ATTRIBUTE_KEY)
        parent = record.get("run_id") if isinstance(record, dict) else None

        def create() -> Any:
            tags = {
                "mlflow.runName": f"{trial.number}/seed={seed}",
                STUDY_TAG: trial.study.study_name,
                TRIAL_NUMBER_TAG: str(trial.number),
                SEED_TAG: str(seed),
            }
            if parent:
                tags[MLFLOW_PARENT_RUN_ID] = parent
            return client.create_run(cb._experiment_id(trial.study), tags=tags)

        run = cb._guard.call(f"trial {trial.number} seed {seed}", create)
        if run is None:  # tracker down: the study goes on without this seed's run
            return float(func(trial, seed)), None
        with cb._lock:
            # Our run on this thread's stack must not look like a parent to other threads.
            cb._trial_runs.add(run.info.run_id)
        pushed = _push_fluent(run)
        status = "FAILED"
        try:
            value = float(func(trial, seed))
            status = "FINISHED"
        except BaseException as error:
            status = "KILLED" if type(error).__name__ == "TrialPruned" else "FAILED"
            raise
        finally:
            _pop_fluent(pushed)
            run_id = run.info.run_id
            if status == "FINISHED":
                params = [Param(str(k), str(v)) for k, v in trial.params.items()]
                params.append(Param("seed", str(seed)))
                cb._guard.call(
                    f"trial {trial.number} seed {seed}",
                    lambda: client.log_batch(
                        run_id,
                        metrics=[Metric(self.metric, value, _now_ms(), 0)],
                        params=params,
                    ),
                )
            cb._guard.call(
                f"trial {trial.number} seed {seed}",
                lambda: client.set_terminated(run_id, status),
            )
        return value, run_id

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
                run_id = run_ids.get(seed) or f"optuna-{trial._trial_id}-seed-{seed}"
                out.append(
                    Run(
                        tracker="mlflow",
                        id=run_id,
                        name=f"{trial.number}/seed={seed}",
                        status="FINISHED",
                        params={"trial": trial.number, "seed": int(seed)},
                        tags={TRIAL_ID_TAG: str(trial._trial_id)},
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
        report: bool = True,
    ) -> Comparison:
        """Compare the ``top`` trials (by mean over seeds) seed by seed and record the answer.

        Args:
            study: the finished study.
            top: how many of the best trials to compare (2: best vs runner-up).
            alpha: significance level.
            min_effect: the smallest difference that matters.
            report: log the report (HTML, Markdown, JSON, CSV, plots) and decision tags on the
                study's parent run.

        Returns:
            The ``shared.Comparison`` (configurations are named ``trial=N``).

        Raises:
            shared.errors.InputError: fewer than two complete trials with seed values.
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
        comparison = compare_runs(
            self.seed_runs(study, best),
            metric=self.metric,
            goal="minimize" if minimize else "maximize",
            seed_key="seed",
            group_by="trial",
            alpha=alpha,
            min_effect=min_effect,
        )
        if report:
            self._record(study, comparison, best)
        return comparison

    def _record(self, study: optuna.Study, comparison: Comparison, best: Sequence[Any]) -> None:
        from shared.render import write_report

        cb = self._callback
        client = cb._get_client()
        decision = comparison.decision

        def record() -> None:
            experiment_id = cb._experiment_id(study)
            if cb._mlflow_kwargs.get("nested"):
                parent = cb._parent_run_id(study, experiment_id)
            else:
                parent = shared_study_run_id(client, study, experiment_id)
            with tempfile.TemporaryDirectory() as folder:
                write_report(comparison, folder)
                client.log_artifacts(parent, folder, artifact_path="tracker-compare/seeds")
            from mlflow.entities import RunTag

            tags = {
                "tracker_compare.seeds.best_trial": str(best[0].number),
                "tracker_compare.seeds.runner_up_trial": str(best[1].number),
                "tracker_compare.seeds.winner": str(decision.winner or "none"),
                "tracker_compare.seeds.rationale": str(decision.rationale)[:5000],
                "tracker_compare.seeds.n_seeds": str(len(self.seeds)),
            }
            client.log_batch(parent, tags=[RunTag(k, v) for k, v in tags.items()])

        cb._guard.call("seed comparison report", record)


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)
