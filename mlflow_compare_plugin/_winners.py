"""``--tag-winner``: winner tags on the compared runs, replaced by each answer to a question.

A run carries ``compare.winner = true`` while it is the winner of the latest comparison of at
least one question (``_record.question_id``: same experiments, metric, goal, reduction and
grouping params). Its tags:

* ``compare.won.<question>``: one per question it wins: ``<stamp> <report run or -> <metric>:
  <configuration>`` (the record the other tags are derived from);
* ``compare.winner``: ``true``;
* ``compare.question``: the ids of the questions it currently wins, space-separated;
* ``compare.winner_of``: ``<metric>: <configuration>`` of the latest question it won;
* ``compare.report_run``: the comparison run of that answer (with ``--log-report``).

Why this shape. MLflow has no transaction over several runs and no lock, and several
``mlflow compare --tag-winner`` may run at once (one per question in a CI matrix), any of them
stopped by a signal or a failed request midway. So the state is made derivable and
self-healing instead of being edited in place:

1. Intent: each winner run gets its own key ``compare.won.<question>`` (one ``log_batch``).
   One key per question means two answers to different questions never write the same tag,
   so neither can lose the other's question id (a shared, read-modified-written
   ``compare.question`` did).
2. Commit: one atomic write, the experiment tag ``compare.answer.<question>.<stamp>`` on the
   question's first experiment. Every answer writes its own tag (never overwrites another's),
   so the answer in force is simply the committed one with the latest stamp, whatever the
   order in which concurrent answers commit. Before the commit, a failure or signal rolls the
   intent back: each run gets back the value the intent replaced (the answer in force keeps
   its runs when the same configuration wins again), or loses the key if it had none; if even
   that fails, the next answer removes it (it is not committed).
3. Settle: every run holding the question's key from an older answer than the latest
   committed one loses it (never a newer one: that answer may still be in progress), then the
   answer in force puts its key back on any of its winners an older intent overwrote; the
   summary tags of each touched run are derived from its keys, re-read and rewritten until a
   read after the last write agrees. The last writer of a run's summary thus always saw every
   key written before it, so concurrent answers converge instead of losing updates. A settle
   cut short is finished by the next answer to the question.
"""

from __future__ import annotations

import contextlib
import functools
import random
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlflow_compare_plugin._record import question_id

if TYPE_CHECKING:
    from shared.compare import Comparison

__all__ = [
    "WINNER_TAGS",
    "Answer",
    "Tagged",
    "commit",
    "compared_experiments",
    "plan",
    "roll_back",
    "settle",
    "tag_winners",
    "write_intent",
]

WINNER = "compare.winner"
QUESTION = "compare.question"
WINNER_OF = "compare.winner_of"
REPORT_RUN = "compare.report_run"
WINNER_TAGS = (WINNER, QUESTION, WINNER_OF, REPORT_RUN)
KEY_PREFIX = "compare.won."
ANSWER_PREFIX = "compare.answer."
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


def _search(client: Any, experiments: Sequence[str], query: str) -> dict[str, dict[str, str]]:
    """Every active run of ``experiments`` matching ``query``: id -> its tags."""
    from mlflow.entities import ViewType

    out: dict[str, dict[str, str]] = {}
    token = None
    while True:
        page = client.search_runs(
            list(experiments),
            query,
            run_view_type=ViewType.ACTIVE_ONLY,
            max_results=1000,
            page_token=token,
        )
        for run in page:
            out[run.info.run_id] = dict(run.data.tags)
        token = getattr(page, "token", None)
        if not token:
            return out


def _stamp(value: str | None) -> str:
    return (value or "").split(" ", 1)[0]


def new_stamp() -> str:
    """A fixed-width, time-ordered id of one answer (microseconds, then 6 random hex digits so
    two answers in the same microsecond still differ).

    Example:
        >>> a = new_stamp(); len(a) == 24 and a[17] == "-"
        True
    """
    return f"{time.time_ns() // 1000:017d}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Answer:
    """One answer's winner tags, before they are written (see the module docstring)."""

    question: str
    stamp: str
    experiments: tuple[str, ...]
    winners: tuple[str, ...]
    value: str

    @property
    def key(self) -> str:
        return KEY_PREFIX + self.question

    @property
    def home(self) -> str:
        """The experiment holding the question's commit records (its first one)."""
        return self.experiments[0]


def plan(
    data: Comparison, experiments: Iterable[str], comparison_run: str | None = None
) -> Answer:
    """The tags ``data``'s answer (a typed ``Comparison``) will write (nothing is written).

    Example:
        >>> from mlflow_compare_plugin._record import _example
        >>> p = plan(_example(), ["1"]); len(p.winners), p.value.split(" ", 1)[1]
        (6, '- acc: lr=0.01')
    """
    experiments = tuple(sorted({str(e) for e in experiments}))
    winner, metric = str(data.decision.winner), data.metric
    stamp = new_stamp()
    value = f"{stamp} {comparison_run or '-'} {metric}: {winner}"[:1000]
    return Answer(
        question_id(data, experiments), stamp, experiments, tuple(_winner_runs(data)), value
    )


def _missing(error: BaseException) -> bool:
    """MLflow's answer to deleting a tag that is already gone (a concurrent writer's doing)."""
    code = getattr(error, "error_code", "")
    return code == "RESOURCE_DOES_NOT_EXIST" or "were matched" in str(error)


_RACES = ("were matched", "unique constraint", "duplicate key", "database is locked", "deadlock")


def _retried(write: Any, *args: Any, attempts: int = 10) -> Any:
    """``write(*args)``, again after a random pause when it lost a race with a concurrent
    writer of the same row (the sqlite and PostgreSQL stores then fail the request; the value
    is what matters, and ``derive`` verifies it afterwards)."""
    for attempt in range(attempts):
        try:
            return write(*args)
        except Exception as error:
            if attempt == attempts - 1 or not any(r in str(error).lower() for r in _RACES):
                raise
            time.sleep(random.uniform(0.01, 0.1) * (attempt + 1))
    return None


def _delete_tag(client: Any, run_id: str, key: str) -> None:
    def delete() -> None:
        try:
            client.delete_tag(run_id, key)
        except Exception as error:
            if not _missing(error):
                raise

    _retried(delete)


def write_intent(
    client: Any, answer: Answer, replaced: dict[str, str | None] | None = None
) -> None:
    """Step 1: the question's key on every winner run (not yet in force).

    ``replaced`` (filled as the writes go) keeps each winner run's earlier value of the key,
    ``None`` where it had none: when the configuration that won the answer in force wins again,
    the intent overwrites that answer's key, and a roll-back must put it back, not delete it
    (deleting it left the answer in force with no run holding it).
    """
    from mlflow.entities import RunTag

    before = _search(client, answer.experiments, f"tags.`{answer.key}` LIKE '%'")
    found = replaced if replaced is not None else {}

    def one(run_id: str) -> None:
        found[run_id] = before.get(run_id, {}).get(answer.key)
        _retried(lambda: client.log_batch(run_id, tags=[RunTag(answer.key, answer.value)]))

    with ThreadPoolExecutor(_THREADS) as pool:
        list(pool.map(one, answer.winners))


def commit(client: Any, answer: Answer, comparison_run: str | None = None) -> None:
    """Step 2: the one write that puts the answer in force."""
    name = f"{ANSWER_PREFIX}{answer.question}.{answer.stamp}"
    _retried(client.set_experiment_tag, answer.home, name, comparison_run or "-")


def roll_back(
    client: Any, answer: Answer, replaced: Mapping[str, str | None] | None = None
) -> None:
    """Undo step 1 (before a commit): where the key is still ours, the value it replaced
    (``write_intent``'s ``replaced``) comes back, or the key goes if there was none."""
    from mlflow.entities import RunTag

    earlier = replaced or {}

    def one(run_id: str) -> None:
        tags = client.get_run(run_id).data.tags
        if _stamp(tags.get(answer.key)) != answer.stamp:
            return
        previous = earlier.get(run_id)
        if previous:
            _retried(lambda: client.log_batch(run_id, tags=[RunTag(answer.key, previous)]))
        else:
            _delete_tag(client, run_id, answer.key)

    with ThreadPoolExecutor(_THREADS) as pool:
        list(pool.map(one, answer.winners))


def _committed(client: Any, answer: Answer) -> list[str]:
    """The stamps of the committed answers to the question, oldest first."""
    prefix = f"{ANSWER_PREFIX}{answer.question}."
    tags = client.get_experiment(answer.home).tags or {}
    return sorted(k[len(prefix) :] for k in tags if k.startswith(prefix))


def _summary(keys: Mapping[str, str]) -> dict[str, str]:
    """The summary tags a run with these ``compare.won.*`` keys carries."""
    if not keys:
        return {}
    order = sorted(keys, key=lambda q: _stamp(keys[q]))
    latest = keys[order[-1]].split(" ", 2)
    out = {WINNER: "true", QUESTION: " ".join(order)}
    if len(latest) == 3:
        out[WINNER_OF] = latest[2]
        if latest[1] != "-":
            out[REPORT_RUN] = latest[1]
    return out


def derive(client: Any, run_id: str, attempts: int = 20) -> None:
    """Rewrite a run's summary tags from its keys until a read after the last write agrees."""
    from mlflow.entities import RunTag

    for _ in range(attempts):
        tags = client.get_run(run_id).data.tags
        want = _summary(
            {k[len(KEY_PREFIX) :]: v for k, v in tags.items() if k.startswith(KEY_PREFIX)}
        )
        sets = [RunTag(k, v) for k, v in want.items() if tags.get(k) != v]
        gone = [k for k in WINNER_TAGS if k in tags and k not in want]
        if not sets and not gone:
            return
        if sets:
            _retried(functools.partial(client.log_batch, run_id, tags=sets))
        for key in gone:
            _delete_tag(client, run_id, key)
        time.sleep(random.uniform(0, 0.05))  # concurrent writers: do not move in lockstep
    raise RuntimeError(f"the winner tags of run {run_id} kept changing under {attempts} rewrites")


def settle(client: Any, answer: Answer) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Step 3: older answers' keys off, summaries derived; (runs winning now, runs untagged).

    Also what finishes a settle an earlier answer left undone (see the module docstring).
    """
    committed = _committed(client, answer)
    latest = committed[-1] if committed else answer.stamp
    holders = _search(client, answer.experiments, f"tags.`{answer.key}` LIKE '%'")
    stale = [r for r, tags in holders.items() if _stamp(tags.get(answer.key)) < latest]

    def untag(run_id: str) -> None:
        # Re-checked run by run: the key may have been rewritten by a newer answer since.
        tags = client.get_run(run_id).data.tags
        if _stamp(tags.get(answer.key)) < latest:
            _delete_tag(client, run_id, answer.key)

    def claim(run_id: str) -> None:
        # This answer is in force: its winners hold its key, even where an older answer's
        # intent, written after ours, overwrote it (concurrent answers naming the same runs).
        from mlflow.entities import RunTag

        if _stamp(client.get_run(run_id).data.tags.get(answer.key)) < answer.stamp:
            _retried(lambda: client.log_batch(run_id, tags=[RunTag(answer.key, answer.value)]))

    with ThreadPoolExecutor(_THREADS) as pool:
        list(pool.map(untag, stale))
        if latest == answer.stamp:
            list(pool.map(claim, answer.winners))
        list(pool.map(lambda r: derive(client, r), sorted({*holders, *answer.winners})))
    for old in committed[:-1]:  # superseded records: tidy, best effort
        with contextlib.suppress(Exception):
            client.delete_experiment_tag(answer.home, f"{ANSWER_PREFIX}{answer.question}.{old}")
    won = tuple(r for r in answer.winners if latest == answer.stamp)
    return won, tuple(r for r in stale if r not in answer.winners)


def tag_winners(
    client: Any,
    comparison: Comparison,
    experiments: Iterable[str],
    comparison_run: str | None = None,
) -> Tagged:
    """Replace the winner tags of the question ``comparison`` answers (see the module docstring):
    intent, commit and settle in one go, with no signal handling (``_publish`` adds that).

    Args:
        client: an ``MlflowClient``.
        comparison: the comparison.
        experiments: ids of the compared runs' experiments (where earlier winners are looked
            for, and part of the question's identity).
        comparison_run: the comparison run holding the report, if one was logged.

    Example:
        >>> # tag_winners(MlflowClient(uri), comparison, ["1"]).tagged
    """
    answer = plan(comparison, experiments, comparison_run)
    replaced: dict[str, str | None] = {}
    try:
        write_intent(client, answer, replaced)
        commit(client, answer, comparison_run)
    except BaseException:
        with contextlib.suppress(Exception):
            roll_back(client, answer, replaced)
        raise
    tagged, untagged = settle(client, answer)
    return Tagged(answer.question, tagged, untagged)
