"""Hand-built comparison dicts (contract B, schema tracker-compare/comparison/v1) for render tests.

The numbers are computed from seeded random data with numpy/scipy so every dict is internally
consistent (n matches the values, mean/std/median/CI come from the values, curves have a grid the
same length as their mean and band), as ``Comparison.to_dict()`` would produce them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats as st

XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_SCRIPT = "<script>alert(1)</script>"


def _describe(values: np.ndarray) -> dict[str, Any]:
    n = len(values)
    mean = float(np.mean(values))
    std = float(np.std(values, ddof=1))
    half = float(st.t.ppf(0.975, n - 1) * std / np.sqrt(n))
    return {
        "n": n,
        "mean": mean,
        "std": std,
        "median": float(np.median(values)),
        "ci": [mean - half, mean + half],
    }


def _curve(rng: np.random.Generator, final: float, n_runs: int, steps: int) -> dict[str, Any]:
    grid = np.linspace(0, 1000, steps)
    runs = np.stack(
        [final * (1 - np.exp(-grid / 250)) + rng.normal(0, 0.01, steps) for _ in range(n_runs)]
    )
    mean = runs.mean(axis=0)
    half = st.t.ppf(0.975, n_runs - 1) * runs.std(axis=0, ddof=1) / np.sqrt(n_runs)
    return {
        "x_axis": "step",
        "grid": grid.tolist(),
        "mean": mean.tolist(),
        "lo": (mean - half).tolist(),
        "hi": (mean + half).tolist(),
        "n": [n_runs] * steps,
    }


def _config(
    rng: np.random.Generator,
    name: str,
    params: dict[str, Any],
    centre: float,
    seeds: list[int],
    prefix: str,
    *,
    run_names: list[str] | None = None,
    with_costs: bool = True,
) -> dict[str, Any]:
    values = centre + rng.normal(0, 0.01, len(seeds))
    keys = [f"mlflow:{prefix}{s}" for s in seeds]
    cfg: dict[str, Any] = {
        "name": name,
        "params": params,
        "runs": [k.split(":", 1)[1] for k in keys],
    }
    cfg.update(_describe(values))
    cfg.update(
        {
            "run_keys": keys,
            "run_names": run_names or [f"{prefix}-seed{s}" for s in seeds],
            "values": values.tolist(),
            "seeds": seeds,
            "curve": _curve(rng, centre, len(seeds), 50),
            "stopped_early": 0,
            "costs": (
                {"cost_usd": {"total": 1.5 * len(seeds) * centre, "per_run": 1.5 * centre}}
                if with_costs
                else None
            ),
        }
    )
    return cfg


def _pair(a: dict, b: dict, p: float, p_adj: float, alpha: float) -> dict[str, Any]:
    diff = float(np.mean(np.asarray(a["values"]) - np.asarray(b["values"])))
    return {
        "a": a["name"],
        "b": b["name"],
        "test": "paired-t",
        "paired": True,
        "n": a["n"],
        "diff": diff,
        "ci": [diff - 0.01, diff + 0.01],
        "effect_size": diff / 0.01,
        "effect_name": "hedges_g",
        "p_value": p,
        "p_adjusted": p_adj,
        "significant": bool(p_adj < alpha),
        "why": "replicate sets match (seed); differences look normal (Shapiro p=0.41)",
    }


def sample_two(*, run_names: list[str] | None = None, metric: str = "val/accuracy") -> dict:
    """Two configurations x 5 seeds, with a clear winner."""
    rng = np.random.default_rng(0)
    seeds = [0, 1, 2, 3, 4]
    a = _config(rng, "lr=0.001", {"lr": 0.001}, 0.90, seeds, "a", run_names=run_names)
    b = _config(rng, "lr=0.0001", {"lr": 0.0001}, 0.85, seeds, "b")
    a["stopped_early"] = 1
    return {
        "schema": "tracker-compare/comparison/v1",
        "metric": {"name": metric, "goal": "maximize", "reduce": "last"},
        "seed_key": "seed",
        "configs": [a, b],
        "omnibus": None,
        "pairs": [_pair(a, b, 0.0012, 0.0012, 0.05)],
        "decision": {
            "winner": "lr=0.001",
            "rationale": "lr=0.001 beats lr=0.0001 by 0.05 (95% CI 0.04 to 0.06), paired-t p=0.0012.",
            "seeds_needed": None,
        },
        "warnings": ["1 run of lr=0.001 stopped early (before step 1000)."],
        "alpha": 0.05,
        "correction": "holm",
        "test_requested": "auto",
        "min_effect": 0.0,
        "baseline": None,
        "critical_difference": None,
        "param_importance": None,
        "pareto": {
            "cost_metric": "cost_usd",
            "front": ["lr=0.001"],
            "points": [
                {
                    "config": "lr=0.001",
                    "metric": a["mean"],
                    "cost": a["costs"]["cost_usd"]["per_run"],
                },
                {
                    "config": "lr=0.0001",
                    "metric": b["mean"],
                    "cost": b["costs"]["cost_usd"]["per_run"],
                },
            ],
        },
        "runs": 10,
    }


def sample_four() -> dict:
    """Four configurations (lr x lora_rank) x 6 seeds, omnibus, CD diagram, no reliable winner."""
    rng = np.random.default_rng(1)
    seeds = [0, 1, 2, 3, 4, 5]
    specs = [
        ({"lr": 0.0001, "lora_rank": 8}, 0.80),
        ({"lr": 0.0001, "lora_rank": 16}, 0.81),
        ({"lr": 0.001, "lora_rank": 8}, 0.83),
        ({"lr": 0.001, "lora_rank": 16}, 0.835),
    ]
    configs = []
    for i, (params, centre) in enumerate(specs):
        name = ", ".join(f"{k}={v}" for k, v in params.items())
        configs.append(_config(rng, name, params, centre, seeds, f"c{i}", with_costs=(i != 0)))
    configs[1]["curve"] = None  # a config without histories: the curve plot skips it
    pairs = []
    raw = [0.001, 0.002, 0.0004, 0.03, 0.02, 0.6]
    k = 0
    for i in range(4):
        for j in range(i + 1, 4):
            p = raw[k]
            pairs.append(_pair(configs[i], configs[j], p, min(1.0, p * (6 - k)), 0.05))
            k += 1
    names = [c["name"] for c in configs]
    return {
        "schema": "tracker-compare/comparison/v1",
        "metric": {"name": "eval/f1", "goal": "maximize", "reduce": "mean-last-5"},
        "seed_key": "seed",
        "configs": configs,
        "omnibus": {
            "test": "friedman",
            "statistic": 14.2,
            "p_value": 0.0026,
            "df": 3,
            "method": "Iman-Davenport",
        },
        "pairs": pairs,
        "decision": {
            "winner": None,
            "rationale": (
                "No reliable difference between lr=0.001, lora_rank=16 and lr=0.001, lora_rank=8: "
                "diff 0.005 (95% CI -0.004 to 0.014), p_adj=0.6."
            ),
            "seeds_needed": 23,
            "cheaper_alternative": "lr=0.001, lora_rank=8",
        },
        "warnings": [
            "lr=0.0001, lora_rank=8 has no cost metric logged.",
            "Histories missing for lr=0.0001, lora_rank=16; no learning curve.",
        ],
        "alpha": 0.05,
        "correction": "holm",
        "test_requested": "auto",
        "min_effect": 0.0,
        "baseline": names[0],
        "critical_difference": {
            "cd": 1.91,
            "alpha": 0.05,
            "mean_ranks": {names[0]: 3.83, names[1]: 3.0, names[2]: 1.83, names[3]: 1.33},
        },
        "param_importance": [
            {"param": "lr", "importance": 0.87, "method": "fanova"},
            {"param": "lora_rank", "importance": 0.13, "method": "fanova"},
        ],
        "pareto": None,
        "runs": 24,
    }


def sample_evil(payload: str = XSS_IMG) -> dict:
    """Four configurations where every user-supplied string is ``payload`` (or contains it).

    Run names, config names, param names and values, the metric name, the cost metric, the
    warnings and the rationale (which quote tags) all carry the payload.
    """
    d = sample_four()
    d["metric"]["name"] = payload
    old = [c["name"] for c in d["configs"]]
    new = [f"{payload} #{i}" for i in range(len(old))]
    rename = dict(zip(old, new, strict=True))
    for i, c in enumerate(d["configs"]):
        c["name"] = new[i]
        c["params"] = {payload: i, "tag": f"{payload}{i}"}
        c["run_names"] = [payload for _ in c["run_names"]]
        c["runs"] = [f"{payload}{r}" for r in c["runs"]]
        if c["costs"]:
            c["costs"] = {payload: c["costs"]["cost_usd"]}
        if c["curve"]:
            c["curve"]["x_axis"] = payload
    for p in d["pairs"]:
        p["a"], p["b"] = rename[p["a"]], rename[p["b"]]
        p["test"] = payload
        p["effect_name"] = payload
        p["why"] = payload
    d["critical_difference"]["mean_ranks"] = {
        rename[k]: v for k, v in d["critical_difference"]["mean_ranks"].items()
    }
    d["param_importance"] = [{"param": payload, "importance": 1.0, "method": payload}]
    d["decision"] = {"winner": new[3], "rationale": f"tag {payload} says so", "seeds_needed": None}
    d["warnings"] = [payload, f"run tag mlflow.note={payload}"]
    d["omnibus"]["test"] = payload
    d["seed_key"] = payload
    d["baseline"] = new[0]
    d["pareto"] = {
        "cost_metric": payload,
        "front": [new[3]],
        "points": [{"config": n, "metric": 0.8, "cost": 1.0} for n in new],
    }
    return d
