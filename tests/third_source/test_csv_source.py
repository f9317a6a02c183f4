"""ARCHITECTURE.md's recipe for a new tracker, followed once for real: runs from CSV files.

The "tracker" is a folder of CSV files, the kind of export many tools write:

* ``runs.csv``: one row per run, columns ``run_id``, ``name``, ``status``, ``parent_run``
  (optional) and the tabular convention of the rest of the project: ``params.<name>``,
  ``tags.<name>``;
* ``history/<run_id>.csv``: one row per logged step, a ``step`` column and one column per
  metric (an empty cell: not logged at that step).

Everything the adapter needs is here, in this test module: the source (steps 1-2 of the recipe:
a ``shared.source.Source``), the command (step 3), publishing (step 4) and the start-up hook
row (step 5); the source passes the conformance suite every source passes
(``tests/_source_suite.py``). It imports only the core's public names (a test checks that), so
adding it touched no core file.
"""

from __future__ import annotations

import ast
import csv
import json
import math
import os
import subprocess
import sys
from collections.abc import Sequence
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
    histories_needed,
    metric_names_needed,
    run_comparison,
)
from shared.render import write_report
from shared.source import OWN_RUN_TAG, Source, read_runs

from _source_suite import LRS, METRIC, SEEDS, TESTS, SourceCase, run_name, values  # isort: skip

ROOT = Path(__file__).resolve().parents[2]


# -- recipe steps 1-2: the source: the tracker's records as shared.Run ------------------------
def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _history(path: Path, keys: set[str] | None = None) -> dict[str, History]:
    """Per metric (only ``keys`` when given): the steps where it was logged, and its values."""
    if not path.is_file():
        return {}
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns: dict[str, tuple[list[int], list[float]]] = {}
    for row in rows:
        step = int(row.pop("step"))
        for key, text in row.items():
            value = _number(text) if text and (keys is None or key in keys) else None
            if value is not None:
                steps, values = columns.setdefault(key, ([], []))
                steps.append(step)
                values.append(value)
    return {key: History(steps, values) for key, (steps, values) in columns.items()}


class CsvRuns(Source):
    """The runs of a CSV export folder (summary metric = last logged value).

    Params are typed with ``coerce_params`` ("3" -> 3, "0.1" -> 0.1); a ``parent_run`` column
    is the run's provenance (``Run.source``); the comparison rows we append when publishing
    carry ``OWN_RUN_TAG``, so the default ``is_own`` leaves them out.
    """

    tracker = "csv"
    option_hints = {"parent_run": "--folder of one parent's runs (CSV)"}

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def runs(self) -> list[Run]:
        """Raises ``InputError``: no ``runs.csv`` in the folder, or a row without ``run_id``."""
        index = self.folder / "runs.csv"
        if not index.is_file():
            raise InputError(f"{self.folder}: no runs.csv here (is it a CSV export folder?)")
        with index.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        runs = []
        for number, row in enumerate(rows, start=2):
            run_id = (row.get("run_id") or "").strip()
            if not run_id:
                raise InputError(f"{index}:{number}: a run without run_id")
            params = {k[len("params.") :]: v for k, v in row.items() if k.startswith("params.") and v}
            tags = {k[len("tags.") :]: v for k, v in row.items() if k.startswith("tags.") and v}
            last = {k: float(h.values[-1]) for k, h in self._history(run_id).items()}
            runs.append(
                Run(
                    tracker=self.tracker,
                    id=run_id,
                    name=row.get("name") or None,
                    experiment=self.folder.name,
                    status=(row.get("status") or "FINISHED").upper(),
                    params=coerce_params(params),  # "0.1" -> 0.1, as every adapter does
                    tags=tags,
                    metrics=last,
                    source={"parent_run": row["parent_run"]} if row.get("parent_run") else {},
                )
            )
        return runs

    def histories(
        self, wanted: Sequence[tuple[Run, str]], *, timestamps: bool = True
    ) -> dict[tuple[str, str], History]:
        keys: dict[str, set[str]] = {}
        for run, key in wanted:
            keys.setdefault(run.id, set()).add(key)
        return {
            (run_id, key): history
            for run_id, run_keys in keys.items()
            for key, history in self._history(run_id, run_keys).items()
        }

    def _history(self, run_id: str, keys: set[str] | None = None) -> dict[str, History]:
        return _history(self.folder / "history" / f"{run_id}.csv", keys)


def read_csv_runs(folder: str | os.PathLike[str], metrics: Sequence[str] = ()) -> list[Run]:
    """The runs to compare in a CSV export folder, with the histories of ``metrics``."""
    return read_runs(CsvRuns(folder), metrics=metrics).runs


# -- recipe step 4: publish the answer where the "tracker" keeps things ------------------------
def publish_to_folder(comparison: Any, folder: Path) -> None:
    """The report beside the runs, and the comparison as a row of runs.csv, as MLflow keeps a
    comparison run: tagged ``OWN_RUN_TAG``, so it is never read back as a run to compare."""
    write_report(comparison, folder / "tracker-compare")
    with (folder / "runs.csv").open(newline="") as handle:
        reader = csv.DictReader(handle)
        columns, rows = list(reader.fieldnames or []), list(reader)
    own, winner = f"tags.{OWN_RUN_TAG}", "tags.compare.winner"
    columns += [c for c in (own, winner) if c not in columns]
    n = sum(1 for row in rows if row.get(own) == "true") + 1
    rows.append({"run_id": f"comparison-{n}", "name": f"comparison {n}", own: "true",
                 winner: comparison.decision.winner or ""})  # fmt: skip
    with (folder / "runs.csv").open("w", newline="") as handle:
        out = csv.DictWriter(handle, columns)
        out.writeheader()
        out.writerows(rows)
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
    needed = metric_names_needed(**options) if histories_needed(**options) else ()
    found = read_runs(CsvRuns(folder), metrics=needed)
    for note in found.notes:
        click.echo(f"warning: {note}", err=True)
    if found.metrics:  # each run's spelling resolved while reading: not resolved again
        options["metric"] = found.metrics
    publish = (lambda comparison: publish_to_folder(comparison, folder)) if write_report else None
    run_comparison(found.runs, options, publish=publish)


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


# -- the conformance suite every source passes ----------------------------------------------------
globals().update(TESTS)


@pytest.fixture
def source_case(tmp_path: Path) -> SourceCase:
    """The suite's world as a CSV export: six runs under a parent row, and one comparison row
    of ours."""
    folder = tmp_path / "world"
    (folder / "history").mkdir(parents=True)
    own = f"tags.{OWN_RUN_TAG}"
    with (folder / "runs.csv").open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["run_id", "name", "status", "parent_run", "params.lr", "params.seed", own])
        out.writerow(["parent", "parent", "FINISHED", "", "", "", ""])
        out.writerow(["ours", "comparison 1", "FINISHED", "", "", "", "true"])
        for lr in LRS:
            for seed in SEEDS:
                run_id = run_name(lr, seed)
                out.writerow([run_id, run_id, "FINISHED", "parent", lr, seed, ""])
                with (folder / "history" / f"{run_id}.csv").open("w", newline="") as hist:
                    rows = csv.writer(hist)
                    rows.writerow(["step", METRIC, "tokens"])
                    for step, row in enumerate(values(lr, seed)):
                        rows.writerow([step, row[METRIC], row["tokens"]])
    (folder / "history" / "ours.csv").write_text(f"step,{METRIC}\n0,0.5\n")
    return SourceCase(CsvRuns(folder), has_parent=True, has_own_run=True)


# -- tests ----------------------------------------------------------------------------------------
def test_runs_read_from_csv_are_shared_runs(export: Path) -> None:
    runs = read_csv_runs(export, ["loss", "acc"])
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
    assert (published / "report.html").is_file() and (published / "comparison.json").is_file()
    # the comparison is recorded as a row of runs.csv, and never read back as a run
    with (export / "runs.csv").open(newline="") as handle:
        recorded = [row for row in csv.DictReader(handle) if row["run_id"].startswith("comparison")]
    assert [row[f"tags.{OWN_RUN_TAG}"] for row in recorded] == ["true"]
    assert recorded[0]["tags.compare.winner"] == "lr=0.01"
    again = runner.invoke(compare, [*args, "--write-report"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["runs"] == 12 and len(read_csv_runs(export)) == 12
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
    paths = [str(ROOT), str(ROOT / "tests"), str(tmp_path), str(Path(__file__).parent)]
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
