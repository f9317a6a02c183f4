"""W&B passes the conformance suite every source passes (``tests/_source_suite.py``): offline
run folders written by the real ``wandb`` SDK, and online runs read through the real
``wandb.Api`` from the loopback W&B server. W&B nests no runs and writes its answers as
Reports, so its world has no parent run and no run of ours."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from _source_suite import LRS, SEEDS, TESTS, SourceCase, run_name, values  # isort: skip
from _study import offline_env  # isort: skip

globals().update(TESTS)

PROJECT = "world"
_LOG_WORLD = f"""
import wandb
import _source_suite as suite

for lr in suite.LRS:
    for seed in suite.SEEDS:
        run = wandb.init(project={PROJECT!r}, name=suite.run_name(lr, seed),
                         config={{"lr": lr, "seed": seed}})
        for row in suite.values(lr, seed):
            run.log(row)
        run.finish()
"""


@pytest.fixture(scope="module")
def offline_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The world logged offline by the real SDK, once for the module (the SDK is slow)."""
    base = tmp_path_factory.mktemp("wandb_world")
    env = offline_env(base)
    tests = Path(__file__).resolve().parents[1]
    env["PYTHONPATH"] = f"{tests.parent}{os.pathsep}{tests}"  # ours, and the suite
    result = subprocess.run([sys.executable, "-c", _LOG_WORLD], env=env, cwd=base,
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return base / "wandb"


def _add_world(server: object) -> None:
    """The world as the server holds it after ``wandb sync``."""
    for lr in LRS:
        for seed in SEEDS:
            rows = values(lr, seed)
            server.add_run(  # type: ignore[attr-defined]
                PROJECT,
                f"{str(lr).replace('.', '')}s{seed}",
                display_name=run_name(lr, seed),
                config={"lr": lr, "seed": seed},
                summary={**rows[-1], "_step": len(rows) - 1},
                history=[
                    {**row, "_step": step, "_timestamp": 1.7e9 + step}
                    for step, row in enumerate(rows)
                ],
            )


@pytest.fixture(params=["offline", "online"])
def source_case(request: pytest.FixtureRequest) -> Iterator[SourceCase]:
    from wandb_compare_ext._source import WandbOffline, WandbOnline

    if request.param == "offline":
        yield SourceCase(WandbOffline([request.getfixturevalue("offline_world")]))
        return
    server = request.getfixturevalue("wandb_server")
    _add_world(server)
    from wandb_compare_ext._online import WandbSource

    connection = WandbSource(base_url=server.url, api_key=server.api_key, timeout=20)
    yield SourceCase(WandbOnline(connection, projects=[f"{server.entity}/{PROJECT}"]))
