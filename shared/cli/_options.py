"""``comparison_options``: the comparison options both CLIs share, in MLflow's style."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import click

from shared.cli._emit import FORMATS

__all__ = ["comparison_options", "COMPARISON_OPTION_NAMES", "REDUCE_CHOICES", "timeout_option"]

F = TypeVar("F", bound=Callable[..., Any])

REDUCE_CHOICES = ("last", "min", "max", "mean-last-K", "auc", "at-budget", "best-at-budget")
_REDUCE_RE = re.compile(r"^(last|min|max|auc|at-budget|best-at-budget|mean-last-\d+|mean-last-K)$")

#: The keyword names ``comparison_options`` adds to the command callback.
COMPARISON_OPTION_NAMES = (
    "metric",
    "seed_key",
    "group_by",
    "reduce",
    "x_axis",
    "budget",
    "test",
    "alpha",
    "correction",
    "min_effect",
    "baseline",
    "cost_metric",
    "fmt",
    "output",
    "fail_if_worse",
    "top",
    "all_pairs",
    "verbose",
    "examples",
    "example_key",
    "cluster_key",
)



class _TestOption(click.Option):
    """``--test``: its help lists the tests the registry accepts, read only when help is shown
    (the registry loads numpy: not for every command start)."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        from shared.compare.inference._registry import TESTS

        record = super().get_help_record(ctx)
        if record is None:
            return None
        return record[0], f"{record[1]} One of: {', '.join(TESTS)}."

def _check_reduce(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if value is None or _REDUCE_RE.match(value):
        return value
    raise click.BadParameter(
        f"{value!r}; use last, min, max, mean-last-N (e.g. mean-last-5), auc, at-budget or "
        "best-at-budget"
    )


def comparison_options(func: F) -> F:
    """Add the shared comparison options to a click command.

    The callback receives ``metric`` (tuple of ``NAME[:min|:max]``), ``seed_key``, ``group_by``
    (tuple), ``reduce``, ``x_axis``, ``budget``, ``test``, ``alpha``, ``correction``,
    ``min_effect``, ``baseline``, ``cost_metric``, ``fmt``, ``output``, ``fail_if_worse``,
    ``verbose`` (read by :func:`shared.cli.handle_errors`), ``examples``, ``example_key`` and
    ``cluster_key`` (a comparison over per-example scores); pass
    them on to :func:`shared.cli.compare_with_options` and :func:`shared.cli.emit`.

    Example:
        >>> @click.command()
        ... @comparison_options
        ... def compare(**options):
        ...     click.echo(options["metric"])
    """
    options = [
        click.option(
            "--metric",
            "-m",
            "metric",
            multiple=True,
            required=True,
            metavar="NAME[:min|:max]",
            help="Metric to compare (repeatable; the first decides). Without :min/:max, names "
            "with loss/error/perplexity/latency are minimised, others maximised.",
        ),
        click.option(
            "--seed-key",
            default=None,
            metavar="PARAM",
            help="Param or tag naming the replicate (seed, fold) to pair runs by. Default: guessed.",
        ),
        click.option(
            "--group-by",
            multiple=True,
            metavar="PARAM",
            help="Params that define a configuration (repeatable); also where runs came from: "
            "source.sweep, source.group, source.job_type, source.parent_run, or tags.NAME. "
            "Default: all params that vary except the seed, in name order.",
        ),
        click.option(
            "--reduce",
            default="last",
            show_default=True,
            callback=_check_reduce,
            metavar="|".join(REDUCE_CHOICES),
            help="How a run's history becomes one number.",
        ),
        click.option(
            "--x-axis",
            default="step",
            show_default=True,
            metavar="step|epoch|seconds|time|METRIC",
            help="X axis for curves, budgets and AUC.",
        ),
        click.option(
            "--budget",
            type=float,
            default=None,
            help="X value for --reduce at-budget / best-at-budget.",
        ),
        click.option(
            "--test",
            cls=_TestOption,
            default="auto",
            show_default=True,
            metavar="NAME",
            help="Statistical test (auto picks paired/unpaired, parametric or not).",
        ),
        click.option(
            "--alpha",
            type=click.FloatRange(0, 1, min_open=True, max_open=True),
            default=0.05,
            show_default=True,
            help="Significance level.",
        ),
        click.option(
            "--correction",
            type=click.Choice(["holm", "bonferroni", "bh", "none"]),
            default="holm",
            show_default=True,
            help="Multiple-comparison correction.",
        ),
        click.option(
            "--min-effect",
            type=click.FloatRange(min=0),
            default=0.0,
            show_default=True,
            help="Smallest difference that matters; smaller significant differences are no win.",
        ),
        click.option(
            "--baseline",
            default=None,
            metavar="CONFIG",
            help="Compare every configuration against this one: its name as shown, or part of "
            "it (lr=0.001) matching exactly one configuration.",
        ),
        click.option(
            "--cost-metric",
            default=None,
            metavar="METRIC",
            help="Metric holding cost (tokens, dollars) for totals and the Pareto front.",
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(list(FORMATS)),
            default="table",
            show_default=True,
            help="Output format (json is Comparison.to_dict()).",
        ),
        click.option(
            "--output",
            "-o",
            default="-",
            metavar="PATH",
            help="Write the output here instead of stdout (atomically).",
        ),
        click.option(
            "--fail-if-worse",
            is_flag=True,
            default=False,
            help="Exit 1 when any configuration is significantly worse than --baseline.",
        ),
        click.option(
            "--top",
            type=click.IntRange(min=1),
            default=10,
            show_default=True,
            metavar="K",
            help="With more configurations, --format table shows a summary and the K best "
            "(json and csv keep all).",
        ),
        click.option(
            "--all-pairs",
            is_flag=True,
            default=False,
            help="Test every pair (Holm) instead of answering 'which is best?' by "
            "comparing each configuration with the best (the default from 3).",
        ),
        click.option(
            "--examples",
            default=None,
            metavar="TABLE",
            help="Compare per-example scores over examples and seeds: the table each run logged "
            "(MLflow: the log_table artifact path, eval_results_table.json, or 'traces' for GenAI "
            "assessments; W&B: the Table's key). --metric then names the score column.",
        ),
        click.option(
            "--example-key",
            default=None,
            metavar="COLUMN",
            help="With --examples: the column identifying an example (pairs examples across runs).",
        ),
        click.option(
            "--cluster-key",
            default=None,
            metavar="COLUMN",
            help="With --examples: the column grouping correlated examples (a passage, a topic).",
        ),
        click.option(
            "--verbose",
            "-v",
            is_flag=True,
            default=False,
            help="Show the trackers' own log messages (hidden by default).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def timeout_option(help: str) -> Callable[[F], F]:  # noqa: A002 - click's own keyword
    """``--timeout SECONDS`` (1-600, default 30) for a command that talks to a tracker.

    Example:
        >>> @click.command()
        ... @timeout_option("Seconds per request.")
        ... def command(timeout):
        ...     pass
    """
    return click.option(
        "--timeout", type=click.FloatRange(1, 600), default=30, show_default=True, help=help
    )
