"""Evaluate each Optuna trial over K seeds (one W&B run per seed), then compare the top trials.

The tracker-neutral part (running the seeds, picking the top trials, comparing them paired by
seed) is ``shared.seed_trials``. Here: each seed of a trial is its own W&B run (grouped with the
study's runs, ``job_type="seed"``, config ``trial`` and ``seed``; through the callback's public
``child_run_value``), and :meth:`SeedEvaluator.compare` records the decision in the study and
writes a W&B Report spec of the answer (no server needed; publish it later with
``wandb_compare_ext.report.save_report``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.seed_trials import SEED_VALUES_ATTR, SeedTrials
from wandb_compare_ext._optuna_callback import WeightsAndBiasesCallback

if TYPE_CHECKING:
    import optuna

    from shared import Comparison

__all__ = ["SeedEvaluator", "SEED_VALUES_ATTR", "SEED_RUNS_ATTR", "DECISION_ATTR"]

#: trial system attr ``{seed: W&B run id}``.
SEED_RUNS_ATTR = "tracker_compare:wandb_seed_runs"
#: study user attr holding the last comparison's decision.
DECISION_ATTR = "tracker_compare.seeds_decision"


class SeedEvaluator(SeedTrials):
    """Runs an objective over several seeds per trial; compares the top trials at the end.

    Args:
        callback: the study's :class:`WeightsAndBiasesCallback` (its ``wandb_kwargs``).
        seeds: the seeds, or how many (``0 .. n-1``); the same for every trial.
        metric: the metric logged in each seed run (default: the callback's metric name).

    Example:
        >>> import math, optuna
        >>> from wandb_compare_ext.optuna import WeightsAndBiasesCallback
        >>> optuna.logging.set_verbosity(optuna.logging.WARNING)
        >>> cb = WeightsAndBiasesCallback(metric_name="acc",
        ...                               wandb_kwargs={"project": "p", "mode": "offline"},
        ...                               as_multirun=True)
        >>> seeds = SeedEvaluator(cb, seeds=4)
        >>> def train(trial, seed):  # a stand-in for training: lr 0.01 is best
        ...     lr = trial.suggest_categorical("lr", [0.001, 0.01])
        ...     return 0.9 - abs(lr - 0.01) + 0.002 * math.sin(1000 * lr + seed)
        >>> study = optuna.create_study(direction="maximize",
        ...                             sampler=optuna.samplers.BruteForceSampler(seed=0))
        >>> study.optimize(seeds.objective(train), n_trials=2, callbacks=[cb])
        >>> comparison = seeds.compare(study, project="team/p", spec_path="seeds-report.json")
        >>> comparison.decision.winner == f"trial={study.best_trial.number}"
        True
    """

    tracker = "wandb"
    runs_attr = SEED_RUNS_ATTR
    run_name_format = "trial/{trial}/seed={seed}"

    def __init__(
        self,
        callback: WeightsAndBiasesCallback,
        seeds: int | Sequence[int] = 5,
        *,
        metric: str | None = None,
    ) -> None:
        super().__init__(callback, seeds, metric=metric)
        #: the last report spec written by :meth:`compare` (a JSON-ready dict), if any.
        self.report_spec: dict[str, Any] | None = None

    def _track(self, objective: Callable[[Any], float]) -> Callable[[Any], float]:
        return self._callback.track_in_wandb()(objective)

    def _child_options(self, seed: int) -> dict[str, Any]:
        return {"job_type": "seed"}

    def compare(
        self,
        study: optuna.Study,
        *,
        project: str | None = None,
        spec_path: str | os.PathLike[str] | None = None,
        **options: Any,
    ) -> Comparison:
        """Compare the top trials (by mean over seeds) seed by seed and record the answer.

        The decision goes into the study's user attrs (``tracker_compare.seeds_decision``) and,
        when ``spec_path`` is given, a W&B Report spec is written there (and kept in
        :attr:`report_spec`).

        Args:
            study: the finished study.
            project: ``ENTITY/PROJECT`` of the report (default: the seed runs' project).
            spec_path: where to write the report spec (JSON).
            options: ``top`` (how many of the best trials; 2: best vs runner-up), ``alpha``,
                ``min_effect``, as :meth:`~shared.seed_trials.SeedTrials.compare_top`.

        Raises:
            shared.errors.InputError: fewer than two complete trials with seed values, or a
                report project that is not ``ENTITY/PROJECT``.
        """
        # The report's run set selects the seed runs of this project.
        target = project or self._experiment or ""
        answer = self.compare_top(study, experiment=target, **options)
        decision = answer.comparison.decision.to_dict()
        decision.update(best_trial=answer.trials[0].number, runner_up_trial=answer.trials[1].number)
        study.set_user_attr(DECISION_ATTR, decision)
        if spec_path is not None:
            from wandb_compare_ext.report import build_report, report_spec, write_report_spec

            report = build_report(
                answer.comparison,
                list(answer.runs),
                project=target,
                title=f"tracker-compare seeds: {study.study_name}",
            )
            write_report_spec(report, Path(spec_path))
            self.report_spec = report_spec(report)
        return answer.comparison
