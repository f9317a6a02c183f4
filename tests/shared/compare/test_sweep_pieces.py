"""The pieces behind large sweeps: rank trends, provenance keys, stable names, partial specs,
the screen-sized layout and progress bars that stay out of pipes."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from shared import Run
from shared.compare import compare_runs
from shared.compare.configs._grouping import group_runs, match_config
from shared.compare.configs._sweep import param_effects, spearman_ci
from shared.errors import InputError
from shared.render import render

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("seed", range(5))
def test_spearman_matches_scipy_and_the_fieller_hartley_pearson_interval(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=25)
    y = 0.5 * x + rng.normal(size=25)
    y[3] = y[4]  # ties are averaged, as scipy does
    rho, ci = spearman_ci(x, y)
    assert rho == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    # Fieller, Hartley and Pearson (1957): z = atanh(rho), se = sqrt(1.06 / (n - 3))
    z, se = math.atanh(rho), math.sqrt(1.06 / 22)
    q = stats.norm.ppf(0.975)
    assert ci == pytest.approx((math.tanh(z - q * se), math.tanh(z + q * se)), abs=1e-12)


def test_spearman_interval_covers_at_its_level_under_a_known_correlation() -> None:
    # bivariate normal with Pearson r = 0.5: Spearman's population rho = 6/pi asin(r/2)
    rng = np.random.default_rng(7)
    true = 6 / math.pi * math.asin(0.25)
    cov = [[1, 0.5], [0.5, 1]]
    hits = 0
    for _ in range(400):
        xy = rng.multivariate_normal([0, 0], cov, size=40)
        _rho, (lo, hi) = spearman_ci(xy[:, 0], xy[:, 1])
        hits += lo <= true <= hi
    assert 0.92 <= hits / 400 <= 0.98


def test_param_effects_say_which_direction_is_better() -> None:
    configs = [{"params": {"lr": lr, "opt": "adam", "wd": wd}, "mean": 1.0 - lr + 0 * wd}
               for lr, wd in zip([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [1, 1, 1, 1, 1, 2], strict=True)]
    effects = {e["param"]: e for e in param_effects(configs, "minimize")}
    assert set(effects) == {"lr", "wd"}  # a text param has no rank trend
    assert effects["lr"]["rho"] == -1.0 and effects["lr"]["better_when"] == "higher"
    assert effects["wd"]["better_when"] == "unclear"  # its interval holds 0


def test_names_use_the_keys_in_name_order_and_source_keys_group() -> None:
    runs = [Run("wandb", f"{s}{i}", params={"lr": lr, "seed": i, "hidden": 64},
                source={"sweep": s}, metrics={"acc": 0.5})
            for s in ("a", "b") for i, lr in enumerate((0.1, 0.01))]  # fmt: skip
    g = group_runs(runs, group_by=["sweep", "params.lr"], seed_key="seed")
    assert g.group_by == ["source.sweep", "lr"]
    assert [c.name for c in g.configs] == [
        "source.sweep=a, lr=0.01", "source.sweep=a, lr=0.1",
        "source.sweep=b, lr=0.01", "source.sweep=b, lr=0.1",
    ]  # fmt: skip
    with pytest.raises(InputError, match="group-by key.*'source.nothing'"):
        group_runs(runs, group_by=["source.nothing"])


def test_partial_spec_matches_exactly_one_configuration_or_lists_them() -> None:
    names = ["hidden=64, lr=0.001", "hidden=128, lr=0.001", "hidden=128, lr=0.1"]
    assert match_config("lr=0.1", names, []) == "hidden=128, lr=0.1"
    assert match_config("hidden = 64", names, []) == "hidden=64, lr=0.001"
    assert match_config("lr=1e-1, hidden=128", names, []) == "hidden=128, lr=0.1"
    with pytest.raises(InputError, match=r"'lr=0.001' matches 2 configurations: hidden=64, "):
        match_config("lr=0.001", names, [])
    assert match_config("lr=0.5", names, []) is None


def _runs(n_configs: int, seeds: int, gap: float = 0.0) -> list[Run]:
    rng = np.random.default_rng(0)
    return [
        Run("frame", f"c{c}s{s}", params={"c": c, "seed": s},
            metrics={"acc": (gap if c == 0 else 0.0) + 0.01 * s + rng.normal(0, 0.001)})
        for c in range(n_configs) for s in range(seeds)
    ]  # fmt: skip


def test_many_configurations_render_as_summary_top_k_and_what_was_left_out() -> None:
    comparison = compare_runs(_runs(40, 5, gap=0.05), metric="acc", test="paired-t")
    text = render(comparison, "table", top=5)
    lines = text.splitlines()
    assert "40 configurations, 200 runs (5 per configuration)" in text
    assert "top 5 of 40 configurations, best first" in text
    assert lines[[i for i, x in enumerate(lines) if x.startswith("rank")][0] + 2].split()[:2] == [
        "1", "c=0"]  # fmt: skip
    assert "35 more configuration" in text
    assert "pairwise tests not shown" in text
    assert len(lines) < 80
    # csv and json keep all 40
    assert render(comparison, "csv").count("\nconfig,") == 40
    assert len(comparison.to_dict()["configs"]) == 40


def test_few_configurations_keep_the_full_table() -> None:
    comparison = compare_runs(_runs(3, 5, gap=0.05), metric="acc", test="paired-t")
    text = render(comparison, "table")
    assert "top " not in text and "a vs b" in text


def test_progress_bars_stay_out_of_pipes() -> None:
    code = ("from shared._progress import progress_bar\n"
            "with progress_bar('x', 1000) as bar:\n    bar.update(1000)\n"
            "print('shown' if bar.shown else 'silent')")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env={"PATH": "/usr/bin", "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert done.stdout.strip() == "silent" and done.stderr == ""
    forced = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, env={"PATH": "/usr/bin", "PYTHONPATH": str(ROOT),
                                           "TRACKER_COMPARE_PROGRESS": "1"})  # fmt: skip
    assert forced.stdout.strip() == "shown" and "x: " in forced.stderr and "/1000" in forced.stderr


def test_frames_carry_provenance_both_ways() -> None:
    import pandas as pd

    from shared import runs_from_frame, runs_to_frame

    runs = [Run("wandb", f"r{i}", params={"lr": 0.1, "seed": i}, metrics={"acc": 0.5 + i},
                source={"sweep": "s1", "group": "g"} if i else {}) for i in range(3)]  # fmt: skip
    back = runs_from_frame(runs_to_frame(runs))
    assert [r.source for r in back] == [r.source for r in runs]
    # an MLflow search_runs frame names the parent run in a tag
    frame = pd.DataFrame({"run_id": ["a", "b"], "params.seed": ["0", "1"],
                          "metrics.acc": [0.1, 0.2],
                          "tags.mlflow.parentRunId": ["p1", None]})  # fmt: skip
    assert [r.source for r in runs_from_frame(frame)] == [{"parent_run": "p1"}, {}]


def test_markdown_is_screen_sized_with_top_and_complete_without() -> None:
    comparison = compare_runs(_runs(40, 5, gap=0.05), metric="acc", test="paired-t")
    short = render(comparison, "markdown", top=5)
    assert "## top 5 of 40 configurations, best first" in short
    assert "35 more configuration" in short and short.count("\n| ") < 30
    full = render(comparison, "markdown")  # report.md: every configuration and pair
    assert "## Configurations" in full and full.count("c=39") >= 1
    assert len(full.splitlines()) > 3 * len(short.splitlines())
