"""Metric names for an objective's values, as optuna-integration's callbacks name them.

Tracker-neutral (plain names, no optuna import), so the MLflow and the W&B callbacks name
multi-objective metrics the same way from one place.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["check_metric_name", "metric_names_for"]


def check_metric_name(metric_name: object) -> str | Sequence[str]:
    """``metric_name`` if it is a name or a sequence of names; the callbacks' TypeError otherwise.

    Same message as optuna-integration's callbacks.

    Example:
        >>> check_metric_name("acc")
        'acc'
    """
    if not isinstance(metric_name, Sequence):
        raise TypeError(
            f"Expected metric_name to be string or sequence of strings, got {type(metric_name)}."
        )
    return metric_name


def metric_names_for(metric_name: str | Sequence[str], n_values: int) -> list[str]:
    """The metric names for ``n_values`` objective values, as optuna-integration names them.

    Args:
        metric_name: one name (suffixed ``_0``, ``_1``... when there are several values) or one
            name per value.
        n_values: how many values the objective returned.

    Raises:
        ValueError: a list of names whose length differs from ``n_values`` (same message as
            optuna-integration).

    Example:
        >>> metric_names_for("value", 2)
        ['value_0', 'value_1']
        >>> metric_names_for(("acc", "latency"), 2)
        ['acc', 'latency']
    """
    if isinstance(metric_name, str):
        if n_values > 1:
            return [f"{metric_name}_{i}" for i in range(n_values)]
        return [metric_name]
    if len(metric_name) != n_values:
        raise ValueError(
            "Running multi-objective optimization "
            f"with {n_values} objective values, but {len(metric_name)} names specified. "
            "Match objective values and names, or use default broadcasting."
        )
    return [*metric_name]
