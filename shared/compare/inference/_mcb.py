"""Multiple comparisons with the best (Hsu 1996): which configurations could still be the best?

For every configuration i, a simultaneous interval of its distance from the best of the
others, ``theta_i - max_{j != i} theta_j`` (in the goal's direction: positive = better), by
Hsu's constrained MCB construction::

    lower_i = min(0, min_j (m_i - m_j - c_ij * se_ij))
    upper_i = max(0, min_j (m_i - m_j + c_ij * se_ij))

i is in the **possibly-best set** when ``upper_i > 0`` (no other configuration is
significantly better), and it is **the best** when ``min_j (m_i - m_j - c_win * se_ij) > 0``
(it beats every other by more than the winner's margin).

``se_ij`` is the standard error of the pair's mean difference, from a variance shared across
the configurations (``shared.stats._moderated``): the empirical-Bayes moderated variances of
the paired differences when every configuration has the same seeds, moderated per-configuration
variances with Welch standard errors otherwise. ``c_ij = c_i`` is the exact one-sided quantile
of the maximum of the k - 1 comparisons with control i (multivariate t with their product
correlation, ``shared.stats._simultaneous``; each control's correlations lowered to a few
steps, which only enlarges it; each comparison its own variance scale when each pair keeps
its own variance), so the true best is in the set with probability at
least 1 - alpha. The winner's ``c_win`` is the largest control's quantile at alpha / 2, so a
named winner is wrong (not strictly the best) with probability at most alpha
(``critical_values``). Before issue 17 ``c`` was Bonferroni's t quantile at alpha / (k - 1)
with each pair's own n - 1 df: 8.6 instead of about 3.1 at k = 100 and 5 seeds. The
false-winner rate and the set sizes against a known-variance oracle are measured in
``benchmarks/calibration.py``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from shared.compare.configs._pairing import Sample
from shared.stats._moderated import Moderated, moderated_differences, moderated_variances

__all__ = ["MCB_DEFAULT_ABOVE", "mcb", "mcb_pairs"]

#: With more configurations than this, ``test="auto"`` (without a baseline and without
#: ``all_pairs``) answers the question users ask, "which configuration is best?", by
#: comparing each with the best (k - 1 comparisons, exact simultaneous quantiles) instead of
#: testing all k(k - 1)/2 pairs with Holm: at 4 configurations and 10 seeds, a configuration
#: 1 sd ahead was named in 6-21% of data sets by Holm over the 6 pairs (issue 17); ``all_pairs``
#: keeps every pair. (Before issue 17: 6, only sweeps of 7 or more.)
MCB_DEFAULT_ABOVE = 2


def _model(samples: Sequence[Sample], matrix: np.ndarray | None,
           moderate: bool) -> tuple[np.ndarray, Moderated, str]:
    """Means (k) and the variance model of every pairwise mean difference."""
    if matrix is not None:
        m = np.asarray(matrix, dtype=np.float64)
        model = moderated_differences(m, moderate)
        return m.mean(axis=0), model, f"paired on the {m.shape[0]} seeds every configuration has"
    model = moderated_variances([np.asarray(s.values, dtype=np.float64) for s in samples],
                                moderate)
    means = np.array([float(np.mean(s.values)) for s in samples])
    return means, model, "unpaired (Welch standard errors)"


def critical_values(model: Moderated, alpha: float) -> tuple[np.ndarray, float]:
    """Per-control one-sided quantiles at ``alpha`` (the possibly-best set) and the winner's.

    Configuration i leaves the set when some j is better by more than ``c_set[i] * se_ij``:
    the true best leaves it with probability at most alpha (Hsu 1996, the comparisons with
    the true best are multivariate t). The winner must beat every other by ``c_win * se``,
    ``c_win`` the largest control's quantile at alpha / 2: then every other configuration is
    out of the alpha/2 set, and a tie at the top (two true bests) is split with probability
    at most alpha/2 + alpha/2 = alpha, so a false winner is at most alpha (at k = 2 this is
    the two-sided t-test).
    """
    from shared.stats._simultaneous import stepped_quantile

    k = model.lam.shape[0]
    rows = [np.delete(model.lam[t], t) for t in range(k)]
    sep = model.own
    c_set = np.array([stepped_quantile(r, model.df, alpha, separate=sep) for r in rows])
    c_win = max(stepped_quantile(r, model.df, alpha / 2.0, separate=sep) for r in rows)
    return c_set, float(c_win)


def mcb(
    samples: Sequence[Sample],
    names: Sequence[str],
    matrix: np.ndarray | None,
    *,
    goal: str,
    alpha: float,
    min_effect: float = 0.0,
    moderate: bool = True,
    model: Moderated | None = None,
    critical: tuple[np.ndarray, float, str] | None = None,
    design: str | None = None,
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
        moderate: share variance across configurations (``shared.stats._moderated``); False:
            each pair's own variance.
        model: a given variance model instead of the estimated one (the known-variance
            oracle of ``benchmarks/calibration.py``; the pairs over examples).
        critical: given critical values instead of the exact ones: the set's (per control,
            k, or per comparison, ``[control, other]``, k x k), the winner's (one, or k x k),
            and how they were found (the Bonferroni quantiles over examples,
            ``_examples_mcb``, whose pairs have different degrees of freedom).
        design: how the data were paired, for the report (default from the model).

    Returns:
        ``{"method", "question", "alpha", "design", "variance", "df", "critical",
        "best", "best_set", "rows": [{"name", "distance", "ci", "in_best_set", "n"}],
        "versus_top"}`` with rows sorted best first; ``distance`` is the configuration's mean
        minus the best of the others' (goal direction, > 0 = better); ``versus_top``: every
        other configuration against the top one by mean (metric units, ``a - b``) with the
        simultaneous margin that decides whether it is out of the set.

    Example:
        >>> s = [Sample(n, v, None) for n, v in (("A", [1.0, 1.1, 0.9]), ("B", [3.0, 3.1, 2.9]),
        ...                                      ("C", [0.0, 0.2, 0.1]))]
        >>> r = mcb(s, ["A", "B", "C"], None, goal="maximize", alpha=0.05)
        >>> r["best"], r["best_set"]
        ('B', ['B'])
    """
    k = len(names)
    if model is None:
        means, model, design = _model(samples, matrix, moderate)
    else:
        means = np.array([float(np.mean(s.values)) for s in samples])
        design = design or "known variances"
    se = np.sqrt(model.var_diff)
    if critical is None:
        c_set, c_win = critical_values(model, alpha)
        quant = ("exact one-sided simultaneous quantiles (multivariate t with the comparisons' "
                 "correlation, Hsu 1996)")
    else:
        c_set, c_win, quant = critical
    sign = 1.0 if goal == "maximize" else -1.0
    g = sign * means
    diff = g[:, None] - g[None, :]  # i better than j by diff[i, j] (goal units)
    # row i: is some j better than i (control i); per comparison when given so
    margin = (c_set[:, None] if np.ndim(c_set) == 1 else np.asarray(c_set)) * se
    eye = np.eye(k, dtype=bool)
    lo_all = np.where(eye, np.inf, diff - margin)
    hi_all = np.where(eye, np.inf, diff + margin)
    win_all = np.where(eye, np.inf, diff - c_win * se)
    lower = np.minimum(0.0, lo_all.min(axis=1))
    upper = np.maximum(0.0, hi_all.min(axis=1))
    lower = np.where(np.isnan(lower), -np.inf, lower)
    upper = np.where(np.isnan(upper), np.inf, upper)
    # the best of the others: the overall best, or the runner-up for the best itself
    top2 = np.sort(g)[-2:]
    distance = g - np.where(g >= top2[1], top2[0], top2[1])
    in_set = upper > 0
    # the best: even its smallest lower bound against another (at the winner's quantile) is
    # above 0; with min_effect, above it
    raw_lower = win_all.min(axis=1)
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
    # each configuration against the top one by mean, with the margin that decides whether
    # the top one is significantly better (control: that configuration)
    versus_top = [
        {"a": names[i], "b": names[top], "diff": float(means[i] - means[top]),
         "ci": [float(means[i] - means[top] - margin[i, top]),
                float(means[i] - means[top] + margin[i, top])],
         "se": float(se[i, top]), "df": float(model.df),
         "significant": bool(diff[top, i] - margin[i, top] > 0)}
        for i in order[1:]
    ]
    return {
        "method": (f"comparison with the best (Hsu's MCB), {quant}, {design}; "
                   f"variance: {model.how}"),
        "question": "which configuration is best (each compared with the best)",
        "alpha": float(alpha),
        "design": design,
        "variance": model.how,
        "df": float(model.df),
        "critical": {"set": [float(c) for c in _per_control(c_set)[order]],
                     "winner": float(np.max(c_win))},
        "best": best,
        "best_set": [best] if best else best_set,
        "rows": rows,
        "versus_top": versus_top,
    }


def _per_control(c: np.ndarray) -> np.ndarray:
    """Each control's critical value (the largest of its comparisons' when per comparison)."""
    c = np.asarray(c, dtype=np.float64)
    if c.ndim == 1:
        return c
    return np.where(np.eye(c.shape[0], dtype=bool), -np.inf, c).max(axis=1)


def mcb_pairs(result: dict[str, Any], samples: Sequence[Sample], goal: str) -> list[Any]:
    """``PairResult`` rows of every configuration against the top one by mean, with MCB's
    simultaneous intervals (the table beside the possibly-best set tells the same story)."""
    from shared.compare.inference._better import better_name
    from shared.compare.inference._registry import MCB
    from shared.compare.results._comparison import PairResult

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
