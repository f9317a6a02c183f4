"""What one trial of a local sweep and a whole sweep produce, and the reasons given.

:class:`TrialOutcome` is what both kinds of trial (a function in this process, a program in
a subprocess) return to the loop; :class:`SweepResult` is what :func:`run_sweep` returns.

Example:
    >>> TrialOutcome(number=3, state="FAIL", value=None, config={"lr": 0.1}, run_id="ab12cd34",
    ...              message="trial 3: boom").to_dict()["state"]
    'FAIL'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wandb_compare_ext.sweep._distributions import nest_config
from wandb_compare_ext.sweep._seeds import ConfigAggregate

__all__ = ["SweepResult", "TrialOutcome", "never_reported", "stop_message", "trial_outcome"]


@dataclass(frozen=True)
class TrialOutcome:
    """What happened to one trial run by this call.

    Args:
        number: the Optuna trial number.
        state: ``"COMPLETE"``, ``"PRUNED"`` (stopped by hyperband) or ``"FAIL"``.
        value: the metric's value (None when failed).
        config: the run's config (nested, as ``wandb.config``).
        run_id: the W&B run id.
        message: why it failed or was stopped, else None.
        run: the W&B run an in-process trial left open, for the runner to tag and finish;
            None otherwise, and always None in :attr:`SweepResult.trials`.
    """

    number: int
    state: str
    value: float | None
    config: Mapping[str, Any]
    run_id: str | None
    message: str | None = None
    run: Any = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "number": self.number,
            "state": self.state,
            "value": self.value,
            "config": dict(self.config),
            "run_id": self.run_id,
            "message": self.message,
        }


@dataclass(frozen=True)
class SweepResult:
    """The outcome of :func:`run_sweep`.

    Args:
        study_name: the Optuna study (and W&B group) name.
        storage: the storage URL, or None for in-memory.
        trials: the trials this call ran, in order.
        stop_reason: ``"count"``, ``"run_cap"``, ``"target"`` or ``"grid_complete"``.
        best: the study's best trial so far ({"number", "value", "config", "run_id"}), or None.
        configurations: every configuration's seeds aggregated, best first.
        comparison: the comparison of configurations (``Comparison.to_dict()``), or None.
        warnings: one line per problem met (failed trials, skipped comparison).
    """

    study_name: str
    storage: str | None
    trials: tuple[TrialOutcome, ...]
    stop_reason: str
    best: Mapping[str, Any] | None = None
    configurations: tuple[ConfigAggregate, ...] = ()
    comparison: Mapping[str, Any] | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "study_name": self.study_name,
            "storage": self.storage,
            "stop_reason": self.stop_reason,
            "trials": [t.to_dict() for t in self.trials],
            "best": None if self.best is None else dict(self.best),
            "configurations": [c.to_dict() for c in self.configurations],
            "comparison": None if self.comparison is None else dict(self.comparison),
            "warnings": list(self.warnings),
        }


def stop_message(decision: Any, number: int) -> str:
    """Why hyperband stopped trial ``number`` (``decision``: a StopDecision, or None)."""
    if decision is None:
        return f"trial {number}: stopped early by hyperband"
    return (
        f"trial {number}: stopped early by hyperband at band {decision.band} "
        f"(value {decision.value:.6g} worse than threshold {decision.threshold:.6g})"
    )


def never_reported(name: str, number: int, run_id: str, logged: Sequence[str]) -> str:
    """Why a trial whose run never logged metric ``name`` (it logged ``logged``) failed."""
    seen = ", ".join(sorted({k for k in logged if not k.startswith("_")})) or "nothing"
    return (
        f"trial {number} (run {run_id}): metric {name!r} was never reported "
        f"(the run logged: {seen}); the trial is marked failed"
    )


def trial_outcome(
    trial: Any,
    flat: Mapping[str, Any],
    run_id: str,
    state: str,
    value: float | None = None,
    message: str | None = None,
    run: Any = None,
) -> TrialOutcome:
    """The :class:`TrialOutcome` of Optuna ``trial`` run with ``flat`` config as W&B run ``run_id``."""
    return TrialOutcome(
        number=trial.number,
        state=state,
        value=value,
        config=nest_config(dict(flat)),
        run_id=run_id,
        message=message,
        run=run,
    )
