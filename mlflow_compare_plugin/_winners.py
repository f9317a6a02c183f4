"""``--tag-winner``: winner tags on the compared runs, replaced by each answer to a question.

A run carries ``compare.winner = true`` while it is the winner of the latest comparison of at
least one question (``_record.question_id``: same experiments, metric, goal, reduction and
grouping params). Its tags:

* ``compare.winner``: ``true``;
* ``compare.question``: the ids of the questions it currently wins, space-separated;
* ``compare.winner_of``: ``<metric>: <configuration>`` of the latest question it won;
* ``compare.report_run``: the comparison run of that answer (with ``--log-report``).

Answering a question again first takes the question off every run of the compared experiments
that won it before and does not win it now (a run that wins no other question loses all four
tags), then tags the new winners: tags are replaced, never accumulated, so a run that lost a
later comparison of the same question no longer says it won.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlflow_compare_plugin._record import question_id

if TYPE_CHECKING:
    from shared.compare import Comparison

__all__ = ["WINNER_TAGS", "Tagged", "tag_winners", "compared_experiments"]

WINNER = "compare.winner"
QUESTION = "compare.question"
WINNER_OF = "compare.winner_of"
REPORT_RUN = "compare.report_run"
WINNER_TAGS = (WINNER, QUESTION, WINNER_OF, REPORT_RUN)
_THREADS = 8


@dataclass(frozen=True)
class Tagged:
    """What ``tag_winners`` changed: the runs now tagged, and those whose tags were taken off
    (they won this question before and do not now)."""

    question: str
    tagged: tuple[str, ...]
    untagged: tuple[str, ...]


def _winner_runs(comparison: Comparison) -> list[str]:
    winner = comparison.decision.winner
    if not winner:
        return []
    for config in comparison.configs:
        if config.name == winner:
            return [str(r) for r in config.run_ids]
    return []


def compared_experiments(client: Any, comparison: Comparison) -> list[str]:
    """The experiment ids of the compared runs, asked of MLflow run by run (for callers that
    do not know them; the CLI passes the fetched runs' experiments)."""
    ids = [str(r) for c in comparison.configs for r in c.run_ids]
    with ThreadPoolExecutor(_THREADS) as pool:
        found = pool.map(lambda r: str(client.get_run(r).info.experiment_id), ids)
        return sorted(set(found))


def _current_winners(client: Any, experiments: Sequence[str]) -> dict[str, dict[str, str]]:
    """Every active run of ``experiments`` tagged ``compare.winner = true``: id -> its tags."""
    from mlflow.entities import ViewType

    out: dict[str, dict[str, str]] = {}
    token = None
    while True:
        page = client.search_runs(
            list(experiments),
            f"tags.`{WINNER}` = 'true'",
            run_view_type=ViewType.ACTIVE_ONLY,
            max_results=1000,
            page_token=token,
        )
        for run in page:
            out[run.info.run_id] = dict(run.data.tags)
        token = getattr(page, "token", None)
        if not token:
            return out


def _questions(tags: Mapping[str, str]) -> list[str]:
    return (tags.get(QUESTION) or "").split()


def tag_winners(
    client: Any,
    comparison: Comparison,
    experiments: Iterable[str],
    comparison_run: str | None = None,
) -> Tagged:
    """Replace the winner tags of the question ``data`` answers (see the module docstring).

    Args:
        client: an ``MlflowClient``.
        comparison: the comparison.
        experiments: ids of the compared runs' experiments (where earlier winners are looked
            for, and part of the question's identity).
        comparison_run: the comparison run holding the report, if one was logged.

    Example:
        >>> # tag_winners(MlflowClient(uri), comparison, ["1"]).tagged
    """
    from mlflow.entities import RunTag

    experiments = sorted({str(e) for e in experiments})
    qid = question_id(comparison, experiments)
    winners = _winner_runs(comparison)
    current = _current_winners(client, experiments) if experiments else {}
    losers = [r for r, tags in current.items() if qid in _questions(tags) and r not in winners]

    def untag(run_id: str) -> str:
        tags = current[run_id]
        left = [q for q in _questions(tags) if q != qid]
        if left:  # still the winner of another question: only this one goes
            client.set_tag(run_id, QUESTION, " ".join(left))
        else:
            for key in WINNER_TAGS:
                if key in tags:
                    client.delete_tag(run_id, key)
        return run_id

    winner, metric = str(comparison.decision.winner), comparison.metric

    def tag(run_id: str) -> str:
        held = [q for q in _questions(current.get(run_id, {})) if q != qid]
        tags = [
            RunTag(WINNER, "true"),
            RunTag(QUESTION, " ".join([*held, qid])),
            RunTag(WINNER_OF, f"{metric}: {winner}"[:1000]),
        ]
        if comparison_run:
            tags.append(RunTag(REPORT_RUN, comparison_run))
        client.log_batch(run_id, tags=tags)
        return run_id

    # Losers first: if tagging then fails, no run is left saying it won what it lost.
    with ThreadPoolExecutor(_THREADS) as pool:
        untagged = tuple(pool.map(untag, losers))
        tagged = tuple(pool.map(tag, winners))
    return Tagged(qid, tagged, untagged)
