"""``wandb compare``: ``--metric`` parsed once and each run's spelling resolved once (issue 21).

The runs logged ``val/acc``; the user types ``val_acc``. Online runs are read through the W&B
online source (histories in the run's spelling), offline ones through the offline source; each
run's spelling is resolved once for the whole command, whichever source it came from.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _loopback_server import LoopbackWandbServer
from _resolutions import counted_resolutions, resolved_once
from click.testing import CliRunner

from wandb_compare_ext.cli import cli

pytestmark = pytest.mark.timeout(300)
PROJECT = "loopback-team/study"


def _compare(args: list[str], server: LoopbackWandbServer) -> object:
    env = {"WANDB_API_KEY": server.api_key, "WANDB_BASE_URL": server.url}
    return CliRunner().invoke(cli, ["compare", *args], env=env, catch_exceptions=False)


@pytest.mark.parametrize("where", ["online", "online+offline", "offline"])
def test_user_spelling_resolved_once_per_run(
    wandb_server: LoopbackWandbServer,
    offline_study: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    where: str,
) -> None:
    source = {
        "online": ["--project", PROJECT],
        # the W&B Report's panels name the metric as the runs logged it: read, not resolved
        "online+offline": ["--project", PROJECT, "--offline-dir", str(offline_study),
                           "--report-spec", str(tmp_path / "report.json")],
        "offline": ["--offline-dir", str(offline_study)],
    }[where]
    args = [*source, "-m", "val_acc", "--reduce", "max", "--format", "json", "--timeout", "10"]
    with counted_resolutions(monkeypatch) as counts:
        result = _compare(args, wandb_server)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["metric"]["name"] == "val_acc"
    assert data["runs"] == {"online": 12, "online+offline": 24, "offline": 12}[where]
    # the histories under the run's spelling reached the reduction: curves for every config
    assert all(c["curve"] for c in data["configs"])
    assert resolved_once(counts, "val_acc", data["runs"]) == []
    if where == "online+offline":
        assert '"val/acc"' in (tmp_path / "report.json").read_text()
