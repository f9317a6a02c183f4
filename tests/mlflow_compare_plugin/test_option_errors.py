"""Mistyped options say what is wrong (issue 13 item 10), on a real sqlite store."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from mlflow_compare_plugin.cli import compare

pytestmark = pytest.mark.timeout(300)


def _run(study: Any, *more: str) -> Any:
    return CliRunner().invoke(
        compare,
        ["--tracking-uri", study.uri, "--experiment-name", study.experiment,
         "--seed-key", "seed", *more],
    )  # fmt: skip


def _one_error_line(result: Any) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1, result.stderr
    return lines[0]


def test_misspelt_goal_suffix(sqlite_study: Any) -> None:
    line = _one_error_line(_run(sqlite_study, "-m", "val_loss:maxx"))
    assert "bad goal suffix ':maxx'" in line and "unknown metric" not in line


def test_unknown_x_axis_with_reduce_last(sqlite_study: Any) -> None:
    line = _one_error_line(_run(sqlite_study, "-m", "acc", "--reduce", "last", "--x-axis", "nosuch"))
    assert line.startswith("error: --x-axis 'nosuch'") and "tokens" in line  # lists real ones


def test_logged_x_axis_is_accepted(sqlite_study: Any) -> None:
    result = _run(sqlite_study, "-m", "acc", "--reduce", "last", "--x-axis", "tokens")
    assert result.exit_code == 0, result.stderr


def test_unknown_cost_metric_is_exit_2(sqlite_study: Any) -> None:
    line = _one_error_line(_run(sqlite_study, "-m", "acc", "--cost-metric", "nosuch"))
    assert line.startswith("error: --cost-metric 'nosuch'")
