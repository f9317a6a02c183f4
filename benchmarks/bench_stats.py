"""Benchmark: statistics for 100 configurations x 10 seeds (issue 3, "Performance").

Measures, in the same run and on the same data:

* ours: all 4,950 paired t-tests in one vectorised call (``shared.stats.pairwise_t``), Holm
  over the 4,950 p-values (``adjust_pvalues``), and a 10,000-resample BCa bootstrap CI of the
  mean for each of the 100 configurations (``bootstrap_mean_cis``);
* baseline: the loop a user would write with scipy.stats: ``ttest_rel`` per pair, statsmodels'
  ``multipletests(method="holm")``, and ``scipy.stats.bootstrap(method="BCa")`` per
  configuration.

It checks the numbers agree (t-tests and Holm to 1e-9; bootstrap CIs, which come from
different random draws, up to Monte Carlo error: mean difference under 2% of the interval
width, worst under 8%, no bias) and prints the times and the ratio.
Targets: ours under 2 s and at least 10x faster than the baseline.

Run from the repository root: ``python benchmarks/bench_stats.py``.
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

K, SEEDS, RESAMPLES, REPEATS = 100, 10, 10_000, 3


def make_data() -> np.ndarray:
    rng = np.random.default_rng(2024)
    seed_effect = rng.normal(0, 0.5, SEEDS)  # replicates share a seed effect: pairing matters
    config_effect = np.linspace(0.0, 1.0, K)
    return config_effect[:, None] + seed_effect[None, :] + rng.gamma(2.0, 0.5, (K, SEEDS))


def ours(x: np.ndarray, pairs: list[tuple[int, int]]):
    from shared.stats import adjust_pvalues, bootstrap_mean_cis, pairwise_t

    res = pairwise_t(list(x), pairs, paired=True)
    holm = adjust_pvalues(res.pvalue, "holm")
    cis = bootstrap_mean_cis(list(x), n_resamples=RESAMPLES, seed=0)
    return res.statistic, res.pvalue, holm, cis


def baseline(x: np.ndarray, pairs: list[tuple[int, int]]):
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    t = np.empty(len(pairs))
    p = np.empty(len(pairs))
    for k, (i, j) in enumerate(pairs):
        r = stats.ttest_rel(x[i], x[j])
        t[k], p[k] = r.statistic, r.pvalue
    holm = multipletests(p, method="holm")[1]
    cis = np.empty((K, 2))
    for k in range(K):
        ci = stats.bootstrap((x[k],), np.mean, n_resamples=RESAMPLES, method="BCa",
                             rng=k).confidence_interval
        cis[k] = ci.low, ci.high
    return t, p, holm, cis


def best_time(fn, *args):
    best, out = float("inf"), None
    for _ in range(REPEATS):
        start = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> int:
    # warm up the imports so that neither side pays for loading scipy/statsmodels
    import scipy.stats  # noqa: F401
    import statsmodels.stats.multitest  # noqa: F401

    import shared.stats  # noqa: F401

    x = make_data()
    pairs = list(itertools.combinations(range(K), 2))
    t_ours, (t1, p1, h1, c1) = best_time(ours, x, pairs)
    t_base, (t2, p2, h2, c2) = best_time(baseline, x, pairs)

    np.testing.assert_allclose(t1, t2, rtol=1e-9)
    np.testing.assert_allclose(p1, p2, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(h1, h2, rtol=1e-9, atol=1e-300)
    # Bootstrap CIs come from independent random draws: they agree up to Monte Carlo error
    # (about 1% of the width per endpoint at 10,000 resamples) and must show no bias.
    width = c2[:, 1] - c2[:, 0]
    rel = (c1 - c2) / width[:, None]
    ci_err = np.abs(rel)
    assert ci_err.max() < 0.08, f"bootstrap CIs disagree: worst {ci_err.max():.3f} of width"
    assert ci_err.mean() < 0.02, f"bootstrap CIs disagree: mean {ci_err.mean():.3f} of width"
    assert abs(rel.mean()) < 0.005, f"bootstrap CIs biased: {rel.mean():+.4f} of width"

    ratio = t_base / t_ours
    print(f"{K} configurations x {SEEDS} seeds: {len(pairs)} paired t-tests + Holm, "
          f"{RESAMPLES}-resample BCa CI per configuration (best of {REPEATS})")
    print(f"  ours (vectorised)      {t_ours:8.3f} s")
    print(f"  scipy/statsmodels loop {t_base:8.3f} s")
    print(f"  ratio                  {ratio:8.1f}x faster")
    print(f"  agreement: t, p and Holm to 1e-9; bootstrap CI endpoints differ by "
          f"{ci_err.mean():.1%} of the CI width on average, {ci_err.max():.1%} at worst, "
          f"bias {rel.mean():+.2%} (independent random draws)")
    ok = t_ours < 2.0 and ratio >= 10.0
    print("  targets (< 2 s, >= 10x):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
