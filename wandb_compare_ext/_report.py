"""W&B Reports for a comparison, built with wandb-workspaces (``wandb_workspaces.reports.v2``).

The report holds what report.html holds: the decision, the statistics (a markdown block: the
configurations with their 95% CIs, the pairs with the test used and why it was chosen, costs,
importance, warnings), the learning curves with the CI band the tests use, the per-run
distribution and the critical-difference diagram (the same PNGs, embedded as data URIs, so
the spec needs no upload); then live panels over a run set filtered to exactly the compared
runs and grouped by the params that define a configuration. No block is empty.

* :func:`build_report` gives the ``wandb_workspaces`` ``Report`` object;
* :func:`report_spec` gives its JSON view spec with no server (what ``Report.save`` sends,
  with the run set's project given by name: the internal project id is looked up only when
  publishing);
* :func:`save_report` publishes it with wandb-workspaces' own ``Report.save`` (a draft unless
  asked), so exactly what wandb-workspaces sends is sent.

Example:
    >>> import json
    >>> from shared import Run, compare_runs
    >>> runs = [Run("wandb", f"{lr}-{s}", params={"lr": lr, "seed": s},
    ...             metrics={"val_loss": 0.5 - lr + 0.01 * ((3 * s + 10 * lr) % 5)})
    ...         for lr in (0.1, 0.2) for s in range(4)]
    >>> report = build_report(compare_runs(runs, metric="val_loss"), runs, project="team/lora")
    >>> json.loads(write_report_spec(report, "report.json").read_text())["displayName"]
    'tracker-compare: val_loss'
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.errors import InputError

if TYPE_CHECKING:
    from shared.compare import Comparison

__all__ = ["build_report", "report_spec", "save_report", "write_report_spec", "x_axis_key"]

# Our x-axis names -> W&B's line-plot x keys.
_X_KEYS = {"step": "Step", "seconds": "_runtime", "time": "_timestamp"}


def x_axis_key(x_axis: str) -> str:
    """The W&B line-plot x key for one of our x-axes (``step``, ``seconds``, a metric...).

    Example:
        >>> x_axis_key("seconds"), x_axis_key("tokens")
        ('_runtime', 'tokens')
    """
    return _X_KEYS.get(x_axis, x_axis)


def _split(project: str) -> tuple[str, str]:
    parts = [p for p in project.split("/") if p]
    if len(parts) != 2:
        raise InputError(f"report project {project!r}: use ENTITY/PROJECT")
    return parts[0], parts[1]


def _config_keys(comparison: Comparison) -> list[str]:
    """The params that differ between configurations (what defines a configuration)."""
    keys: list[str] = []
    for config in comparison.configs:
        for key in config.params:
            if key not in keys:
                keys.append(key)
    return [k for k in keys if k != comparison.seed_key]


def _statistics_markdown(data: Comparison) -> str:
    """The statistics part of the markdown report: configurations, omnibus, pairs, why each
    test, costs, importance, warnings (the title and decision are blocks of their own)."""
    from shared.render import render

    text = render(data, "markdown")
    cut = text.find("\n## Configurations\n")
    text = text[cut + 1 :] if cut >= 0 else text
    return text.rsplit("\n<sub>", 1)[0].strip() + "\n"


def _image(png: bytes, caption: str) -> Any:
    """A W&B Report image block holding ``png`` itself (a data URI): no upload, no server."""
    import wandb_workspaces.reports.v2 as wr

    return wr.Image(url="data:image/png;base64," + base64.b64encode(png).decode("ascii"),
                    caption=caption)  # fmt: skip


# Captions of the report's figures: the same figures, saying the same, as report.html.
_FIGURES = (
    ("curves.png", "Learning curves: mean across runs and the 95% t-interval band the tests use "
     "(x: a run stopped early)."),
    ("distribution.png", "Per-run values of the reduced metric: points, quartile box, mean "
     "(diamond)."),
    ("cd_diagram.png", "Critical-difference diagram (Demsar 2006): mean ranks; bars join "
     "configurations that are not significantly different."),
)  # fmt: skip


def _decision_blocks(data: Comparison) -> tuple[str, list[Any]]:
    """The headline and the decision's paragraphs (none empty)."""
    import wandb_workspaces.reports.v2 as wr

    from shared.render._data import build_rows

    rows = build_rows(data)
    headline = f"Winner: {rows.winner}" if rows.winner else "No reliable difference"
    texts = [headline, rows.rationale]
    if rows.seeds_needed is not None:
        texts.append(f"Seeds needed per configuration to detect this effect: {rows.seeds_needed}")
    if rows.cost:
        texts.append(f"Cost: {rows.cost}")
    if rows.cheaper:
        texts.append(f"Cheaper alternative, {rows.cheaper_words}: {rows.cheaper}")
    return headline, [wr.H2(text="Decision"), *(wr.P(text=t) for t in texts if t.strip())]


def build_report(
    comparison: Any,
    runs: Sequence[Any],
    *,
    project: str,
    title: str | None = None,
    spellings: Mapping[str, str | None] | None = None,
) -> Any:
    """The W&B Report for ``comparison``, over the compared online runs.

    The same content as report.html: the decision, the statistics (configurations with their
    95% CIs, the pairs with the test used and why, costs, importance, warnings), the learning
    curves with the CI band the tests use, the per-run distribution and the
    critical-difference diagram (the report's own PNGs, embedded), then live W&B panels over
    a run set of exactly the compared runs grouped by configuration: the metric's history
    (mean per configuration with every run drawn, not a stderr band), the per-configuration
    values, parallel coordinates, parameter importance and a run comparer. A block with nothing
    to show is left out.

    Args:
        comparison: a ``shared.Comparison`` (or its ``to_dict()``).
        runs: the compared ``shared.Run`` objects; W&B runs of ``project`` are put in the run
            set (by run id), others are still in the statistics.
        project: ``ENTITY/PROJECT`` the report and its run set belong to.
        title: the report title (default: ``tracker-compare: <metric>``).
        spellings: each run's own spelling of the metric (``run.key`` -> key), as the command
            resolved it (``MetricSpec.spellings``); without it, resolved here.

    Example:
        >>> from shared import Run, compare_runs
        >>> runs = [Run("wandb", f"{lr}-{s}", params={"lr": lr, "seed": s},
        ...             metrics={"val_loss": 0.5 - lr + 0.01 * ((3 * s + 10 * lr) % 5)})
        ...         for lr in (0.1, 0.2) for s in range(4)]
        >>> report = build_report(compare_runs(runs, metric="val_loss"), runs,
        ...                       project="team/lora")
        >>> report.title, report.entity, report.project
        ('tracker-compare: val_loss', 'team', 'lora')
    """
    import wandb_workspaces.reports.v2 as wr

    from shared.compare import as_comparison
    from shared.render._plots import make_plots

    entity, project_name = _split(project)
    data = as_comparison(comparison)
    metric = data.metric or "metric"
    x_axis = x_axis_key(data.x_axis or _curve_axis(data) or "step")
    config_keys = _config_keys(data)
    compared = set(data.run_keys)
    ids = [
        run.id
        for run in runs
        if run.tracker == "wandb"
        and (not compared or run.key in compared)
        and (run.experiment in (None, project) or run.tags.get("wandb.source") == "offline")
    ]
    # The metric as the runs logged it (the user may have typed `val_loss` for `val/loss`).
    logged = _logged_metric(runs, metric, spellings)

    filters = "ID in [" + ", ".join(repr(i) for i in ids) + "]" if ids else ""
    groupby = [f"config.{key}" for key in config_keys]

    def grid(name: str, panels: list[Any]) -> Any:
        runset = wr.Runset(
            entity=entity, project=project_name, name=name, filters=filters, groupby=groupby
        )
        return wr.PanelGrid(runsets=[runset], panels=panels)

    headline, blocks = _decision_blocks(data)
    blocks += [wr.H2(text="Statistics"), wr.MarkdownBlock(text=_statistics_markdown(data))]
    images = make_plots(data)
    figures = [_image(images[name], caption) for name, caption in _FIGURES if name in images]
    if figures:
        blocks += [wr.H2(text="Figures"), *figures]
    live = [
        wr.LinePlot(
            title=f"{logged}: mean per configuration, every run drawn",
            x=x_axis,
            y=[logged],
            groupby_aggfunc="mean",
            groupby_rangefunc="samples",
            layout=wr.Layout(x=0, y=0, w=12, h=9),
        ),
        wr.BarPlot(
            title=f"{logged} (summary): mean per configuration, min-max",
            metrics=[wr.SummaryMetric(logged)],
            groupby_aggfunc="mean",
            groupby_rangefunc="minmax",
            layout=wr.Layout(x=12, y=0, w=12, h=9),
        ),
        wr.ParameterImportancePlot(with_respect_to=logged, layout=wr.Layout(x=12, y=9, w=12, h=8)),
        wr.RunComparer(diff_only="split", layout=wr.Layout(x=0, y=17, w=24, h=10)),
    ]
    if config_keys:  # parallel coordinates need at least one param axis besides the metric
        live.insert(
            2,
            wr.ParallelCoordinatesPlot(
                columns=[
                    wr.ParallelCoordinatesPlotColumn(metric=wr.Config(key)) for key in config_keys
                ]
                + [wr.ParallelCoordinatesPlotColumn(metric=wr.SummaryMetric(logged))],
                layout=wr.Layout(x=0, y=9, w=12, h=8),
            ),
        )
    if ids:  # live panels only over runs W&B has
        blocks += [wr.H2(text="Live panels (the compared runs, grouped by configuration)"),
                   grid("Compared runs", live)]  # fmt: skip
    rationale = _text_of(data)
    return wr.Report(
        entity=entity,
        project=project_name,
        title=(title or f"tracker-compare: {metric}")[:128],
        description=(headline + (". " + rationale if rationale else ""))[:1000],
        blocks=blocks,
    )


def _text_of(data: Comparison) -> str:
    return data.decision.rationale or ""


def _curve_axis(data: Comparison) -> str | None:
    for config in data.configs:
        if config.curve is not None and config.curve.x_axis:
            return config.curve.x_axis
    return None


def _logged_metric(
    runs: Sequence[Any], metric: str, spellings: Mapping[str, str | None] | None = None
) -> str:
    from shared import resolve_metric

    wandb_runs = [r for r in runs if r.tracker == "wandb"]
    if spellings is not None and all(r.key in spellings for r in wandb_runs):
        # resolved once, where the command began: read, not resolved again
        found = {spellings[r.key] for r in wandb_runs} - {None}
        return found.pop() if len(found) == 1 else metric
    try:
        spellings = set(resolve_metric(wandb_runs, metric).values()) if wandb_runs else set()
    except Exception:  # unknown or ambiguous among W&B runs: keep the user's spelling
        return metric
    return spellings.pop() if len(spellings) == 1 else metric


def report_spec(report: Any) -> dict[str, Any]:
    """The report's view spec as JSON-ready dict, with no server.

    This is ``Report._to_model()`` (``internal.ReportViewspec``) dumped by alias, as
    ``Report.save`` serialises it, except that run sets name their project
    (``entityName``/``name``) instead of carrying the internal id only a server knows.

    Example:
        >>> import wandb_workspaces.reports.v2 as wr
        >>> report = wr.Report(project="lora", entity="team", title="tracker-compare: val_loss",
        ...                    blocks=[wr.H1("Decision")])
        >>> spec = report_spec(report)
        >>> spec["displayName"], spec["project"]["entityName"]
        ('tracker-compare: val_loss', 'team')
    """
    from wandb_workspaces.reports.v2 import internal

    runsets = [rs for block in report.blocks for rs in getattr(block, "runsets", None) or []]
    saved = [(rs, rs.entity, rs.project) for rs in runsets]
    try:
        for rs in runsets:  # an empty project skips the server look-up of its internal id
            rs.entity, rs.project = "", ""
        model = report._to_model()
    finally:
        for rs, entity, project in saved:
            rs.entity, rs.project = entity, project
    names = iter(saved)
    for block in model.spec.blocks:
        metadata = getattr(block, "metadata", None)
        for rs_model in getattr(metadata, "run_sets", None) or []:
            _rs, entity, project = next(names)
            rs_model.project = internal.Project(entity_name=entity, name=project)
    return json.loads(model.model_dump_json(by_alias=True, exclude_none=True))


def write_report_spec(report: Any, path: str | os.PathLike[str]) -> Path:
    """Write :func:`report_spec` to ``path``: a regular file atomically (temp file, then
    rename), a device, FIFO or ``/dev/stdout`` directly (``shared.cli.write_output``)."""
    from shared.cli import write_output

    text = json.dumps(report_spec(report), indent=2, sort_keys=True)
    write_output(path, text + "\n", option="--report-spec")
    return Path(path)


def save_report(report: Any, source: Any, *, draft: bool = True) -> str:
    """Publish with wandb-workspaces' own ``Report.save`` (a draft unless ``draft=False``).

    wandb-workspaces makes its own ``wandb.Api()`` from the environment, so the source's
    server and key are put there for the call.

    Returns:
        The report's URL.
    """
    from shared.errors import TrackerCompareError

    saved = {k: os.environ.get(k) for k in ("WANDB_BASE_URL", "WANDB_API_KEY")}
    if source is not None:
        source.probe()
        os.environ["WANDB_BASE_URL"] = source.base_url
        if source.api_key:
            os.environ["WANDB_API_KEY"] = source.api_key
    try:
        report.save(draft=draft)
        return str(report.url)
    except TrackerCompareError:
        raise
    except Exception as error:
        if source is not None:
            raise source.translate(error) from None
        raise
    finally:
        for key, value in saved.items():  # leave the environment as it was
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
