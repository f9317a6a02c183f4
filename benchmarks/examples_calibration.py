"""Calibration of the comparisons over per-example scores: false-winner rate and power.

Two configurations, each run with S seeds (S = 1, 3, 5) and scored on the same N = 500
evaluation examples in clusters of 10 (50 clusters, e.g. 10 questions per passage). Score of
configuration c, seed s, example i in cluster g:

    y = mu_c + u_cs + a_g + b_i + alpha_cg + beta_ci + e_csi

* ``u_cs`` ~ N(0, 0.05^2): run-to-run (seed) variance of a configuration's mean, the same size
  as the standard error of a 500-example mean difference (so neither source is negligible);
* ``a_g``, ``b_i``: example difficulty shared by both configurations (cancels when paired);
* ``alpha_cg`` ~ N(0, ICC), ``beta_ci`` ~ N(0, (1 - ICC) / 2), ``e_csi`` ~ N(0, (1 - ICC) / 2):
  where the configurations differ by example; ICC (0, 0.1, 0.3, 0.7) is the within-cluster
  correlation of a configuration's per-example deviations;
* ``binary`` cells score 1[y > 0] (correct / incorrect) instead of y.

Seeds are paired (seed s of both configurations shares nothing but its label: u_cs are
independent; pairing by seed costs nothing then). Under **no difference** mu_0 = mu_1; a
*false winner* is a significant difference at alpha = 0.05 (two-sided). Under the **stated
effect** mu_1 = mu_0 + 0.15 (continuous cells): *power* is the rate of naming configuration 1.

Procedures (each gets the same data sets):

* ``ours``: exactly what ``compare_runs(examples=..., cluster_key=...)`` runs (the same
  selection and test functions; no cluster key at ICC 0): ``examples-seeds`` with 2+ seeds,
  ``examples-only`` with one (``mcnemar`` for binary scores without a cluster key);
* ``naive``: the pooled-examples test, a paired t-test over all seed x example differences as
  if independent (ignores seeds and clusters): the test this project does not use;
* ``oracle``: a z-test with the true Var(difference) (known-variance limit of power).

With S = 1 the question "same on retraining?" cannot be answered from the data (one run has
no seed-to-seed variance): ``ours`` then answers "are these trained runs different?", and the
``fixed runs`` rows measure that (u_cs = 0), while the retraining rows show its false-winner
rate on the retraining question, to show why the output says so plainly.

Usage::

    python benchmarks/examples_calibration.py              # the README table, 2,000 data sets
    python benchmarks/examples_calibration.py --reps 200   # quicker, noisier
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from shared.compare.inference._examples_choice import (  # noqa: E402
    choose_example_test,
    run_example_test,
)
from shared.compare.inference._examples_runners import ConfigScores  # noqa: E402

ALPHA = 0.05
N_EXAMPLES = 500
CLUSTER_SIZE = 10
SEED_SD = 0.05
EFFECT = 0.15
ICCS = (0.0, 0.1, 0.3, 0.7)
BEST_EFFECT = 0.35  # "which is best?" rows: about 2.8 true SEs of a pair at 3 seeds, ICC 0.3
SEEDS = (1, 3, 5)


@dataclass(frozen=True)
class Cell:
    seeds: int
    icc: float
    binary: bool = False
    effect: float = 0.0
    seed_sd: float = SEED_SD

    @property
    def label(self) -> str:
        kind = "binary" if self.binary else "continuous"
        runs = "fixed runs" if self.seed_sd == 0 else "retraining"
        return f"{kind}, {runs}"


def make_data(cell: Cell, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a, b, cluster codes): two seeds x examples score matrices for one data set."""
    n, s = N_EXAMPLES, cell.seeds
    codes = np.arange(n) // CLUSTER_SIZE
    g = n // CLUSTER_SIZE
    shared = rng.normal(0, 1, g)[codes] + rng.normal(0, 1, n)
    rest = (1.0 - cell.icc) / 2.0
    mats = []
    for c in range(2):
        y = (
            shared
            + rng.normal(0, math.sqrt(cell.icc), g)[codes]
            + rng.normal(0, math.sqrt(rest), n)
            + rng.normal(0, cell.seed_sd, (s, 1))
            + rng.normal(0, math.sqrt(rest), (s, n))
            + (cell.effect if c == 1 else 0.0)
        )
        mats.append((y > 0).astype(np.float64) if cell.binary else y)
    return mats[1], mats[0], codes


def true_se(cell: Cell) -> float:
    """sqrt(Var(mean(a) - mean(b))) for the continuous model (the oracle's variance)."""
    n, s = N_EXAMPLES, cell.seeds
    rest = (1.0 - cell.icc) / 2.0
    var = 2 * (cell.seed_sd**2 / s + cell.icc * CLUSTER_SIZE / n + rest / n + rest / (s * n))
    return math.sqrt(var)


def one_cell(cell: Cell, reps: int, seed: int) -> dict[str, float]:
    """Rates of a significant difference for ours, naive and (continuous) the oracle."""
    from scipy import stats

    rng = np.random.default_rng(seed)
    hits = {"ours": 0, "naive": 0, "oracle": 0}
    se = true_se(cell)
    crit = stats.norm.ppf(1 - ALPHA / 2)
    want = (lambda d: d > 0) if cell.effect > 0 else (lambda d: True)
    test_name = ""
    for _ in range(reps):
        a, b, codes = make_data(cell, rng)
        sa = ConfigScores("b", a, tuple(range(cell.seeds)))
        sb = ConfigScores("a", b, tuple(range(cell.seeds)))
        # ICC 0: the user gives no cluster key (binary scores of one run each: McNemar)
        clustered = cell.icc > 0
        test_name, _ = choose_example_test("auto", sa, sb, cell.binary, clustered)
        r, _ = run_example_test(test_name, sa, sb, codes if clustered else None)
        hits["ours"] += bool(r.pvalue < ALPHA and want(r.estimate))
        d = (a - b).ravel()
        sd = d.std(ddof=1)
        if sd > 0:
            t = d.mean() / (sd / math.sqrt(d.size))
            hits["naive"] += bool(2 * stats.t.sf(abs(t), d.size - 1) < ALPHA and want(t))
        z = (a.mean() - b.mean()) / se
        hits["oracle"] += bool(abs(z) > crit and want(z))
    out = {k: v / reps for k, v in hits.items()}
    out["test"] = test_name  # type: ignore[assignment]
    return out


@dataclass(frozen=True)
class BestCell:
    """k configurations, 3+ seeds, clustered examples: "which is best?" (compare with the
    best, ``_examples_mcb``) against Holm over every pair, on the same data sets."""

    k: int
    seeds: int
    icc: float
    effect: float = 0.0  # configuration 0 ahead by this; 0: all equal (no strict best)
    noisy: float = 1.0  # the last configuration's seed-to-seed sd, times SEED_SD
    tie: bool = False  # the last configuration ahead by ``effect`` too: no strict best

    @property
    def label(self) -> str:
        return (f"{self.k}" + (f", one {self.noisy:g}x noisier" if self.noisy != 1 else "")
                + (", top two tied" if self.tie else ""))


def _k_data(cell: BestCell, rng: np.random.Generator) -> tuple[list[np.ndarray], np.ndarray]:
    """k seeds x examples matrices of the model above (configuration 0 ahead by ``effect``)."""
    n = N_EXAMPLES
    codes = np.arange(n) // CLUSTER_SIZE
    g = n // CLUSTER_SIZE
    shared = rng.normal(0, 1, g)[codes] + rng.normal(0, 1, n)
    rest = (1.0 - cell.icc) / 2.0
    mats = [
        shared
        + rng.normal(0, math.sqrt(cell.icc), g)[codes]
        + rng.normal(0, math.sqrt(rest), n)
        + rng.normal(0, SEED_SD * (cell.noisy if c == cell.k - 1 else 1.0), (cell.seeds, 1))
        + rng.normal(0, math.sqrt(rest), (cell.seeds, n))
        + (cell.effect if c == 0 or (cell.tie and c == cell.k - 1) else 0.0)
        for c in range(cell.k)
    ]
    return mats, codes


def best_cell(cell: BestCell, reps: int, seed: int) -> dict[str, float]:
    """P(a winner is named) by MCB on the sweep's shared run terms (ours), by Holm over every
    pair with each pair's own terms (the rule before), and by the known-variance oracle
    (exact MCB quantile with the true variances); with an effect, P(configuration 0 is
    named); and how often configuration 0 is in our possibly-best set."""
    from shared.compare.inference._examples_mcb import examples_mcb
    from shared.compare.inference._examples_runners import share_run_terms
    from shared.stats import adjust_pvalues
    from shared.stats._simultaneous import stepped_quantile

    rng = np.random.default_rng(seed)
    names = [f"c{c}" for c in range(cell.k)]
    # every pair's true sd of the mean difference (the noisier configuration's pairs larger)
    sd = np.full(cell.k, SEED_SD)
    sd[-1] *= cell.noisy
    base = true_se(Cell(cell.seeds, cell.icc, seed_sd=0.0)) ** 2
    se = np.sqrt(base + (sd[:, None] ** 2 + sd[None, :] ** 2) / cell.seeds)
    # the oracle: comparisons with one control correlated 1/2 (equal variances), infinite df
    c_oracle = stepped_quantile(np.full(cell.k - 1, math.sqrt(0.5)), math.inf, ALPHA / 2)
    want = "c0" if cell.effect > 0 and not cell.tie else None  # a tie: any winner is false
    hits = {"ours": 0, "holm": 0, "oracle": 0, "in_set": 0}
    for _ in range(reps):
        mats, codes = _k_data(cell, rng)
        own = [ConfigScores(n, m, tuple(range(cell.seeds)))
               for n, m in zip(names, mats, strict=True)]
        shared = share_run_terms(own)
        pairs = [(i, j) for i in range(cell.k) for j in range(i + 1, cell.k)]
        mine = {(i, j): run_example_test("examples-seeds", shared[i], shared[j], codes)[0]
                for i, j in pairs}
        results = {(i, j): run_example_test("examples-seeds", own[i], own[j], codes)[0]
                   for i, j in pairs}
        r = examples_mcb(names, shared, mine, goal="maximize", alpha=ALPHA)
        won = r["best"]
        hits["in_set"] += "c0" in r["best_set"]
        keys = list(results)
        adj = adjust_pvalues([results[key].pvalue for key in keys], "holm")
        beats = {n: 0 for n in names}
        for (i, j), pa in zip(keys, adj, strict=True):
            if pa < ALPHA:
                beats[names[i] if results[i, j].estimate > 0 else names[j]] += 1
        holm = next((n for n, b in beats.items() if b == cell.k - 1), None)
        means = np.array([m.mean() for m in mats])
        top = int(np.argmax(means))
        oracle = names[top] if all(
            means[top] - means[j] > c_oracle * se[top, j] for j in range(cell.k) if j != top
        ) else None
        for key, name in (("ours", won), ("holm", holm), ("oracle", oracle)):
            hits[key] += name is not None if want is None else name == want
    return {key: v / reps for key, v in hits.items()}


def best_section(reps: int, power_reps: int) -> bool:
    """The compare-with-the-best rows (``--mcb``); True when every null cell holds."""
    cells = [BestCell(k, s, 0.3) for k, s in ((3, 3), (4, 3), (4, 5), (8, 3))]
    cells += [BestCell(4, 3, 0.3, noisy=3.0), BestCell(8, 3, 0.3, noisy=3.0)]
    ties = [BestCell(4, 3, 0.3, BEST_EFFECT, tie=True),
            BestCell(4, 3, 0.3, BEST_EFFECT, noisy=3.0, tie=True)]
    print(
        f"\nWhich is best? k configurations, clustered examples (ICC 0.3), false winners with "
        f"all equal ({reps} data sets, {max(reps // 2, 1)} at k = 8), power at +{BEST_EFFECT} for one ({power_reps}): compare "
        "with the best on the sweep's shared run terms (ours) beside Holm over every pair with "
        "each pair's own terms (before) and the known-variance oracle.\n"
    )
    print("| k | seeds | ours: false winners | Holm, every pair: false winners | ours: power "
          "| Holm: power | oracle: power | ours / oracle | best in our set |")
    print("|---|---|---|---|---|---|---|---|---|")
    ok = True
    for n, cell in enumerate(cells):
        null_reps = reps if cell.k < 8 else max(reps // 2, 1)  # 28 pairs a set: SE still 0.01
        null = best_cell(cell, null_reps, 9000 + n)
        power = best_cell(BestCell(cell.k, cell.seeds, cell.icc, BEST_EFFECT, cell.noisy),
                          power_reps, 9500 + n)
        ok &= null["ours"] <= ALPHA + 2 * math.sqrt(ALPHA * (1 - ALPHA) / null_reps)
        ratio = power["ours"] / power["oracle"] if power["oracle"] else math.nan
        print(f"| {cell.label} | {cell.seeds} | {fmt(null['ours'], null_reps)} | "
              f"{fmt(null['holm'], null_reps)} | {power['ours']:.2f} | {power['holm']:.2f} | "
              f"{power['oracle']:.2f} | {ratio:.2f} | {power['in_set']:.3f} |")
    print(f"\nNo strict best, two configurations tied {BEST_EFFECT} ahead of the others "
          f"({reps} data sets): any winner is false.\n")
    print("| k | seeds | ours: false winners | Holm, every pair: false winners |")
    print("|---|---|---|---|")
    for n, cell in enumerate(ties):
        null = best_cell(cell, reps, 9800 + n)
        ok &= null["ours"] <= ALPHA + 2 * math.sqrt(ALPHA * (1 - ALPHA) / reps)
        print(f"| {cell.label} | {cell.seeds} | {fmt(null['ours'], reps)} | "
              f"{fmt(null['holm'], reps)} |")
    return ok


def fmt(p: float, reps: int) -> str:
    return f"{p:.3f}±{math.sqrt(max(p * (1 - p), 1e-12) / reps):.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000, help="data sets per cell")
    parser.add_argument("--power-reps", type=int, default=500, help="data sets per power cell")
    parser.add_argument("--mcb", action="store_true",
                        help="only the rows of 3+ configurations (compare with the best)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.mcb:
        ok = best_section(args.reps, args.power_reps)
        print(f"\n{time.perf_counter() - start:.0f} s; "
              + ("every null cell within alpha + 2 SE" if ok else "ABOVE alpha + 2 SE"))
        return 0 if ok else 1
    rows = []
    cells = [Cell(s, icc) for icc in ICCS for s in SEEDS]
    cells += [Cell(1, icc, seed_sd=0.0) for icc in ICCS]
    cells += [Cell(s, icc, binary=True) for icc in (0.0, 0.3) for s in SEEDS]
    cells += [Cell(1, 0.0, binary=True, seed_sd=0.0), Cell(1, 0.3, binary=True, seed_sd=0.0)]
    failures = []
    for k, cell in enumerate(cells):
        null = one_cell(cell, args.reps, 1000 + k)
        power = None
        if not cell.binary:
            power = one_cell(
                Cell(cell.seeds, cell.icc, False, EFFECT, cell.seed_sd), args.power_reps, 5000 + k
            )
        bound = ALPHA + 2 * math.sqrt(ALPHA * (1 - ALPHA) / args.reps)
        claims = cell.seeds > 1 or cell.seed_sd == 0
        if claims and null["ours"] > bound:
            failures.append(cell)
        rows.append((cell, null, power, claims))
    print(
        f"False-winner rate under no difference (alpha = {ALPHA}), {args.reps} data sets per "
        f"cell, ± Monte Carlo SE; power at +{EFFECT} (score sd 1), {args.power_reps} data "
        "sets, beside the known-variance oracle. N = 500 examples in 50 clusters of 10.\n"
    )
    print(
        "| scores | seeds | ICC | ours: test | ours: false winners | naive pooled: false "
        "winners | ours: power | oracle: power |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for cell, null, power, claims in rows:
        ours = fmt(null["ours"], args.reps) + ("" if claims else " (answers another question)")
        pw = "" if power is None else f"{power['ours']:.2f}"
        po = "" if power is None else f"{power['oracle']:.2f}"
        print(
            f"| {cell.label} | {cell.seeds} | {cell.icc:g} | {null['test']} | {ours} | "
            f"{fmt(null['naive'], args.reps)} | {pw} | {po} |"
        )
    print(
        f"\n{len(cells)} cells in {time.perf_counter() - start:.0f} s; "
        + (
            "every claimed cell within alpha + 2 SE"
            if not failures
            else f"ABOVE alpha + 2 SE: {failures}"
        )
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
