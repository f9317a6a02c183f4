"""Evaluate each Optuna trial over K seeds in MLflow, then ask whether the best trial is better.

The tracker-neutral part (running the seeds, picking the top trials, comparing them paired by
seed) is ``shared.seed_trials``. Here: each seed is a child run of the trial's MLflow run
(through the callback's public ``child_run_value``), and the answer is recorded on the study's
parent run: decision tags and a report (``shared.render.write_report``) logged as artifacts
(through the callback's public ``record_on_study_run``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from mlflow_compare_plugin._optuna_callback import MLflowCallback
from shared.seed_trials import SEED_VALUES_ATTR, SeedComparison, SeedTrials

if TYPE_CHECKING:
    import optuna

    from shared import Comparison

__all__ = ["SeedEvaluator", "SEED_VALUES_ATTR", "SEED_RUNS_ATTR"]

#: trial system attr: ``{seed: MLflow run id}``.
SEED_RUNS_ATTR = "tracker_compare:mlflow_seed_runs"
SEED_TAG = "tracker_compare.seed"


class SeedEvaluator(SeedTrials):
    """Runs an objective over several seeds per trial and compares the top trials at the end.

    Args:
        callback: the study's :class:`MLflowCallback` (its tracking URI, experiment, nesting).
        seeds: the seeds, or how many (``0 .. n-1``). Every trial uses the same seeds, so the
            comparison can pair trials by seed.
        metric: the metric name logged in each seed run (default: the callback's metric name).

    Example:
        >>> import math, optuna
        >>> from mlflow_compare_plugin.optuna import MLflowCallback
        >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
        >>> cb = MLflowCallback(tracking_uri="sqlite:///mlflow.db", metric_name="acc",
        ...                     mlflow_kwargs={"nested": True})
        >>> seeds = SeedEvaluator(cb, seeds=5)
        >>> @seeds.objective
        ... def objective(trial, seed):  # a stand-in for training: lr 0.01 is best
        ...     lr = trial.suggest_categorical("lr", [0.001, 0.01, 0.1])
        ...     return 0.9 - abs(lr - 0.01) + 0.002 * math.sin(1000 * lr + seed)
        >>> study = optuna.create_study(study_name="seeds", direction="maximize",
        ...                             sampler=optuna.samplers.BruteForceSampler(seed=0))
        >>> study.optimize(objective, n_trials=3, callbacks=[cb])
        >>> comparison = seeds.compare(study)  # best vs runner-up, report on the parent run
        >>> comparison.decision.winner, comparison.pairs[0].test, study.trials[0].params
        ('trial=0', 'paired-t', {'lr': 0.01})
    """

    tracker = "mlflow"
    runs_attr = SEED_RUNS_ATTR
    run_name_format = "{trial}/seed={seed}"

    def __init__(
        self, callback: MLflowCallback, seeds: int | Sequence[int] = 5, *, metric: str | None = None
    ) -> None:
        super().__init__(callback, seeds, metric=metric)

    def _track(self, objective: Callable[[Any], float]) -> Callable[[Any], float]:
        # The trial's run exists while the seeds run: they are its child runs.
        return self._callback.track_in_mlflow()(objective)

    def _child_options(self, seed: int) -> dict[str, Any]:
        return {"tags": {SEED_TAG: str(seed)}}

    def compare(self, study: optuna.Study, *, report: bool = True, **options: Any) -> Comparison:
        """Compare the top trials (by mean over seeds) seed by seed and record the answer.

        Args:
            study: the finished study.
            report: log the report (HTML, Markdown, JSON, CSV, plots) and decision tags on the
                study's parent run.
            options: ``top`` (how many of the best trials; 2: best vs runner-up), ``alpha``,
                ``min_effect``, as :meth:`~shared.seed_trials.SeedTrials.compare_top`.

        Returns:
            The ``shared.Comparison`` (configurations are named ``trial=N``).

        Raises:
            shared.errors.InputError: fewer than two complete trials with seed values.
        """
        answer = self.compare_top(study, **options)
        if report:
            self._record(study, answer)
        return answer.comparison

    def _record(self, study: optuna.Study, answer: SeedComparison) -> None:
        from shared.render import write_report

        decision = answer.comparison.decision
        best = answer.trials
        tags = {
            "tracker_compare.seeds.best_trial": str(best[0].number),
            "tracker_compare.seeds.runner_up_trial": str(best[1].number),
            "tracker_compare.seeds.winner": str(decision.winner or "none"),
            "tracker_compare.seeds.rationale": str(decision.rationale)[:5000],
            "tracker_compare.seeds.n_seeds": str(len(self.seeds)),
        }
        with tempfile.TemporaryDirectory() as folder:
            write_report(answer.comparison, folder)
            self._callback.record_on_study_run(
                study, tags=tags, folder=folder, artifact_path="tracker-compare/seeds"
            )
