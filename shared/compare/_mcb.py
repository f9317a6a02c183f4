"""Multiple comparisons with the best (Hsu 1996): which configurations could still be the best?

For every configuration i, a simultaneous interval of its distance from the best of the
others, ``theta_i - max_{j != i} theta_j`` (in the goal's direction: positive = better), by
Hsu's constrained MCB construction::

    lower_i = min(0, min_j (m_i - m_j - c_ij * se_ij))
    upper_i = max(0, min_j (m_i - m_j + c_ij * se_ij))

i is in the **possibly-best set** when ``upper_i > 0`` (no other configuration is
significantly better), and it is **the best** when ``min_j (m_i - m_j - c_ij * se_ij) > 0``
(it beats every other by more than the simultaneous margin; its constrained interval then
starts at 0).
``se_ij`` is the standard error of the pair's mean difference: of the paired differences when
every configuration has the same seeds (the seed-to-seed noise cancels), Welch's otherwise;
``c_ij`` is the one-sided Student-t quantile at ``alpha / (k - 1)`` with the pair's (Welch)
degrees of freedom. Hsu's exact constant is the one-sided Dunnett quantile for k - 1
comparisons; the Bonferroni quantile is never smaller, so the guarantee (the best is in the
set with probability at least 1 - alpha, and a separated best is right with that
probability) holds, at a small cost in width. The false-winner rate is measured in
``benchmarks/calibration.py`` as ``mcb``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from shared.compare._pairing import Sample

__all__ = ["MCB_DEFAULT_ABOVE", "mcb", "mcb_pairs"]

#: With more configurations than this, ``test="auto"`` (without a baseline and without
#: ``all_pairs``) answers "which could be the best?" with MCB instead of every pair: 7
#: configurations already make 21 pairs, a table nobody reads for a sweep.
MCB_DEFAULT_ABOVE = 6


def _pair_se(samples: Sequence[Sample], matrix: np.ndarray | None) -> tuple[
    np.ndarray, np.ndarray, np.ndarray, str
]:
    """Means (k), SEs of every pairwise mean difference (k x k) and their df (k x k)."""
    if matrix is not None:
        m = np.asarray(matrix, dtype=np.float64)
        n = m.shape[0]
        means = m.mean(axis=0)
        cov = np.cov(m, rowvar=False, ddof=1)
        var = np.diag(cov)
        var_d = var[:, None] + var[None, :] - 2.0 * cov
        se = np.sqrt(np.maximum(var_d, 0.0) / n)
        df = np.full(se.shape, n - 1.0)
        return means, se, df, f"paired on the {n} seeds every configuration has"
    means = np.array([float(np.mean(s.values)) for s in samples])
    ns = np.array([s.values.size for s in samples], dtype=float)
    v = np.array([float(np.var(s.values, ddof=1)) if s.values.size > 1 else math.nan
                  for s in samples]) / ns
    se2 = v[:, None] + v[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        df = se2**2 / ((v**2 / (ns - 1))[:, None] + (v**2 / (ns - 1))[None, :])
    return means, np.sqrt(se2), df, "unpaired (Welch standard errors)"


def mcb(
    samples: Sequence[Sample],
    names: Sequence[str],
    matrix: np.ndarray | None,
    *,
    goal: str,
    alpha: float,
    min_effect: float = 0.0,
) -> dict[str, Any]:
    """The MCB intervals, the possibly-best set and the separated best (if any).

    Args:
        samples: one per configuration (at least 2 runs each).
        names: their names.
        matrix: seeds x configurations when every configuration has the same seeds, else
            ``None`` (Welch standard errors).
        goal: "maximize" or "minimize".
        alpha: the simultaneous level.
        min_effect: the best must beat every other by at least this across its interval.

    Returns:
        ``{"method", "alpha", "design", "best", "best_set", "rows": [{"name", "distance",
        "ci", "in_best_set", "n"}], "versus_top"}`` with rows sorted best first;
        ``distance`` is the configuration's mean minus the best of the others' (goal
        direction, > 0 = better); ``versus_top``: every other configuration against the top
        one by mean (metric units, ``a - b``) with the same simultaneous margin.

    Example:
        >>> s = [Sample(n, v, None) for n, v in (("A", [1.0, 1.1, 0.9]), ("B", [3.0, 3.1, 2.9]),
        ...                                      ("C", [0.0, 0.2, 0.1]))]
        >>> r = mcb(s, ["A", "B", "C"], None, goal="maximize", alpha=0.05)
        >>> r["best"], r["best_set"]
        ('B', ['B'])
    """
    from scipy import special

    k = len(names)
    means, se, df, design = _pair_se(samples, matrix)
    sign = 1.0 if goal == "maximize" else -1.0
    g = sign * means
    diff = g[:, None] - g[None, :]  # i better than j by diff[i, j] (goal units)
    level = alpha / max(1, k - 1)
    with np.errstate(invalid="ignore"):
        c = special.stdtrit(np.where(np.isfinite(df) & (df > 0), df, 1.0), 1.0 - level)
    margin = c * se
    eye = np.eye(k, dtype=bool)
    lo_all = np.where(eye, np.inf, diff - margin)
    hi_all = np.where(eye, np.inf, diff + margin)
    lower = np.minimum(0.0, lo_all.min(axis=1))
    upper = np.maximum(0.0, hi_all.min(axis=1))
    lower = np.where(np.isnan(lower), -np.inf, lower)
    upper = np.where(np.isnan(upper), np.inf, upper)
    # the best of the others: the overall best, or the runner-up for the best itself
    top2 = np.sort(g)[-2:]
    distance = g - np.where(g >= top2[1], top2[0], top2[1])
    in_set = upper > 0
    # Hsu's selection: i is the best when even its smallest lower bound against another is
    # above 0 (the constrained interval then starts at 0); with min_effect, above it
    raw_lower = lo_all.min(axis=1)
    best_idx = [i for i in range(k) if raw_lower[i] > max(0.0, min_effect)]
    order = sorted(range(k), key=lambda i: -g[i])
    rows = [
        {
            "name": names[i],
            "distance": float(distance[i]),
            "ci": [float(lower[i]), float(upper[i])],
            "in_best_set": bool(in_set[i]),
            "n": int(samples[i].values.size),
            "margin_low": float(raw_lower[i]),
        }
        for i in order
    ]
    best = names[best_idx[0]] if best_idx else None
    best_set = [names[i] for i in order if in_set[i]]
    top = order[0]
    # each configuration against the top one by mean, with the same simultaneous margin
    versus_top = [
        {"a": names[i], "b": names[top], "diff": float(means[i] - means[top]),
         "ci": [float(means[i] - means[top] - margin[i, top]),
                float(means[i] - means[top] + margin[i, top])],
         "se": float(se[i, top]), "df": float(df[i, top]),
         "significant": bool(diff[top, i] - margin[i, top] > 0)}
        for i in order[1:]
    ]
    return {
        "method": (f"multiple comparisons with the best (Hsu 1996), Bonferroni-bounded "
                   f"one-sided t critical values at alpha/{k - 1}, {design}"),
        "alpha": float(alpha),
        "design": design,
        "best": best,
        "best_set": [best] if best else best_set,
        "rows": rows,
        "versus_top": versus_top,
    }


def mcb_pairs(result: dict[str, Any], samples: Sequence[Sample], goal: str) -> list[Any]:
    """``PairResult`` rows of every configuration against the top one by mean, with MCB's
    simultaneous intervals (the table beside the possibly-best set tells the same story)."""
    from shared.compare._comparison import PairResult
    from shared.compare._registry import MCB
    from shared.compare._verdict import better_name

    size = {s.name: int(s.values.size) for s in samples}
    paired = not result["design"].startswith("unpaired")
    out = []
    for r in result["versus_top"]:
        diff = r["diff"]
        a_higher = None if diff == 0 or not math.isfinite(diff) else diff > 0
        out.append(PairResult(
            a=r["a"], b=r["b"], test=MCB, paired=paired,
            n=size[r["a"]] if paired else size[r["a"]] + size[r["b"]], diff=diff,
            ci=(r["ci"][0], r["ci"][1]), effect_size=None, effect_name=None, p_value=None,
            p_adjusted=None, significant=r["significant"],
            why=f"{result['method']}: simultaneous interval against the top configuration",
            n_a=size[r["a"]], n_b=size[r["b"]], df=r["df"],
            ci_method=f"MCB simultaneous {100 * (1 - result['alpha']):.0f}%",
            better=better_name(r["a"], r["b"], a_higher, goal) if r["significant"] else None,
            estimate="mean_difference", mean_diff=diff, mean_ci=None,
        ))
    return out
