"""The winner tags' roll-back and settle, step by step on a real sqlite store.

The signal test (``test_winner_tags_atomic``) found, at random, an answer in force with no run
holding it: the same configuration won again, the new answer's intent overwrote the keys of
the answer in force, a signal came before the commit and the roll-back deleted them. Here the
same steps run in a fixed order, so the case is met every time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlflow_compare_plugin._winners import (
    KEY_PREFIX,
    Answer,
    commit,
    new_stamp,
    roll_back,
    settle,
    write_intent,
)

QUESTION = "q0123456789a"


@pytest.fixture
def world(tmp_path: Path) -> tuple[object, str, list[str], list[str]]:
    """A sqlite store with two configurations of three runs each."""
    from mlflow import MlflowClient

    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    exp = client.create_experiment("winners", (tmp_path / "artifacts").as_uri())
    runs = [client.create_run(exp).info.run_id for _ in range(6)]
    return client, exp, runs[:3], runs[3:]


def _answer(exp: str, winners: list[str]) -> Answer:
    stamp = new_stamp()
    return Answer(QUESTION, stamp, (exp,), tuple(winners), f"{stamp} - acc: lr={len(winners)}")


def _keys(client: object, runs: list[str]) -> list[str | None]:
    return [client.get_run(r).data.tags.get(KEY_PREFIX + QUESTION) for r in runs]  # type: ignore[attr-defined]


def _in_force(client: object, answer: Answer) -> None:
    replaced: dict[str, str | None] = {}
    write_intent(client, answer, replaced)
    commit(client, answer)
    settle(client, answer)


def test_rolling_back_a_repeat_winner_keeps_the_answer_in_force(world: tuple) -> None:
    client, exp, a, _ = world
    first = _answer(exp, a)
    _in_force(client, first)
    assert _keys(client, a) == [first.value] * 3
    again = _answer(exp, a)  # the same configuration wins again, then a signal before commit
    replaced: dict[str, str | None] = {}
    write_intent(client, again, replaced)
    assert _keys(client, a) == [again.value] * 3
    assert replaced == dict.fromkeys(a, first.value)
    roll_back(client, again, replaced)
    assert _keys(client, a) == [first.value] * 3
    tags = client.get_run(a[0]).data.tags
    assert tags["compare.winner"] == "true" and tags["compare.question"] == QUESTION


def test_rolling_back_a_new_winner_removes_only_its_own_keys(world: tuple) -> None:
    client, exp, a, b = world
    first = _answer(exp, a)
    _in_force(client, first)
    other = _answer(exp, b)
    replaced: dict[str, str | None] = {}
    write_intent(client, other, replaced)
    assert replaced == dict.fromkeys(b)
    roll_back(client, other, replaced)
    assert _keys(client, b) == [None] * 3
    assert _keys(client, a) == [first.value] * 3


def test_the_answer_in_force_takes_back_keys_an_older_intent_overwrote(world: tuple) -> None:
    client, exp, a, _ = world
    older = _answer(exp, a)  # planned first, written last (concurrent answers)
    newer = _answer(exp, a)
    assert older.stamp < newer.stamp
    write_intent(client, newer, {})
    commit(client, newer)
    write_intent(client, older, {})
    commit(client, older)
    settle(client, older)  # not in force: it must not take the runs from the newer answer
    settle(client, newer)
    assert _keys(client, a) == [newer.value] * 3
