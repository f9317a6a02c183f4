"""``wandb compare`` (also ``wandb-compare`` and ``python -m wandb_compare_ext``).

Reads W&B runs online through ``wandb.Api`` (``--project``) or offline run folders with no
server (``--offline-dir``), both repeatable and combinable, groups them into configurations,
pairs them by seed, runs the right test and prints the answer. ``--report`` publishes a W&B
Report, ``--report-spec`` writes its JSON with no server, ``--write-notes`` records the
decision on the compared runs.

Example:
    wandb compare --offline-dir ./wandb --metric val_loss:min --seed-key seed
    wandb compare --project my-team/lora --filter '{"config.model": "lora"}' -m val_acc --report
"""

from __future__ import annotations

from tracker_compare_kit import _guard  # noqa: F401  (first: fail clearly if `shared` is shadowed)

# isort: split

import functools
import json
import os
from typing import Any

import click

from shared import cli as shared_cli
from shared.errors import InputError
from wandb_compare_ext._confirm_cli import confirm_command
from wandb_compare_ext.sweep import sweep_command

__all__ = ["cli", "compare", "main"]

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _parse_filters(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError as error:
        raise InputError(f"--filter is not valid JSON ({error.msg} at char {error.pos})") from None
    if not isinstance(value, dict):
        raise InputError("--filter must be a JSON object, e.g. '{\"config.lr\": 0.001}'")
    return value


def _default_x_axis(runs: list[Any], spec: Any) -> str | None:
    """The ``define_metric`` step metric every run declares for the deciding metric, if any
    (read under each run's own spelling of it, as ``spec`` resolved it)."""
    spellings = spec.spellings or {}
    axes = set()
    for run in runs:
        axis = run.tags.get(f"wandb.step_metric.{spellings.get(run.key) or spec.name}")
        if axis is None:
            return None
        axes.add(axis)
    return axes.pop() if len(axes) == 1 else None


@click.command(name="compare", context_settings=_CONTEXT)
@click.option(
    "--project",
    "projects",
    multiple=True,
    metavar="ENTITY/PROJECT",
    help="W&B project to read runs from through the API (repeatable).",
)
@click.option(
    "--offline-dir",
    "offline_dirs",
    multiple=True,
    metavar="PATH",
    type=click.Path(path_type=str),
    help="Offline runs (a wandb/ folder, its parent, a run folder or a .wandb file); "
    "read with no server (repeatable).",
)
@click.option(
    "--run-path",
    "run_paths",
    multiple=True,
    metavar="ENTITY/PROJECT/RUN_ID",
    help="Compare exactly these runs (repeatable).",
)
@click.option(
    "--filter",
    "filter_text",
    default=None,
    metavar="JSON",
    help='Mongo-style W&B filter, e.g. \'{"config.model": "lora", "state": "finished"}\' '
    "(offline runs too: config.*, summary_metrics.*, tags, state, group, jobType, displayName; "
    "$and $or $in $eq $ne $gt $lt $gte $lte $exists).",
)
@click.option("--order", default=None, metavar="FIELD", help="W&B order, e.g. -created_at.")
@click.option(
    "--group",
    "run_group",
    default=None,
    metavar="NAME",
    help='Only this W&B group (online and offline); --group "" the runs in no group.',
)
@click.option(
    "--sweep",
    "sweep_id",
    default=None,
    metavar="ID",
    help="Only this sweep's runs (online and offline).",
)
@click.option(
    "--base-url",
    envvar="WANDB_BASE_URL",
    default=None,
    metavar="URL",
    help="W&B server. Default: $WANDB_BASE_URL or api.wandb.ai. The key is $WANDB_API_KEY.",
)
@shared_cli.timeout_option("Seconds per W&B API request.")
@click.option(
    "--allow-damaged",
    is_flag=True,
    default=False,
    help="Use the records before the damage in truncated or corrupted .wandb files.",
)
@shared_cli.comparison_options
@click.option(
    "--report",
    "make_report",
    is_flag=True,
    default=False,
    help="Publish a W&B Report (a draft unless --publish) to the first --project.",
)
@click.option(
    "--publish", "publish_flag", is_flag=True, default=False, help="Publish the report, not a draft."
)
@click.option(
    "--report-project",
    default=None,
    metavar="ENTITY/PROJECT",
    help="ENTITY/PROJECT the report and its run set belong to. Default: the first --project "
    "(offline only: the runs' own entity/project; $WANDB_ENTITY when they name no entity).",
)
@click.option(
    "--report-spec",
    default=None,
    metavar="PATH",
    type=click.Path(dir_okay=False, path_type=str),
    help="Write the report's JSON view spec here (no server needed).",
)
@click.option(
    "--write-notes",
    is_flag=True,
    default=False,
    help="Record the decision on the compared online runs (notes and a tag).",
)
@shared_cli.handle_errors
def compare(
    projects: tuple[str, ...],
    offline_dirs: tuple[str, ...],
    run_paths: tuple[str, ...],
    filter_text: str | None,
    order: str | None,
    run_group: str | None,
    sweep_id: str | None,
    base_url: str | None,
    timeout: float,
    allow_damaged: bool,
    make_report: bool,
    publish_flag: bool,
    report_project: str | None,
    report_spec: str | None,
    write_notes: bool,
    **options: Any,
) -> None:
    """Is one configuration really better than another, or is it seed noise?

    Compares W&B runs (online --project, offline --offline-dir, or both) grouped into
    configurations, paired by seed, with the right statistical test. Exit codes: 0 done,
    1 --fail-if-worse gate failed, 2 bad input, 3 W&B unreachable or key rejected, 4 internal
    error (a bug: please report it), 130/143 interrupted (Ctrl-C/SIGTERM).
    """
    shared_cli.check_comparison_options(options)
    if report_spec:
        shared_cli.check_output(report_spec, option="--report-spec")
    online = bool(projects or run_paths)
    if not online and not offline_dirs:
        raise InputError("give --project ENTITY/PROJECT, --run-path or --offline-dir PATH")
    if (make_report or write_notes) and not online:
        raise InputError("--report and --write-notes need W&B runs from --project or --run-path")
    filters = _parse_filters(filter_text)
    ctx = click.get_current_context()
    x_axis_given = ctx.get_parameter_source("x_axis") != click.core.ParameterSource.DEFAULT

    runs = _read_offline(offline_dirs, allow_damaged, sweep_id=sweep_id, run_group=run_group,
                         filters=filters)
    source = None
    if online:
        source, found = _read_online(
            base_url, timeout, projects=projects, run_paths=run_paths, filters=filters,
            order=order, group=run_group, sweep=sweep_id,
            needs=shared_cli.histories_needed(**options) or make_report or bool(report_spec),
            options=options,
        )
        runs.extend(found.runs)
    if not runs:
        raise InputError("no runs found (check --project, --filter and --offline-dir)")
    from shared.model._own_runs import leave_out_not_replicates

    # a confirm's decision run (and any run of ours) holds no replicate: left out, said so
    runs, notes = leave_out_not_replicates(runs)
    for note in notes:
        click.echo(f"warning: {note}", err=True)
    if not runs:
        raise InputError("no training runs found: only tracker-compare's own runs matched")
    if options.get("examples"):
        from wandb_compare_ext._tables import fetch_example_tables

        runs = fetch_example_tables(runs, options["examples"], source=source)
    spellings = None
    if not options.get("examples"):  # with --examples, --metric names a table column
        # resolved once for every run (the online ones already were, while reading): the
        # x-axis default, the comparison and the report read these spellings
        spec, *rest = options["metric"]
        spec = spec.resolve(runs)
        options["metric"], spellings = (spec, *rest), spec.spellings
        if not x_axis_given:
            axis = _default_x_axis(runs, spec)
            if axis:
                options["x_axis"] = axis
    publish = None
    if report_spec or make_report or write_notes:
        publish = functools.partial(
            _publish,
            runs=runs,
            source=source,
            target=_report_target(report_project, projects, run_paths, runs, source),
            report_spec=report_spec,
            make_report=make_report,
            draft=not publish_flag,
            write_notes=write_notes,
            spellings=spellings,
        )
    shared_cli.run_comparison(runs, options, publish=publish)


def _read_online(
    base_url: str | None,
    timeout: float,
    *,
    needs: bool,
    options: dict[str, Any],
    **selection: Any,
) -> tuple[Any, Any]:
    """The online runs (``--project``/``--run-path``) through the W&B online source, as the
    offline ones: ``shared.source.read_runs`` leaves out what is not a replicate, resolves each
    ``--metric``'s spelling once (written back into ``options``) and reads the histories
    needed. Returns the connection (for publishing) and what was found."""
    from shared.source import read_runs
    from wandb_compare_ext._online import WandbSource
    from wandb_compare_ext._source import WandbOnline

    connection = WandbSource(base_url=base_url, timeout=timeout)
    # with --examples, --metric names a table column: no history to read
    needs = needs and not options.get("examples")
    found = read_runs(
        WandbOnline(connection, **selection),
        metrics=shared_cli.metric_names_needed(**options) if needs else (),
    )
    for note in found.notes:
        click.echo(f"warning: {note}", err=True)
    if found.metrics:  # each run's spelling resolved while reading: not resolved again
        options["metric"] = found.metrics
    return connection, found


def _read_offline(
    offline_dirs: tuple[str, ...],
    allow_damaged: bool,
    *,
    sweep_id: str | None,
    run_group: str | None,
    filters: dict[str, Any] | None = None,
) -> list[Any]:
    """The offline runs under ``offline_dirs`` (damage warnings on stderr), with ``--sweep``,
    ``--group`` and ``--filter`` applied here: offline folders have no server to do it."""
    if not offline_dirs:
        return []
    if filters:
        from wandb_compare_ext._offline_filter import check_filter

        check_filter(filters)  # before reading: a filter we cannot evaluate is refused
    from shared.source import read_runs
    from wandb_compare_ext._source import WandbOffline

    # offline folders have no server to filter them: --sweep/--group apply in the source
    source = WandbOffline(offline_dirs, allow_damaged=allow_damaged, sweep=sweep_id, group=run_group)
    found = read_runs(source)  # the logs hold every history: nothing more to read
    for warning in [*source.warnings, *found.notes]:
        click.echo(f"warning: {warning}", err=True)
    offline = found.runs
    if filters:
        from wandb_compare_ext._offline_filter import matches

        offline = [r for r in offline if matches(r, filters)]
    return list(offline)


def _report_target(
    report_project: str | None,
    projects: tuple[str, ...],
    run_paths: tuple[str, ...],
    runs: list[Any],
    source: Any,
) -> str:
    """``ENTITY/PROJECT`` of the report and its run set."""
    target = report_project or (projects[0] if projects else None)
    if target is None and run_paths:
        target = "/".join(run_paths[0].split("/")[:2])
    if target is None:  # offline only: the runs' own entity/project (or just the project)
        target = runs[0].experiment or ""
    target = target.strip("/")
    if "/" not in target:
        # A real entity or none: a made-up one would send the report where nobody looks.
        entity = source.api.default_entity if source else os.environ.get("WANDB_ENTITY")
        if not entity or not target:
            raise InputError(
                "the offline runs name no W&B entity"
                + ("" if target else " or project")
                + ": give --report-project ENTITY/PROJECT (or set WANDB_ENTITY)"
            )
        target = f"{entity}/{target}"
    return target


def _publish(
    comparison: Any,
    *,
    runs: list[Any],
    source: Any,
    target: str,
    report_spec: str | None,
    make_report: bool,
    draft: bool,
    write_notes: bool,
    spellings: Any = None,
) -> None:
    """Back to W&B: the report (spec file and/or saved report) and the decision on the runs."""
    if report_spec or make_report:
        from wandb_compare_ext._report import build_report, write_report_spec

        report = build_report(comparison, runs, project=target, spellings=spellings)
        if report_spec:
            write_report_spec(report, report_spec)
            click.echo(f"wrote report spec to {report_spec}", err=True)
        if make_report:
            from wandb_compare_ext._report import save_report

            url = save_report(report, source, draft=draft)
            click.echo(f"saved W&B report {url}", err=True)
    if write_notes and source is not None:
        from wandb_compare_ext._online import write_decision

        written = write_decision(source, comparison, runs)
        click.echo(f"recorded the decision on {written} runs", err=True)


class _DefaultGroup(click.Group):
    """A group whose default command is ``compare``: ``wandb-compare -m acc ...`` works."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] in ("-h", "--help"):
            return super().parse_args(ctx, args)
        if not args or args[0] not in self.commands:
            args = ["compare", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultGroup, name="wandb-compare", context_settings=_CONTEXT)
def cli() -> None:
    """Statistical comparison of W&B runs (default command: compare)."""


cli.add_command(compare)


# The sweep package needs nothing beyond this one at import time (optuna and pyyaml load
# when a sweep runs), so a failure to import it is a bug to see, not to hide.
cli.add_command(sweep_command, name="sweep")


# confirm's command module loads only click and the light core (Optuna loads when it runs).
cli.add_command(confirm_command, name="confirm")


def main(argv: list[str] | None = None, prog_name: str = "wandb-compare") -> None:
    """Console-script entry point (``wandb-compare``)."""
    cli.main(args=argv, prog_name=prog_name)
