"""``mlflow_compare_plugin.confirm`` and ``mlflow-compare confirm`` on a sqlite MLflow store,
with a real scikit-learn training job (``tests/_confirm_train.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient
from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID

from mlflow_compare_plugin import confirm
from shared.confirm import ConfirmFailed
from tests._confirm_train import train

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "tests" / "_confirm_program.py"
CLI = [sys.executable, "-m", "mlflow_compare_plugin", "confirm"]


def _runs(uri: str, experiment: str) -> list:
    client = MlflowClient(uri)
    exp = client.get_experiment_by_name(experiment)
    return client.search_runs([exp.experiment_id], max_results=1000, run_view_type=ViewType.ALL)


def test_sklearn_training_into_sqlite_mlflow_decides_early(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    configs = [{"name": "underfit", "C": 1e-4}, {"name": "good", "C": 0.5}]
    result = confirm(configs, train, metric="val_accuracy", seeds=3, max_seeds=10,
                     tracking_uri=uri, experiment_name="digits")
    # one configuration is clearly better: decided at the first look, 3 seeds each, where a
    # fixed design would have run max_seeds (or the 5 of the seed's workflow)
    assert result.winner == "good" and result.stopped_because == "decided"
    assert result.seeds_used == {"underfit": 3, "good": 3}
    runs = _runs(uri, "digits")
    parent = next(r for r in runs if r.info.run_id == result.parent)
    children = [r for r in runs if r.data.tags.get(MLFLOW_PARENT_RUN_ID) == result.parent]
    assert len(runs) == 1 + len(children) == 7
    assert sorted((r.data.tags["confirm.config"], r.data.params["seed"]) for r in children) == \
        sorted((c, str(s)) for c in ("underfit", "good") for s in range(3))
    for run in children:
        assert run.info.status == "FINISHED" and 0 < run.data.metrics["val_accuracy"] <= 1
        assert "train_accuracy" in run.data.metrics and "C" in run.data.params
    tags = parent.data.tags
    assert parent.info.status == "FINISHED"
    assert tags["confirm.winner"] == "good" and tags["compare.winner"] == "config=good"
    assert tags["mlflow.note.content"].startswith("Stopped after 1 look(s): decided")
    assert json.loads(tags["confirm.seeds_used"]) == {"underfit": 3, "good": 3}
    artifacts = {a.path for a in MlflowClient(uri).list_artifacts(result.parent)}
    assert {"report.html", "comparison.json", "confirm.json"} <= artifacts


def test_equal_configurations_no_false_winner_and_train_logging_itself(tmp_path: Path) -> None:
    import mlflow

    uri = f"sqlite:///{tmp_path}/mlflow.db"

    def logs_itself(C: float, seed: int) -> None:  # noqa: N803
        mlflow.log_metric("val_accuracy", train(C, seed)["val_accuracy"])

    # practically the same model (identical configurations are refused as a typo)
    configs = [{"name": "a", "C": 0.5}, {"name": "b", "C": 0.5000001}]
    result = confirm(configs, logs_itself, metric="val_accuracy", seeds=3, max_seeds=7,
                     min_effect=0.05, tracking_uri=uri, experiment_name="same")
    assert result.winner is None
    assert result.stopped_because in ("equivalent within min_effect", "budget spent")
    children = [r for r in _runs(uri, "same") if r.info.run_id != result.parent]
    assert len(children) == result.total_seeds
    assert all("val_accuracy" in r.data.metrics for r in children)


def test_a_failing_train_leaves_no_decision(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"

    def flaky(C: float, seed: int) -> float:  # noqa: N803
        if C == 0.1 and seed == 1:
            raise ValueError("diverged: loss is NaN")
        return train(C, seed)["val_accuracy"]

    with pytest.raises(ConfirmFailed, match=r"'C=0.1' seed 1 failed 2 times.*diverged"):
        confirm([{"C": 0.1}, {"C": 1.0}], flaky, metric="val_accuracy", max_attempts=2,
                tracking_uri=uri, experiment_name="flaky")
    runs = _runs(uri, "flaky")
    parent = next(r for r in runs if "confirm.study" in r.data.tags)
    assert parent.info.status == "FAILED" and parent.data.tags["confirm.status"] == "failed"
    assert "compare.winner" not in parent.data.tags and "mlflow.note.content" not in parent.data.tags
    failed = [r for r in runs if r.data.tags.get("confirm.error") and r.info.run_id != parent.info.run_id]
    assert len(failed) == 2 and {r.info.status for r in failed} == {"FAILED"}
    assert not [r for r in runs if r.info.status == "RUNNING"]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'tests'}"})


def test_cli_with_a_program(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    (tmp_path / "configs.yaml").write_text("- {name: underfit, C: 0.0001}\n- {name: good, C: 0.5}\n")
    out = _cli("configs.yaml", "--program", f"{sys.executable} {PROGRAM}", "-m", "val_accuracy",
               "--tracking-uri", uri, "--experiment-name", "prog", "--format", "json",
               cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["winner"] == "good" and result["stopped_because"] == "decided"
    children = [r for r in _runs(uri, "prog") if r.info.run_id != result["parent"]]
    assert len(children) == 6 and all(r.info.status == "FINISHED" for r in children)
    assert {r.data.params["C"] for r in children} == {"0.0001", "0.5"}


def test_cli_from_study_takes_the_top_configurations(tmp_path: Path) -> None:
    storage = f"sqlite:///{tmp_path}/study.db"
    study = optuna.create_study(study_name="search", storage=storage, direction="maximize")
    for c in (1e-4, 0.5, 1e-3, 0.05):
        study.enqueue_trial({"C": c})
    study.optimize(lambda t: train(t.suggest_float("C", 1e-5, 10, log=True), 0)["val_accuracy"],
                   n_trials=4)
    out = _cli("--from-study", "search", "--study-storage", storage, "--top", "2",
               "--function", "_confirm_train:train", "-m", "val_accuracy",
               "--tracking-uri", f"sqlite:///{tmp_path}/mlflow.db", "--format", "json",
               cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result["seeds_used"]) == {"C=0.5", "C=0.05"}  # the two best trials


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--program", "python -c 'import sys; sys.exit(1)'", "--max-attempts", "1"], 2,
     "seed 0 failed 1 times"),
    (["--function", "_confirm_train:train", "--storage",
      "postgresql+psycopg2://nobody@127.0.0.1:9/none"], 3, "cannot be reached"),
    (["--function", "_confirm_train:train", "-m", "val_loss"], 2,
     "never returned or logged metric 'val_loss'"),
])
def test_cli_errors(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    (tmp_path / "configs.json").write_text(json.dumps([{"C": 0.1}, {"C": 1.0}]))
    metric = [] if "-m" in args else ["-m", "val_accuracy"]
    out = _cli("configs.json", *args, *metric, "--tracking-uri", f"sqlite:///{tmp_path}/m.db",
               cwd=tmp_path)
    assert out.returncode == code, out.stderr
    assert message in out.stderr and "Traceback" not in out.stderr
    errors = [line for line in out.stderr.splitlines() if not line.startswith("20")]  # MLflow's log
    assert len(errors) == 1 and errors[0].startswith("error: ")
