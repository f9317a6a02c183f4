"""README's Python examples, executed as written, against a store built like the demo's.

The store: ``demo-out/mlflow.db`` with experiment ``digits-mlp`` holding a real
``mlflow_compare_plugin.confirm`` (a parent run and its child runs with ``lr``, ``hidden``,
``seed`` and a ``val_acc`` history) and a comparison run logged by ``mlflow compare
--log-report``: what a user has after ``bash .ci/demo``. The examples must compare the three
configurations by their own params only (issue 19 item 2: on main the confirm parent and the
comparison run made every name start with nine ``confirm.*=None`` params).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
MLFLOW = str(Path(sys.executable).parent / "mlflow")
CONFIGS = [{"lr": 0.001, "hidden": 32}, {"lr": 0.001, "hidden": 128}, {"lr": 0.01, "hidden": 128}]
MEANS = {(0.001, 32): 0.92, (0.001, 128): 0.95, (0.01, 128): 0.96}


def _section(title: str) -> str:
    """The README text from the heading ``title`` to the next heading of the same level."""
    match = re.search(rf"^(#+) {re.escape(title)}\n", README, re.MULTILINE)
    assert match, f"README has no section {title!r}"
    level = match.group(1)
    rest = README[match.end() :]
    end = re.search(rf"^{level} ", rest, re.MULTILINE)
    return rest[: end.start() if end else len(rest)]


def _python_blocks(title: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", _section(title), re.DOTALL)


def train(lr: float, hidden: int, seed: int) -> None:
    """A training job's logging, as the demo's: a val_acc curve over 5 epochs in the item's run."""
    import mlflow

    rng = np.random.default_rng(seed * 1000 + hidden)
    final = MEANS[(lr, hidden)] + rng.normal(0, 0.004)
    for epoch in range(1, 6):
        mlflow.log_metric("val_acc", final - 0.1 / epoch, step=epoch)


def train_returning(lr: float, hidden: int, seed: int) -> float:
    """The README's confirm example's ``train(**params, seed=N) -> float``."""
    rng = np.random.default_rng(seed * 1000 + hidden)
    return float(MEANS[(lr, hidden)] + rng.normal(0, 0.004))


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mlflow_compare_plugin import confirm

    cwd = tmp_path_factory.mktemp("readme")
    (cwd / "demo-out").mkdir()
    uri = f"sqlite:///{cwd / 'demo-out' / 'mlflow.db'}"
    result = confirm(
        CONFIGS,
        train,
        metric="val_acc",
        seeds=3,
        max_seeds=3,
        tracking_uri=uri,
        experiment_name="digits-mlp",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MLFLOW_TRACKING_URI": ""}
    out = subprocess.run(
        [
            MLFLOW,
            "compare",
            "--tracking-uri",
            uri,
            "--experiment-name",
            "digits-mlp",
            "--metric",
            "val_acc:max",
            "--seed-key",
            "seed",
            "--log-report",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    # confirm and compare write a configuration's name in one key order (issue 19 item 5)
    assert sorted(result.seeds_used) == sorted(c.name for c in result.comparison.configs)
    assert sorted(result.seeds_used) == [
        "hidden=128, lr=0.001",
        "hidden=128, lr=0.01",
        "hidden=32, lr=0.001",
    ]
    return cwd


def _run_block(code: str, cwd: Path, names: dict[str, Any] | None = None) -> dict[str, Any]:
    import mlflow

    namespace: dict[str, Any] = {"__name__": "__readme__", **(names or {})}
    old = os.getcwd()
    os.chdir(cwd)
    try:
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the README's own code
    finally:
        os.chdir(old)
        mlflow.set_tracking_uri("")
    return namespace


def _check_names(comparison: Any) -> None:
    names = sorted(c.name for c in comparison.configs)
    assert names == ["hidden=128, lr=0.001", "hidden=128, lr=0.01", "hidden=32, lr=0.001"]
    assert comparison.goal == "maximize"
    assert any("tracker-compare run" in w and "left out" in w for w in comparison.warnings)


def test_python_example_fetch_runs_and_search_runs(
    demo_store: Path, capsys: pytest.CaptureFixture
) -> None:
    fetch_block, frame_block = _python_blocks("Python example")
    ns = _run_block(fetch_block, demo_store)
    _check_names(ns["comparison"])
    assert (demo_store / "report" / "report.html").exists()
    assert "confirm." not in capsys.readouterr().out

    ns = _run_block(frame_block, demo_store)
    _check_names(ns["comparison"])
    data = ns["comparison"].to_dict()
    assert data["schema"] == "tracker-compare/comparison/v3"
    assert data["schema"] in frame_block


def test_confirm_example_and_its_yaml(demo_store: Path, tmp_path: Path) -> None:
    (block,) = _python_blocks("Confirm: the whole workflow in one call, with adaptive seeds")[1:]
    ns = _run_block(block, tmp_path, {"train": train_returning})
    result = ns["result"]
    assert set(result.seeds_used) == {"small", "large", "large-fast"}
    assert result.stopped_because in ("decided", "equivalent within min_effect", "budget spent")

    # the YAML the README shows is what `confirm` reads
    (yaml_text,) = re.findall(
        r"```yaml\n(.*?)```",
        _section("Confirm: the whole workflow in one call, with adaptive seeds"),
        re.DOTALL,
    )
    from shared.confirm._configs import load_configs

    path = tmp_path / "configs.yaml"
    path.write_text(yaml_text)
    assert load_configs(path) == {
        "small": {"lr": 0.001, "hidden": 32},
        "large": {"lr": 0.001, "hidden": 128},
        "large-fast": {"lr": 0.01, "hidden": 128},
    }


def test_optuna_switch_example_imports(tmp_path: Path) -> None:
    (block,) = [
        b
        for b in _python_blocks("Optuna callbacks (successors of optuna-integration's)")
        if "import" in b
    ][:1]
    ns = _run_block(block, tmp_path)
    assert ns["MLflowCallback"].__module__.startswith("mlflow_compare_plugin")
    assert ns["WeightsAndBiasesCallback"].__module__.startswith("wandb_compare_ext")
