"""Scale of the comparison over examples: 10 configurations x 5 seeds x 100,000 examples.

The data: 50 runs, each carrying an ``ExampleTable`` of 100,000 rows (string example key,
cluster key: 10 examples per passage, a binary score), as a fetcher would build it.

* ``ours``: ``compare_runs(runs, metric="correct", examples="eval", example_key="id",
  cluster_key="passage", test="examples-seeds", all_pairs=True)``: align every table on the example key, 45 pairs, each the two-way
  cluster-robust test over seeds and clusters, Holm, the decision and its advice.
* ``baseline``: the straightforward pandas/scipy way of computing the same statistic: one long
  DataFrame (5,000,000 rows), and per pair a pivot to seeds x examples, the difference, the
  seed / cluster / cell sums by ``groupby``, then scipy's t distribution. Its p-values are
  checked equal to ours.

Each side runs in its own process (peak memory = that process's max RSS, data included);
the ratio of times is printed.

Usage::

    python benchmarks/bench_examples.py            # 10 x 5 x 100,000
    python benchmarks/bench_examples.py --examples 20000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CONFIGS, SEEDS = 10, 5


def make_runs(n: int) -> list:
    from shared import ExampleTable, Run

    rng = np.random.default_rng(0)
    hard = rng.normal(0, 1, n)
    passage = np.arange(n) // 10
    runs = []
    for c in range(CONFIGS):
        for s in range(SEEDS):
            logit = hard + 0.02 * c + rng.normal(0, 0.05) + rng.normal(0, 1, n)
            ids = np.char.add("q", np.arange(n).astype(str))  # every run its own key strings
            table = ExampleTable(
                "eval",
                {"id": ids, "passage": passage.copy(), "correct": (logit > 0).astype(np.int8)},
            )
            runs.append(
                Run("frame", f"c{c}-s{s}", params={"cfg": c, "seed": s}, examples={"eval": table})
            )
    return runs


def ours(n: int) -> dict:
    import pandas  # noqa: F401  (imported before the clock, as in the baseline)
    from scipy import stats  # noqa: F401

    from shared.compare import compare_runs

    runs = make_runs(n)
    start, cpu = time.perf_counter(), time.process_time()
    # every pair with its own test, as the baseline computes (the default with 10
    # configurations compares each with the best on shared seed terms: other numbers)
    c = compare_runs(
        runs, metric="correct", examples="eval", example_key="id", cluster_key="passage",
        test="examples-seeds", all_pairs=True,
    )
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": took, "cpu": cpu, "p": [p.p_value for p in c.pairs]}


def baseline(n: int) -> dict:
    import pandas as pd
    from scipy import stats

    runs = make_runs(n)
    start, cpu = time.perf_counter(), time.process_time()
    frames = []
    for r in runs:
        t = r.examples["eval"]
        frames.append(
            pd.DataFrame(
                {
                    "run_id": r.id,
                    "cfg": r.params["cfg"],
                    "seed": r.params["seed"],
                    "id": t.column("id"),
                    "passage": t.column("passage"),
                    "correct": t.column("correct"),
                }
            )
        )
    long = pd.concat(frames, ignore_index=True)
    wide = {
        cfg: g.pivot(index="seed", columns="id", values="correct") for cfg, g in long.groupby("cfg")
    }
    passage = long.drop_duplicates("id").set_index("id")["passage"]
    ps = []
    for i in range(CONFIGS):
        for j in range(i + 1, CONFIGS):
            mean, var, df = pandas_pair(wide[i], wide[j], passage)
            ps.append(float(2 * stats.t.sf(abs(mean) / np.sqrt(var), df)))
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": took, "cpu": cpu, "p": ps}


def pandas_pair(wa, wb, passage):  # noqa: ANN001, ANN201 (pandas objects, a plain tuple)
    """The straightforward way, for one pair: seeds x examples pivots ``wa`` and ``wb`` (the
    same seeds and examples), each example's passage; the two-way (seeds x passages)
    cluster-robust variance by ``groupby`` sums, Satterthwaite's df with the seed term at its
    75% upper bound, as the product states it. Returns (mean difference, variance, df)."""
    from scipy import stats

    d = (wa - wb).stack().rename("d").reset_index()
    d["passage"] = passage.reindex(d["id"]).to_numpy()
    mean = d["d"].mean()
    d["e"] = d["d"] - mean
    big = float(len(d)) ** 2
    v_s = (d.groupby("seed")["e"].sum() ** 2).sum() / big
    v_g = (d.groupby("passage")["e"].sum() ** 2).sum() / big
    v_sg = (d.groupby(["seed", "passage"])["e"].sum() ** 2).sum() / big
    s, g = d["seed"].nunique(), d["passage"].nunique()
    cs, cg = s / (s - 1), g / (g - 1)
    t_s, t_g = cs * v_s, cg * v_g
    t_i = -cs * cg * (v_sg - v_s / g - v_g / s)
    dfs = (s - 1, g - 1, (s - 1) * (g - 1))

    def satterthwaite(pieces: tuple[float, ...]) -> tuple[float, float]:
        # the stated rule: a sum below its largest piece keeps that piece and its df
        total = sum(pieces)
        if total <= max(pieces):
            k = int(np.argmax(pieces))
            return pieces[k], dfs[k]
        return total, total**2 / sum(v * v / f for v, f in zip(pieces, dfs, strict=True))

    var = satterthwaite((t_s, t_g, t_i))[0]
    up = t_s * (s - 1) / stats.chi2.ppf(0.25, s - 1)  # the seed term's 75% upper bound
    df = satterthwaite((up, t_g, t_i))[1]
    return float(mean), float(var), float(df)


def child(which: str, n: int) -> None:
    out = (ours if which == "ours" else baseline)(n)
    out["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--child", choices=("ours", "baseline"))
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.examples)
        return 0
    results = {}
    for which in ("ours", "baseline"):
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, __file__, "--child", which, "--examples", str(args.examples)],
            capture_output=True,
            text=True,
            check=True,
        )
        results[which] = json.loads(proc.stdout.strip().splitlines()[-1])
        results[which]["process_s"] = time.perf_counter() - start
    o, b = results["ours"], results["baseline"]
    same = np.allclose(o["p"], b["p"], rtol=1e-6, atol=1e-12)
    print(
        f"{CONFIGS} configurations x {SEEDS} seeds x {args.examples:,} examples, "
        f"{len(o['p'])} pairs"
    )
    for name, r in (("ours", o), ("pandas/scipy", b)):
        print(
            f"  {name:13s} comparison {r['seconds']:6.2f} s ({r['cpu']:6.2f} s CPU)   "
            "whole process "
            f"{r['process_s']:6.2f} s   peak RSS {r['max_rss_mib']:7.0f} MiB"
        )
    print(
        f"  ratio (baseline / ours): comparison {b['seconds'] / o['seconds']:.1f}x "
        f"({b['cpu'] / o['cpu']:.1f}x CPU), "
        f"peak memory {b['max_rss_mib'] / o['max_rss_mib']:.1f}x; same p-values: {same}"
    )
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
