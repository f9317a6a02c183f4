"""Publish a comparison to MLflow: a comparison run with the report and the decision as tags.

All or nothing: the report is rendered into a temporary folder before anything is created in
MLflow; the decision tags are written only after every artifact is logged; if any step fails,
or Ctrl-C (SIGINT) or SIGTERM arrives, the artifacts logged so far are removed and the
half-made comparison run is deleted (or, if even that fails, ended FAILED without decision
tags) and one line says why.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from shared import InputError, TrackerUnreachable
from shared.cli import Terminated, ignoring_signals, is_connection_problem, one_line
from shared.render import md_text

__all__ = ["Published", "publish", "decision_tags", "TAG_PREFIX"]

TAG_PREFIX = "compare."
_MAX_TAG = 5000  # MLflow allows 8,000 characters per tag value; stay well below
_COMPARISON_TAG = "tracker_compare.comparison"


@dataclass(frozen=True)
class Published:
    """What was written to MLflow.

    Args:
        run_id: the comparison run (``None`` when only ``--tag-winner`` was asked).
        experiment_id: where the comparison run lives.
        artifacts: names of the logged files.
        tagged_runs: run ids tagged as winners.
    """

    run_id: str | None
    experiment_id: str | None
    artifacts: tuple[str, ...] = ()
    tagged_runs: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["artifacts"] = list(self.artifacts)
        d["tagged_runs"] = list(self.tagged_runs)
        return d


def _as_dict(comparison: Any) -> dict[str, Any]:
    return comparison if isinstance(comparison, Mapping) else comparison.to_dict()


def _clip(text: str, limit: int = _MAX_TAG) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _tests_used(data: Mapping[str, Any]) -> str:
    names: list[str] = []
    omnibus = data.get("omnibus")
    if omnibus and omnibus.get("test"):
        names.append(str(omnibus["test"]))
    names += [str(p.get("test")) for p in data.get("pairs", []) if p.get("test")]
    return ", ".join(dict.fromkeys(names)) or "none"


def _run_ids(data: Mapping[str, Any]) -> list[str]:
    return [str(r) for c in data.get("configs", []) for r in c.get("runs", [])]


def decision_tags(comparison: Any) -> dict[str, str]:
    """The tags that record the decision on the comparison run.

    ``compare.winner`` (config name, or ``none``), ``compare.rationale``, ``compare.test``,
    ``compare.alpha``, ``compare.correction``, ``compare.metric``, ``compare.goal``,
    ``compare.reduce``, ``compare.run_ids`` (comma-separated; clipped for huge comparisons:
    comparison.json has them all), ``compare.n_runs``, ``compare.configs``,
    ``compare.seeds_needed``, and ``mlflow.note.content`` (the run description) = rationale.

    Example:
        >>> # decision_tags(comparison)["compare.winner"] -> "lr=0.001"
    """
    data = _as_dict(comparison)
    decision = data.get("decision") or {}
    metric = data.get("metric") or {}
    run_ids = _run_ids(data)
    ids = ",".join(run_ids)
    if len(ids) > _MAX_TAG:
        kept = _clip(ids, _MAX_TAG - 60).rsplit(",", 1)[0]
        ids = f"{kept},... ({len(run_ids)} runs; all in comparison.json)"
    rationale = str(decision.get("rationale") or "")
    tags = {
        "compare.winner": str(decision.get("winner") or "none"),
        "compare.rationale": _clip(rationale),
        "compare.test": _clip(_tests_used(data), 1000),
        "compare.alpha": str(data.get("alpha")),
        "compare.correction": str(data.get("correction")),
        "compare.metric": str(metric.get("name")),
        "compare.goal": str(metric.get("goal")),
        "compare.reduce": str(metric.get("reduce")),
        "compare.run_ids": ids,
        "compare.n_runs": str(len(run_ids)),
        "compare.configs": _clip(" | ".join(str(c.get("name")) for c in data.get("configs", []))),
        "compare.seeds_needed": str(decision.get("seeds_needed")),
        # MLflow renders the description as markdown: run data in it must stay text.
        "mlflow.note.content": _clip(md_text(rationale), 7000),
    }
    if data.get("baseline"):
        tags["compare.baseline"] = str(data["baseline"])
    return tags


def _fail(message: str, error: BaseException) -> Exception:
    line = f"{message}: {type(error).__name__}: {one_line(str(error), 300)}"
    if is_connection_problem(error) or isinstance(error, (OSError, TrackerUnreachable)):
        return TrackerUnreachable(line)
    return InputError(line)


def _report_experiment(client: Any, report_experiment: str | None, default: str | None) -> str:
    if not report_experiment:
        if default is None:
            raise InputError("give --report-experiment (no compared experiment to log into)")
        return default
    experiment = client.get_experiment_by_name(report_experiment)
    if experiment is not None:
        return str(experiment.experiment_id)
    if report_experiment.isdigit():
        try:
            return str(client.get_experiment(report_experiment).experiment_id)
        except Exception as error:
            if is_connection_problem(error):
                raise
    return str(client.create_experiment(report_experiment))


def publish(
    client: Any,
    comparison: Any,
    *,
    log_report: bool = True,
    tag_winner: bool = False,
    report_experiment: str | None = None,
    default_experiment: str | None = None,
    extra_tags: Mapping[str, str] | None = None,
) -> Published:
    """Log the comparison to MLflow (``--log-report``) and/or tag the winning runs.

    Args:
        client: an ``MlflowClient``.
        comparison: a ``shared.Comparison`` or its ``to_dict()``.
        log_report: create the comparison run holding report.html, report.md, comparison.json,
            table.csv and the PNG plots, with the decision as tags.
        tag_winner: tag each run of the winning configuration ``compare.winner = true``
            (and ``compare.comparison_run``).
        report_experiment: experiment name (or id) for the comparison run; created if needed.
        default_experiment: used when ``report_experiment`` is not given (first compared one).
        extra_tags: more tags for the comparison run (e.g. the tracking filter used).

    Returns:
        What was written.

    Raises:
        InputError: the report could not be rendered (nothing was created).
        TrackerUnreachable: MLflow or its artifact store failed; nothing half-logged is left.

    Example:
        >>> # publish(MlflowClient(uri), comparison, log_report=True, default_experiment="1")
    """
    # MLflow prints "View run ... at: URL" on stdout when a run ends; stdout belongs to the
    # comparison output (``--format json | jq``), so send MLflow's chatter to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        return _publish(
            client,
            comparison,
            log_report=log_report,
            tag_winner=tag_winner,
            report_experiment=report_experiment,
            default_experiment=default_experiment,
            extra_tags=extra_tags,
        )


def _publish(
    client: Any,
    comparison: Any,
    *,
    log_report: bool,
    tag_winner: bool,
    report_experiment: str | None,
    default_experiment: str | None,
    extra_tags: Mapping[str, str] | None,
) -> Published:
    from mlflow.entities import RunTag

    data = _as_dict(comparison)
    run_id: str | None = None
    experiment_id: str | None = None
    artifacts: tuple[str, ...] = ()
    if log_report:
        from shared.render import write_report

        with tempfile.TemporaryDirectory(prefix="tracker-compare-report-") as folder:
            try:
                files = write_report(comparison, folder)
            except Exception as error:
                raise InputError(
                    f"cannot render the report (nothing logged): {type(error).__name__}: "
                    f"{one_line(str(error), 300)}"
                ) from error
            artifacts = tuple(sorted(p.name for p in files))
            try:
                experiment_id = _report_experiment(client, report_experiment, default_experiment)
                winner = (data.get("decision") or {}).get("winner")
                metric = (data.get("metric") or {}).get("name")
                run = client.create_run(
                    experiment_id,
                    run_name=_clip(f"compare {metric}: {winner or 'no reliable difference'}", 240),
                    tags={_COMPARISON_TAG: "true", "compare.status": "logging"},
                )
                run_id = run.info.run_id
                _log_files(client, run_id, files)
                tags = {**decision_tags(data), **(extra_tags or {}), "compare.status": "complete"}
                client.log_batch(run_id, tags=[RunTag(k, v) for k, v in tags.items()])
                client.set_terminated(run_id, "FINISHED")
            except KeyboardInterrupt as interrupt:
                # Ctrl-C or SIGTERM: the same all-or-nothing as a failure, then stop.
                outcome = "was not created" if run_id is None else _undo(client, run_id)
                what = "terminated" if isinstance(interrupt, Terminated) else "interrupted"
                raise type(interrupt)(
                    f"{what} while logging the report; comparison run {run_id or ''} {outcome}"
                ) from interrupt
            except Exception as error:
                if run_id is None:
                    raise _fail("cannot create the comparison run", error) from error
                outcome = _undo(client, run_id)
                raise _fail(
                    f"logging the report failed, comparison run {run_id} {outcome}", error
                ) from error
    tagged: tuple[str, ...] = ()
    if tag_winner:
        tagged = _tag_winner(client, data, run_id)
    return Published(run_id, experiment_id, artifacts, tagged)


def _log_files(client: Any, run_id: str, files: Any) -> None:
    """Upload the report's files one by one, in this (the main) thread.

    A signal then interrupts the upload itself, and no worker thread is left uploading
    after the clean-up has removed what was logged.
    """
    for path in sorted(files, key=lambda p: p.name):
        client.log_artifact(run_id, str(path))


def _delete_artifacts(client: Any, run_id: str) -> None:
    """Remove whatever part of the report reached the artifact store."""
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

    artifact_uri = client.get_run(run_id).info.artifact_uri
    get_artifact_repository(artifact_uri, tracking_uri=client.tracking_uri).delete_artifacts()


def _undo(client: Any, run_id: str) -> str:
    """Remove a half-logged comparison run and its artifacts; say what happened to it.

    Signals are held off meanwhile: a second Ctrl-C must not leave the clean-up half-done.
    """
    with ignoring_signals():
        try:
            _delete_artifacts(client, run_id)
            cleaned = "its artifacts removed"
        except Exception:
            cleaned = "its artifacts could not be removed"
        try:
            client.delete_run(run_id)
            return f"deleted, {cleaned}"
        except Exception:
            pass
        try:
            client.set_terminated(run_id, "FAILED")
            return f"ended FAILED (no decision recorded), {cleaned}"
        except Exception:
            return f"could not be cleaned up (no decision recorded), {cleaned}"


def _winner_runs(data: Mapping[str, Any]) -> list[str]:
    winner = (data.get("decision") or {}).get("winner")
    if not winner:
        return []
    for config in data.get("configs", []):
        if config.get("name") == winner:
            return [str(r) for r in config.get("runs", [])]
    return []


def _tag_winner(
    client: Any, data: Mapping[str, Any], comparison_run: str | None
) -> tuple[str, ...]:
    run_ids = _winner_runs(data)
    if not run_ids:
        return ()
    winner = str((data.get("decision") or {}).get("winner"))
    metric = str((data.get("metric") or {}).get("name"))

    def tag(run_id: str) -> str:
        from mlflow.entities import RunTag

        tags = [
            RunTag("compare.winner", "true"),
            RunTag("compare.winner_of", _clip(f"{metric}: {winner}", 1000)),
        ]
        if comparison_run:
            tags.append(RunTag("compare.comparison_run", comparison_run))
        client.log_batch(run_id, tags=tags)
        return run_id

    try:
        with ThreadPoolExecutor(8) as pool:
            return tuple(pool.map(tag, run_ids))
    except Exception as error:
        raise _fail("cannot tag the winning runs", error) from error


def experiment_link(tracking_uri: str, experiment_id: str | None, run_id: str | None) -> str:
    """A URL to the comparison run for a tracking server, else ``run <id>``."""
    if run_id and experiment_id and tracking_uri.startswith(("http://", "https://")):
        return f"{tracking_uri.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"
    return f"run {run_id} in experiment {experiment_id}"
