"""From parsed CLI options to a ``Comparison``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from shared.cli._metric import MetricSpec, parse_metric_specs
from shared.errors import GateFailed, InputError

__all__ = [
    "compare_with_options",
    "compare_secondary",
    "check_gate",
    "histories_needed",
    "metric_names_needed",
    "require_baseline",
]

# x axes that are not a logged metric.
_BUILTIN_AXES = {"step", "seconds", "time"}


def _metric_specs(
    metric: str | MetricSpec | Iterable[str | MetricSpec] | None,
) -> tuple[MetricSpec, ...]:
    # specs parsed at the edge (check_comparison_options) come back as they are
    return parse_metric_specs(metric)


def histories_needed(
    *,
    reduce: str = "last",
    fmt: str = "table",
    log_report: bool = False,
    examples: str | None = None,
    **_: Any,
) -> bool:
    """Whether the options need full metric histories, not just each run's last values.

    ``--reduce last`` with a text format needs only the last values; other reductions,
    ``--format html`` and ``--log-report`` (learning-curve plots) need histories. A comparison
    over examples (``--examples``) reads a table per run and no history: ``--metric`` names
    a column of that table, not a logged metric.

    Example:
        >>> histories_needed(reduce="last"), histories_needed(reduce="auc")
        (False, True)
        >>> histories_needed(fmt="html", examples="eval.json")
        False
    """
    if examples:
        return False
    return reduce != "last" or fmt == "html" or bool(log_report)


def check_example_options(
    examples: str | None, example_key: str | None, cluster_key: str | None
) -> None:
    """``--example-key`` and ``--cluster-key`` belong to ``--examples`` (checked before fetching).

    Example:
        >>> check_example_options("eval.json", "id", None)
    """
    if examples is not None and not examples.strip():
        raise InputError("--examples needs a table name (MLflow artifact path, W&B Table key)")
    for option, value in (("--example-key", example_key), ("--cluster-key", cluster_key)):
        if value is not None and not examples:
            raise InputError(f"{option} needs --examples TABLE")
        if value is not None and not value.strip():
            raise InputError(f"{option} needs a column name")


def metric_names_needed(
    *, metric: str | MetricSpec | Iterable[str | MetricSpec], x_axis: str = "step", **_: Any
) -> list[str | MetricSpec]:
    """The metrics whose histories a fetcher should load, as the user spelled them: a run
    may have logged ``val/loss`` for ``val_loss``. Each ``--metric`` is its ``MetricSpec``
    (a ``(name, goal)`` pair), the x-axis metric its name. ``shared.source.read_runs``
    resolves each run's own spelling, once, before asking a source for histories, and hands
    the resolved specs back (``Found.metrics``) for the comparison.

    Example:
        >>> metric_names_needed(metric=("val_loss:min",), x_axis="tokens")
        [MetricSpec(name='val_loss', goal='minimize'), 'tokens']
    """
    specs = _metric_specs(metric)
    names: list[str | MetricSpec] = list(specs)
    if x_axis and x_axis not in _BUILTIN_AXES and x_axis not in {s.name for s in specs}:
        names.append(x_axis)
    return names


def require_baseline(fail_if_worse: bool, baseline: str | None) -> None:
    """The gate compares with a baseline: ``--fail-if-worse`` without ``--baseline`` is refused.

    Example:
        >>> require_baseline(True, "lr=0.1")
    """
    if fail_if_worse and not baseline:
        raise InputError("--fail-if-worse needs --baseline CONFIG")


def _check_present(runs: Sequence[Any], spec: MetricSpec) -> MetricSpec:
    """``spec`` resolved for every run of ``runs`` (runs resolved before are not resolved
    again); refused when some run does not have the metric."""
    spec = spec.resolve(runs)  # raises UnknownMetricError when no run has it
    name, spelling = spec.name, spec.spellings_in(runs)
    missing = [run for run in runs if run.key not in spelling]
    if missing:
        shown = ", ".join(run.label for run in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise InputError(
            f"metric {name!r} is missing in {len(missing)} of {len(runs)} runs ({shown}{more}); "
            "exclude them with a filter or pick another metric"
        )
    return spec


def _check_named_metrics(runs: Sequence[Any], *, x_axis: str, cost_metric: str | None) -> None:
    """``--x-axis METRIC`` and ``--cost-metric`` must name a metric some run logged.

    Checked here, whatever the reduction: with ``--reduce last`` the x-axis is not used for
    the number, and a mistyped name would otherwise pass silently (or only warn).
    """
    from shared import UnknownMetricError, resolve_metric

    for option, name in (("--x-axis", x_axis), ("--cost-metric", cost_metric)):
        if not name or (option == "--x-axis" and name in _BUILTIN_AXES):
            continue
        try:
            resolve_metric(runs, name)
        except UnknownMetricError as error:
            axes = ", ".join(sorted(_BUILTIN_AXES))
            builtin = f" (built-in axes: {axes})" if option == "--x-axis" else ""
            raise InputError(f"{option} {name!r}: {error}{builtin}") from None


def compare_with_options(
    runs: Sequence[Any],
    *,
    metric: str | MetricSpec | Iterable[str | MetricSpec],
    seed_key: str | None = None,
    group_by: Iterable[str] | None = None,
    reduce: str = "last",
    x_axis: str = "step",
    budget: float | None = None,
    test: str = "auto",
    alpha: float = 0.05,
    correction: str = "holm",
    min_effect: float = 0.0,
    baseline: str | None = None,
    cost_metric: str | None = None,
    fail_if_worse: bool = False,
    seed: int = 0,
    all_pairs: bool = False,
    examples: str | None = None,
    example_key: str | None = None,
    cluster_key: str | None = None,
    **_ignored: Any,
) -> Any:
    """Run ``shared.compare_runs`` with the options of :func:`comparison_options`.

    The first ``--metric`` decides. Unrelated keyword arguments (``tracking_uri``, ``fmt``...)
    are ignored, so a command can pass all its options through.

    Args:
        runs: ``shared.Run`` objects.
        metric: ``NAME[:min|:max]`` or several (or their ``MetricSpec``, resolved or not);
            the first is compared. Its spelling is resolved once per run: runs a spec
            already resolved are not resolved again.
        fail_if_worse: only checked for consistency here (needs ``baseline``); call
            :func:`check_gate` after emitting the output.
        all_pairs: test every pair instead of comparing each configuration with the best
            (the default from 3 configurations; ``--all-pairs``).
        examples, example_key, cluster_key: compare per-example scores of the table each run
            carries in ``run.examples[examples]`` (``metric`` then names its score column).
        Other arguments: as ``shared.compare_runs``.

    Returns:
        The ``shared.Comparison``.

    Raises:
        InputError: no runs, a metric missing in some runs, ``--fail-if-worse`` without
            ``--baseline``, or anything ``compare_runs`` rejects.

    Example:
        >>> # comparison = compare_with_options(runs, metric=("val_loss:min",), seed_key="seed")
    """
    from shared import compare_runs

    require_baseline(fail_if_worse, baseline)
    if not runs:
        raise InputError("no runs to compare")
    spec: MetricSpec = _metric_specs(metric)[0]
    name = spec.name
    check_example_options(examples, example_key, cluster_key)
    extra: dict[str, Any] = {}
    if examples:
        from shared._example_checks import check_example_tables

        check_example_tables(
            runs, examples, score=name, example_key=example_key, cluster_key=cluster_key
        )
        extra = {"examples": examples, "example_key": example_key, "cluster_key": cluster_key}
    else:
        spec = _check_present(runs, spec)  # resolved once; compare_runs reads the spellings
    _check_named_metrics(runs, x_axis=x_axis, cost_metric=cost_metric)
    return compare_runs(
        list(runs),
        # over examples the metric is a table column: its name only
        metric=name if examples else spec,
        goal=spec.goal,
        seed_key=seed_key,
        group_by=list(group_by) if group_by else None,
        reduce=reduce,
        x_axis=x_axis,
        budget=budget,
        test=test,
        correction=correction,
        alpha=alpha,
        baseline=baseline,
        min_effect=min_effect,
        cost_metric=cost_metric,
        seed=seed,
        # only when asked: the default family (comparisons with the best) needs no flag
        **({"all_pairs": True} if all_pairs else {}),
        **extra,
    )


def compare_secondary(runs: Sequence[Any], **options: Any) -> dict[str, Any]:
    """Comparisons of the 2nd, 3rd... ``--metric`` (shown, but they do not decide).

    Example:
        >>> # compare_secondary(runs, metric=("acc", "val_loss:min"), seed_key="seed")
    """
    specs = _metric_specs(options.pop("metric"))
    options.pop("fail_if_worse", None)
    return {spec.name: compare_with_options(runs, metric=(spec,), **options) for spec in specs[1:]}


def check_gate(comparison: Any, *, baseline: str | None, fail_if_worse: bool) -> None:
    """Raise ``GateFailed`` (exit 1) when ``--fail-if-worse`` and a config is worse.

    Example:
        >>> check_gate(None, baseline=None, fail_if_worse=False)
    """
    if not fail_if_worse:
        return
    require_baseline(fail_if_worse, baseline)
    worse = comparison.worse_than(baseline)
    if worse:
        raise GateFailed(f"significantly worse than baseline {baseline!r}: {', '.join(worse)}")
