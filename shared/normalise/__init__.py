"""Normalisation: typed params, flat configs, one metric name, curves, grids, reductions."""

from shared.normalise._curves import X_AXES, Curve, metric_curve
from shared.normalise._flatten import flatten_config
from shared.normalise._metric_names import canonical_metric_name, resolve_metric
from shared.normalise._metric_spec import MetricSpec
from shared.normalise._reduce import REDUCTIONS, Reduction, parse_reduce, reduce_curve, reduce_runs
from shared.normalise._resample import Resampled, resample_curves
from shared.normalise._smooth import smooth_ema
from shared.normalise._values import coerce_params, coerce_value

__all__ = [
    "X_AXES",
    "REDUCTIONS",
    "Curve",
    "MetricSpec",
    "Reduction",
    "Resampled",
    "canonical_metric_name",
    "coerce_params",
    "coerce_value",
    "flatten_config",
    "metric_curve",
    "parse_reduce",
    "reduce_curve",
    "reduce_runs",
    "resample_curves",
    "resolve_metric",
    "smooth_ema",
]
