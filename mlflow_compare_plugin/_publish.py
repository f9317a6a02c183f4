"""Publish a comparison to MLflow: a comparison run with the report, the question as params,
the answer as metrics (``_record``) and the decision in words as tags; winner tags on the
compared runs (``_winners``).

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
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from mlflow_compare_plugin._record import (
    answer_metrics,
    answer_tables,
    question_id,
    question_params,
)
from mlflow_compare_plugin._winners import (
    commit,
    compared_experiments,
    plan,
    roll_back,
    settle,
    write_intent,
)
from shared import InputError, TrackerUnreachable
from shared.cli import (
    Terminated,
    deferring_signals,
    ignoring_signals,
    is_connection_problem,
    one_line,
)
from shared.cli._signals import raise_if_signalled
from shared.render import md_text

if TYPE_CHECKING:
    from shared.compare import Comparison

__all__ = ["Published", "publish", "decision_tags", "run_name", "TAG_PREFIX"]

# MLflow's limits per log_batch call.
_BATCH_METRICS = 1000
_BATCH_PARAMS_TAGS = 100

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
        untagged_runs: run ids that won an earlier comparison of the same question and no
            longer do (their winner tags were taken off).
        question: the question's id (``_record.question_id``).
    """

    run_id: str | None
    experiment_id: str | None
    artifacts: tuple[str, ...] = ()
    tagged_runs: tuple[str, ...] = ()
    untagged_runs: tuple[str, ...] = ()
    question: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["artifacts"] = list(self.artifacts)
        d["tagged_runs"] = list(self.tagged_runs)
        d["untagged_runs"] = list(self.untagged_runs)
        return d


def _typed(comparison: Comparison | Mapping[str, Any]) -> Comparison:
    from shared.compare import as_comparison

    return as_comparison(comparison)


def _clip(text: str, limit: int = _MAX_TAG) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _tests_used(comparison: Comparison) -> str:
    names: list[str] = []
    if comparison.omnibus is not None and comparison.omnibus.test:
        names.append(comparison.omnibus.test)
    names += [p.test for p in comparison.pairs if p.test]
    return ", ".join(dict.fromkeys(names)) or "none"


def _run_ids(comparison: Comparison) -> list[str]:
    return [str(r) for c in comparison.configs for r in c.run_ids]


def decision_tags(comparison: Any) -> dict[str, str]:
    """The tags that record the decision in words on the comparison run.

    ``compare.winner`` (config name, or ``none``), ``compare.test`` (the tests used),
    ``compare.run_ids`` (comma-separated; clipped for huge comparisons: comparison.json has
    them all), ``compare.configs``, ``compare.baseline`` (when one was given) and
    ``mlflow.note.content``, the run's description: the rationale, shown in full on the run
    page (as a tag, a paragraph squeezed MLflow's tag chip until not even its key could be
    read; comparison.json has it verbatim). The question (metric, goal, alpha, ...) is logged
    as params and the numbers as metrics (``_record``); no tag holds an absent value as the
    text "None".

    Example:
        >>> # decision_tags(comparison)["compare.winner"] -> "lr=0.001"
    """
    data = _typed(comparison)
    decision = data.decision
    run_ids = _run_ids(data)
    ids = ",".join(run_ids)
    if len(ids) > _MAX_TAG:
        kept = _clip(ids, _MAX_TAG - 60).rsplit(",", 1)[0]
        ids = f"{kept},... ({len(run_ids)} runs; all in comparison.json)"
    rationale = decision.rationale or ""
    tags = {
        "compare.winner": decision.winner or "none",
        "compare.test": _clip(_tests_used(data), 1000),
        "compare.run_ids": ids,
        "compare.configs": _clip(" | ".join(data.config_names)),
        # MLflow renders the description as markdown: run data in it must stay text.
        "mlflow.note.content": _clip(md_text(rationale), 7000),
    }
    if data.baseline:
        tags["compare.baseline"] = data.baseline
    return tags


def run_name(comparison: Comparison) -> str:
    """The comparison run's name: the question first, then the answer, so that the start MLflow
    shows in a narrow column still reads as both (``val_acc max: lr=0.01,hidden=128 wins``).

    Example:
        >>> from mlflow_compare_plugin._record import _example
        >>> run_name(_example())
        'acc max: lr=0.01 wins (2 configs)'
    """
    data = _typed(comparison)
    question = f"{data.metric} {data.goal[:3]}"
    n = len(data.configs)
    winner, best_set = data.decision.winner, data.decision.best_set
    if winner:
        answer = f"{str(winner).replace(', ', ',')} wins ({n} configs)"
    elif best_set and len(best_set) < n:
        answer = f"no winner, {len(best_set)} of {n} possibly best"
    else:
        answer = f"no reliable difference ({n} configs)"
    return _clip(f"{question}: {answer}", 240)


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
    experiments: Sequence[str] | None = None,
) -> Published:
    """Log the comparison to MLflow (``--log-report``) and/or tag the winning runs.

    Args:
        client: an ``MlflowClient``.
        comparison: a ``shared.Comparison`` or its ``to_dict()``.
        log_report: create the comparison run holding report.html, report.md, comparison.json,
            table.csv and the PNG plots, the question as params, the answer as metrics and
            the decision as tags.
        tag_winner: tag each run of the winning configuration ``compare.winner = true``,
            replacing the winner tags of earlier answers to the same question (``_winners``).
        report_experiment: experiment name (or id) for the comparison run; created if needed.
        default_experiment: used when ``report_experiment`` is not given (first compared one).
        extra_tags: more tags for the comparison run (e.g. the tracking filter used).
        experiments: ids of the compared runs' experiments (part of the question's identity);
            asked of MLflow run by run when not given.

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
            experiments=experiments,
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
    experiments: Sequence[str] | None,
) -> Published:
    data = _typed(comparison)
    if experiments is None:
        try:
            experiments = compared_experiments(client, data)
        except Exception as error:
            raise _fail("cannot read the compared runs' experiments", error) from error
    run_id: str | None = None
    experiment_id: str | None = None
    artifacts: tuple[str, ...] = ()
    if log_report:
        from shared.render import write_report

        with tempfile.TemporaryDirectory(prefix="tracker-compare-report-") as folder:
            try:
                files = write_report(data, folder)
            except Exception as error:
                raise InputError(
                    f"cannot render the report (nothing logged): {type(error).__name__}: "
                    f"{one_line(str(error), 300)}"
                ) from error
            artifacts = tuple(sorted(p.name for p in files))
            try:
                experiment_id = _report_experiment(client, report_experiment, default_experiment)
                run = client.create_run(
                    experiment_id,
                    run_name=run_name(data),
                    tags={_COMPARISON_TAG: "true", "compare.status": "logging"},
                )
                run_id = run.info.run_id
                _log_files(client, run_id, files)
                for name, table in answer_tables(data).items():
                    client.log_table(run_id, data=table, artifact_file=name)
                # A signal whose exception Python swallowed (in a __del__) stops us here.
                raise_if_signalled("interrupted while logging the report")
                tags = {**decision_tags(data), **(extra_tags or {})}
                if not tag_winner:  # else completed together with the winner tags
                    tags["compare.status"] = "complete"
                _log_record(client, run_id, data, experiments, tags)
                raise_if_signalled("interrupted while logging the report")
                if not tag_winner:
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
    if not tag_winner:
        return Published(run_id, experiment_id, artifacts, question=question_id(data, experiments))
    tagged, untagged, question = _tag_winners(client, data, experiments, run_id)
    return Published(run_id, experiment_id, artifacts, tagged, untagged, question)


def _tag_winners(
    client: Any, data: Mapping[str, Any], experiments: Sequence[str], run_id: str | None
) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """Intent, completion of the comparison run, commit, settle (``_winners``), all-or-nothing.

    Signals are held back for the whole phase and acted on at two safe points: before the
    commit (the intent is rolled back and the comparison run undone: the tags stay as they
    were) or after the settle (the answer is complete; the command then stops with the
    signal's exit code). A signal raised mid-request could otherwise leave some runs tagged and
    others not, which is what the tags must never say.
    """
    answer = plan(data, experiments, run_id)
    replaced: dict[str, str | None] = {}
    with deferring_signals() as deferred:
        try:
            write_intent(client, answer, replaced)
            if deferred.pending is not None:
                raise deferred.interrupt("interrupted")
            if run_id:
                client.set_tag(run_id, "compare.status", "complete")
                client.set_terminated(run_id, "FINISHED")
            if deferred.pending is not None:
                raise deferred.interrupt("interrupted")
            commit(client, answer, run_id)
        except BaseException as error:
            try:
                roll_back(client, answer, replaced)
                rolled = "winner tags left as they were"
            except Exception:
                rolled = (
                    "some runs keep an uncommitted winner key that the next --tag-winner "
                    "of this question removes"
                )
            undone = f"; comparison run {run_id} {_undo(client, run_id)}" if run_id else ""
            if isinstance(error, KeyboardInterrupt):
                what = "terminated" if isinstance(error, Terminated) else "interrupted"
                raise type(error)(f"{what} while tagging the winners; {rolled}{undone}") from error
            raise _fail(f"cannot tag the winning runs ({rolled}{undone})", error) from error
        try:
            tagged, untagged = settle(client, answer)
        except Exception as error:
            raise _fail(
                "the answer is recorded, but the winner tags of some runs could not be updated "
                "(the next --tag-winner of this question finishes them)",
                error,
            ) from error
    if deferred.pending is not None:
        raise deferred.interrupt(
            "interrupted after the answer was recorded (its winner tags are complete)"
        )
    return tagged, untagged, answer.question


def _log_record(
    client: Any,
    run_id: str,
    data: Comparison,
    experiments: Sequence[str],
    tags: Mapping[str, str],
) -> None:
    """The question as params, the answer as metrics, then the decision tags (last: the tag
    ``compare.status = complete`` says everything else is there), within MLflow's batch limits."""
    import time

    from mlflow.entities import Metric, Param, RunTag

    now = int(time.time() * 1000)
    params = [Param(k, v) for k, v in question_params(data, experiments).items()]
    metrics = [Metric(k, v, now, 0) for k, v in answer_metrics(data).items()]
    for i in range(0, len(params), _BATCH_PARAMS_TAGS):
        client.log_batch(run_id, params=params[i : i + _BATCH_PARAMS_TAGS])
    for i in range(0, len(metrics), _BATCH_METRICS):
        client.log_batch(run_id, metrics=metrics[i : i + _BATCH_METRICS])
    items = [RunTag(k, v) for k, v in tags.items()]
    for i in range(0, len(items), _BATCH_PARAMS_TAGS):
        client.log_batch(run_id, tags=items[i : i + _BATCH_PARAMS_TAGS])


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


def experiment_link(tracking_uri: str, experiment_id: str | None, run_id: str | None) -> str:
    """A URL to the comparison run for a tracking server, else ``run <id>``."""
    if run_id and experiment_id and tracking_uri.startswith(("http://", "https://")):
        return f"{tracking_uri.rstrip('/')}/#/experiments/{experiment_id}/runs/{run_id}"
    return f"run {run_id} in experiment {experiment_id}"
