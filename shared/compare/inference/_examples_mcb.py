"""Which configuration is best over per-example scores: compare with the best (Hsu's MCB).

With three or more configurations and no baseline, the run-level comparison answers "which
configuration is best?" by comparing each with the best (``_mcb``, issue 17) instead of
testing every pair with Holm. Over examples the same question gets the same construction,
on the pairs' own tests (``examples-seeds`` / ``examples-only``, ``shared/stats/_examples.py``):

* ``se_ij``: the standard error of the pair's mean difference from its test (two-way
  cluster-robust over seeds and example clusters, or over example clusters only);
* the critical values: Bonferroni's one-sided t quantiles over the k - 1 comparisons with
  each control, each at its pair's degrees of freedom: the set at ``alpha / (k - 1)``, the
  winner at ``alpha / (2 (k - 1))``. Why not the exact
  multivariate-t quantiles of the run-level MCB: the pairs' t statistics do not share one
  variance estimate (each has its own Satterthwaite df, 2-4 with 3-5 seeds), and one shared
  denominator would make the simultaneous quantile too small; Bonferroni's bound holds
  whatever the correlation (Hsu 1996, section 4.1.1).

The true best stays in the possibly-best set with probability at least 1 - alpha and a
named winner is wrong with probability at most alpha (``_mcb``'s argument with these
quantiles); ``benchmarks/examples_calibration.py --mcb`` measures both, and the power
against Holm over every pair on the same data sets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from shared.compare.configs._pairing import Sample
from shared.compare.inference._examples_runners import ConfigScores
from shared.compare.inference._mcb import mcb
from shared.stats._examples import ExamplesResult
from shared.stats._moderated import Moderated

__all__ = ["examples_mcb"]


def _df(r: ExamplesResult) -> float:
    """The pair's degrees of freedom (McNemar's exact test has none: its interval's, the
    examples-only t with clusters - 1)."""
    if r.df is not None and math.isfinite(r.df):
        return float(r.df)
    if r.variance is not None:
        return float(max(r.variance.n_clusters - 1, 1))
    return 1.0


def examples_mcb(
    names: Sequence[str],
    scores: Sequence[ConfigScores],
    results: dict[tuple[int, int], ExamplesResult],
    *,
    goal: str,
    alpha: float,
    min_effect: float = 0.0,
    design: str = "paired by example",
) -> dict[str, Any]:
    """MCB over examples from every pair's test result (``results[i, j]``: ``i`` minus ``j``,
    ``i < j``); the same result as ``_mcb.mcb``.

    Example:
        >>> from shared.stats._examples import examples_seeds_test
        >>> rng = np.random.default_rng(0)
        >>> ex = rng.normal(0, 1, 500)
        >>> m = [ex + mu + rng.normal(0, 0.02, (3, 1)) + rng.normal(0, 0.5, (3, 500))
        ...      for mu in (0.0, 0.05, 0.3)]
        >>> s = [ConfigScores(n, x, (0, 1, 2)) for n, x in zip("ABC", m)]
        >>> res = {(i, j): examples_seeds_test(m[i], m[j], paired=True)
        ...        for i in range(3) for j in range(i + 1, 3)}
        >>> r = examples_mcb("ABC", s, res, goal="maximize", alpha=0.05)
        >>> r["best"], r["best_set"]
        ('C', ['C'])
    """
    from scipy import stats

    k = len(names)
    var = np.zeros((k, k))
    df = np.full((k, k), np.inf)
    for (i, j), r in results.items():
        var[i, j] = var[j, i] = r.se**2
        df[i, j] = df[j, i] = _df(r)
    np.fill_diagonal(df, 1.0)  # not used (no comparison with itself); keeps ppf finite
    c_set = stats.t.ppf(1.0 - alpha / (k - 1), df)
    c_win = stats.t.ppf(1.0 - alpha / (2.0 * (k - 1)), df)
    low = float(df[~np.eye(k, dtype=bool)].min())
    tests = sorted({r.test for r in results.values()})
    how = (f"each pair's own variance from its {' / '.join(tests)} test, "
           f"t with that pair's df (from {low:.1f})")
    model = Moderated(var, low, np.zeros((k, k)), math.inf, math.nan, how)
    quant = f"Bonferroni one-sided t quantiles over the {k - 1} comparisons with each control"
    samples = [Sample(n, s.matrix.mean(axis=1), None) for n, s in zip(names, scores, strict=True)]
    return mcb(samples, list(names), None, goal=goal, alpha=alpha, min_effect=min_effect,
               model=model, critical=(c_set, c_win, quant), design=design)
