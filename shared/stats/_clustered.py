"""Cluster-robust variances of a mean over a runs x examples matrix, vectorised.

A matrix ``x`` of shape (R, N) holds one row per run (seed) and one column per example;
``codes`` (N,) gives each example's cluster (0..G-1; every example its own cluster when no
cluster key is given). The mean of ``x`` has three cluster-robust variance pieces (Cameron,
Gelbach & Miller 2011, "Robust inference with multiway clustering", JBES 29(2)):

* ``v_runs``: clustered by run (the residuals summed within each row),
* ``v_clusters``: clustered by example cluster (summed within each cluster across rows),
* ``v_cells``: clustered by the intersection (run x cluster cells),

each ``sum over clusters of (sum of residuals)^2 / (R N)^2``, residuals from the grand mean.
CGM's two-way variance is ``v_runs + v_clusters - v_cells``. :func:`two_way_terms` splits it
into a run term, an example term and an interaction term with small-sample factors chosen so
that for a balanced design with equal cluster sizes the sum is exactly the unbiased
method-of-moments (ANOVA) estimator of the crossed random-effects model
``x[s, i] = mu + u_s + w_i + e_si`` (with per-term CR1 factors instead, the example part is
underestimated by (R - 1) / R: a third with 3 seeds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ClusterPieces", "TwoWayTerms", "cluster_pieces", "cluster_codes", "two_way_terms"]


def cluster_codes(keys: np.ndarray | None, n: int) -> tuple[np.ndarray, int]:
    """Integer cluster codes 0..G-1 for ``keys`` (every example its own cluster when ``None``).

    Example:
        >>> codes, g = cluster_codes(np.array(["p1", "p2", "p1"]), 3)
        >>> codes.tolist(), g
        ([0, 1, 0], 2)
    """
    if keys is None:
        return np.arange(n, dtype=np.int64), n
    _, codes = np.unique(np.asarray(keys), return_inverse=True)
    codes = codes.reshape(-1).astype(np.int64)
    return codes, int(codes.max()) + 1 if codes.size else 0


@dataclass(frozen=True)
class ClusterPieces:
    """The three one-way cluster-robust variances (no small-sample factor) of ``x``'s mean."""

    v_runs: float
    v_clusters: float
    v_cells: float
    runs: int
    clusters: int
    examples: int


def cluster_pieces(x: np.ndarray, codes: np.ndarray, clusters: int) -> ClusterPieces:
    """``v_runs``, ``v_clusters`` and ``v_cells`` of the mean of ``x`` (R x N), vectorised.

    Example:
        >>> x = np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0]])
        >>> p = cluster_pieces(x, np.array([0, 0, 1, 1]), 2)
        >>> round(p.v_runs, 6), round(p.v_clusters, 6), round(p.v_cells, 6)
        (0.007812, 0.070312, 0.042969)
    """
    x = np.asarray(x, dtype=np.float64)
    r, n = x.shape
    sizes = np.bincount(codes, minlength=clusters).astype(np.float64)
    # cluster totals of every row in one bincount: (R, G)
    flat = (np.arange(r, dtype=np.int64)[:, None] * clusters + codes[None, :]).ravel()
    totals = np.bincount(flat, weights=x.ravel(), minlength=r * clusters).reshape(r, clusters)
    resid = totals - sizes[None, :] * x.mean()
    scale = float(r * n) ** 2
    return ClusterPieces(
        v_runs=float(np.sum(resid.sum(axis=1) ** 2) / scale),
        v_clusters=float(np.sum(resid.sum(axis=0) ** 2) / scale),
        v_cells=float(np.sum(resid**2) / scale),
        runs=r,
        clusters=clusters,
        examples=n,
    )


@dataclass(frozen=True)
class TwoWayTerms:
    """The variance of a mean over runs x examples as run, example and interaction terms.

    ``runs + examples + interaction`` is the variance (``interaction`` is <= 0 in
    expectation: it removes the run x example noise counted in both other terms); each term's
    degrees of freedom are R - 1, G - 1 and (R - 1)(G - 1), for Satterthwaite's df.
    """

    runs: float
    examples: float
    interaction: float
    df_runs: int
    df_examples: int
    df_interaction: int


def two_way_terms(p: ClusterPieces) -> TwoWayTerms:
    """Split CGM's two-way variance into terms (module docstring), ``R >= 2`` and ``G >= 2``.

    With ``c_R = R / (R - 1)`` and ``c_G = G / (G - 1)``:
    ``runs = c_R v_runs``, ``examples = c_G v_clusters``,
    ``interaction = -c_R c_G (v_cells - v_runs / G - v_clusters / R)``; their sum is
    ``c_R c_G (v_runs + v_clusters - v_cells)``.

    Example:
        >>> x = np.array([[1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0]])
        >>> t = two_way_terms(cluster_pieces(x, np.arange(4), 4))
        >>> round(t.runs + t.examples + t.interaction, 6)  # (MS_row + MS_col - MS_err) / (R N)
        0.057292
    """
    r, g = p.runs, p.clusters
    c_r, c_g = r / (r - 1), g / (g - 1)
    return TwoWayTerms(
        runs=c_r * p.v_runs,
        examples=c_g * p.v_clusters,
        interaction=-c_r * c_g * (p.v_cells - p.v_runs / g - p.v_clusters / r),
        df_runs=r - 1,
        df_examples=g - 1,
        df_interaction=(r - 1) * (g - 1),
    )
