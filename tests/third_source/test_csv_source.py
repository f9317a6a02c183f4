"""ARCHITECTURE.md's recipe for a new tracker, followed once for real: runs from CSV files.

The "tracker" is a folder of CSV files, the kind of export many tools write:

* ``runs.csv``: one row per run, columns ``run_id``, ``name``, ``status`` and the tabular
  convention of the rest of the project: ``params.<name>``, ``tags.<name>``;
* ``history/<run_id>.csv``: one row per logged step, a ``step`` column and one column per
  metric (an empty cell: not logged at that step).

Everything the adapter needs is here, in this test module: fetching (steps 1-2 of the recipe),
the command (step 3), publishing (step 4) and the start-up hook row (step 5). It imports only
the core's public names (the last test checks that), so adding it touched no core file.
"""

from __future__ import annotations

import ast
import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import numpy as np
import pytest
from click.testing import CliRunner

from shared import History, InputError, Run, coerce_params, compare_runs
from shared.cli import (
    check_comparison_options,
    comparison_options,
    handle_errors,
    run_comparison,
)
from shared.render import write_report

ROOT = Path(__file__).resolve().parents[2]


# -- recipe steps 1-2: fetch, and turn the tracker's records into shared.Run -------------------
def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _history(path: Path) -> dict[str, History]:
    """Per metric: the steps where it was logged, and its values."""
    if not path.is_file():
        return {}
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns: dict[str, tuple[list[int], list[float]]] = {}
    for row in rows:
        step = int(row.pop("step"))
        for key, text in row.items():
            value = _number(text) if text else None
            if value is not None:
                steps, values = columns.setdefault(key, ([], []))
                steps.append(step)
                values.append(value)
    return {key: History(steps, values) for key, (steps, values) in columns.items()}


def read_csv_runs(folder: str | os.PathLike[str]) -> list[Run]:
    """Every run of a CSV export folder, as ``shared.Run`` (summary metric = last logged value).

    Raises:
        InputError: no ``runs.csv`` in ``folder`` or a row without ``run_id`` (one line).
    """
    folder = Path(folder)
    index = folder / "runs.csv"
    if not index.is_file():
        raise InputError(f"{folder}: no runs.csv here (is it a CSV export folder?)")
    with index.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    runs = []
    for number, row in enumerate(rows, start=2):
        run_id = (row.get("run_id") or "").strip()
        if not run_id:
            raise InputError(f"{index}:{number}: a run without run_id")
        params = {k[len("params.") :]: v for k, v in row.items() if k.startswith("params.") and v}
        tags = {k[len("tags.") :]: v for k, v in row.items() if k.startswith("tags.") and v}
        histories = _history(folder / "history" / f"{run_id}.csv")
        runs.append(
            Run(
                tracker="csv",
                id=run_id,
                name=row.get("name") or None,
                experiment=folder.name,
                status=(row.get("status") or "FINISHED").upper(),
                params=coerce_params(params),  # "0.1" -> 0.1, as every adapter does
                tags=tags,
                metrics={k: float(h.values[-1]) for k, h in histories.items()},
                histories=histories,
            )
        )
    return runs


# -- recipe step 4: publish the answer where the "tracker" keeps things ------------------------
def publish_to_folder(comparison: Any, folder: Path) -> None:
    """The report beside the runs, and the decision as a small JSON file."""
    write_report(comparison, folder / "tracker-compare")
    decision = comparison.decision.to_dict()
    (folder / "tracker-compare" / "decision.json").write_text(json.dumps(decision))
    click.echo(f"wrote the report to {folder / 'tracker-compare'}", err=True)


# -- recipe step 3: the command: options + fetch + publish --------------------------------------
@click.command(name="compare")
@click.option("--folder", required=True, type=click.Path(path_type=Path), help="CSV export.")
@click.option("--write-report", is_flag=True, default=False, help="Publish into the folder.")
@comparison_options
@handle_errors
def compare(folder: Path, write_report: bool, **options: Any) -> None:
    """Is one configuration really better than another? (runs from a CSV export)"""
    check_comparison_options(options)
    runs = read_csv_runs(folder)
    publish = (lambda comparison: publish_to_folder(comparison, folder)) if write_report else None
    run_comparison(runs, options, publish=publish)


# -- data: an export as another tool would write it ---------------------------------------------
def write_export(folder: Path, *, seeds: int = 6) -> None:
    """lr=0.01 beats lr=0.1 by 0.05 accuracy on every seed; loss logged over 5 steps."""
    rng = np.random.default_rng(11)
    (folder / "history").mkdir(parents=True)
    with (folder / "runs.csv").open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["run_id", "name", "status", "params.lr", "params.seed", "tags.owner"])
        for lr, base in (("0.1", 0.80), ("0.01", 0.85)):
            for seed in range(seeds):
                run_id = f"lr{lr}-s{seed}"
                out.writerow([run_id, f"run {run_id}", "finished", lr, seed, "csv-team"])
                noise = float(rng.normal(0, 0.004))
                with (folder / "history" / f"{run_id}.csv").open("w", newline="") as hist:
                    rows = csv.writer(hist)
                    rows.writerow(["step", "acc", "loss"])
                    for step in range(5):
                        acc = base * (step + 1) / 5 + noise
                        # loss logged only on even steps: empty cells are "not logged"
                        rows.writerow([step, f"{acc:.6f}", f"{1 - acc:.6f}" if step % 2 == 0 else ""])


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    write_export(folder)
    return folder


# -- tests ----------------------------------------------------------------------------------------
def test_runs_read_from_csv_are_shared_runs(export: Path) -> None:
    runs = read_csv_runs(export)
    assert len(runs) == 12 and {r.tracker for r in runs} == {"csv"}
    run = next(r for r in runs if r.id == "lr0.01-s3")
    assert run.params == {"lr": 0.01, "seed": 3} and run.tags == {"owner": "csv-team"}
    assert run.status == "FINISHED" and run.experiment == "export"
    assert list(run.histories["loss"].steps) == [0, 2, 4]
    assert run.metrics["acc"] == pytest.approx(float(run.histories["acc"].values[-1]))


def test_the_command_compares_publishes_and_gates(export: Path) -> None:
    runner = CliRunner()
    args = ["--folder", str(export), "-m", "acc", "--seed-key", "seed", "--format", "json"]
    result = runner.invoke(compare, [*args, "--write-report"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["decision"]["winner"] == "lr=0.01"
    # the same answer as the core's Python API on the same runs
    direct = compare_runs(read_csv_runs(export), metric="acc", seed_key="seed")
    assert answer["decision"] == direct.to_dict()["decision"]
    published = export / "tracker-compare"
    assert json.loads((published / "decision.json").read_text())["winner"] == "lr=0.01"
    assert (published / "report.html").is_file() and (published / "comparison.json").is_file()
    # histories work as for any tracker: the area under the loss curve, lower is better
    curve = runner.invoke(compare, [*args[:-2], "-m", "loss:min", "--reduce", "auc"])
    assert curve.exit_code == 0, curve.output
    gated = runner.invoke(compare, [*args, "--baseline", "lr=0.01", "--fail-if-worse"])
    assert gated.exit_code == 1 and "worse than baseline 'lr=0.01'" in gated.stderr


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, export: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(compare, ["--folder", str(tmp_path / "nothing"), "-m", "acc"])
    assert missing.exit_code == 2
    assert missing.stderr.strip() == f"error: {tmp_path / 'nothing'}: no runs.csv here (is it a CSV export folder?)"
    budget = runner.invoke(compare, ["--folder", str(export), "-m", "acc", "--reduce", "at-budget"])
    assert budget.exit_code == 2
    assert budget.stderr.strip() == (
        "error: --reduce 'at-budget' needs a budget: --budget (e.g. --budget 1e9)"
    )


def test_a_csv_tool_cli_gets_compare_through_the_kits_start_up_hook(tmp_path: Path) -> None:
    # Recipe step 5, with a stand-in for the tool's own click CLI; the real row would go in
    # tracker_compare_kit._startup.HOOKS.
    (tmp_path / "csvtool").mkdir()
    (tmp_path / "csvtool" / "__init__.py").write_text("")
    (tmp_path / "csvtool" / "cli.py").write_text(
        "import click\n\n@click.group()\ndef cli():\n    pass\n"
    )
    code = (
        "import sys\n"
        "from tracker_compare_kit import _startup as s\n"
        "sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, '_tracker_compare_hook', 0)]\n"
        "s.install((s.Hook('csvtool.cli', 'compare', 'test_csv_source'),))\n"
        "from csvtool.cli import cli\n"
        "cli(['compare', '--help'])\n"
    )
    # This module on the path by its own name (a `tests` package in site-packages may shadow ours).
    paths = [str(ROOT), str(tmp_path), str(Path(__file__).parent)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths))
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("Usage: -c compare [OPTIONS]")
    assert "--folder" in result.stdout and "--seed-key" in result.stdout


def test_the_source_uses_only_the_cores_public_api() -> None:
    """Proof that the recipe touched no core file: nothing private of shared is imported."""
    tree = ast.parse(Path(__file__).read_text())
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    ours = [m for m in imported if m.split(".")[0] in ("shared", "tracker_compare_kit")]
    assert ours and all(not part.startswith("_") for m in ours for part in m.split(".")[1:]), ours
    assert not any(m.split(".")[0] in ("mlflow_compare_plugin", "wandb_compare_ext") for m in imported)
