"""Tests over evaluation examples and seeds together: two sources of noise, two levels of data.

``a`` and ``b`` are score matrices, one row per run (seed) and one column per example, the
columns aligned by example key (the same examples, same order). The estimate is
``mean(a) - mean(b)``: the difference in mean score over examples and seeds.

:func:`examples_seeds_test` answers "is a better than b on new examples *and* new seeds?".
Its variance counts both sources (the crossed two-way model; Miller 2024, "Adding Error Bars
to Evals: A Statistical Approach to Language Model Evaluations", arXiv:2411.00640, sections 2-4;
Cameron, Gelbach & Miller 2011 for the two-way clustering):

* paired by seed (both configurations ran the same seeds): the differences ``a - b`` form one
  seeds x examples matrix; its mean's variance is CGM's two-way cluster-robust variance (seeds
  and example clusters), with the product small-sample factor of :mod:`._clustered` that makes
  it the unbiased ANOVA estimator of the crossed random-effects model for balanced data;
* unpaired seeds: each configuration's run term and interaction term from its own matrix,
  the example term from the per-example differences of the seed means (examples are still
  paired: every configuration saw the same examples).

The reference distribution is Student's t with Satterthwaite's (1946) degrees of freedom for
the sum of the terms, guarded: in the df formula (not in the variance) each seed term enters at
its :data:`SEED_DF_BOUND` (75%) upper confidence bound, ``term x df / chi2_df(0.25)``. The df
is then near R - 1 when seeds may matter and near G - 1 only when the seed term is small even
at that bound. Why: plain Satterthwaite df, estimated from a seed term with 1-2 df that is
small by chance, named false winners in 7-11% of null data sets at 2-3 seeds with moderate
seed variance, while R - 1 df throughout (the conservative rule of Cameron, Gelbach & Miller
2011 for the dimension with fewer clusters; Hsu's solution of the Behrens-Fisher problem)
kept 0.1% and power 0-8% where the oracle had 12-62% (``benchmarks/examples_calibration.py``).
We use a t reference rather than a two-level bootstrap (seeds, then clusters) because with
1-5 seeds a bootstrap over seeds has 1-126 distinct resamples and its intervals are too
narrow (the percentile bootstrap of a mean of 3 values undercovers badly).

:func:`examples_only_test` answers "are *these trained runs* different on new examples?":
one-way cluster-robust (CR1, Liang & Zeger 1986) variance of the mean per-example difference,
t with G - 1 df. It ignores seed-to-seed variance, so it says nothing about retraining; it is
the test with one run per configuration. :func:`mcnemar_test` is McNemar's exact test for
binary scores of one run each (McNemar 1947), when examples are not clustered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from shared.stats._clustered import ClusterPieces, cluster_pieces, two_way_terms
from shared.stats._result import ConfidenceInterval, TestResult

__all__ = [
    "SEED_DF_BOUND",
    "ExampleVariance",
    "ExamplesResult",
    "examples_only_test",
    "examples_seeds_test",
    "mcnemar_test",
]


#: The seed terms enter Satterthwaite's df at this upper confidence bound (module docstring).
SEED_DF_BOUND = 0.75


def seed_inflation(df: float) -> float:
    """How much a seed term with ``df`` degrees of freedom is scaled up in the df formula: its
    ``SEED_DF_BOUND`` upper confidence bound over its estimate, df / chi2_df(1 - bound)."""
    from scipy import stats

    return float(df / stats.chi2.ppf(1.0 - SEED_DF_BOUND, df))


@dataclass(frozen=True)
class ExampleVariance:
    """Where the variance of the difference comes from, in the units of Var(estimate).

    ``seeds`` (run-to-run variation of a configuration's mean), ``examples`` (which examples
    were drawn, clustered), ``interaction`` (a run's luck on an example); each >= 0 and
    ``total`` their sum. :meth:`at` predicts the variance with other numbers of seeds (per
    configuration) and examples, assuming new examples come in clusters like these.

    Example:
        >>> v = ExampleVariance(seeds=0.004, examples=0.001, interaction=0.0005, n_seeds=3,
        ...                     n_examples=1000, n_clusters=1000)
        >>> round(v.at(6, 1000) / v.total, 3)  # doubling seeds halves two of the three parts
        0.591
    """

    seeds: float
    examples: float
    interaction: float
    n_seeds: int
    n_examples: int
    n_clusters: int

    @property
    def total(self) -> float:
        return self.seeds + self.examples + self.interaction

    def to_dict(self) -> dict[str, float | int]:
        return {
            "seeds": float(self.seeds),
            "examples": float(self.examples),
            "interaction": float(self.interaction),
            "total": float(self.total),
            "n_seeds": int(self.n_seeds),
            "n_examples": int(self.n_examples),
            "n_clusters": int(self.n_clusters),
        }

    @classmethod
    def from_dict(cls, d: dict) -> ExampleVariance:
        return cls(
            float(d["seeds"]),
            float(d["examples"]),
            float(d["interaction"]),
            int(d["n_seeds"]),
            int(d["n_examples"]),
            int(d["n_clusters"]),
        )

    def at(self, seeds: float, examples: float) -> float:
        """Predicted Var(estimate) with ``seeds`` runs per configuration and ``examples``."""
        s = self.n_seeds / seeds
        e = self.n_examples / examples
        return self.seeds * s + self.examples * e + self.interaction * s * e


@dataclass(frozen=True)
class ExamplesResult(TestResult):
    """A :class:`TestResult` with the standard error and the variance components."""

    __test__ = False

    se: float = math.nan
    variance: ExampleVariance | None = None


def _t_result(
    test: str,
    estimate: float,
    var: float,
    df: float,
    method: str,
    variance: ExampleVariance,
    level: float = 0.95,
) -> ExamplesResult:
    from scipy import stats

    se = math.sqrt(var) if var > 0 else 0.0
    warnings: tuple[str, ...] = ()
    if se == 0.0:
        t = 0.0 if estimate == 0 else math.copysign(math.inf, estimate)
        p = 1.0 if estimate == 0 else 0.0
        ci = ConfidenceInterval(estimate, estimate, level)
        warnings = ("every example and run shows the same difference: no spread to test",)
    else:
        t = estimate / se
        p = float(2.0 * stats.t.sf(abs(t), df))
        half = float(stats.t.ppf(0.5 + level / 2.0, df)) * se
        ci = ConfidenceInterval(estimate - half, estimate + half, level)
    return ExamplesResult(
        test=test,
        statistic=t,
        pvalue=min(1.0, p),
        df=float(df),
        estimate=estimate,
        ci=ci,
        method=method,
        warnings=warnings,
        se=se,
        variance=variance,
    )


def _as_matrix(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x.reshape(1, -1) if x.ndim == 1 else x


def _codes(codes: np.ndarray | None, n: int) -> tuple[np.ndarray, int]:
    if codes is None:
        return np.arange(n, dtype=np.int64), n
    codes = np.asarray(codes, dtype=np.int64)
    return codes, int(codes.max()) + 1


def _satterthwaite(terms: list[tuple[float, float]]) -> tuple[float, float]:
    """(variance, df) of a sum of variance terms, each with its df (Satterthwaite 1946)."""
    total = sum(v for v, _ in terms)
    top = max((v for v, d in terms if d > 0), default=0.0)
    if total <= top:  # the negative interaction term overshot: keep the largest piece
        v, d = max(((v, d) for v, d in terms if d > 0), key=lambda t: t[0])
        return v, float(d)
    denom = sum(v * v / d for v, d in terms if d > 0)
    return total, total * total / denom if denom > 0 else math.inf


def examples_only_test(
    a: np.ndarray, b: np.ndarray, codes: np.ndarray | None = None, *, level: float = 0.95
) -> ExamplesResult:
    """Paired over examples only (these trained runs): CR1 cluster-robust SE, t with G - 1 df.

    Args:
        a, b: scores, (runs, examples) or (examples,); runs are averaged per example.
        codes: each example's cluster (0..G-1), or ``None`` (every example its own).

    Example:
        >>> a = np.array([1, 1, 0, 1, 1, 0, 1, 1.0]); b = np.array([0, 1, 0, 0, 1, 0, 0, 1.0])
        >>> r = examples_only_test(a, b)
        >>> round(r.estimate, 3), round(r.pvalue, 4), r.df
        (0.375, 0.0796, 7.0)
    """
    a, b = _as_matrix(a), _as_matrix(b)
    delta = (a.mean(axis=0) - b.mean(axis=0)).reshape(1, -1)
    codes, g = _codes(codes, delta.shape[1])
    if g < 2:
        raise ValueError("a cluster-robust variance needs at least 2 clusters of examples")
    p = cluster_pieces(delta, codes, g)
    var = g / (g - 1) * p.v_clusters
    ev = ExampleVariance(0.0, var, 0.0, int(min(a.shape[0], b.shape[0])), p.examples, g)
    return _t_result(
        "examples-only",
        float(a.mean() - b.mean()),
        var,
        g - 1,
        f"cluster-robust (CR1) SE over {g} example clusters, t with {g - 1} df",
        ev,
        level,
    )


def _run_terms(x: np.ndarray, codes: np.ndarray, g: int) -> tuple[float, float, ClusterPieces]:
    p = cluster_pieces(x, codes, g)
    t = two_way_terms(p)
    return t.runs, t.interaction, p


def examples_seeds_test(
    a: np.ndarray,
    b: np.ndarray,
    codes: np.ndarray | None = None,
    *,
    paired: bool,
    level: float = 0.95,
    runs_term: tuple[float, float, str] | None = None,
) -> ExamplesResult:
    """Over examples and seeds: two-way cluster-robust variance, Satterthwaite t (module doc).

    Args:
        a, b: scores (runs, examples), columns aligned by example; with ``paired`` the rows
            are aligned by seed (same number of rows).
        codes: each example's cluster (0..G-1), or ``None``.
        paired: the runs are paired by seed.
        runs_term: paired only: the run term (the variance of the mean of the per-seed
            differences of run means), its df and how it was found, estimated across the
            configurations of the sweep (``moderated_differences`` on the seeds x
            configurations run means) instead of from this pair's R - 1 df alone.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> ex = rng.normal(0, 1, 400); seeds = rng.normal(0, 0.05, (3, 1))
        >>> a = ex + seeds + rng.normal(0, 0.5, (3, 400)) + 0.1
        >>> b = ex + seeds + rng.normal(0, 0.5, (3, 400))
        >>> r = examples_seeds_test(a, b, paired=True)
        >>> round(r.estimate, 3), round(r.pvalue, 4), round(r.df, 2)  # 3 seeds: df near 2
        (0.13, 0.0309, 2.08)
    """
    a, b = _as_matrix(a), _as_matrix(b)
    codes, g = _codes(codes, a.shape[1])
    if g < 2:
        raise ValueError("a cluster-robust variance needs at least 2 clusters of examples")
    estimate = float(a.mean() - b.mean())
    if paired:
        if a.shape != b.shape or a.shape[0] < 2:
            raise ValueError("paired by seed needs the same seeds (2 or more) on both sides")
        t = two_way_terms(cluster_pieces(a - b, codes, g))
        runs_v, runs_df = t.runs, float(t.df_runs)
        n_seeds = a.shape[0]
        how = f"paired by seed ({n_seeds} seeds)"
        if runs_term is not None:
            runs_v, runs_df, shared_how = runs_term
            how += f"; run term {shared_how}"
        terms = [
            (runs_v, runs_df),
            (t.examples, t.df_examples),
            (t.interaction, t.df_interaction),
        ]
        seeds_part, inter_part = runs_v + t.interaction, -t.interaction
    else:
        if min(a.shape[0], b.shape[0]) < 2:
            raise ValueError("unpaired seeds need 2 or more runs per configuration")
        ra, ia, _ = _run_terms(a, codes, g)
        rb, ib, _ = _run_terms(b, codes, g)
        delta = (a.mean(axis=0) - b.mean(axis=0)).reshape(1, -1)
        ex = g / (g - 1) * cluster_pieces(delta, codes, g).v_clusters
        dfa, dfb = a.shape[0] - 1, b.shape[0] - 1
        terms = [(ra, dfa), (rb, dfb), (ex, g - 1), (ia, dfa * (g - 1)), (ib, dfb * (g - 1))]
        seeds_part, inter_part = ra + rb + ia + ib, -(ia + ib)
        t = None
        n_seeds = min(a.shape[0], b.shape[0])
        how = f"unpaired seeds ({a.shape[0]} and {b.shape[0]} runs)"
    var, _ = _satterthwaite(terms)
    # the df: the seed terms (few df) at their upper confidence bound, so that a seed term
    # small by chance cannot claim the many df of the example terms (module docstring)
    n_seed_terms = 1 if paired else 2
    guarded = [
        (v * seed_inflation(d), d) if k < n_seed_terms else (v, d) for k, (v, d) in enumerate(terms)
    ]
    df = _satterthwaite(guarded)[1]
    examples_part = terms[2][0] if t is None else t.examples
    examples_part -= inter_part
    parts = np.clip([seeds_part, examples_part, inter_part], 0.0, None)
    scale = var / parts.sum() if parts.sum() > 0 else 0.0
    ev = ExampleVariance(
        float(parts[0] * scale),
        float(parts[1] * scale),
        float(parts[2] * scale),
        n_seeds,
        a.shape[1],
        g,
    )
    method = (
        f"two-way cluster-robust variance over seeds and {g} example clusters, {how}, "
        f"t with guarded Satterthwaite df {df:.1f}"
    )
    return _t_result("examples-seeds", estimate, var, df, method, ev, level)


def mcnemar_test(a: np.ndarray, b: np.ndarray, *, level: float = 0.95) -> ExamplesResult:
    """McNemar's exact test of paired binary scores (one run each, unclustered examples).

    p = 2 P(X <= min(n10, n01)), X ~ Binomial(n10 + n01, 1/2), capped at 1 (statsmodels'
    ``mcnemar(exact=True)``); the estimate is the difference in accuracy with the
    examples-only cluster-robust interval.

    Example:
        >>> a = np.array([1] * 12 + [0] * 3 + [1] * 80); b = np.array([0] * 12 + [1] * 3 + [1] * 80)
        >>> r = mcnemar_test(a, b)
        >>> r.statistic, round(r.pvalue, 4)  # 12 vs 3 discordant pairs
        (3.0, 0.0352)
    """
    from scipy import stats

    a, b = _as_matrix(a).mean(axis=0), _as_matrix(b).mean(axis=0)
    n10 = int(np.sum((a == 1) & (b == 0)))
    n01 = int(np.sum((a == 0) & (b == 1)))
    base = examples_only_test(a, b, level=level)
    n = n10 + n01
    p = 1.0 if n == 0 else min(1.0, float(2.0 * stats.binom.cdf(min(n10, n01), n, 0.5)))
    return ExamplesResult(
        test="mcnemar",
        statistic=float(min(n10, n01)),
        pvalue=p,
        df=None,
        estimate=base.estimate,
        ci=base.ci,
        method=f"exact binomial on {n10} vs {n01} discordant examples",
        extra={"n10": n10, "n01": n01},
        se=base.se,
        variance=base.variance,
    )
