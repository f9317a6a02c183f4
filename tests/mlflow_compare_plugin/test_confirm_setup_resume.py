"""A confirm interrupted during its set-up is resumed under its name (issue 20, item 6).

A real creator process (the adapter's tracker, subclassed only to send itself a real signal
at the start of the set-up, after the plan is written) is stopped by SIGINT (it lets go of
its set-up lease) or SIGKILL (the lease goes stale after the grace period); the study may
also be left without a plan at all. The rerun, the real ``mlflow-compare confirm`` with the
identical plan and name, takes the set-up over and finishes: one parent, every item once. A
different plan under that name is refused in one line (exit 2).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient

from tests.distributed.test_optuna_distributed import pg_database  # noqa: F401

pytestmark = pytest.mark.timeout(300)

TRAIN = """
def train(lr, seed):
    return {"acc": lr + 0.001 * seed}
"""

CREATOR = """
import os, signal, sys
import optuna
from mlflow import MlflowClient
from mlflow_compare_plugin._confirm_tracker import MlflowConfirmTracker
from shared.confirm import run_confirm
from shared.confirm._start import start
from train_fn import train

class Stopped(MlflowConfirmTracker):
    def open_parent(self, study, plan):
        os.kill(os.getpid(), getattr(signal, sys.argv[3]))  # the set-up is under way
        return super().open_parent(study, plan)

plan, queue = start("configs.yaml", "acc", None, optuna=optuna, storage=sys.argv[2],
                    name="resumable", heartbeat=2, grace=8, seeds=3, max_seeds=20, step=3,
                    adaptive=False, min_effect=0.0, alpha=0.05, max_attempts=3)
client = MlflowClient(sys.argv[1])
experiment = client.create_experiment("setup")
run_confirm(plan, train, Stopped(client, experiment, sys.argv[1]), queue)
"""


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
    }


def _rerun(
    tmp_path: Path, uri: str, storage: str, configs: str = "configs.yaml"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mlflow_compare_plugin",
            "confirm",
            configs,
            "--function",
            "train_fn:train",
            "-m",
            "acc",
            "--fixed",
            "--tracking-uri",
            uri,
            "--experiment-name",
            "setup",
            "--name",
            "resumable",
            "--storage",
            storage,
        ],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.parametrize(
    ("how", "backend"),
    [("SIGINT", "sqlite"), ("SIGKILL", "sqlite"), ("no-plan", "sqlite"), ("SIGINT", "postgres")],
)
def test_interrupted_set_up_is_resumed(
    tmp_path: Path,
    how: str,
    backend: str,
    pg_database,  # noqa: F811
) -> None:
    (tmp_path / "train_fn.py").write_text(TRAIN)
    (tmp_path / "creator.py").write_text(CREATOR)
    (tmp_path / "configs.yaml").write_text("- {name: a, lr: 0.1}\n- {name: b, lr: 0.2}\n")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    storage = f"sqlite:///{tmp_path / 'optuna.db'}" if backend == "sqlite" else pg_database("setup")
    if how == "no-plan":  # its creator stopped right after creating the study
        optuna.create_study(study_name="resumable", storage=storage, direction="maximize")
    else:
        creator = subprocess.run(
            [sys.executable, "creator.py", uri, storage, how],
            cwd=tmp_path,
            env=_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert creator.returncode != 0, creator.stderr
        attrs = optuna.load_study(study_name="resumable", storage=storage).user_attrs
        assert attrs.get("confirm.plan") is not None and not attrs.get("confirm.ready")

    other = tmp_path / "other.yaml"
    other.write_text("- {name: a, lr: 0.1}\n- {name: c, lr: 0.3}\n")
    if how != "no-plan":  # a genuinely different plan: refused at once, in one line
        refused = _rerun(tmp_path, uri, storage, "other.yaml")
        assert refused.returncode == 2, refused.stderr
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and "another plan" in lines[0], refused.stderr

    done = _rerun(tmp_path, uri, storage)
    assert done.returncode == 0, done.stderr
    assert "another plan" not in done.stderr and "never set up" not in done.stderr
    assert "Traceback" not in done.stderr
    client = MlflowClient(uri)
    experiment = client.get_experiment_by_name("setup").experiment_id
    runs = client.search_runs([experiment], run_view_type=ViewType.ACTIVE_ONLY)
    parents = [r for r in runs if r.data.tags.get("confirm.study") == "resumable"]
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    items = sorted(
        (r.data.tags["confirm.config"], r.data.params["seed"])
        for r in runs
        if r.data.tags.get("mlflow.parentRunId") == parents[0].info.run_id
        and r.info.status == "FINISHED"
    )
    assert items == [(c, str(s)) for c in "ab" for s in range(3)]
