"""The comparison as MLflow records it: the question as params, the answer as metrics.

A comparison run is then a row like any other in MLflow's runs table: sortable by
``alpha`` or ``metric``, its answers (``lr_0.01/mean``, ``lr_0.01 vs lr_0.1/p_adj``) charted
and compared across comparison runs. The decision in words stays in tags
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

from shared.compare._jsonable import finite_or_none as _finite

if TYPE_CHECKING:
    from shared.compare import Comparison

__all__ = [
    "question",
    "question_id",
    "question_params",
    "answer_metrics",
    "metric_key",
    "group_by",
]

_MAX_PARAM = 6000  # MLflow's limit for a param value
_MAX_NAME = 100  # characters of a configuration name kept in a metric key (MLflow allows 250)
# Pairs logged as metrics at most (6 metrics each): 400 configurations compared all-pairs would
# be ~80,000 pairs, half a million metrics; comparison.json has every pair.
MAX_PAIRS = 500
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


def answer_metrics(comparison: Comparison) -> dict[str, float]:
    """The answer as MLflow metrics.

    Per configuration ``<config>/mean``, ``/std``, ``/ci_low``, ``/ci_high``, ``/n``; per
    tested pair ``<a> vs <b>/diff``, ``/diff_ci_low``, ``/diff_ci_high``, ``/p``, ``/p_adj``,
    ``/effect``; and ``n_runs``, ``n_configs``, ``winner_found`` (1 or 0) and
    ``seeds_needed`` when the decision has it. Names are made valid metric keys (``lr=0.01``
    becomes ``lr_0.01``); a value that is missing or not finite is left out. With more than
    ``MAX_PAIRS`` pairs only the ``MAX_PAIRS`` with the smallest adjusted p are logged, and
    ``pairs_not_logged`` says how many were left out (comparison.json has them all).

    Example:
        >>> m = answer_metrics(_example())
        >>> m["lr_0.01/n"], m["lr_0.01 vs lr_0.1/p"], m["n_configs"], m["winner_found"]
        (6.0, 0.03125, 2.0, 1.0)
    """
    configs = list(comparison.configs)
    names = [c.name for c in configs]
    keys = dict(zip(names, _unique(names), strict=True))
    out: dict[str, Any] = {}
    for c, key in zip(configs, keys.values(), strict=True):
        ci = c.ci or (None, None)
        out[f"{key}/mean"] = c.mean
        out[f"{key}/std"] = c.std
        out[f"{key}/ci_low"] = ci[0]
        out[f"{key}/ci_high"] = ci[1]
        out[f"{key}/n"] = c.n
    pairs = list(comparison.pairs)
    left_out = max(0, len(pairs) - MAX_PAIRS)
    if left_out:
        rank = {id(p): i for i, p in enumerate(pairs)}
        kept = sorted(
            pairs,
            key=lambda p: (_finite(p.p_adjusted) is None, _finite(p.p_adjusted) or 0.0),
        )[:MAX_PAIRS]
        pairs = sorted(kept, key=lambda p: rank[id(p)])  # in the comparison's order
    pair_names = [
        f"{keys.get(p.a, _segment(p.a))} vs {keys.get(p.b, _segment(p.b))}" for p in pairs
    ]
    for p, key in zip(pairs, _unique(pair_names), strict=True):
        ci = p.ci or (None, None)
        out[f"{key}/diff"] = p.diff
        out[f"{key}/diff_ci_low"] = ci[0]
        out[f"{key}/diff_ci_high"] = ci[1]
        out[f"{key}/p"] = p.p_value
        out[f"{key}/p_adj"] = p.p_adjusted
        out[f"{key}/effect"] = p.effect_size
    decision = comparison.decision
    out["n_runs"] = sum(len(c.run_ids) for c in configs)
    out["n_configs"] = len(configs)
    out["winner_found"] = 1 if decision.winner else 0
    out["seeds_needed"] = decision.seeds_needed
    if left_out:
        out["pairs_not_logged"] = left_out
    finite = {k: _finite(v) for k, v in out.items()}
    return {k: v for k, v in finite.items() if v is not None}


def _example() -> Comparison:
    """The comparison the examples above use: lr=0.01 ahead by 0.1 on each of 6 seeds."""
    from shared.compare import compare_runs
    from shared.model import Run

    runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
                metrics={"acc": 0.7 + (0.1 if lr == 0.01 else 0.0) + 0.01 * s})
            for lr in (0.1, 0.01) for s in range(6)]
    return compare_runs(runs, metric="acc")

