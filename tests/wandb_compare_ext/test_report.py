"""W&B Reports: the spec with no server, validated by wandb-workspaces; publishing over HTTP."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import wandb_workspaces.reports.v2 as wr
from _loopback_server import LoopbackWandbServer
from click.testing import CliRunner
from wandb_workspaces.reports.v2 import internal

from wandb_compare_ext._report import build_report, report_spec, x_axis_key
from wandb_compare_ext.cli import cli

pytestmark = pytest.mark.timeout(300)
PROJECT = "loopback-team/study"


def _blocks_of(spec: dict, kind: str) -> list[dict]:
    return [b for b in spec["spec"]["blocks"] if b["type"] == kind]


def _panels(spec: dict) -> list[dict]:
    return [
        p
        for grid in _blocks_of(spec, "panel-grid")
        for p in grid["metadata"]["panelBankSectionConfig"]["panels"]
    ]


def _texts(node: object) -> list[str]:
    """Every ``text`` string under a block (W&B keeps paragraph text in child nodes)."""
    if isinstance(node, dict):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        return own + [t for v in node.values() for t in _texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in _texts(v)]
    return []


def _check_spec(spec: dict, run_ids: set[str], x_key: str, data: dict) -> None:
    model = internal.ReportViewspec.model_validate(spec)  # wandb-workspaces' own model
    assert model.display_name == "tracker-compare: val/acc"
    assert "Winner: optimizer.lr=0.01" in model.description
    markdown = _blocks_of(spec, "markdown-block")
    assert len(markdown) == 1 and "| optimizer.lr=0.01 | 4 |" in markdown[0]["content"]
    # the why of each test, as in report.html
    assert "### Why these tests" in markdown[0]["content"]
    for p in data["pairs"]:
        assert p["why"] and p["why"] in markdown[0]["content"]
    text = json.dumps(spec)
    assert "Winner: optimizer.lr=0.01" in text
    # No empty block: every paragraph and heading says something, every grid has panels.
    # (wandb-workspaces' Report._to_model always pads the document with one empty paragraph
    # at each end, for W&B's editor to place the cursor around non-text blocks: not ours.)
    blocks = spec["spec"]["blocks"]
    padding = {"type": "paragraph", "children": [{"text": ""}]}
    assert blocks[0] == padding and blocks[-1] == padding
    for block in blocks[1:-1]:
        if block["type"] in ("paragraph", "heading"):
            assert "".join(_texts(block)).strip(), block
        if block["type"] == "panel-grid":
            assert block["metadata"]["panelBankSectionConfig"]["panels"], block
    # The report's figures, embedded: learning curves with the tests' CI band, distribution,
    # and the critical-difference diagram when there are 3+ configurations.
    images = _blocks_of(spec, "image")
    captions = ["".join(_texts(b)) for b in images]
    expected = 3 if len(data["configs"]) >= 3 else 2
    assert len(images) == expected, captions
    assert "95% t-interval band the tests use" in captions[0]
    assert "Per-run values" in captions[1]
    if expected == 3:
        assert "Critical-difference diagram" in captions[2]
    for block in images:
        url = block["url"]
        assert url.startswith("data:image/png;base64,")
        assert base64.b64decode(url.split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")
    views = [p["viewType"] for p in _panels(spec)]
    assert sorted(views) == sorted(
        [
            "Run History Line Plot",
            "Bar Chart",
            "Parallel Coordinates Plot",
            "Parameter Importance",
            "Run Comparer",
        ]
    )
    line = next(p for p in _panels(spec) if p["viewType"] == "Run History Line Plot")
    assert line["config"]["xAxis"] == x_key
    assert line["config"]["metrics"] == ["val/acc"]
    # every run drawn behind the mean, not a stderr band the tests never used
    assert line["config"]["groupAgg"] == "mean" and line["config"]["groupArea"] == "samples"
    bar = next(p for p in _panels(spec) if p["viewType"] == "Bar Chart")
    assert bar["config"]["groupAgg"] == "mean"
    importance = next(p for p in _panels(spec) if p["viewType"] == "Parameter Importance")
    assert importance["config"]["targetKey"] == "val/acc"
    # Every run set is filtered to exactly the compared runs and grouped by the config.
    report = wr.Report._from_model(model)
    grids = [b for b in report.blocks if isinstance(b, wr.PanelGrid)]
    assert len(grids) == 1
    for grid in grids:
        (runset,) = grid.runsets
        assert (runset.entity, runset.project) == tuple(PROJECT.split("/"))
        # W&B keeps nested config under `value`: optimizer.lr is `optimizer.value.lr` there.
        assert set(runset.groupby) == {"config.optimizer.value.lr"}
        filters = runset.filters if isinstance(runset.filters, str) else str(runset.filters)
        for run_id in run_ids:
            assert repr(run_id) in filters or f'"{run_id}"' in filters, (run_id, filters)


def test_report_spec_offline_validates_and_round_trips(offline_study: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        cli,
        [
            "--offline-dir",
            str(offline_study),
            "-m",
            "val/acc",
            "--report-spec",
            str(out),
            "--report-project",
            PROJECT,
            "--format",
            "json",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    spec = json.loads(out.read_text())
    data = json.loads(result.stdout)
    run_ids = {key.split(":", 1)[1] for c in data["configs"] for key in c["run_keys"]}
    assert len(run_ids) == 12
    # define_metric made tokens the x-axis; the plot follows it.
    _check_spec(spec, run_ids, "tokens", data)
    # Round trip through wandb-workspaces' classes gives the same spec.
    again = report_spec(wr.Report._from_model(internal.ReportViewspec.model_validate(spec)))
    assert again == spec


@pytest.mark.parametrize(
    "axis, key",
    [("step", "Step"), ("seconds", "_runtime"), ("time", "_timestamp"), ("tokens", "tokens")],
)
def test_x_axis_keys(axis: str, key: str) -> None:
    assert x_axis_key(axis) == key


def test_build_report_needs_entity_and_project(offline_study: Path) -> None:
    from shared.errors import InputError

    with pytest.raises(InputError, match="ENTITY/PROJECT"):
        build_report({"configs": []}, [], project="justone")


@pytest.mark.parametrize("publish", [False, True])
def test_publish_sends_what_wandb_workspaces_sends(
    wandb_server: LoopbackWandbServer, tmp_path: Path, publish: bool
) -> None:
    spec_path = tmp_path / "spec.json"
    args = [
        "--project",
        PROJECT,
        "-m",
        "val/acc",
        "--report",
        "--report-spec",
        str(spec_path),
        "--timeout",
        "10",
        "--format",
        "json",
    ] + (["--publish"] if publish else [])
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "saved W&B report" in result.stderr
    (saved,) = [r for r in wandb_server.requests if r["operation"] == "upsertView"]
    sent = saved["variables"]
    assert sent["type"] == ("runs" if publish else "runs/draft")
    assert (sent["entityName"], sent["projectName"]) == tuple(PROJECT.split("/"))
    assert "ProjectInternalId" in wandb_server.operations()
    sent_spec = json.loads(sent["spec"])
    local = json.loads(spec_path.read_text())
    # What was sent is the offline spec, plus the project's internal id only a server knows.
    for block in sent_spec["blocks"]:
        for runset in block.get("metadata", {}).get("runSets", []):
            assert runset["project"].pop("id") == "UHJvamVjdDox"
    assert _strip_ids(sent_spec) == _strip_ids(local["spec"])
    run_ids = {r.name for r in wandb_server.runs}
    data = json.loads(result.stdout)
    _check_spec({**local, "spec": json.loads(sent["spec"])}, run_ids, "_step", data)
    assert len(wandb_server.views) == 1


def _strip_ids(spec: dict) -> dict:
    """Run set and panel ids are random per build; everything else must match."""
    text = json.dumps(spec, sort_keys=True)
    data = json.loads(text)

    def walk(node):
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items() if k not in ("id", "ref", "__id__")}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(data)


def test_report_needs_online_runs(offline_study: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--offline-dir", str(offline_study), "-m", "val/acc", "--report"]
    )
    assert result.exit_code == 2 and "need W&B runs" in result.stderr


def test_report_spec_never_makes_up_an_entity(
    offline_study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Offline runs logged without a W&B account name no entity: the spec takes
    $WANDB_ENTITY or asks for --report-project (exit 2), never a placeholder."""
    from wandb_compare_ext.offline import load_offline_runs

    (experiment,) = {r.experiment for r in load_offline_runs(offline_study).runs}
    assert "/" not in experiment  # the SDK in offline mode, no account: project only
    out = tmp_path / "report.json"
    args = ["--offline-dir", str(offline_study), "-m", "val/acc", "--report-spec", str(out)]
    monkeypatch.delenv("WANDB_ENTITY", raising=False)
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 2 and not out.exists()
    assert result.stderr.strip().splitlines() == [
        "error: the offline runs name no W&B entity: give --report-project ENTITY/PROJECT "
        "(or set WANDB_ENTITY)"
    ]
    monkeypatch.setenv("WANDB_ENTITY", "my-team")
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    spec = json.loads(out.read_text())
    assert spec["project"] == {"entityName": "my-team", "name": experiment}
    for block in _blocks_of(spec, "panel-grid"):
        for runset in block["metadata"]["runSets"]:
            assert runset["project"] == {"entityName": "my-team", "name": experiment}
    assert "offline" not in json.dumps(spec["project"])
