"""Post-hoc tests after Friedman: Nemenyi (all pairs) and Holm against a control (Demsar 2006).

Both work on mean ranks within blocks, so they share Friedman's assumptions and its input.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from shared.errors import InputError
from shared.stats._correction import adjust_pvalues
from shared.stats._friedman import _as_matrix, _block_ranks
from shared.stats._validate import check_alpha

__all__ = [
    "PosthocPair",
    "PosthocResult",
    "nemenyi",
    "holm_vs_control",
    "critical_difference",
    "two_config_exact_p",
]


def _num(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class PosthocPair:
    """One comparison of configuration ``i`` with configuration ``j``.

    Args:
        i, j: column indices in the input matrix (for Holm, ``j`` is the control).
        rank_diff: ``mean_rank[i] - mean_rank[j]`` (rank 1 = best, so negative means i is better).
        statistic: Nemenyi: studentized range q; Holm: the z statistic.
        pvalue: Nemenyi: already family-wise (studentized range); Holm: raw two-sided p.
        p_adjusted: the family-wise p-value the decision uses.
        significant: ``p_adjusted <= alpha``.
    """

    i: int
    j: int
    rank_diff: float
    statistic: float
    pvalue: float
    p_adjusted: float
    significant: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "i": self.i,
            "j": self.j,
            "rank_diff": _num(self.rank_diff),
            "statistic": _num(self.statistic),
            "pvalue": _num(self.pvalue),
            "p_adjusted": _num(self.p_adjusted),
            "significant": bool(self.significant),
        }


@dataclass(frozen=True)
class PosthocResult:
    """Result of a rank-based post-hoc procedure.

    Args:
        test: ``"nemenyi"`` or ``"holm-vs-control"``.
        alpha: family-wise significance level used for ``significant`` and the CD.
        n_blocks, n_configs: N and k.
        mean_ranks: per configuration, rank 1 = best (ties averaged).
        pairs: the comparisons made (all i < j pairs, or every config against the control).
        critical_difference: Nemenyi CD at ``alpha`` (None for Holm).
        control: the control's column index (Holm), else None.
        method: how p-values were computed.
        warnings: plain-language notes (ties everywhere, few blocks...).
    """

    test: str
    alpha: float
    n_blocks: int
    n_configs: int
    mean_ranks: tuple[float, ...]
    pairs: tuple[PosthocPair, ...]
    critical_difference: float | None = None
    control: int | None = None
    method: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def pvalues(self) -> np.ndarray:
        """k x k matrix of family-wise p-values (diagonal 1, NaN for pairs not compared)."""
        k = self.n_configs
        out = np.full((k, k), np.nan)
        np.fill_diagonal(out, 1.0)
        for p in self.pairs:
            out[p.i, p.j] = out[p.j, p.i] = p.p_adjusted
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "alpha": self.alpha,
            "n_blocks": self.n_blocks,
            "n_configs": self.n_configs,
            "mean_ranks": [_num(r) for r in self.mean_ranks],
            "pairs": [p.to_dict() for p in self.pairs],
            "critical_difference": _num(self.critical_difference),
            "control": self.control,
            "method": self.method,
            "warnings": list(self.warnings),
        }


def critical_difference(k: int, n: int, alpha: float = 0.05) -> float:
    """Nemenyi critical difference ``q_alpha * sqrt(k(k+1)/(6N))`` (Demsar 2006, eq. in 3.2.2).

    ``q_alpha`` is the upper-alpha studentized range quantile for k groups and infinite degrees
    of freedom divided by sqrt(2) (Demsar's Table 5: 2.569 for k=4 at alpha 0.05).

    Example:
        >>> round(critical_difference(4, 14, 0.05), 2)
        1.25
    """
    if int(k) != k or k < 2:
        raise InputError(f"the critical difference needs k >= 2 configurations, got {k}")
    if int(n) != n or n < 1:
        raise InputError(f"the critical difference needs N >= 1 blocks, got {n}")
    a = check_alpha(alpha)
    q = _q_alpha(int(k), a) / math.sqrt(2.0)
    return q * math.sqrt(k * (k + 1.0) / (6.0 * n))


@functools.lru_cache(maxsize=128)
def _q_alpha(k: int, alpha: float) -> float:
    """Upper-alpha studentized range quantile, infinite df (a slow numerical inversion)."""
    from scipy.stats import studentized_range

    return float(studentized_range.ppf(1.0 - alpha, k, np.inf))


def _rank_warnings(m: np.ndarray) -> list[str]:
    warnings: list[str] = []
    n = m.shape[0]
    if bool(np.all(m == m[:, :1])):
        warnings.append("every block ties all configurations: all mean ranks are equal")
    if n < 5:
        warnings.append(
            f"only {n} blocks: rank-based post-hoc tests have little power with so few blocks"
        )
    return warnings


def _pairs(
    i: Any, j: Any, diff: Any, stat: Any, p: Any, p_adj: Any, a: float
) -> tuple[PosthocPair, ...]:
    """One ``PosthocPair`` per (i, j), significant when its adjusted p-value is at most ``a``."""
    return tuple(
        PosthocPair(
            i=int(ii),
            j=int(jj),
            rank_diff=float(d),
            statistic=float(st),
            pvalue=float(pv),
            p_adjusted=float(pa),
            significant=bool(pa <= a),
        )
        for ii, jj, d, st, pv, pa in zip(i, j, diff, stat, p, p_adj, strict=True)
    )


def two_config_exact_p(ranks: np.ndarray) -> float:
    """Two-sided p-value of the pair's mean-rank difference when there are only two
    configurations: then Friedman's ranks are the sign test (each block: which one is ahead,
    tied blocks 1.5 / 1.5 carry no sign), and its exact binomial p-value replaces the normal
    approximation. The approximation rejects too often at some small n: at 5, 8, 11 and 14
    blocks it rejects 6.25%, 7.0%, 6.5% and 5.7% of data sets with no difference at alpha
    0.05 (``benchmarks/calibration.py``: friedman-holm k=2 n=5, 0.078 +- 0.014).

    Example:
        >>> two_config_exact_p(np.array([[1.0, 2.0]] * 5))  # 5 of 5 one way: 2 / 2**5
        0.0625
    """
    from scipy.stats import binomtest

    ahead = int(np.sum(ranks[:, 0] < ranks[:, 1]))
    behind = int(np.sum(ranks[:, 0] > ranks[:, 1]))
    if ahead + behind == 0:
        return 1.0
    return float(binomtest(ahead, ahead + behind, 0.5).pvalue)


def nemenyi(matrix: Any, alpha: float = 0.05, *, higher_is_better: bool = True) -> PosthocResult:
    """Nemenyi all-pairs test on mean ranks, with its critical difference (Demsar 2006).

    p-values come from the studentized range distribution with infinite degrees of freedom, as
    scikit-posthocs ``posthoc_nemenyi_friedman`` computes them: ``q = |R_i - R_j| /
    sqrt(k(k+1)/(6N)) * sqrt(2)``. They are already family-wise, so ``p_adjusted == pvalue``.
    With two configurations the exact sign test's p-value (``two_config_exact_p``).

    Args:
        matrix: blocks x configurations, finite, at least 2 x 2.
        alpha: level for ``significant`` and the critical difference.
        higher_is_better: rank 1 goes to the highest value (default) or the lowest.

    Example:
        >>> r = nemenyi([[3, 2, 1], [3, 1, 2], [3, 2, 1], [3, 2, 1], [3, 1, 2]])
        >>> r.mean_ranks
        (1.0, 2.4, 2.6)
    """
    from scipy.stats import studentized_range

    m = _as_matrix(matrix)
    a = check_alpha(alpha)
    n, k = m.shape
    ranks = _block_ranks(m, higher_is_better)
    mean_ranks = ranks.mean(axis=0)
    se = math.sqrt(k * (k + 1.0) / (6.0 * n))
    iu, ju = np.triu_indices(k, 1)
    diff = mean_ranks[iu] - mean_ranks[ju]
    q = np.abs(diff) / se * math.sqrt(2.0)
    p = np.clip(studentized_range.sf(q, k, np.inf), 0.0, 1.0)
    if k == 2:  # the studentized range of two is |z| * sqrt(2): the sign test, exact here
        p = np.array([two_config_exact_p(ranks)])
    pairs = _pairs(iu, ju, diff, q, p, p, a)  # Nemenyi's p is already family-wise
    return PosthocResult(
        test="nemenyi",
        alpha=a,
        n_blocks=n,
        n_configs=k,
        mean_ranks=tuple(float(r) for r in mean_ranks),
        pairs=pairs,
        critical_difference=critical_difference(k, n, a),
        method="studentized range (df=inf) on mean ranks",
        warnings=tuple(_rank_warnings(m)),
    )


def holm_vs_control(
    matrix: Any, control: int, alpha: float = 0.05, *, higher_is_better: bool = True
) -> PosthocResult:
    """Every configuration against one control, z-tests on mean ranks with Holm's step-down.

    Demsar (2006, section 3.2.2): ``z = (R_i - R_0) / sqrt(k(k+1)/(6N))``, two-sided normal
    p-value, then Holm's procedure over the k - 1 comparisons. With two configurations the
    exact sign test's p-value (``two_config_exact_p``).

    Args:
        matrix: blocks x configurations, finite, at least 2 x 2.
        control: column index of the control (baseline) configuration.
        alpha: family-wise level for ``significant``.
        higher_is_better: rank 1 goes to the highest value (default) or the lowest.

    Example:
        >>> r = holm_vs_control([[3, 2, 1], [3, 1, 2], [3, 2, 1], [3, 2, 1], [3, 1, 2]], 0)
        >>> [p.i for p in r.pairs], [p.j for p in r.pairs]
        ([1, 2], [0, 0])
    """
    from scipy.stats import norm

    m = _as_matrix(matrix)
    a = check_alpha(alpha)
    n, k = m.shape
    if isinstance(control, bool) or not isinstance(control, (int, np.integer)):
        raise InputError(f"control must be a configuration (column) index, got {control!r}")
    if not 0 <= int(control) < k:
        raise InputError(f"control index {control} is out of range for {k} configurations")
    c = int(control)
    ranks = _block_ranks(m, higher_is_better)
    mean_ranks = ranks.mean(axis=0)
    se = math.sqrt(k * (k + 1.0) / (6.0 * n))
    others = np.array([i for i in range(k) if i != c])
    diff = mean_ranks[others] - mean_ranks[c]
    z = diff / se
    p = np.clip(2.0 * norm.sf(np.abs(z)), 0.0, 1.0)
    if k == 2:
        p = np.array([two_config_exact_p(ranks)])
    adj = adjust_pvalues(p, "holm")
    pairs = _pairs(others, [c] * len(others), diff, z, p, adj, a)
    return PosthocResult(
        test="holm-vs-control",
        alpha=a,
        n_blocks=n,
        n_configs=k,
        mean_ranks=tuple(float(r) for r in mean_ranks),
        pairs=pairs,
        control=c,
        method="normal z on mean ranks, Holm step-down",
        warnings=tuple(_rank_warnings(m)),
    )
