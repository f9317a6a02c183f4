"""``mlflow compare`` (also ``mlflow-compare`` and ``python -m mlflow_compare_plugin``).

Fetches MLflow runs, groups them into configurations, pairs them by seed, runs the right test
and prints the answer; ``--log-report`` logs the report and the decision back to MLflow.

Example:
    mlflow compare --experiment-name lora --metric val_loss:min --seed-key seed --log-report
"""

from __future__ import annotations

from tracker_compare_kit import _guard  # noqa: F401  (first: fail clearly if `shared` is shadowed)

# isort: split

import functools
from typing import Any

import click

from shared.cli import (
    check_comparison_options,
    comparison_options,
    handle_errors,
    histories_needed,
    metric_names_needed,
    run_comparison,
    timeout_option,
)
from shared.errors import InputError

__all__ = ["compare", "main"]


def _split_ids(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


class _CompareCommand(click.Command):
    """``compare``, which also runs ``compare confirm ...``: the ``mlflow`` CLI has room for one
    command of ours, so ``mlflow compare confirm`` works as ``mlflow-compare confirm`` does."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args[:1] == ["confirm"]:
            from mlflow_compare_plugin._confirm_cli import confirm_command

            # standalone: exits with confirm's own exit code
            confirm_command.main(args=args[1:], prog_name=f"{ctx.command_path} confirm")
        return super().parse_args(ctx, args)


@click.command(
    name="compare",
    cls=_CompareCommand,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Commands: confirm  run configurations over seeds, adding seeds only where the "
    "answer is still open, and record the decision (`confirm --help`).",
)
@click.option(
    "--tracking-uri",
    envvar="MLFLOW_TRACKING_URI",
    default=None,
    metavar="URI",
    help="Tracking store: sqlite:///mlflow.db, postgresql://..., http://host:5000, a folder. "
    "Default: $MLFLOW_TRACKING_URI.",
)
@click.option(
    "--experiment-name",
    "experiment_names",
    multiple=True,
    metavar="NAME",
    help="Experiment to compare runs from (repeatable; runs across experiments can be compared).",
)
@click.option(
    "--experiment-id",
    "experiment_ids",
    multiple=True,
    metavar="ID",
    help="Experiment id (repeatable).",
)
@click.option(
    "--filter",
    "filter_string",
    default="",
    metavar="FILTER",
    help="MLflow search filter, e.g. \"params.model = 'lora' and attributes.status = 'FINISHED'\".",
)
@click.option(
    "--run-ids",
    "run_ids",
    multiple=True,
    metavar="ID[,ID...]",
    help="Compare exactly these runs (comma-separated or repeated).",
)
@click.option(
    "--parent-run-id",
    "parent_run_id",
    default=None,
    metavar="ID",
    help="Only the child runs of this parent run (an Optuna study or sweep driver); "
    "--group-by source.parent_run compares parents instead.",
)
@comparison_options
@click.option(
    "--log-report",
    is_flag=True,
    default=False,
    help="Log report.html/md, comparison.json, table.csv and plots to a new comparison run, "
    "with the decision as tags.",
)
@click.option(
    "--report-experiment",
    default=None,
    metavar="NAME",
    help="Experiment for the comparison run (created if missing). Default: the first compared one.",
)
@click.option(
    "--tag-winner",
    is_flag=True,
    default=False,
    help="Tag the winning configuration's runs compare.winner=true.",
)
@click.option(
    "--retries",
    type=click.IntRange(0, 10),
    default=3,
    show_default=True,
    help="Retries (with backoff) per request to a failing tracking server.",
)
@timeout_option("Seconds per request to a tracking server ($MLFLOW_HTTP_REQUEST_TIMEOUT wins).")
@handle_errors
def compare(
    tracking_uri: str | None,
    experiment_names: tuple[str, ...],
    experiment_ids: tuple[str, ...],
    filter_string: str,
    run_ids: tuple[str, ...],
    parent_run_id: str | None,
    log_report: bool,
    report_experiment: str | None,
    tag_winner: bool,
    retries: int,
    timeout: float,
    **options: Any,
) -> None:
    """Is one configuration really better than another, or is it seed noise?

    Compares MLflow runs grouped into configurations (by the params that differ), paired by
    seed, with the right statistical test and a multiple-comparison correction. Exit codes:
    0 done, 1 --fail-if-worse gate failed, 2 bad input, 3 tracker unreachable, 4 internal
    error (a bug: please report it), 130/143 interrupted (Ctrl-C/SIGTERM).
    """
    from mlflow_compare_plugin._tracker_errors import http_retries

    check_comparison_options(options)
    filter_string = with_parent(filter_string, parent_run_id)
    with http_retries(retries, timeout):
        _run(
            tracking_uri,
            experiment_names,
            experiment_ids,
            filter_string,
            run_ids,
            log_report,
            report_experiment,
            tag_winner,
            retries,
            options,
        )


def with_parent(filter_string: str, parent_run_id: str | None) -> str:
    """``filter_string`` restricted to the children of ``parent_run_id`` (MLflow's tag).

    Example:
        >>> with_parent("params.model = 'lora'", "ab12")
        "params.model = 'lora' and tags.`mlflow.parentRunId` = 'ab12'"
    """
    if not parent_run_id:
        return filter_string
    run_id = parent_run_id.strip()
    if not run_id or not all(ch.isalnum() or ch in "-_" for ch in run_id):
        raise InputError(f"--parent-run-id {parent_run_id!r} is not a run id")
    clause = f"tags.`mlflow.parentRunId` = '{run_id}'"
    return f"{filter_string} and {clause}" if filter_string.strip() else clause


def _run(
    tracking_uri: str | None,
    experiment_names: tuple[str, ...],
    experiment_ids: tuple[str, ...],
    filter_string: str,
    run_ids: tuple[str, ...],
    log_report: bool,
    report_experiment: str | None,
    tag_winner: bool,
    retries: int,
    options: dict[str, Any],
) -> None:
    from mlflow_compare_plugin._fetch import MlflowSource
    from mlflow_compare_plugin._source import MlflowRuns
    from shared._progress import status
    from shared.source import read_runs

    # MLflow's import and the store's set-up take seconds: on a terminal, say what is going on
    with status("opening the tracking store"):
        source = MlflowSource(tracking_uri, retries=retries)
    needs = histories_needed(log_report=log_report, **options)
    ids = source.experiment_ids(experiment_ids, experiment_names)
    found = read_runs(
        MlflowRuns(
            store=source,
            retries=retries,
            experiment_ids=ids,
            filter_string=filter_string,
            run_ids=_split_ids(run_ids),
        ),
        metrics=metric_names_needed(**options) if needs else (),
        # Wall-clock times are read only when they are the x-axis.
        timestamps=options.get("x_axis") in ("seconds", "time"),
        keep=_split_ids(run_ids),
    )
    runs = found.runs
    if found.metrics:  # each run's spelling resolved while reading: not resolved again
        options["metric"] = found.metrics
    if found.notes:
        from shared.render._table import terminal_safe

        for note in found.notes:
            click.echo(f"warning: {terminal_safe(note)}", err=True)  # run names: escaped
    if options.get("examples"):
        runs = _read_examples(source, runs, options["examples"])
    publish = None
    if log_report or tag_winner:
        publish = functools.partial(
            _publish,
            source=source,
            runs=runs,
            ids=ids,
            filter_string=filter_string,
            log_report=log_report,
            tag_winner=tag_winner,
            report_experiment=report_experiment,
        )
    run_comparison(runs, options, publish=publish)


def _read_examples(source: Any, runs: list[Any], table: str) -> list[Any]:
    """Each run's per-example table (``--examples``): that one artifact, all runs at once."""
    from mlflow_compare_plugin._fetch_examples import fetch_example_tables
    from shared._progress import progress_bar

    with progress_bar("fetching tables", len(runs), unit="runs") as bar:
        return fetch_example_tables(source, runs, table, on_progress=bar.update)


def _publish(
    comparison: Any,
    *,
    source: Any,
    runs: list[Any],
    ids: list[str],
    filter_string: str,
    log_report: bool,
    tag_winner: bool,
    report_experiment: str | None,
) -> None:
    """Back to MLflow: the comparison run with the report, and the winner's tags."""
    from mlflow_compare_plugin._publish import experiment_link, publish

    published = publish(
        source.client,
        comparison,
        log_report=log_report,
        tag_winner=tag_winner,
        report_experiment=report_experiment,
        default_experiment=ids[0] if ids else (runs[0].experiment if runs else None),
        extra_tags={"compare.filter": filter_string[:1000]} if filter_string else None,
        experiments=sorted({str(r.experiment) for r in runs if r.experiment is not None}),
    )
    if published.run_id:
        link = experiment_link(source.tracking_uri, published.experiment_id, published.run_id)
        click.echo(f"logged report to {link} (report.html)", err=True)
    if published.tagged_runs:
        click.echo(f"tagged {len(published.tagged_runs)} winning runs", err=True)
    if published.untagged_runs:
        click.echo(
            f"took the winner tags off {len(published.untagged_runs)} runs that won this "
            f"question before (question {published.question})",
            err=True,
        )


def main(argv: list[str] | None = None, prog_name: str = "mlflow-compare") -> None:
    """Console-script entry point (``mlflow-compare``; ``mlflow-compare confirm ...``)."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["confirm"]:
        from mlflow_compare_plugin._confirm_cli import confirm_command

        confirm_command.main(args=args[1:], prog_name=f"{prog_name} confirm")
        return
    compare.main(args=args, prog_name=prog_name)
