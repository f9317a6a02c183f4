"""The comparison as MLflow records it: the question as params, the answer as metrics.

A comparison run is then a row like any other in MLflow's runs table: sortable by
``alpha`` or ``metric``, its answer a fixed handful of metrics (``compare/winner_found``,
``compare/winner_mean``...) whatever the sweep's size; per configuration and per pair the
numbers are logged tables and report artifacts, never hundreds of metric columns. The decision in words stays in tags
(``_publish.decision_tags``).

The question's identity (:func:`question_id`) is what ``--tag-winner`` uses to replace, not
accumulate, winner tags: two comparisons ask the same question when they compare runs of the
same experiments on the same metric, goal and reduction (with its x-axis and budget where the
reduction uses them) and define configurations by the same params. The filter, the test,
alpha, the correction, ``--min-effect`` and the baseline are not part of it: they are ways of
answering the question, and the latest answer replaces the earlier ones.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from shared.compare._jsonable import finite_or_none as _finite

__all__ = [
    "question",
    "question_id",
    "question_params",
    "answer_metrics",
    "answer_tables",
    "ANSWER_METRICS",
    "metric_key",
    "group_by",
]

_MAX_PARAM = 6000  # MLflow's limit for a param value
_MAX_NAME = 100  # characters of a configuration name kept in a metric key (MLflow allows 250)
# Characters MLflow accepts in a metric key on every platform (no colon: Windows refuses it),
# ASCII only; "/" is ours, to group a configuration's or pair's metrics in MLflow's charts.
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\- ]+")
# Reductions that read the history along the x-axis, and those that also use the budget.
_USES_X_AXIS = ("mean-last", "auc", "at-budget", "best-at-budget")
_USES_BUDGET = ("at-budget", "best-at-budget")


def group_by(data: Mapping[str, Any]) -> list[str]:
    """The params that define a configuration (the union of the configurations' params), sorted.

    Example:
        >>> group_by({"configs": [{"params": {"lr": 0.1}}, {"params": {"lr": 0.01, "bs": 8}}]})
        ['bs', 'lr']
    """
    keys = {str(k) for c in data.get("configs") or [] for k in (c.get("params") or {})}
    return sorted(keys)


def question(data: Mapping[str, Any], experiments: Iterable[str]) -> dict[str, Any]:
    """What identifies the question a comparison answers (see the module docstring).

    Example:
        >>> q = question({"metric": {"name": "acc", "goal": "maximize", "reduce": "last"},
        ...               "configs": [{"params": {"lr": 0.1}}]}, ["1"])
        >>> q["experiments"], q["group_by"], "x_axis" in q
        (['1'], ['lr'], False)
    """
    metric = data.get("metric") or {}
    reduce = str(metric.get("reduce") or "")
    q: dict[str, Any] = {
        "experiments": sorted({str(e) for e in experiments}),
        "metric": str(metric.get("name") or ""),
        "goal": str(metric.get("goal") or ""),
        "reduce": reduce,
        "group_by": group_by(data),
    }
    if reduce.startswith(_USES_X_AXIS):
        q["x_axis"] = str(data.get("x_axis") or "step")
    if reduce.startswith(_USES_BUDGET) and data.get("budget") is not None:
        q["budget"] = float(data["budget"])
    return q


def question_id(data: Mapping[str, Any], experiments: Iterable[str]) -> str:
    """A 12-hex-digit id of :func:`question`: sha256 of its canonical JSON.

    Example:
        >>> d = {"metric": {"name": "acc", "goal": "maximize", "reduce": "last"}, "configs": []}
        >>> question_id(d, ["2", "1"]) == question_id(d, ["1", "2"])
        True
    """
    text = json.dumps(question(data, experiments), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _clip(text: str, limit: int = _MAX_PARAM) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def question_params(data: Mapping[str, Any], experiments: Iterable[str]) -> dict[str, str]:
    """The question as MLflow params: ``metric``, ``goal``, ``reduce``, ``test`` (as asked:
    ``auto`` or a name; the tests used are in the ``compare.test`` tag), ``alpha``,
    ``correction``, ``seed_key``, ``group_by`` (comma-separated), ``min_effect``, ``baseline``,
    ``x_axis``, ``budget``, ``experiments`` and ``question`` (:func:`question_id`). A value the
    comparison does not have (no seed key: unpaired; no baseline) is left out, never "None".

    Example:
        >>> p = question_params({"metric": {"name": "acc", "goal": "maximize", "reduce": "last"},
        ...                      "alpha": 0.05, "seed_key": None, "configs": []}, ["1"])
        >>> p["metric"], p["alpha"], "seed_key" in p
        ('acc', '0.05', False)
    """
    experiments = list(experiments)
    metric = data.get("metric") or {}
    raw: dict[str, Any] = {
        "metric": metric.get("name"),
        "goal": metric.get("goal"),
        "reduce": metric.get("reduce"),
        "test": data.get("test_requested"),
        "alpha": data.get("alpha"),
        "correction": data.get("correction"),
        "seed_key": data.get("seed_key"),
        "group_by": ",".join(group_by(data)) or None,
        "min_effect": data.get("min_effect"),
        "baseline": data.get("baseline"),
        "x_axis": data.get("x_axis"),
        "budget": data.get("budget"),
        "experiments": ",".join(sorted({str(e) for e in experiments})) or None,
        "question": question_id(data, experiments),
    }
    out = {}
    for key, value in raw.items():
        if value is None or value == "":
            continue
        if isinstance(value, float):
            value = f"{value:g}"
        out[key] = _clip(str(value))
    return out


def _segment(name: Any) -> str:
    """One ``/``-free part of a metric key made of MLflow-safe characters."""
    text = str(name).replace("=", "_").replace(",", "")
    text = _UNSAFE.sub("_", text)
    text = re.sub(r"_{2,}", "_", text).strip(" _")
    text = text.lstrip(".")  # "." and ".." segments would resolve to other names
    return text[:_MAX_NAME].rstrip(" .") or "_"


def metric_key(*parts: Any) -> str:
    """A valid MLflow metric key from ``parts`` joined by ``/`` (each made safe).

    Example:
        >>> metric_key("lr=0.001, bs=8", "mean")
        'lr_0.001 bs_8/mean'
        >>> metric_key("a/b <c>", "p")
        'a_b _c/p'
    """
    return "/".join(_segment(p) for p in parts)




def _unique(names: Sequence[str]) -> list[str]:
    """Metric-key prefixes for ``names``: made safe, and told apart when two become equal."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        key = _segment(name)
        if key in seen:
            seen[key] += 1
            key = f"{key}_{seen[key]}"
        seen.setdefault(key, 1)
        out.append(key)
    return out


#: the metrics a comparison run logs, always this fixed set (fewer when a value is absent),
#: whatever the sweep's size: per configuration and per pair the numbers are in the report's
#: artifacts and in the logged tables (``answer_tables``). The ``compare/`` prefix keeps them in
#: a chart section of their own, apart from the training curves.
ANSWER_METRICS = (
    "winner_found", "n_configs", "n_runs", "n_best_set", "n_pairs", "n_significant",
    "winner_mean", "winner_std", "winner_ci_low", "winner_ci_high", "winner_n",
    "best_mean", "runner_up_mean", "seeds_needed", "min_p_adj", "omnibus_p",
)
PREFIX = "compare/"


def _by_mean(configs: Sequence[Mapping[str, Any]], goal: str) -> list[Mapping[str, Any]]:
    sign = -1.0 if goal == "minimize" else 1.0
    scored = [c for c in configs if _finite(c.get("mean")) is not None]
    return sorted(scored, key=lambda c: -sign * float(c["mean"]))


def answer_metrics(data: Mapping[str, Any]) -> dict[str, float]:
    """The answer as a fixed, small set of MLflow metrics (:data:`ANSWER_METRICS`, prefixed
    ``compare/``), the same keys for 2 configurations or 400.

    ``winner_found`` (1 or 0), ``n_configs``, ``n_runs``, ``n_best_set`` (configurations that
    could still be the best; 1 with a winner), ``n_pairs`` tested and ``n_significant``; the
    winner's ``mean``, ``std``, ``ci_low``, ``ci_high`` and ``n`` when there is one;
    ``best_mean`` and ``runner_up_mean`` (the two best means for the goal); ``seeds_needed``
    when the decision has it, the smallest adjusted p and the omnibus p. A value that is
    missing or not finite is left out.

    Example:
        >>> m = answer_metrics({"metric": {"goal": "maximize"}, "decision": {"winner": "lr=0.1"},
        ...     "configs": [{"name": "lr=0.1", "mean": 0.8, "ci": [0.7, 0.9], "n": 5, "runs": ["a"]},
        ...                 {"name": "lr=1", "mean": 0.6, "ci": [0.5, 0.7], "n": 5, "runs": ["b"]}]})
        >>> m["compare/winner_mean"], m["compare/winner_ci_high"], m["compare/n_configs"]
        (0.8, 0.9, 2.0)
    """
    configs = [c for c in data.get("configs") or [] if isinstance(c, Mapping)]
    pairs = [p for p in data.get("pairs") or [] if isinstance(p, Mapping)]
    decision = data.get("decision") or {}
    goal = str((data.get("metric") or {}).get("goal") or "maximize")
    winner = decision.get("winner")
    best_set = decision.get("best_set")
    out: dict[str, Any] = {
        "winner_found": 1 if winner else 0,
        "n_configs": len(configs),
        "n_runs": sum(len(c.get("runs") or []) for c in configs),
        "n_best_set": 1 if winner else (len(best_set) if best_set is not None else None),
        "n_pairs": len(pairs),
        "n_significant": sum(1 for p in pairs if p.get("significant")),
        "seeds_needed": decision.get("seeds_needed"),
        "min_p_adj": min((v for v in (_finite(p.get("p_adjusted")) for p in pairs)
                          if v is not None), default=None),
        "omnibus_p": (data.get("omnibus") or {}).get("p_value"),
    }
    for c in configs:
        if winner and str(c.get("name")) == str(winner):
            ci = list(c.get("ci") or [None, None]) + [None, None]
            out.update({"winner_mean": c.get("mean"), "winner_std": c.get("std"),
                        "winner_ci_low": ci[0], "winner_ci_high": ci[1], "winner_n": c.get("n")})
    ranked = _by_mean(configs, goal)
    if ranked:
        out["best_mean"] = ranked[0].get("mean")
    if len(ranked) > 1:
        out["runner_up_mean"] = ranked[1].get("mean")
    finite = {k: _finite(v) for k, v in out.items()}
    return {PREFIX + k: v for k, v in finite.items() if v is not None}


def answer_tables(data: Mapping[str, Any]) -> dict[str, dict[str, list[Any]]]:
    """Per configuration and per pair, as column -> values tables for ``MlflowClient.log_table``
    (MLflow shows them in the run's artifacts and in its evaluation view). Configurations are
    ranked best first (``rank``), pairs in the comparison's order.

    Example:
        >>> t = answer_tables({"metric": {"goal": "minimize"}, "pairs": [],
        ...                    "configs": [{"name": "a", "mean": 2.0}, {"name": "b", "mean": 1.0}]})
        >>> t["configs.json"]["config"], t["configs.json"]["rank"]
        (['b', 'a'], [1, 2])
    """
    configs = [c for c in data.get("configs") or [] if isinstance(c, Mapping)]
    goal = str((data.get("metric") or {}).get("goal") or "maximize")
    ranked = _by_mean(configs, goal)
    ranked += [c for c in configs if all(c is not r for r in ranked)]
    best = set((data.get("decision") or {}).get("best_set") or [])
    winner = (data.get("decision") or {}).get("winner")
    conf: dict[str, list[Any]] = {k: [] for k in (
        "rank", "config", "mean", "std", "ci_low", "ci_high", "n", "possibly_best")}
    for i, c in enumerate(ranked, start=1):
        ci = list(c.get("ci") or [None, None]) + [None, None]
        conf["rank"].append(i)
        conf["config"].append(str(c.get("name")))
        conf["mean"].append(_finite(c.get("mean")))
        conf["std"].append(_finite(c.get("std")))
        conf["ci_low"].append(_finite(ci[0]))
        conf["ci_high"].append(_finite(ci[1]))
        conf["n"].append(c.get("n"))
        conf["possibly_best"].append(str(c.get("name")) == str(winner)
                                     or str(c.get("name")) in best)
    pair: dict[str, list[Any]] = {k: [] for k in (
        "a", "b", "test", "diff", "ci_low", "ci_high", "p", "p_adj", "significant", "effect")}
    for p in (p for p in data.get("pairs") or [] if isinstance(p, Mapping)):
        ci = list(p.get("ci") or [None, None]) + [None, None]
        pair["a"].append(str(p.get("a")))
        pair["b"].append(str(p.get("b")))
        pair["test"].append(str(p.get("test") or ""))
        pair["diff"].append(_finite(p.get("diff")))
        pair["ci_low"].append(_finite(ci[0]))
        pair["ci_high"].append(_finite(ci[1]))
        pair["p"].append(_finite(p.get("p_value")))
        pair["p_adj"].append(_finite(p.get("p_adjusted")))
        pair["significant"].append(bool(p.get("significant")))
        pair["effect"].append(_finite(p.get("effect_size")))
    tables = {"configs.json": conf}
    if pair["a"]:
        tables["pairs.json"] = pair
    return tables
