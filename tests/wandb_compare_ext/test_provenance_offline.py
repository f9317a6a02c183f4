"""Where W&B runs came from, with real offline runs made by the local sweep runner.

* One folder holding two sweeps (run by ``wandb_compare_ext.sweep.run_sweep``: group = the
  sweep's name, job type "sweep") and ad-hoc runs of the same params: the comparison names
  the groups with their run counts and the option that separates them, names the runs with
  duplicate seeds, and ``--group`` / ``--group-by source.group`` separate them.
* A random search over a continuous ``lr`` (one run per configuration): the runs are ranked,
  the param's rank trend is reported, no pair table, one warning instead of one per config.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from _study import offline_env
from click.testing import CliRunner

from wandb_compare_ext._offline import load_offline_runs
from wandb_compare_ext.cli import cli

pytestmark = pytest.mark.timeout(300)
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _log(base: Path, *args: str) -> Path:
    env = offline_env(base)
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, str(HERE / "_two_sweeps.py"), *args],
        env=env, cwd=base, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return base


@pytest.fixture(scope="module")
def mixed_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _log(tmp_path_factory.mktemp("two_sweeps"))


@pytest.fixture(scope="module")
def search_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _log(tmp_path_factory.mktemp("lr_search"), "bayes")


def _invoke(args: list[str]):
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def test_offline_runs_carry_their_sweep_group_as_source(mixed_folder: Path) -> None:
    runs = load_offline_runs([mixed_folder]).runs
    groups = sorted(str(r.source.get("group")) for r in runs)
    assert groups == ["None"] * 3 + ["sweep-a"] * 6 + ["sweep-b"] * 6
    assert {r.source.get("job_type") for r in runs if r.source.get("group")} == {"sweep"}


def test_mixed_folder_warns_with_groups_counts_option_and_duplicate_runs(
    mixed_folder: Path,
) -> None:
    result = _invoke(["--offline-dir", str(mixed_folder), "-m", "val_acc", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    where = [w for w in data["warnings"] if w.startswith("the runs come from")]
    # one warning: the job type splits the runs exactly as the group does
    assert where == [
        "the runs come from 3 groups: sweep-a (6 runs), sweep-b (6 runs), no group (3 runs); "
        "their runs are pooled into the same configurations. Keep one with --group NAME "
        "(W&B), or compare them with --group-by lr --group-by source.group"
    ]
    dup = [w for w in data["warnings"] if "duplicate seeds" in w]
    assert len(dup) == 1 and dup[0].startswith("2 configurations have duplicate seeds")
    for run_name in ("sweep-a-", "sweep-b-", "adhoc-0", "adhoc-1", "adhoc-2"):
        assert run_name in dup[0]
    assert [c["n"] for c in data["configs"]] == [9, 6]
    assert not data["pairs"][0]["paired"]


def test_group_option_keeps_one_sweep_and_pairs_again(mixed_folder: Path) -> None:
    result = _invoke(["--offline-dir", str(mixed_folder), "-m", "val_acc", "--group", "sweep-a",
                      "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["runs"] == 6
    assert not [w for w in data["warnings"] if "come from" in w or "duplicate" in w]
    assert data["pairs"][0]["paired"]  # one run per seed again


def test_group_by_source_compares_the_sweeps_as_configurations(mixed_folder: Path) -> None:
    result = _invoke(["--offline-dir", str(mixed_folder), "-m", "val_acc", "--group-by",
                      "source.group", "--group-by", "lr", "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    names = sorted(c["name"] for c in data["configs"])
    assert names == [
        "source.group=None, lr=0.01",
        "source.group=sweep-a, lr=0.01",
        "source.group=sweep-a, lr=0.1",
        "source.group=sweep-b, lr=0.01",
        "source.group=sweep-b, lr=0.1",
    ]
    assert not [w for w in data["warnings"] if "duplicate" in w or "come from" in w]
    # a partial spec picks the one matching configuration; an ambiguous one is one line
    ok = _invoke(["--offline-dir", str(mixed_folder), "-m", "val_acc", "--group-by",
                  "source.group", "--group-by", "lr", "--baseline", "source.group=sweep-b,lr=0.1",
                  "--format", "json"])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["baseline"] == "source.group=sweep-b, lr=0.1"
    bad = _invoke(["--offline-dir", str(mixed_folder), "-m", "val_acc", "--group-by",
                   "source.group", "--group-by", "lr", "--baseline", "lr=0.1"])  # fmt: skip
    assert bad.exit_code == 2
    assert bad.stderr.count("\n") == 1
    assert "matches 2 configurations: source.group=sweep-a, lr=0.1; source.group=sweep-b" in (
        bad.stderr
    )


def test_default_text_of_the_mixed_folder_fits_a_screen(mixed_folder: Path) -> None:
    result = _invoke(["--offline-dir", str(mixed_folder), "-m", "val_acc"])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) <= 40
    assert "the runs come from 3 groups" in result.stdout


def test_continuous_search_is_ranked_with_the_param_trend(search_folder: Path) -> None:
    runs = load_offline_runs([search_folder]).runs
    assert len(runs) == 14 and len({r.params["lr"] for r in runs}) == 14
    result = _invoke(["--offline-dir", str(search_folder), "-m", "val_loss:min"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "14 configurations with one run each: no seed-level test is possible" in text
    assert "top 10 of 14 runs by val_loss (minimize), best first:" in text
    assert "4 more runs, ranked by value" in text
    # the loss falls as lr grows: Spearman rho = -1 over the 14 runs, better with higher lr
    trend = next(line for line in text.splitlines() if line.startswith("lr "))
    assert trend.split()[1] == "-1" and trend.rstrip().endswith("higher lr")
    # the advice names the confirm command that exists (issue 17, D10: not "there is no
    # confirm command yet")
    assert "no confirm command" not in text
    assert "mlflow compare confirm configs.yaml" in text and "--seeds 5" in text
    # no pair table of one-run configurations, and one warning about it, not one per config
    assert "a vs b" not in text
    assert sum("only one run" in line for line in text.splitlines()) == 1
    assert len(text.splitlines()) <= 60
    # the best run is first; JSON keeps all 14 configurations
    best = min(runs, key=lambda r: r.metrics["val_loss"])
    first = next(line for line in text.splitlines() if line.lstrip().startswith("1  "))
    assert best.name in first
    full = _invoke(["--offline-dir", str(search_folder), "-m", "val_loss:min", "--format", "json"])
    assert len(json.loads(full.stdout)["configs"]) == 14


def test_the_suggested_group_by_keeps_the_params(mixed_folder: Path) -> None:
    """Issue 19 item 4: the suggestion, followed as printed, splits by source AND by lr."""
    first = _invoke(["--offline-dir", str(mixed_folder), "-m", "val_acc", "--format", "json"])
    (hint,) = [w for w in json.loads(first.stdout)["warnings"] if "compare them with" in w]
    suggested = hint.split("compare them with ", 1)[1].split()
    result = _invoke(["--offline-dir", str(mixed_folder), "-m", "val_acc", *suggested,
                      "--format", "json"])
    assert result.exit_code == 0, result.output
    names = sorted(c["name"] for c in json.loads(result.stdout)["configs"])
    assert names == ["lr=0.01, source.group=None", "lr=0.01, source.group=sweep-a",
                     "lr=0.01, source.group=sweep-b", "lr=0.1, source.group=sweep-a",
                     "lr=0.1, source.group=sweep-b"]


def test_empty_group_selects_the_ungrouped_runs(mixed_folder: Path) -> None:
    result = _invoke(["--offline-dir", str(mixed_folder), "-m", "val_acc", "--group", "",
                      "--group-by", "lr", "--format", "json"])
    # the 3 ad-hoc runs share one lr: one configuration, so one line and exit 2 (main
    # ignored --group "" and compared all 15 runs)
    assert result.exit_code == 2, result.output
    assert "fewer than two configurations" in result.stderr or "1 configuration" in result.stderr
    runs = load_offline_runs([mixed_folder]).runs
    from wandb_compare_ext._provenance import keep_source

    assert sorted(r.name for r in keep_source(runs, group="")) == ["adhoc-0", "adhoc-1", "adhoc-2"]


@pytest.mark.parametrize(("query", "n_runs"), [
    ({"config.lr": 0.1}, 6),
    ({"group": "sweep-a"}, 6),
    ({"$and": [{"group": {"$in": ["sweep-a", "sweep-b"]}}, {"config.seed": {"$lte": 1}}]}, 8),
    ({"$or": [{"displayName": {"$in": ["adhoc-0", "adhoc-1"]}}, {"group": "sweep-b"}]}, 8),
    ({"summary_metrics.val_acc": {"$gte": 0.83}, "state": "finished"}, 9),  # every lr=0.01
    ({"group": {"$exists": False}}, 3),
])
def test_filter_applies_to_offline_runs(mixed_folder: Path, query: dict, n_runs: int) -> None:
    """Issue 19 item 4: --filter was silently ignored with --offline-dir."""
    result = _invoke(["--offline-dir", str(mixed_folder), "-m", "val_acc", "--group-by", "lr",
                      "--group-by", "source.group", "--filter", json.dumps(query),
                      "--format", "json"])
    runs = load_offline_runs([mixed_folder]).runs
    from wandb_compare_ext._offline_filter import matches

    assert len([r for r in runs if matches(r, query)]) == n_runs
    if result.exit_code == 0:
        assert json.loads(result.stdout)["runs"] == n_runs
    else:  # a filter leaving one configuration: one line, exit 2
        assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.output


def test_filter_offline_refuses_what_it_cannot_evaluate(mixed_folder: Path) -> None:
    for query, message in (({"createdAt": {"$gt": "2024-01-01"}}, "unknown field 'createdAt'"),
                           ({"config.lr": {"$regex": "0.*"}}, "unsupported operator '$regex'")):
        result = _invoke(["--offline-dir", str(mixed_folder), "-m", "val_acc",
                          "--filter", json.dumps(query)])
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr
