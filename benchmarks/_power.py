"""The power section of ``benchmarks/calibration.py``: ours beside a known-variance oracle.

Every data set is answered twice: by us (``compare_runs`` with ``test="auto"``, or the MCB
step itself for the large sweeps) and by the **known-variance oracle**, the same question
(compare with the best, same alpha, same exact simultaneous quantiles) answered with the true
noise variances and infinite df. The ratio ours / oracle is how much of the physically
available power we keep. Paired data: a seed effect N(0, 1) shared by every configuration
plus run noise of sd 1 (or as below), per configuration mean ``mu``.

Noise (``NOISES``):

* ``normal``;
* ``hetero``: configuration 1 (not the best) 3x noisier;
* ``meanvar``: sd growing with the mean, ``1 + 0.5 (mu - min mu)`` (the best is the noisiest);
* ``t3``: Student t(3) noise scaled to sd 1 (heavy tails);
* ``lognormal``: lognormal(0, 1) noise centred and scaled to sd 1 (skewed).

Cells:

* ``mcb``: 5 seeds, the best 3 sd ahead of k - 1 equal others, k = 10, 30, 100: mean size
  of the possibly-best set (ours, oracle, ratio) and P(true best in our set).
* ``winner``: k = 2, 4, 8 configurations, n = 5, 10, 20 seeds, one better by 1 sd, normal:
  P(it is named the winner), ours and the oracle's, and the ratio (the cells whose power is a
  few percent on 4-20x the data sets, by the MCB step: ``PowerCell.step``).
* ``null``: false winners, no strict best: all configurations equal, except ``meanvar`` where
  the top two tie and the others are 1 and 2 sd behind (the variance needs different means
  to grow with them); 5 seeds, k = 3, 4, 8 (``compare_runs``) and 10, 30, 100 (the MCB
  step, where P(configuration 0, a true best, in the set) must also be at least
  0.95 - 2 SE).
"""

from __future__ import annotations

import math
import time
import zlib
from dataclasses import dataclass

import numpy as np

from shared.compare import compare_runs
from shared.compare.configs._pairing import Sample
from shared.compare.inference._mcb import mcb
from shared.model import Run
from shared.stats._moderated import Moderated, _lam

ALPHA = 0.05
NOISES = ("normal", "hetero", "meanvar", "t3", "lognormal")


@dataclass(frozen=True)
class PowerCell:
    kind: str  # "best-set", "winner", "null"
    k: int
    n: int
    noise: str
    reps: int
    #: answer by the MCB step itself, what ``auto`` runs with 3+ configurations
    #: (``compare_runs`` agreed with it on 399 of 400 winner data sets at k = 4, n = 5), ten
    #: times faster: for winner cells whose power is a few percent, where a ratio needs
    #: thousands of data sets (100 gave ratios of 0.5-1.3 from 1-3 hits)
    step: bool = False


def _mu(kind: str, k: int, noise: str) -> np.ndarray:
    mu = np.zeros(k)
    if kind == "best-set":
        mu[0] = 3.0
    elif kind == "winner":
        mu[0] = 1.0
    elif noise == "meanvar":
        mu[2:] = -1.0 - (np.arange(k - 2) % 2)  # top two tie, the others 1 or 2 sd behind
    return mu


def _sd(mu: np.ndarray, noise: str) -> np.ndarray:
    sd = np.ones(mu.size)
    if noise == "hetero":
        sd[1] = 3.0
    elif noise == "meanvar":
        sd = 1.0 + 0.5 * (mu - mu.min())
    return sd


def _noise(rng: np.random.Generator, n: int, k: int, noise: str) -> np.ndarray:
    if noise == "t3":
        return rng.standard_t(3, (n, k)) / math.sqrt(3.0)
    if noise == "lognormal":
        x = rng.lognormal(0.0, 1.0, (n, k))
        return (x - math.exp(0.5)) / math.sqrt((math.e - 1) * math.e)
    return rng.normal(0.0, 1.0, (n, k))


def data(rng: np.random.Generator, cell: PowerCell) -> tuple[np.ndarray, np.ndarray]:
    """(seeds x configurations values, the true noise sd of each configuration)."""
    mu = _mu(cell.kind, cell.k, cell.noise)
    sd = _sd(mu, cell.noise)
    m = rng.normal(0.0, 1.0, (cell.n, 1)) + mu + _noise(rng, cell.n, cell.k, cell.noise) * sd
    return m, sd


def oracle_model(sd: np.ndarray, n: int) -> Moderated:
    """The true variances of the paired mean differences, infinite df."""
    v = sd**2
    vd = v[:, None] + v[None, :]
    np.fill_diagonal(vd, 0.0)
    return Moderated(vd / n, math.inf, _lam(v, vd), math.inf, math.nan, "known variances")


def _runs(m: np.ndarray) -> list[Run]:
    n, k = m.shape
    return [Run("sim", f"c{j}-s{i}", params={"cfg": j, "seed": i}, metrics={"y": float(m[i, j])})
            for j in range(k) for i in range(n)]


def _mcb_both(m: np.ndarray, sd: np.ndarray) -> tuple[dict, dict]:
    n, k = m.shape
    names = [f"cfg={j}" for j in range(k)]
    samples = [Sample(names[j], m[:, j], list(range(n))) for j in range(k)]
    ours = mcb(samples, names, m, goal="maximize", alpha=ALPHA)
    oracle = mcb(samples, names, m, goal="maximize", alpha=ALPHA, model=oracle_model(sd, n))
    return ours, oracle


def _set(r: dict) -> list[str]:
    return [row["name"] for row in r["rows"] if row["in_best_set"]]


def run_power_cell(cell: PowerCell) -> dict[str, object]:
    rng = np.random.default_rng(zlib.crc32(repr(("power", cell.kind, cell.k, cell.n,
                                                 cell.noise)).encode()))
    t0 = time.process_time()
    ours_hits = oracle_hits = cover = 0
    ours_size = oracle_size = 0.0
    for _ in range(cell.reps):
        m, sd = data(rng, cell)
        direct = cell.step or cell.kind == "best-set" or (cell.kind == "null" and cell.k >= 10)
        if direct:
            ours, oracle = _mcb_both(m, sd)
            won, owon = ours["best"], oracle["best"]
            s, so = _set(ours), _set(oracle)
            ours_size += len(s)
            oracle_size += len(so)
            cover += "cfg=0" in s
        else:
            won = compare_runs(_runs(m), metric="y").decision.winner
            owon = _mcb_both(m, sd)[1]["best"]
        if cell.kind == "null":
            ours_hits += won is not None
            oracle_hits += owon is not None
        else:
            ours_hits += won == "cfg=0"
            oracle_hits += owon == "cfg=0"
    r = cell.reps
    p, po = ours_hits / r, oracle_hits / r
    return {"cell": cell, "rate": p, "se": math.sqrt(p * (1 - p) / r), "oracle": po,
            "ratio": p / po if po > 0 else math.nan, "size": ours_size / r,
            "oracle_size": oracle_size / r, "cover": cover / r,
            "cover_se": math.sqrt(max(cover / r * (1 - cover / r), 1e-12) / r),
            "cpu": time.process_time() - t0}


def power_cells(reps: int) -> list[PowerCell]:
    """``reps``: data sets per false-winner cell (500 gives SE <= 0.01 at 0.05)."""
    out = [PowerCell("best-set", k, 5, noise, max(50, reps // 5)) for k in (10, 30, 100)
           for noise in NOISES]
    rare = {(4, 5): 8, (8, 5): 20, (8, 10): 4}  # low-power cells: this many times reps
    out += [PowerCell("winner", k, n, "normal", rare[k, n] * reps, step=True)
            if (k, n) in rare else PowerCell("winner", k, n, "normal", max(100, reps // 2))
            for k in (2, 4, 8) for n in (5, 10, 20)]
    out += [PowerCell("null", k, 5, noise, reps) for k in (3, 4, 8) for noise in NOISES]
    out += [PowerCell("null", k, 5, noise, reps) for k in (10, 30, 100) for noise in NOISES]
    return out


def exact_two_config_power(n: int, effect: float = 1.0) -> tuple[float, float]:
    """P(the better of two configurations is named winner) at ``effect`` sd with n paired
    seeds (independent run noise of sd 1, so the paired differences have sd sqrt 2): the
    two-sided paired t-test (noncentral t, n - 1 df) and the known-variance z-test."""
    from scipy import stats

    ncp = effect / math.sqrt(2.0 / n)
    c = stats.t.ppf(1 - ALPHA / 2, n - 1)
    z = stats.norm.ppf(1 - ALPHA / 2)
    return float(stats.nct.sf(c, n - 1, ncp)), float(stats.norm.sf(z - ncp))


def power_table(results: list[dict[str, object]]) -> tuple[list[str], list[str]]:
    """Markdown lines and the cells that fail their check."""
    by = {(r["cell"].kind, r["cell"].k, r["cell"].n, r["cell"].noise): r for r in results}
    bad: list[str] = []
    lines = ["", "Power against the known-variance oracle (same data sets, same alpha = "
             f"{ALPHA}, true noise variances):", "",
             "MCB, paired, 5 seeds, the best 3 sd ahead: mean possibly-best set size, ours / "
             "oracle (ratio), P(true best in our set) ± SE", "",
             "| noise | k=10 | k=30 | k=100 |", "|---|---|---|---|"]
    for noise in NOISES:
        row = []
        for k in (10, 30, 100):
            r = by.get(("best-set", k, 5, noise))
            if r is None:
                row.append("")
                continue
            ratio = r["size"] / r["oracle_size"]
            if ratio > 1.5 or r["cover"] < 0.95 - 2 * r["cover_se"]:
                bad.append(f"mcb k={k} {noise}: size ratio {ratio:.2f}, cover {r['cover']:.3f}")
            row.append(f"{r['size']:.2f} / {r['oracle_size']:.2f} ({ratio:.2f}), "
                       f"{r['cover']:.3f}±{r['cover_se']:.3f}")
        lines.append(f"| {noise} | " + " | ".join(row) + " |")
    lines += ["", "Winner power, one configuration better by 1 sd, normal: ours / oracle "
              "(ratio); at k = 2 also the exact power of the paired t-test / the oracle's z "
              "(noncentral t, no simulation): no unbiased test without the true variance "
              "beats the t", "", "| k | n=5 | n=10 | n=20 |", "|---|---|---|---|"]
    for k in (2, 4, 8):
        row = []
        for n in (5, 10, 20):
            r = by.get(("winner", k, n, "normal"))
            cell = "" if r is None else (f"{r['rate']:.3g} / {r['oracle']:.3g} ({r['ratio']:.2f}"
                                         + (f", MCB step, {r['cell'].reps} data sets)"
                                            if r["cell"].step else ")"))
            if k == 2:
                t, z = exact_two_config_power(n)
                cell += f"; exact {t:.3f} / {z:.3f} ({t / z:.2f})"
            row.append(cell)
        lines.append(f"| {k} | " + " | ".join(row) + " |")
    lines += ["", "False winners, no strict best (alpha + 2 SE must hold): ours ± SE "
              "(oracle)", "", "| k | n | " + " | ".join(NOISES) + " |",
              "|---|---|" + "---|" * len(NOISES)]
    for k, n in [(3, 5), (4, 5), (8, 5), (10, 5), (30, 5), (100, 5)]:
        row = []
        for noise in NOISES:
            r = by.get(("null", k, n, noise))
            if r is None:
                row.append("")
                continue
            ok = r["rate"] <= ALPHA + 2 * r["se"] + 1e-12
            if not ok:
                bad.append(f"null k={k} n={n} {noise}: {r['rate']:.3f}")
            text = f"{r['rate']:.3f}±{r['se']:.3f}{'' if ok else ' !'} ({r['oracle']:.3f})"
            if k >= 10:  # the MCB step: P(configuration 0, a true best, in the set) too
                covers = r["cover"] >= 1 - ALPHA - 2 * r["cover_se"]
                if not covers:
                    bad.append(f"null k={k} n={n} {noise}: cover {r['cover']:.3f}")
                text += f", in set {r['cover']:.3f}±{r['cover_se']:.3f}{'' if covers else ' !'}"
            row.append(text)
        lines.append(f"| {k} | {n} | " + " | ".join(row) + " |")
    return lines, bad
