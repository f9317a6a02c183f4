"""``mlflow compare``: ``--metric`` parsed once and each run's spelling resolved once (issue 21).

The study logged ``val_loss``; the user types ``val/loss``. The histories are read, checked,
reduced and drawn under the run's spelling, resolved once per run for the whole command.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _resolutions import counted_resolutions, resolved_once
from click.testing import CliRunner

from mlflow_compare_plugin.cli import compare

pytestmark = pytest.mark.timeout(300)


@pytest.mark.parametrize("reduce", ["min", "last"])  # histories read, or last values only
def test_user_spelling_resolved_once_per_run(
    sqlite_study: Any, monkeypatch: pytest.MonkeyPatch, reduce: str
) -> None:
    args = ["--tracking-uri", sqlite_study.uri, "--experiment-name", sqlite_study.experiment,
            "--metric", "val/loss", "--metric", "acc", "--seed-key", "seed",
            "--reduce", reduce, "--format", "json"]  # fmt: skip
    with counted_resolutions(monkeypatch) as counts:
        result = CliRunner().invoke(compare, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["metric"]["name"] == "val/loss" and data["metric"]["goal"] == "minimize"
    assert data["runs"] == 15
    assert resolved_once(counts, "val/loss", data["runs"]) == []
    assert resolved_once(counts, "acc", data["runs"]) == []  # the secondary metric too
