"""Calibration of every decision the comparison can make: false-winner rate and power.

For every test ``compare_runs`` accepts (and ``auto``, whose normality pre-test and choice are
measured as one procedure), at n in {3, 5, 10, 20} seeds per configuration (and 30 for the tests calibrated only from there), with 2 and 4
configurations (and 8 for ``auto``, where MCB decides), on three distributions:

* ``normal``: seed effect N(0, 1) shared by every configuration plus run noise N(0, 1);
* ``lognormal``: the same seed effect plus lognormal(0, 1) run noise (skewed);
* ``outlier``: normal, with one run of the whole comparison moved by +10 sd.

Under **no difference** every configuration has the same distribution; a *false winner* is
any ``decision.winner``. Under the **stated effect** one configuration is shifted up by 1 sd
of the run noise; *power* is the rate at which exactly that configuration is named winner.
Rates carry their Monte Carlo standard error sqrt(p(1-p)/reps). A test that refuses at an n
(``PairResult.reach`` "refuses to decide") is reported as refusing there. ``bayes-signed-rank``
runs with min_effect = 0.1 (its ROPE; it refuses to decide without one).

The check: wherever a test decides, its false-winner rate must be <= alpha + 2 SE.
Repeated looks (confirm's adaptive seeds) are measured in ``benchmarks/confirm_calibration.py``.

``--unequal`` runs issue 17's D1 cells instead (``benchmarks/_unequal.py``): unpaired, 6 vs 24
runs, unequal spread, heavy tails, equal centres: ``auto`` beside Mann-Whitney,
Brunner-Munzel and Welch on the same data sets, and their power under equal shapes.

``--power`` runs the power section instead (``benchmarks/_power.py``): per cell our power and
a known-variance oracle's on the same data sets, and the ratio; the MCB cells report the mean
possibly-best set size beside the oracle's; false winners with the configurations' noise
heteroscedastic, heavy-tailed and lognormal.

Usage::

    python benchmarks/calibration.py              # the README table
    python benchmarks/calibration.py --power --reps 480   # the power section (SE <= 0.01)
    python benchmarks/calibration.py --unequal --reps 500 --workers 1   # D1 cells
    python benchmarks/calibration.py --reps 60    # quicker, noisier
    python benchmarks/calibration.py --markdown benchmarks/calibration.md
    python benchmarks/calibration.py --se 0.01    # then every false-winner rate to SE <= 0.01
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from shared.compare import compare_runs  # noqa: E402
from shared.compare.inference._registry import REGISTRY, test_names  # noqa: E402
from shared.model import Run  # noqa: E402

ALPHA = 0.05
NS = (3, 5, 10, 20)
DISTS = ("normal", "lognormal", "outlier")


@dataclass(frozen=True)
class Cell:
    test: str
    k: int
    n: int
    dist: str
    effect: float
    reps: int
    part: int = 0  # > 0: a top-up of the cell (``--se``), on data sets of its own


def _data(rng: np.random.Generator, k: int, n: int, dist: str, effect: float) -> np.ndarray:
    seed_effect = rng.normal(0.0, 1.0, (n, 1))
    if dist == "lognormal":
        noise = rng.lognormal(0.0, 1.0, (n, k))
        noise = noise / math.sqrt((math.e - 1) * math.e)  # sd 1, like the others
    else:
        noise = rng.normal(0.0, 1.0, (n, k))
    m = seed_effect + noise
    if dist == "outlier":
        m[rng.integers(n), rng.integers(k)] += 10.0
    m[:, 0] += effect  # configuration 0 is the better one when there is an effect
    return m


def _runs(m: np.ndarray) -> list[Run]:
    n, k = m.shape
    return [Run("sim", f"c{j}-s{i}", params={"cfg": j, "seed": i}, metrics={"y": float(m[i, j])})
            for j in range(k) for i in range(n)]


def run_cell(cell: Cell) -> dict[str, object]:
    # a stable seed per cell (str hash() is salted per process): the same data sets every run
    key = (cell.test, cell.k, cell.n, cell.dist, cell.effect) + ((cell.part,) if cell.part else ())
    rng = np.random.default_rng(zlib.crc32(repr(key).encode()))
    wins = refused = 0
    me = REGISTRY[cell.test].bench_min_effect if cell.test in REGISTRY else 0.0
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(cell.reps):
        m = _data(rng, cell.k, cell.n, cell.dist, cell.effect)
        # seed 0, the default: what users get (the data vary, the resampling stream is theirs)
        comp = compare_runs(_runs(m), metric="y", test=cell.test, min_effect=me)
        if any(p.reach and "refuses to decide" in p.reach for p in comp.pairs):
            refused += 1
            continue
        w = comp.decision.winner
        if cell.effect == 0:
            wins += w is not None
        else:
            wins += w == "cfg=0"
    decided = cell.reps - refused
    rate = wins / decided if decided else math.nan
    se = math.sqrt(rate * (1 - rate) / decided) if decided else math.nan
    return {"cell": cell, "rate": rate, "se": se, "refused": refused / cell.reps,
            "seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0,
            "wins": wins, "decided": decided}


def _top_up_cells(results: list[dict[str, object]], target: float) -> list[Cell]:
    """The extra data sets each deciding no-difference cell needs for a Monte Carlo SE of at
    most ``target`` (taking its rate as at least 0.01, so a cell with no false winner in its
    first data sets is not taken as exact)."""
    out = []
    for r in results:
        cell = r["cell"]
        if cell.effect != 0 or r["refused"] > 0.5 or not r["decided"]:
            continue
        p = max(float(r["rate"]), 0.01)
        need = math.ceil(p * (1 - p) / target**2 / (1 - r["refused"]))
        if need > cell.reps:
            out.append(Cell(cell.test, cell.k, cell.n, cell.dist, 0.0, need - cell.reps, 1))
    return out


def _merge(results: list[dict[str, object]]) -> list[dict[str, object]]:
    """One result per cell: its first data sets and its top-up together."""
    by: dict[tuple, dict[str, object]] = {}
    for r in results:
        c = r["cell"]
        key = (c.test, c.k, c.n, c.dist, c.effect)
        if key not in by:
            by[key] = dict(r)
            continue
        m = by[key]
        total = m["cell"].reps + c.reps
        m["cell"] = Cell(c.test, c.k, c.n, c.dist, c.effect, total)
        for f in ("wins", "decided", "seconds", "cpu"):
            m[f] += r[f]
        m["refused"] = 1 - m["decided"] / total
    for m in by.values():
        d = m["decided"]
        m["rate"] = m["wins"] / d if d else math.nan
        m["se"] = math.sqrt(m["rate"] * (1 - m["rate"]) / d) if d else math.nan
    return list(by.values())


def sizes(test: str) -> tuple[int, ...]:
    """The n of the grid, plus the test's calibrated n when that is beyond the grid (so the
    table shows the bootstrap and the Bayesian test deciding somewhere)."""
    floor = REGISTRY[test].min_n if test in REGISTRY else 2
    return NS + ((floor,) if floor > NS[-1] else ())


def cells(reps: int, tests: list[str]) -> list[Cell]:
    out = []
    for test in tests:
        ks = (2, 4, 8) if test == "auto" else (2, 4)
        for k in ks:
            for n in sizes(test):
                for dist in DISTS:
                    for effect in (0.0, 1.0):
                        # power needs less precision than the false-winner rate it is read
                        # beside: a third of the data sets
                        # resampling tests are 10-100x slower per comparison: fewer data
                        # sets (larger SE, shown); their records say how many
                        share = REGISTRY[test].bench_share if test in REGISTRY else 1.0
                        r = reps * share * (0.5 if k == 8 else 1.0)
                        r = max(30, int(r if effect == 0 else r / 3))
                        out.append(Cell(test, k, n, dist, effect, r))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=100,
                    help="data sets per no-difference cell of a fast test (power: a third)")
    ap.add_argument("--tests", default="all", help="comma-separated tests (default all)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--markdown", help="also write the table to this file")
    ap.add_argument("--se", type=float,
                    help="then top up every deciding no-difference cell to this Monte Carlo SE "
                         "(e.g. 0.01)")
    ap.add_argument("--power", action="store_true",
                    help="the power section: ours against the known-variance oracle")
    ap.add_argument("--unequal", action="store_true",
                    help="issue 17's D1 cells: unpaired, unequal n and spread, heavy tails")
    args = ap.parse_args(argv)
    if args.power:
        return _power_main(args)
    if args.unequal:
        return _unequal_main(args)
    tests = list(test_names()) if args.tests == "all" else args.tests.split(",")
    todo = cells(args.reps, tests)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as ex:
        results = list(ex.map(run_cell, todo, chunksize=1))
        if args.se:
            extra = sorted(_top_up_cells(results, args.se), key=lambda c: -c.reps)
            results = _merge(results + list(ex.map(run_cell, extra, chunksize=1)))
    by = {(r["cell"].test, r["cell"].k, r["cell"].n, r["cell"].dist, r["cell"].effect): r
          for r in results}
    lines = [
        f"False-winner rate under no difference (alpha = {ALPHA}) / power at +1 sd, "
        "with Monte Carlo SE; 'refuses' = the test declines to decide at that n.",
        "",
        "| test | k | dist | " + " | ".join(f"n={n}" for n in NS) + " | n=30 |",
        "|---|---|---|" + "---|" * (len(NS) + 1),
    ]
    bad = []
    for test in tests:
        for k in ((2, 4, 8) if test == "auto" else (2, 4)):
            for dist in DISTS:
                row = []
                for n in sizes(test):
                    null, pw = by[(test, k, n, dist, 0.0)], by[(test, k, n, dist, 1.0)]
                    if null["refused"] > 0.5:
                        row.append("refuses")
                        continue
                    ok = null["rate"] <= ALPHA + 2 * null["se"] + 1e-12
                    if not ok:
                        bad.append(f"{test} k={k} n={n} {dist}: {null['rate']:.3f}")
                    row.append(f"{null['rate']:.3f}±{null['se']:.3f}{'' if ok else ' !'} / "
                               f"{pw['rate']:.2f}")
                if len(row) == len(NS):
                    row.append("")
                lines.append(f"| {test} | {k} | {dist} | " + " | ".join(row) + " |")
    cpu = sum(r["cpu"] for r in results)
    lines += ["", f"cells: {len(results)}, wall time {time.perf_counter() - t0:.0f} s with "
              f"{args.workers} workers, CPU {cpu:.0f} s (on idle cores: ~{cpu / args.workers:.0f} "
              "s); "
              + ("every deciding cell within alpha + 2 SE" if not bad
                 else f"{len(bad)} cells above alpha + 2 SE: " + "; ".join(bad))]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    return 0 if not bad else 1


def _section_main(args: argparse.Namespace, module: str, ok_words: str, bad_words: str) -> int:
    """Run one section's cells (``--power``: ``_power``, ``--unequal``: ``_unequal``), each
    module giving ``<name>_cells``, ``run_<name>_cell`` and ``<name>_table``."""
    import importlib

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    name = module.strip("_")
    mod = importlib.import_module(module)
    todo = getattr(mod, f"{name}_cells")(args.reps)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as ex:
        results = list(ex.map(getattr(mod, f"run_{name}_cell"), todo, chunksize=1))
    lines, bad = getattr(mod, f"{name}_table")(results)
    cpu = sum(r["cpu"] for r in results)
    lines += ["", f"cells: {len(results)}, wall time {time.perf_counter() - t0:.0f} s with "
              f"{args.workers} workers, CPU {cpu:.0f} s; "
              + (ok_words if not bad else f"{len(bad)} {bad_words}: " + "; ".join(bad))]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    return 0 if not bad else 1


def _power_main(args: argparse.Namespace) -> int:
    return _section_main(args, "_power", "every cell passes its check", "cells fail")


def _unequal_main(args: argparse.Namespace) -> int:
    return _section_main(args, "_unequal", "every auto cell within alpha + 2 SE",
                         "auto cells above alpha + 2 SE")


if __name__ == "__main__":
    raise SystemExit(main())
