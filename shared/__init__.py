"""tracker-compare's core: one run model, normalisation, statistics, decision and rendering.

Tracker-neutral on purpose: this package never imports mlflow, wandb, optuna or either adapter,
so an MLflow run and a W&B run meet here as ``Run`` objects and can sit in one comparison.
Heavy modules (scipy, pandas, matplotlib) load only when a function needs them.

Example:
    >>> import shared
    >>> runs = [shared.Run("frame", f"r{i}", params={"lr": lr, "seed": s}, metrics={"acc": a})
    ...         for i, (lr, s, a) in enumerate([(0.1, 0, 0.8), (0.1, 1, 0.82), (0.01, 0, 0.7),
    ...                                         (0.01, 1, 0.71)])]
    >>> shared.reduce_runs(runs, "acc").values["frame:r0"]
    0.8
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shared._frame import runs_from_frame, runs_to_frame
from shared.errors import (
    AmbiguousMetricError,
    GateFailed,
    InputError,
    TrackerCompareError,
    TrackerUnreachable,
    UnknownMetricError,
)
from shared.model import ExampleTable, History, Run
from shared.normalise import (
    Curve,
    Reduction,
    Resampled,
    canonical_metric_name,
    coerce_params,
    coerce_value,
    flatten_config,
    metric_curve,
    reduce_runs,
    resample_curves,
    resolve_metric,
    smooth_ema,
)

if TYPE_CHECKING:
    from shared.compare import Comparison, compare_frame, compare_runs

__all__ = [
    "AmbiguousMetricError",
    "Comparison",
    "Curve",
    "ExampleTable",
    "GateFailed",
    "History",
    "InputError",
    "Reduction",
    "Resampled",
    "Run",
    "TrackerCompareError",
    "TrackerUnreachable",
    "UnknownMetricError",
    "canonical_metric_name",
    "coerce_params",
    "coerce_value",
    "compare_frame",
    "compare_runs",
    "flatten_config",
    "metric_curve",
    "reduce_runs",
    "resample_curves",
    "resolve_metric",
    "runs_from_frame",
    "runs_to_frame",
    "smooth_ema",
]

# The comparison pulls in scipy; load it on first use so `import shared` stays light.
_LAZY = {"Comparison", "compare_frame", "compare_runs"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import shared.compare as compare

        return getattr(compare, name)
    raise AttributeError(f"module 'shared' has no attribute {name!r}")
