"""One rule for the metric's goal everywhere (issue 19 item 1): ``confirm -m val_loss`` minimises
the loss as ``mlflow compare -m val_loss`` does, the goal is printed in every output, and an
explicit goal contradicting the name (``val_acc:min``) is named in a one-line warning.

Real components: ``confirm`` training scikit-learn into a sqlite MLflow store, the
``mlflow-compare confirm`` and ``mlflow compare`` commands in subprocesses, ``compare_frame``
on that store's ``search_runs`` frame.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mlflow.tracking import MlflowClient

from mlflow_compare_plugin import confirm
from tests._confirm_train import train

ROOT = Path(__file__).resolve().parents[2]
MLFLOW = str(Path(sys.executable).parent / "mlflow")


def _loss(C: float, seed: int) -> dict[str, float]:  # noqa: N803 (scikit-learn's name)
    """The validation loss (1 - accuracy) of the real digits job: C=1e-4 has the HIGHER loss."""
    acc = train(C, seed)
    return {"val_loss": 1.0 - acc["val_accuracy"], "val_acc": acc["val_accuracy"]}


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
        "MLFLOW_TRACKING_URI": "",
    }


def test_confirm_minimises_a_loss_named_without_suffix(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    configs = [{"name": "underfit", "C": 1e-4}, {"name": "good", "C": 0.5}]
    result = confirm(
        configs,
        _loss,
        metric="val_loss",
        seeds=3,
        max_seeds=6,
        tracking_uri=uri,
        experiment_name="goal",
    )
    # main maximised the loss and crowned "underfit"
    assert result.comparison.goal == "minimize"
    assert result.winner == "good"
    assert "Metric: val_loss (minimize)" in result.summary()
    parent = MlflowClient(uri).get_run(result.parent)
    assert parent.data.params["confirm.goal"] == "minimize"

    # the same runs through `mlflow compare -m val_loss` (no suffix): same goal, same winner
    out = subprocess.run(
        [
            MLFLOW,
            "compare",
            "--tracking-uri",
            uri,
            "--experiment-name",
            "goal",
            "-m",
            "val_loss",
            "--group-by",
            "C",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["metric"]["goal"] == "minimize"
    assert data["decision"]["winner"] == "C=0.5"


def test_confirm_command_prints_the_goal_and_warns_on_a_contradiction(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    configs = tmp_path / "configs.yaml"
    configs.write_text("- {name: underfit, C: 0.0001}\n- {name: good, C: 0.5}\n")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "mlflow_compare_plugin",
            "confirm",
            str(configs),
            "--function",
            "_confirm_train:train",
            "-m",
            "val_accuracy:min",
            "--seeds",
            "3",
            "--max-seeds",
            "3",
            "--tracking-uri",
            uri,
        ],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=ROOT,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    warnings = [
        line for line in out.stderr.splitlines() if "val_accuracy" in line and "typo" in line
    ]
    assert len(warnings) == 1 and warnings[0].startswith("warning: goal 'minimize'")
    assert "Metric: val_accuracy (minimize)" in out.stdout
    # a line per round (issue 19 item 7), and no MLflow INFO line leaking through
    rounds = [line for line in out.stderr.splitlines() if line.startswith("confirm: look ")]
    assert rounds == ["confirm: look 1/1, 3 seeds per configuration, 6 runs so far; "
                      "stopped: decided"] or rounds[0].startswith("confirm: look 1/1, 3 seeds"), rounds
    assert " INFO " not in out.stderr, out.stderr
    # the user's explicit goal is kept: minimising accuracy crowns the underfitting model
    assert "Winner: underfit" in out.stdout


def test_compare_frame_uses_the_name_rule_and_warns(tmp_path: Path) -> None:
    import mlflow

    uri = f"sqlite:///{tmp_path}/mlflow.db"
    mlflow.set_tracking_uri(uri)
    try:
        mlflow.set_experiment("frame")
        for c in (1e-4, 0.5):
            for seed in range(4):
                with mlflow.start_run():
                    mlflow.log_params({"C": c, "seed": seed})
                    mlflow.log_metrics(_loss(c, seed))
        frame = mlflow.search_runs(experiment_names=["frame"])
    finally:
        mlflow.set_tracking_uri("")
    from shared import compare_frame

    loss = compare_frame(frame, metric="metrics.val_loss")
    assert loss.goal == "minimize" and loss.decision.winner == "C=0.5"
    acc = compare_frame(frame, metric="val_acc", goal="minimize")
    assert acc.goal == "minimize"
    assert any("val_acc" in w and "higher-is-better" in w for w in acc.warnings)
    assert not any("higher-is-better" in w for w in loss.warnings)
