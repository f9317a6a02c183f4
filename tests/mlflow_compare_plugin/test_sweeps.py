"""``mlflow compare`` on real sqlite stores that hold what real trackers hold.

* Two studies logged as nested runs under their parent runs, plus ad-hoc runs of the same
  params (all through the real ``MlflowClient``): the parents are left out, the warning names
  the parent runs with their run counts and ``--parent-run-id``, duplicate seeds are named
  with their runs, ``--parent-run-id`` and ``--group-by source.parent_run`` separate them.
* 400 configurations x 5 seeds (written through MLflow's own store models, see
  ``tests/_sweep_store.py``; logging 2,000 runs through the client takes minutes): the default
  text fits a screen, says what was left out, and the best set is the three good ones.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

from mlflow_compare_plugin._fetch import MlflowSource, to_run
from mlflow_compare_plugin._fetch_sql_runs import search_runs_sql
from mlflow_compare_plugin.cli import compare

pytestmark = pytest.mark.timeout(300)
TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from _sweep_store import make_sweep_store  # noqa: E402

SEEDS = (0, 1, 2)


def invoke(*args: Any) -> Any:
    return CliRunner().invoke(compare, [str(a) for a in args], catch_exceptions=False)


def _acc(lr: float, seed: int, shift: float) -> float:
    return 0.80 + (0.05 if lr == 0.01 else 0.0) + 0.01 * seed + shift


@pytest.fixture(scope="module")
def studies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two studies (parent + 6 children each) and 3 ad-hoc runs in one experiment."""
    root = tmp_path_factory.mktemp("studies")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    client = MlflowClient(uri)
    experiment = client.create_experiment("lr", artifact_location=str(root / "art"))
    parents = {}
    for name, shift in (("study-a", 0.0), ("study-b", 0.002)):
        parent = client.create_run(experiment, run_name=name)
        parents[name] = parent.info.run_id
        client.log_metric(parent.info.run_id, "acc", 0.9)  # a parent logs its best value
        for lr in (0.01, 0.1):
            for seed in SEEDS:
                run = client.create_run(
                    experiment, run_name=f"{name}-{lr}-{seed}",
                    tags={"mlflow.parentRunId": parent.info.run_id},
                )  # fmt: skip
                client.log_batch(
                    run.info.run_id,
                    metrics=[Metric("acc", _acc(lr, seed, shift), 0, 0)],
                    params=[Param("lr", str(lr)), Param("seed", str(seed))],
                    tags=[RunTag("study", name)],
                )
                client.set_terminated(run.info.run_id)
        client.set_terminated(parent.info.run_id)
    for seed in SEEDS:
        run = client.create_run(experiment, run_name=f"adhoc-{seed}")
        client.log_batch(
            run.info.run_id,
            # a NaN latest value, for the set-based run reader to keep as MLflow does
            metrics=[Metric("acc", _acc(0.01, seed, 0.001), 0, 0), Metric("aux", math.nan, 0, 0)],
            params=[Param("lr", "0.01"), Param("seed", str(seed))],
        )
        client.set_terminated(run.info.run_id)
    return {"uri": uri, "experiment": experiment, "parents": parents}


def test_mixed_parents_are_named_with_counts_and_the_option(studies: dict[str, Any]) -> None:
    result = invoke("--tracking-uri", studies["uri"], "--experiment-id", studies["experiment"],
                    "--metric", "acc", "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "warning: 2 parent runs left out (its children are compared): " in result.stderr
    data = json.loads(result.stdout)
    assert data["runs"] == 15
    a, b = studies["parents"]["study-a"], studies["parents"]["study-b"]
    where = [w for w in data["warnings"] if w.startswith("the runs come from")]
    assert len(where) == 1, data["warnings"]
    assert where[0].startswith("the runs come from 3 parent runs: ")
    for part in (f"{a} (6 runs)", f"{b} (6 runs)", "no parent run (3 runs)",
                 "--parent-run-id ID (MLflow)", "--group-by source.parent_run"):  # fmt: skip
        assert part in where[0]
    dup = [w for w in data["warnings"] if "duplicate seeds" in w]
    assert len(dup) == 1 and "study-a-0.01-0" in dup[0] and "adhoc-0" in dup[0]


def test_parent_run_id_keeps_one_study(studies: dict[str, Any]) -> None:
    a = studies["parents"]["study-a"]
    result = invoke("--tracking-uri", studies["uri"], "--experiment-id", studies["experiment"],
                    "--metric", "acc", "--parent-run-id", a, "--format", "json")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["runs"] == 6 and all(p["paired"] for p in data["pairs"])
    assert not [w for w in data["warnings"] if "come from" in w or "duplicate" in w]
    bad = invoke("--tracking-uri", studies["uri"], "--experiment-id", studies["experiment"],
                 "--metric", "acc", "--parent-run-id", "x' or '1'='1")  # fmt: skip
    assert bad.exit_code == 2 and "is not a run id" in bad.stderr


def test_group_by_parent_and_tags_and_a_partial_baseline(studies: dict[str, Any]) -> None:
    base = ("--tracking-uri", studies["uri"], "--experiment-id", studies["experiment"],
            "--metric", "acc", "--format", "json")  # fmt: skip
    result = invoke(*base, "--group-by", "tags.study", "--group-by", "lr")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert sorted(c["name"] for c in data["configs"]) == [
        "tags.study=None, lr=0.01",
        "tags.study=study-a, lr=0.01",
        "tags.study=study-a, lr=0.1",
        "tags.study=study-b, lr=0.01",
        "tags.study=study-b, lr=0.1",
    ]
    # the parent split is the tag's split: nothing is pooled, nothing to warn about
    assert not [w for w in data["warnings"] if "come from" in w or "duplicate" in w]
    ok = invoke(*base, "--group-by", "source.parent_run", "--group-by", "lr",
                "--parent-run-id", studies["parents"]["study-b"], "--baseline", "lr=1e-1")
    assert ok.exit_code == 0, ok.stderr
    assert json.loads(ok.stdout)["baseline"].endswith(", lr=0.1")
    many = invoke(*base, "--group-by", "tags.study", "--group-by", "lr", "--baseline", "lr=0.01")
    assert many.exit_code == 2
    errors = [x for x in many.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and "'lr=0.01' matches 3 configurations: " in errors[0]


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    # 5 seeds: with 399 comparisons, 3 seeds (2 df) cannot separate anything
    return make_sweep_store(tmp_path_factory.mktemp("big") / "mlflow.db", n_configs=400,
                            n_seeds=5, steps=3, gap=0.05, noise=0.004)  # fmt: skip


def test_400_configurations_fit_a_screen_and_find_the_best_set(big_store: tuple[str, str]) -> None:
    uri, experiment = big_store
    common = ("--tracking-uri", uri, "--experiment-id", experiment, "--metric", "val_loss:min")
    result = invoke(*common)
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) <= 70, len(lines)
    text = result.stdout
    assert "400 configurations, 2000 runs (5 per configuration)" in text
    assert "top 10 of 400 configurations, best first" in text
    assert "390 more configuration" in text
    assert "pairwise tests not shown" in text or "a vs b" not in text
    full = invoke(*common, "--format", "json")
    data = json.loads(full.stdout)
    assert len(data["configs"]) == 400
    good = {"dropout=0.0, hidden=32, lr=0.0001", "dropout=0.05, hidden=32, lr=0.0001",
            "dropout=0.1, hidden=32, lr=0.0001"}  # fmt: skip
    best = data["decision"].get("best_set")
    if data.get("mcb") is not None or best is not None:  # multiple comparisons with the best
        assert set(best) == good
        assert "390 more configurations, all significantly worse than the best" in text
    ranked = {line.split("  ")[1].strip() for line in (x.lstrip() for x in lines)
              if line.split("  ")[0] in ("1", "2", "3")}  # fmt: skip
    assert ranked == good
    top3 = invoke(*common, "--top", "3")
    assert "top 3 of 400 configurations" in top3.stdout
    assert len(top3.stdout.splitlines()) < len(lines)


def test_400_configurations_report_html_is_ranked_and_small(
    big_store: tuple[str, str], tmp_path: Path, browser: Any, chromium: Any
) -> None:
    """Issue 19 item 5: the 400-configuration report was 4.7 MB and 55,505 px tall in name
    order; it lists the top 20 best first with the possibly-best set marked, the rest counted."""
    import re

    uri, experiment = big_store
    out = tmp_path / "report.html"
    result = invoke("--tracking-uri", uri, "--experiment-id", experiment, "--metric",
                    "val_loss:min", "--format", "html", "--output", out)
    assert result.exit_code == 0, result.stderr
    page = out.read_text()
    assert len(page.encode()) < 600_000, len(page.encode())
    table = page[page.index('id="configs"'):page.index("</table>", page.index('id="configs"'))]
    names = re.findall(r'<td class="name"[^>]*>([^<]+)</td>', table)
    marked = re.findall(r'<tr class="best"><td class="name"[^>]*>([^<]+)</td>', table)
    good = {"dropout=0.0, hidden=32, lr=0.0001", "dropout=0.05, hidden=32, lr=0.0001",
            "dropout=0.1, hidden=32, lr=0.0001"}  # fmt: skip
    assert len(names) == 20 and set(names[:3]) == good and set(marked) == good
    assert "… and 380 more configurations, ranked, in table.csv and comparison.json." in page
    browser.s("POST", "/window/rect", {"width": 1400, "height": 1000})
    browser.open(out.as_uri())
    height = browser.run("return document.documentElement.scrollHeight")
    assert height < 12_000, height


def _comparable(run: Any) -> tuple:
    metrics = {k: ("nan" if math.isnan(v) else v) for k, v in run.metrics.items()}
    return (run.id, run.name, run.experiment, run.status, run.start_time, run.end_time,
            run.params, run.tags, metrics, run.source)  # fmt: skip


@pytest.mark.parametrize("store", ["studies", "big_store"])
def test_set_based_run_reader_equals_search_runs(store: str, request: Any) -> None:
    found = request.getfixturevalue(store)
    uri, experiment = (found["uri"], found["experiment"]) if store == "studies" else found
    source = MlflowSource(uri)
    expected = [_comparable(to_run(r)) for r in source.search([experiment])]
    got = [_comparable(r) for r in search_runs_sql(source.store, [experiment])]
    assert got == expected  # same runs, same order, same typed params, tags, metrics, source
    assert any(m.get("aux") == "nan" for *_, m, _src in got) == (store == "studies")
