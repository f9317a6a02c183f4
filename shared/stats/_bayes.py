"""Bayesian signed-rank test with a region of practical equivalence (Benavoli et al. 2014, 2017).

Instead of a p-value it gives three posterior probabilities: A is practically better, the two are
practically equivalent (their difference lies within +-rope), B is practically better. The
posterior is a Dirichlet process on the paired differences, sampled as baycomp's
``SignedRankTest`` does (same random stream for the same seed), but vectorised.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from shared.errors import InputError

__all__ = ["BayesResult", "bayes_signed_rank"]


@dataclass(frozen=True)
class BayesResult:
    """Posterior probabilities of a Bayesian comparison of A and B.

    Orientation follows baycomp (``x`` = A, ``y`` = B): "left" is A's side.

    Args:
        p_left: P(A better than B by more than ``rope``), i.e. mean of a - b > rope.
        p_rope: P(practically equivalent); 0 when ``rope`` is 0.
        p_right: P(B better than A by more than ``rope``).
        rope: half-width of the region of practical equivalence, in metric units.
        n: number of paired differences.
        n_samples: posterior samples drawn.
        seed: seed of the sampler.
        test: ``"bayes-signed-rank"``.
        warnings: plain-language notes.
    """

    p_left: float
    p_rope: float
    p_right: float
    rope: float
    n: int
    n_samples: int
    seed: int
    test: str = "bayes-signed-rank"
    warnings: tuple[str, ...] = ()

    @property
    def p_a_better(self) -> float:
        return self.p_left

    @property
    def p_b_better(self) -> float:
        return self.p_right

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "p_left": self.p_left,
            "p_rope": self.p_rope,
            "p_right": self.p_right,
            "p_a_better": self.p_left,
            "p_b_better": self.p_right,
            "rope": self.rope,
            "n": self.n,
            "n_samples": self.n_samples,
            "seed": self.seed,
            "warnings": list(self.warnings),
        }


def _paired(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    try:
        x = np.asarray(a, dtype=float)
        y = np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        raise InputError("a and b must be 1-D sequences of numbers") from None
    if x.ndim != 1 or y.ndim != 1:
        raise InputError(f"a and b must be 1-D, got shapes {x.shape} and {y.shape}")
    if x.size != y.size:
        raise InputError(f"a and b must be paired (same length), got {x.size} and {y.size} values")
    if x.size < 2:
        raise InputError(f"the Bayesian signed-rank test needs at least 2 pairs, got {x.size}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise InputError("a or b contains NaN or infinite values")
    return x, y


@functools.lru_cache(maxsize=32)
def _dirichlet_draws(seed: int, size: int, prior: float, n_samples: int) -> np.ndarray:
    """baycomp's posterior draws (legacy generator, weights [prior, 1, ..., 1]).

    They depend only on these four numbers, not on the data: a family of pairs with the same
    seed count reuses them (drawing 50,000 Dirichlet vectors is most of a call). Read-only.
    """
    weights = np.ones(size)
    weights[0] = prior
    draws = np.random.RandomState(seed).dirichlet(weights, n_samples)
    draws.flags.writeable = False
    return draws


def bayes_signed_rank(
    a: Any,
    b: Any,
    *,
    rope: float = 0.0,
    n_samples: int = 50000,
    seed: int = 0,
    prior: float = 0.5,
) -> BayesResult:
    """Bayesian Wilcoxon signed-rank test on paired scores (Benavoli et al. 2017, JMLR 18).

    Same numbers as ``baycomp.SignedRankTest(a, b, rope, nsamples=n_samples,
    random_state=seed).probs()``, except that when a posterior sample puts exactly equal mass
    on both sides (only possible with degenerate data) we count it half to each side instead of
    always to the left; a warning says when that happens.

    Args:
        a, b: paired scores (a[i] and b[i] share a seed/data set), higher = better.
        rope: half-width of the region of practical equivalence (>= 0, metric units).
        n_samples: posterior samples (Dirichlet weights).
        seed: seed of the sampler (legacy ``RandomState`` stream, as baycomp).
        prior: weight of the pseudo-observation at difference 0 (baycomp's default 0.5).

    Example:
        >>> r = bayes_signed_rank([0.9, 0.8, 0.85, 0.9, 0.7], [0.7, 0.6, 0.8, 0.8, 0.6], rope=0.01)
        >>> r.p_left > 0.9
        True
    """
    x, y = _paired(a, b)
    if not (math.isfinite(float(rope)) and float(rope) >= 0):
        raise InputError(f"rope must be a finite number >= 0, got {rope!r}")
    if int(n_samples) != n_samples or n_samples < 1:
        raise InputError(f"n_samples must be a positive integer, got {n_samples!r}")
    if not (math.isfinite(float(prior)) and float(prior) > 0):
        raise InputError(f"prior must be a positive number, got {prior!r}")
    rope = float(rope)
    n_samples = int(n_samples)

    # baycomp: differences y - x with a pseudo-observation 0 of weight `prior`; the posterior of
    # P(d_i + d_j > 2 rope) over all pairs (i, j), i == j included, is w' A w with Dirichlet w.
    diff = np.concatenate(([0.0], y - x))
    sums = diff[:, None] + diff[None, :]

    def heaviside(v: np.ndarray, thresh: float) -> np.ndarray:
        return (v > thresh).astype(float) + 0.5 * (v == thresh).astype(float)

    above = heaviside(sums, 2 * rope)
    below = heaviside(-sums, 2 * rope) if rope > 0 else None
    draws = _dirichlet_draws(int(seed), diff.size, float(prior), n_samples)

    counts = np.zeros(3)
    ties = 0
    # chunks keep memory bounded for many pairs (n_samples x (n+1) per chunk)
    chunk = max(1, min(n_samples, 4_000_000 // diff.size))
    for start in range(0, n_samples, chunk):
        w = draws[start : start + chunk]
        right = np.sum((w @ above) * w, axis=1)  # w' A w for every sample, via BLAS
        left = np.sum((w @ below) * w, axis=1) if below is not None else 1.0 - right
        mid = 1.0 - left - right if below is not None else np.zeros_like(right)
        stacked = np.stack([left, mid, right], axis=1)
        best = stacked.max(axis=1, keepdims=True)
        # exact ties between regions (degenerate data): share the sample among the tied regions
        is_max = np.isclose(stacked, best, rtol=0.0, atol=1e-12)
        n_max = is_max.sum(axis=1, keepdims=True)
        ties += int(np.sum(n_max[:, 0] > 1))
        counts += (is_max / n_max).sum(axis=0)
    p_left, p_rope, p_right = (float(c) / n_samples for c in counts)

    warnings: list[str] = []
    d = y - x
    if np.all(d == 0):
        warnings.append("all paired differences are zero: A and B are identical")
    if ties:
        warnings.append(
            f"{ties} of {n_samples} posterior samples were exact ties between regions and were "
            "shared equally (baycomp would give them to A)"
        )
    if x.size < 5:
        warnings.append(f"only {x.size} pairs: the posterior is dominated by the prior")
    return BayesResult(
        p_left=p_left,
        p_rope=p_rope,
        p_right=p_right,
        rope=rope,
        n=int(x.size),
        n_samples=n_samples,
        seed=int(seed),
        warnings=tuple(warnings),
    )
