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
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from shared.compare.results._jsonable import finite_or_none as _finite

if TYPE_CHECKING:
    from shared.compare import Comparison, ConfigSummary

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


def group_by(comparison: Comparison) -> list[str]:
    """The params that define a configuration (the union of the configurations' params), sorted.

    Example:
        >>> group_by(_example())
        ['lr']
    """
    return sorted({str(k) for c in comparison.configs for k in c.params})


def question(comparison: Comparison, experiments: Iterable[str]) -> dict[str, Any]:
    """What identifies the question a comparison answers (see the module docstring).

    Example:
        >>> q = question(_example(), ["1"])
        >>> q["experiments"], q["group_by"], "x_axis" in q
        (['1'], ['lr'], False)
    """
    c = comparison
    q: dict[str, Any] = {
        "experiments": sorted({str(e) for e in experiments}),
        "metric": c.metric,
        "goal": c.goal,
        "reduce": c.reduce,
        "group_by": group_by(c),
    }
    if c.reduce.startswith(_USES_X_AXIS):
        q["x_axis"] = c.x_axis or "step"
    if c.reduce.startswith(_USES_BUDGET) and _finite(c.budget) is not None:
        q["budget"] = float(c.budget)  # type: ignore[arg-type]
    return q


def question_id(comparison: Comparison, experiments: Iterable[str]) -> str:
    """A 12-hex-digit id of :func:`question`: sha256 of its canonical JSON.

    Example:
        >>> question_id(_example(), ["2", "1"]) == question_id(_example(), ["1", "2"])
        True
    """
    text = json.dumps(question(comparison, experiments), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _clip(text: str, limit: int = _MAX_PARAM) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def question_params(comparison: Comparison, experiments: Iterable[str]) -> dict[str, str]:
    """The question as MLflow params: ``metric``, ``goal``, ``reduce``, ``test`` (as asked:
    ``auto`` or a name; the tests used are in the ``compare.test`` tag), ``alpha``,
    ``correction``, ``seed_key``, ``group_by`` (comma-separated), ``min_effect``, ``baseline``,
    ``x_axis``, ``budget``, ``experiments`` and ``question`` (:func:`question_id`). A value the
    comparison does not have (no seed key: unpaired; no baseline) is left out, never "None".

    Example:
        >>> p = question_params(_example(), ["1"])
        >>> p["metric"], p["alpha"], p["seed_key"], "baseline" in p
        ('acc', '0.05', 'seed', False)
    """
    c = comparison
    experiments = list(experiments)
    raw: dict[str, Any] = {
        "metric": c.metric,
        "goal": c.goal,
        "reduce": c.reduce,
        "test": c.test_requested,
        "alpha": float(c.alpha),
        "correction": c.correction,
        "seed_key": c.seed_key,
        "group_by": ",".join(group_by(c)) or None,
        "min_effect": float(c.min_effect),
        "baseline": c.baseline,
        "x_axis": c.x_axis,
        "budget": _finite(c.budget),
        "experiments": ",".join(sorted({str(e) for e in experiments})) or None,
        "question": question_id(c, experiments),
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


def _by_mean(comparison: Comparison) -> list[ConfigSummary]:
    """Configurations best mean first for the goal (those without a finite mean last)."""
    sign = -1.0 if comparison.goal == "minimize" else 1.0
    scored = [c for c in comparison.configs if _finite(c.mean) is not None]
    ranked = sorted(scored, key=lambda c: -sign * float(c.mean))
    return ranked + [c for c in comparison.configs if all(c is not r for r in ranked)]


def answer_metrics(comparison: Comparison) -> dict[str, float]:
    """The answer as a fixed, small set of MLflow metrics (:data:`ANSWER_METRICS`, prefixed
    ``compare/``), the same keys for 2 configurations or 400.

    ``winner_found`` (1 or 0), ``n_configs``, ``n_runs``, ``n_best_set`` (configurations that
    could still be the best; 1 with a winner), ``n_pairs`` tested and ``n_significant``; the
    winner's ``mean``, ``std``, ``ci_low``, ``ci_high`` and ``n`` when there is one;
    ``best_mean`` and ``runner_up_mean`` (the two best means for the goal); ``seeds_needed``
    when the decision has it, the smallest adjusted p and the omnibus p. A value that is
    missing or not finite is left out.

    Example:
        >>> m = answer_metrics(_example())
        >>> m["compare/winner_found"], m["compare/n_configs"], m["compare/winner_n"]
        (1.0, 2.0, 6.0)
    """
    decision = comparison.decision
    winner, best_set = decision.winner, decision.best_set
    pairs = comparison.pairs
    out: dict[str, Any] = {
        "winner_found": 1 if winner else 0,
        "n_configs": len(comparison.configs),
        "n_runs": sum(len(c.run_ids) for c in comparison.configs),
        "n_best_set": 1 if winner else (len(best_set) if best_set is not None else None),
        "n_pairs": len(pairs),
        "n_significant": sum(1 for p in pairs if p.significant),
        "seeds_needed": decision.seeds_needed,
        "min_p_adj": min((v for v in (_finite(p.p_adjusted) for p in pairs) if v is not None),
                         default=None),
        "omnibus_p": None if comparison.omnibus is None else comparison.omnibus.p_value,
    }
    for c in comparison.configs:
        if winner and c.name == str(winner):
            lo, hi = c.ci or (None, None)
            out.update({"winner_mean": c.mean, "winner_std": c.std, "winner_ci_low": lo,
                        "winner_ci_high": hi, "winner_n": c.n})
    ranked = [c for c in _by_mean(comparison) if _finite(c.mean) is not None]
    if ranked:
        out["best_mean"] = ranked[0].mean
    if len(ranked) > 1:
        out["runner_up_mean"] = ranked[1].mean
    finite = {k: _finite(v) for k, v in out.items()}
    return {PREFIX + k: v for k, v in finite.items() if v is not None}


def answer_tables(comparison: Comparison) -> dict[str, dict[str, list[Any]]]:
    """Per configuration and per pair, as column -> values tables for ``MlflowClient.log_table``
    (MLflow shows them in the run's artifacts and in its evaluation view). Configurations are
    ranked best first (``rank``), pairs in the comparison's order.

    Example:
        >>> t = answer_tables(_example())
        >>> t["configs.json"]["config"], t["configs.json"]["rank"], len(t["pairs.json"]["a"])
        (['lr=0.01', 'lr=0.1'], [1, 2], 1)
    """
    decision = comparison.decision
    best = set(decision.best_set or ())
    conf: dict[str, list[Any]] = {k: [] for k in (
        "rank", "config", "mean", "std", "ci_low", "ci_high", "n", "possibly_best")}
    for i, c in enumerate(_by_mean(comparison), start=1):
        lo, hi = c.ci or (None, None)
        conf["rank"].append(i)
        conf["config"].append(c.name)
        conf["mean"].append(_finite(c.mean))
        conf["std"].append(_finite(c.std))
        conf["ci_low"].append(_finite(lo))
        conf["ci_high"].append(_finite(hi))
        conf["n"].append(c.n)
        conf["possibly_best"].append(c.name == decision.winner or c.name in best)
    pair: dict[str, list[Any]] = {k: [] for k in (
        "a", "b", "test", "diff", "ci_low", "ci_high", "p", "p_adj", "significant", "effect")}
    for p in comparison.pairs:
        lo, hi = p.ci or (None, None)
        pair["a"].append(p.a)
        pair["b"].append(p.b)
        pair["test"].append(p.test or "")
        pair["diff"].append(_finite(p.diff))
        pair["ci_low"].append(_finite(lo))
        pair["ci_high"].append(_finite(hi))
        pair["p"].append(_finite(p.p_value))
        pair["p_adj"].append(_finite(p.p_adjusted))
        pair["significant"].append(bool(p.significant))
        pair["effect"].append(_finite(p.effect_size))
    tables = {"configs.json": conf}
    if pair["a"]:
        tables["pairs.json"] = pair
    return tables


def _example() -> Comparison:
    """The comparison the examples above use: lr=0.01 ahead by 0.1 on each of 6 seeds."""
    from shared.compare import compare_runs
    from shared.model import Run

    runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
                metrics={"acc": 0.7 + (0.1 if lr == 0.01 else 0.0) + 0.01 * s})
            for lr in (0.1, 0.01) for s in range(6)]
    return compare_runs(runs, metric="acc")
