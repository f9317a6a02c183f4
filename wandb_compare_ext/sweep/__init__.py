"""Run W&B sweep configs locally as Optuna studies, and the sweep callback for training loops.

Public names:

* :func:`run_sweep`: run a W&B sweep config (grid, random, bayes; every W&B distribution;
  ``early_terminate`` hyperband; ``run_cap``; ``metric.target``) with no W&B server.
* :class:`SweepCallback`: what a training loop calls (``log``, ``should_stop``).
* :func:`load_sweep_config`: validate a sweep config (one-line errors naming the field).
* :class:`HyperbandRule`: W&B's hyperband early-termination rule.
* ``sweep_command``: the ``wandb-compare sweep CONFIG.yaml`` click command.
"""

from tracker_compare_kit import _guard  # noqa: F401  (first: fail clearly if `shared` is shadowed)

# isort: split

from wandb_compare_ext.sweep._callback import SweepCallback, current_callback
from wandb_compare_ext.sweep._cli import sweep_command
from wandb_compare_ext.sweep._command import build_command
from wandb_compare_ext.sweep._config import MetricSpec, SweepConfig, load_sweep_config
from wandb_compare_ext.sweep._distributions import DISTRIBUTIONS, ParamSpec, parse_parameters
from wandb_compare_ext.sweep._hyperband import HyperbandRule, StopDecision
from wandb_compare_ext.sweep._outcome import SweepResult, TrialOutcome
from wandb_compare_ext.sweep._runner import run_sweep
from wandb_compare_ext.sweep._seeds import ConfigAggregate, aggregate_runs, aggregate_seeds

__all__ = [
    "DISTRIBUTIONS",
    "ConfigAggregate",
    "HyperbandRule",
    "MetricSpec",
    "ParamSpec",
    "StopDecision",
    "SweepCallback",
    "SweepConfig",
    "SweepResult",
    "TrialOutcome",
    "aggregate_runs",
    "aggregate_seeds",
    "build_command",
    "current_callback",
    "load_sweep_config",
    "parse_parameters",
    "run_sweep",
    "sweep_command",
]
