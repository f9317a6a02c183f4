"""``--tag-winner`` is all-or-nothing per question, under signals and concurrent answers.

The real ``mlflow compare`` runs as its own process on a real sqlite store and a real
PostgreSQL database. One test stops it with SIGINT or SIGTERM at random moments (many trials,
alternating answers that name different winners); the other runs four commands at the same
instant (two questions, two answers to each). After every trial, the tags on every run of the
experiment must agree with the answer in force: the runs holding a question are exactly the
runs of one configuration, the one named by that answer's comparison run, which is complete;
every run's ``compare.winner`` / ``compare.question`` say exactly the questions it holds.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.timeout(1800)

CONFIGS = {"0.1": (0.90, 0.40), "0.01": (0.85, 0.20), "0.001": (0.80, 0.30)}
SEEDS = 12


def _populate(uri: str, experiment: str, artifacts: Path) -> str:
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    client = MlflowClient(uri)
    exp = client.create_experiment(experiment, artifacts.as_uri())
    for lr, (acc, loss) in CONFIGS.items():
        for seed in range(SEEDS):
            rng = np.random.default_rng([seed, int(float(lr) * 1e4)])
            run = client.create_run(exp, run_name=f"lr={lr} seed={seed}")
            client.log_batch(
                run.info.run_id,
                metrics=[Metric("acc", acc + float(rng.normal(0, 0.003)), 0, 0),
                         Metric("loss", loss + float(rng.normal(0, 0.003)), 0, 0)],
                params=[Param("lr", lr), Param("seed", str(seed))],
            )  # fmt: skip
            client.set_terminated(run.info.run_id)
    return exp


def _command(uri: str, experiment: str, metric: str, drop: str | None) -> list[str]:
    args = [
        sys.executable, "-m", "mlflow_compare_plugin", "--tracking-uri", uri,
        "--experiment-name", experiment, "-m", metric, "--seed-key", "seed",
        "--log-report", "--tag-winner", "--format", "json",
    ]  # fmt: skip
    if drop:
        args += ["--filter", f"params.lr != '{drop}'"]
    return args


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}


def check_agreement(uri: str, exp: str) -> dict[str, str]:
    """Assert the tags agree with the answers in force; question id -> winning lr ('' none)."""
    from mlflow import MlflowClient
    from mlflow.entities import ViewType

    client = MlflowClient(uri)
    runs = client.search_runs([exp], run_view_type=ViewType.ACTIVE_ONLY, max_results=5000)
    compared = [r for r in runs if "tracker_compare.comparison" not in r.data.tags]
    comparisons = {r.info.run_id: r for r in runs if r not in compared}
    assert len(compared) == SEEDS * len(CONFIGS)
    records = client.get_experiment(exp).tags
    questions = {k.split(".")[2] for k in records if k.startswith("compare.answer.")}
    found: dict[str, str] = {}
    for q in questions:
        stamps = sorted(k.split(".", 3)[3] for k in records if k.startswith(f"compare.answer.{q}."))
        latest = stamps[-1]
        report_run = records[f"compare.answer.{q}.{latest}"]
        report = comparisons.get(report_run)
        # the answer in force is a complete comparison run, never undone
        assert report is not None, f"question {q}: its comparison run {report_run} is gone"
        assert report.info.status == "FINISHED"
        assert report.data.tags["compare.status"] == "complete"
        assert report.data.params["question"] == q
        winner = report.data.tags["compare.winner"]
        holders = [r for r in compared if f"compare.won.{q}" in r.data.tags]
        lrs = {r.data.params["lr"] for r in holders}
        if winner == "none":
            assert holders == [], f"question {q}: no winner, yet {len(holders)} runs hold it"
            found[q] = ""
            continue
        # all or nothing: exactly the runs of the named configuration, from this answer
        assert lrs == {winner.removeprefix("lr=")}, (q, winner, lrs)
        assert len(holders) == SEEDS, (q, winner, len(holders))
        assert {r.data.tags[f"compare.won.{q}"].split()[0] for r in holders} == {latest}
        found[q] = winner.removeprefix("lr=")
        # no complete comparison run of this question started after the one in force
        later = [
            r for r in comparisons.values()
            if r.data.params.get("question") == q and r.info.status == "FINISHED"
            and r.data.tags.get("compare.status") == "complete"
            and r.info.start_time > report.info.start_time
        ]  # fmt: skip
        assert later == [], f"question {q}: a later complete comparison names another winner"
    for run in compared:
        tags = run.data.tags
        held = {k.removeprefix("compare.won.") for k in tags if k.startswith("compare.won.")}
        assert held <= questions, "a run holds a question no answer committed"
        if held:
            assert tags.get("compare.winner") == "true"
            assert set(tags["compare.question"].split()) == held
        else:
            assert not any(k in tags for k in ("compare.winner", "compare.question",
                                                "compare.winner_of", "compare.report_run"))  # fmt: skip
    return found


def _stores(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mlflow.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str, Path]:
    uri = _stores(request, tmp_path)
    experiment = f"atomic-{request.node.name}-{os.getpid()}-{time.time_ns()}"
    exp = _populate(uri, experiment, tmp_path / "artifacts")
    return uri, experiment, exp


def test_signals_at_random_moments_leave_winner_tags_all_or_nothing(
    store: tuple[str, str, Path],
) -> None:
    uri, experiment, exp = store
    started = time.monotonic()
    first = subprocess.run(_command(uri, experiment, "acc", None), capture_output=True,
                           text=True, env=_env(), timeout=300)  # fmt: skip
    duration = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    assert set(check_agreement(uri, exp).values()) == {"0.1"}
    rng = random.Random(20)
    interrupted = 0
    trials = 10 if uri.startswith("sqlite") else 6  # each trial is a whole command
    for trial in range(trials):
        # alternate answers: lr=0.1 wins with it, lr=0.01 without it
        drop = "0.1" if trial % 2 == 0 else None
        signum = signal.SIGINT if trial % 3 else signal.SIGTERM
        proc = subprocess.Popen(_command(uri, experiment, "acc", drop), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=_env())  # fmt: skip
        # most of the trials land in the publishing phase, at the end of the command
        time.sleep(rng.uniform(0.3, 0.95) * duration)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=300)
        assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
        # < 0: the signal's default action, outside the command's handlers (during the
        # interpreter's exit, after the command finished): nothing to undo, tags checked below
        if proc.returncode > 0:
            interrupted += 1
            assert proc.returncode in (130, 143), stderr
            assert stderr.strip().splitlines()[-1].startswith("error: "), stderr
        check_agreement(uri, exp)
    assert interrupted >= 1  # the signal really cut commands short (the rest finished first)


def test_four_concurrent_answers_lose_nothing_and_leave_one_winner(
    store: tuple[str, str, Path],
) -> None:
    uri, experiment, exp = store
    for _ in range(1):
        procs = [
            subprocess.Popen(_command(uri, experiment, metric, drop), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=_env())
            for metric, drop in [("acc", None), ("acc", "0.1"), ("loss:min", None),
                                 ("loss:min", "0.01")]
        ]  # fmt: skip
        for proc in procs:
            _, stderr = proc.communicate(timeout=600)
            assert proc.returncode == 0, stderr
        found = check_agreement(uri, exp)
        # two questions (acc, loss), each won by exactly one configuration
        assert len(found) == 2 and all(found.values()), found
        assert set(found.values()) <= {"0.1", "0.01", "0.001"}
