"""Why the possibly-best set stays above 1.5x the oracle's with heavy tails (issue 17).

The power section of ``benchmarks/calibration.py`` finds our MCB set within 1.5x of the
known-variance oracle's for normal and heteroscedastic noise, but not for t(3) and lognormal
noise at 30 and 100 configurations. This script answers the same data sets ten ways and
prints the mean set size, P(true best in set) and, for the null cells, the false-winner rate:

* ``ours``: the product (variances of the paired differences moderated by empirical Bayes,
  Smyth 2004; one df, ``n - 1 + d0``);
* ``oracle``: the true noise variances, infinite df;
* ``ours, df=inf``: our moderated variances with infinite df. Not a valid method (it ignores
  that the variances are estimated); it splits the gap into the df part and the variance part;
* ``pooled``: one variance for every configuration (the two-way residual variance,
  ``(n - 1)(k - 1)`` df): what a method told that every configuration is equally noisy (the
  oracle's knowledge, minus the value) could do. Wrong when one configuration is noisier;
* ``robust prior``: the prior fitted robustly to the bulk of the pair variances (quantile
  matching on their lower quartile and median, after Phipson et al. 2016, "Robust
  hyperparameter estimation protects against hypervariable genes", Ann. Appl. Stat. 10),
  pairs whose variance is an outlier under it (upper tail p < 0.01) keep their own variance
  and ``n - 1`` df, each comparison its own df (critical values: the infinite-df simultaneous
  quantile's tail probability, per comparison on its own t);
* ``robust, by configuration``: the robust prior, and a configuration is hypervariable too
  when the variance of its contrast with the mean of the others (``x_t - mean_{j != t}
  x_j``, ``n - 1`` df, ``s0^2 / 2 * k / (k - 1)`` under the prior) is in the prior's upper
  1% tail: all its k - 1 pairs keep their own variance and ``n - 1`` df. It uses
  ``var(x_i - x_j) = s_i^2 + s_j^2`` (one noisier configuration makes all its pairs large;
  its contrast is about 8x the bulk's where each of its pairs is 5x);
* ``robust detection, Smyth's fit``: the same outliers, the other pairs moderated by Smyth's
  moment fit over them (not by the quantile-matched prior): tells the outlier step from the
  robust prior's own effect (issue 17's hetero k = 10 null cell);
* ``per configuration``: Smyth's fit over the k configurations' own variances (each read off
  its contrast with the mean of the others, ``n - 1`` df), each pair's variance their sum
  (``var(x_i - x_j) = s_i^2 + s_j^2``), ``n - 1 + d0`` df;
* ``kurtosis df``: heavy tails told from unequal variances by the shape within the pairs:
  the excess kurtosis of the paired differences pooled over every pair gives each pair
  variance's effective chi-square df ``d_eff = 2 / (2 / (n - 1) + kappa / n)``, used in
  place of ``n - 1`` in Smyth's fit and the posterior (``_kurtosis.py``);
* ``oracle, true quantiles``: the oracle's true variances with critical values that do
  cover: the quantiles of the largest of the k - 1 comparisons with a true best, simulated
  from the true noise distribution (equal-variance noises only; ``-`` otherwise). With
  heavy tails the normal-theory oracle's quantiles are too small for the largest of many
  known-variance z's; a studentized statistic is not hurt as much (an outlier inflates its
  own variance too).

The null cells print P(a true best, configuration 0, in the set) and the false-winner rate.

Usage::

    python benchmarks/mcb_heavy_tails.py             # about 5 minutes at load 11
    python benchmarks/mcb_heavy_tails.py --reps 120  # the README's figures, about 8 minutes
    python benchmarks/mcb_heavy_tails.py --reps 10  # a quick look
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import time
import zlib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _kurtosis import kurtosis_moderated  # noqa: E402
from _power import PowerCell, _noise, _set, data, oracle_model  # noqa: E402

from shared.compare.configs._pairing import Sample  # noqa: E402
from shared.compare.inference._mcb import mcb  # noqa: E402
from shared.stats._moderated import (  # noqa: E402
    Moderated,
    _lam,
    fit_f_dist,
    moderated_differences,
    pooled_two_way,
    squeeze_var,
)
from shared.stats._simultaneous import stepped_quantile  # noqa: E402

ALPHA = 0.05
WAYS = ("ours", "oracle", "ours, df=inf", "pooled", "robust prior", "robust, by configuration",
        "robust detection, Smyth's fit", "per configuration", "kurtosis df",
        "oracle, true quantiles")
SIMS = 20000  # null data sets per simulated quantile (its SE: about 0.01-0.03)


def _mcb(m: np.ndarray, model: Moderated | None,
         critical: tuple[np.ndarray, float, str] | None = None) -> tuple[np.ndarray, int | None]:
    n, k = m.shape
    names = [str(j) for j in range(k)]
    samples = [Sample(names[j], m[:, j], list(range(n))) for j in range(k)]
    r = mcb(samples, names, m, goal="maximize", alpha=ALPHA, model=model, critical=critical)
    inset = np.array([name in set(_set(r)) for name in names])
    return inset, None if r["best"] is None else int(r["best"])


def _robust_prior(v: np.ndarray, d: float) -> tuple[float, float]:
    """(d0, s0) of F(d, d0)-distributed variances from their lower quartile and median."""
    from scipy import optimize, stats

    q25, q50 = np.quantile(v, [0.25, 0.5])
    ratio = q50 / q25

    def r(d0: float) -> float:
        return float(stats.f.ppf(0.5, d, d0) / stats.f.ppf(0.25, d, d0))

    if ratio <= stats.chi2.ppf(0.5, d) / stats.chi2.ppf(0.25, d) * 1.0001:
        return math.inf, float(q50 / (stats.chi2.ppf(0.5, d) / d))
    d0 = 0.2 if ratio >= r(0.2) else optimize.brentq(lambda x: r(x) - ratio, 0.2, 1e6)
    return float(d0), float(q50 / stats.f.ppf(0.5, d, d0))


def _robust(m: np.ndarray, by_configuration: bool = False,
            smyth_bulk: bool = False) -> tuple[np.ndarray, int | None]:
    from scipy import stats

    n, k = m.shape
    d = n - 1.0
    cov = np.cov(m, rowvar=False, ddof=1)
    var = np.diag(cov)
    vd = np.maximum(var[:, None] + var[None, :] - 2 * cov, 0.0)
    iu = np.triu_indices(k, 1)
    v = vd[iu]
    d0, s0 = _robust_prior(v, d)

    def sf(x: np.ndarray) -> np.ndarray:  # upper tail of x under the prior: s0 F(d, d0)
        return stats.chi2.sf(x / s0 * d, d) if math.isinf(d0) else stats.f.sf(x / s0, d, d0)

    out = sf(v) < 0.01
    if by_configuration:
        # v_ij = s_i^2 + s_j^2: a hypervariable configuration makes all its k - 1 pairs
        # large. Its own evidence: the variance of x_t - mean of the others (n - 1 df, a
        # scaled chi-square), s0 / 2 * k / (k - 1) when t is like the bulk.
        c = m - (m.sum(axis=1, keepdims=True) - m) / (k - 1)
        w = np.var(c, axis=0, ddof=1) / (0.5 * k / (k - 1))
        bad = sf(w) < 0.01
        out = out | bad[iu[0]] | bad[iu[1]]
    if smyth_bulk:  # the outliers found under the robust prior, the rest moderated by Smyth's fit
        d0, s0 = fit_f_dist(v[~out], d) if (~out).sum() >= 2 else fit_f_dist(v, d)
    shrunk = (d0 * s0 + d * v) / (d0 + d) if math.isfinite(d0) else np.full(v.shape, s0)
    post = np.where(out, v, shrunk)
    dfp = np.where(out, d, min(d + d0, d * (k - 1)))
    big_v = np.zeros((k, k))
    big_v[iu] = post
    big_v = (big_v + big_v.T) / n
    big_df = np.full((k, k), np.inf)
    big_df[iu] = dfp
    big_df = np.minimum(big_df, big_df.T)
    se = np.sqrt(big_v)
    g = m.mean(axis=0)
    tot, row = big_v.sum() / 2.0, big_v.sum(axis=1)
    control = np.maximum(row / (k - 1) - (tot - row) / ((k - 1) * (k - 2) / 2.0) / 2.0, 0.0)
    lam = _lam(control, big_v)
    rows = [np.delete(lam[t], t) for t in range(k)]
    c_set = np.array([stepped_quantile(r, math.inf, ALPHA) for r in rows])
    p_win = stats.norm.sf(max(stepped_quantile(r, math.inf, ALPHA / 2) for r in rows))
    inset = np.zeros(k, bool)
    best = None
    for i in range(k):
        c = stats.t.isf(stats.norm.sf(c_set[i]), big_df[i])
        ahead = g - g[i]
        ahead[i] = -np.inf
        inset[i] = not np.any(ahead > c * se[i])
        lead = g[i] - g
        lead[i] = np.inf
        if np.all(lead - stats.t.isf(p_win, big_df[i]) * se[i] > 0):
            best = i
    return inset, best


def _robust_cfg(m: np.ndarray) -> tuple[np.ndarray, int | None]:
    return _robust(m, by_configuration=True)


def _robust_cfg_smyth(m: np.ndarray) -> tuple[np.ndarray, int | None]:
    return _robust(m, by_configuration=True, smyth_bulk=True)


def _per_configuration(m: np.ndarray) -> Moderated:
    """Smyth's fit over the k configurations' own variances, read off their contrasts with
    the mean of the others (``w_t = var(x_t - mean_{j != t} x_j)``, ``n - 1`` df, mean ``A s^2``
    with ``A = (1 - 1/(k-1)^2) I + J/(k-1)^2``), then ``var(x_i - x_j) = s~_i^2 + s~_j^2``."""
    n, k = m.shape
    d = n - 1.0
    c = m - (m.sum(axis=1, keepdims=True) - m) / (k - 1)
    post, d0, s0 = squeeze_var(np.var(c, axis=0, ddof=1), d)
    a = np.eye(k) * (1.0 - 1.0 / (k - 1) ** 2) + 1.0 / (k - 1) ** 2
    s2 = np.maximum(np.linalg.solve(a, post), 1e-12)
    vd = s2[:, None] + s2[None, :]
    np.fill_diagonal(vd, 0.0)
    return Moderated(vd / n, float(min(d + d0, d * (k - 1))), _lam(s2, vd), d0, s0,
                     "per configuration")


def _pooled(m: np.ndarray) -> Moderated:
    n, k = m.shape
    v, df = pooled_two_way(m)
    vd = np.full((k, k), 2.0 * v)
    np.fill_diagonal(vd, 0.0)
    return Moderated(vd / n, df, _lam(np.full(k, v), vd), math.inf, v, "pooled")


def true_quantiles(noise: str, k: int, n: int) -> tuple[float, float]:
    """The 1 - alpha and 1 - alpha/2 quantiles of ``max_j (e_j - e_0) / sqrt(2 / n)`` over
    the k - 1 others, ``e_j`` the mean of n unit-variance noise values of the cell's kind:
    the known-variance oracle's critical values that cover a true best when nothing differs
    (the seed effect cancels in the paired differences)."""
    rng = np.random.default_rng(zlib.crc32(repr(("true-quantiles", noise, k, n)).encode()))
    stats = []
    for _ in range(SIMS // 1000):
        e = np.stack([_noise(rng, n, k, noise) for _ in range(1000)]).mean(axis=1)
        stats.append((e[:, 1:] - e[:, :1]).max(axis=1) / math.sqrt(2.0 / n))
    s = np.concatenate(stats)
    return float(np.quantile(s, 1 - ALPHA)), float(np.quantile(s, 1 - ALPHA / 2))


def run(cell: PowerCell) -> dict[str, tuple[float, ...] | None]:
    rng = np.random.default_rng(zlib.crc32(repr(("heavy", cell)).encode()))
    acc = {w: np.zeros(3) for w in WAYS}
    equal = cell.noise not in ("hetero", "meanvar")
    if equal:
        c, c_win = true_quantiles(cell.noise, cell.k, cell.n)
        crit = (np.full(cell.k, c), c_win, "simulated from the true noise")
    for _ in range(cell.reps):
        m, sd = data(rng, cell)
        ours = moderated_differences(m)
        oracle = oracle_model(sd, m.shape[0])
        ways = [("ours", _mcb(m, None)),
                ("oracle", _mcb(m, oracle)),
                ("ours, df=inf", _mcb(m, dataclasses.replace(ours, df=math.inf))),
                ("pooled", _mcb(m, _pooled(m))),
                ("robust prior", _robust(m)),
                ("robust, by configuration", _robust_cfg(m)),
                ("robust detection, Smyth's fit", _robust_cfg_smyth(m)),
                ("per configuration", _mcb(m, _per_configuration(m))),
                ("kurtosis df", _mcb(m, kurtosis_moderated(m)))]
        if equal:
            ways.append(("oracle, true quantiles", _mcb(m, oracle, crit)))
        for way, (inset, best) in ways:
            acc[way] += (inset.sum(), inset[0], best is not None)
    return {w: tuple(float(x) / cell.reps for x in a) if equal or w != WAYS[-1] else None
            for w, a in acc.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=40, help="data sets per k=30 cell (k=100: "
                    "half; null cells: 5x)")
    args = ap.parse_args(argv)
    cells = [PowerCell("best-set", 30, 5, "t3", args.reps),
             PowerCell("best-set", 100, 5, "t3", max(5, args.reps // 2)),
             PowerCell("best-set", 30, 5, "lognormal", args.reps),
             PowerCell("best-set", 100, 5, "lognormal", max(5, args.reps // 2)),
             PowerCell("best-set", 100, 5, "hetero", max(5, args.reps // 2)),
             PowerCell("null", 10, 5, "hetero", 5 * args.reps),
             PowerCell("null", 30, 5, "hetero", 5 * args.reps),
             PowerCell("null", 10, 5, "t3", 5 * args.reps),
             PowerCell("null", 30, 5, "t3", 5 * args.reps),
             PowerCell("null", 100, 5, "t3", 2 * args.reps),
             PowerCell("null", 30, 5, "lognormal", 5 * args.reps),
             PowerCell("null", 100, 5, "lognormal", 2 * args.reps)]
    print("| cell | " + " | ".join(WAYS) + " |")
    print("|---|" + "---|" * len(WAYS))
    t0 = time.perf_counter()
    for cell in cells:
        r = run(cell)
        what = (f"best-set {cell.noise} k={cell.k} ({cell.reps}): size, cover" if
                cell.kind == "best-set" else
                f"null {cell.noise} k={cell.k} ({cell.reps}): cover, false winners")
        cols = ["-" if r[w] is None else
                f"{r[w][0]:.2f}, {r[w][1]:.3f}" if cell.kind == "best-set" else
                f"{r[w][1]:.3f}, {r[w][2]:.3f}" for w in WAYS]
        print(f"| {what} | " + " | ".join(cols) + " |", flush=True)
    print(f"\n{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
