"""seeds_needed from a pilot: is the advice the seed count that truly gives the stated power?

Pilot scenario of issue 17: two configurations, ``n0`` paired seeds (default 5), a true paired
effect ``d`` (0.5 and 1.0 SD of the paired difference). For each simulated pilot the
comparison runs as a user would run it (``compare_runs``, test ``auto``) and the advice is read
two ways:

* from every pilot (``seeds_needed_for`` on the pilot's pair: what the advice would say
  whatever the pilot decided), and
* as printed, from the pilots that did not decide: the number the sentence names
  (``Decision.seeds_needed`` when more seeds are advised; "N seeds would do" and "already had
  80% power" name no more than the pilot's seeds). That advice is conditional on the pilot
  having missed (``shared.compare.decision._seeds``); the goal applies to it.

Ours sizes for the observed d_z made median-unbiased (``shared.compare.decision._seeds``). Beside it,
in the same run, the advice sized for Hedges' g (the previous rule, the baseline).
The truth is the seed count whose paired t-test at alpha has the stated power for the true
``d`` (``shared.stats.seeds_needed``, checked against statsmodels in the tests). Goal: the
median advice within 25% of it. Also printed: how often the stated range (the seeds over the
effect's 80% interval) contains the truth.

Run: python benchmarks/bench_seeds_needed.py [--reps 2000] [--n0 5]
"""

from __future__ import annotations

import argparse
import re
import time

import numpy as np


def one_pilot(
    rng: np.random.Generator, n0: int, d: float
) -> tuple[float, float, float, float, bool, bool | None]:
    from shared.compare import compare_runs
    from shared.compare.decision._seeds import seeds_needed_for
    from shared.compare.inference._registry import REGISTRY
    from shared.model import Run
    from shared.stats import seeds_needed

    base = rng.normal(0.7, 0.05, n0)
    diffs = rng.normal(d, 1.0, n0) * 0.01  # the paired difference's SD is 0.01
    runs = []
    for i in range(n0):
        runs.append(
            Run(
                "sim",
                f"a{i}",
                params={"cfg": "a", "seed": i},
                metrics={"acc": float(base[i] + diffs[i])},
            )
        )
        runs.append(
            Run("sim", f"b{i}", params={"cfg": "b", "seed": i}, metrics={"acc": float(base[i])})
        )
    comp = compare_runs(runs, metric="acc", seed_key="seed", group_by=["cfg"])
    (pair,) = comp.pairs
    need = seeds_needed_for(pair, REGISTRY[pair.test], level=0.05, alpha=0.05, min_effect=0.0, k=2)
    g = pair.std_effect
    old = seeds_needed(abs(g), alpha=0.05, power=0.8, paired=True) if g else None
    lo, hi = need.span if need.span is not None else (None, None)
    truth = seeds_needed(d, alpha=0.05, power=0.8, paired=True)
    covered = lo is not None and lo <= truth and (hi is None or truth <= hi)
    printed, printed_covers = None, None
    if comp.decision.winner is None:
        shown = seeds_needed_for(pair, REGISTRY[pair.test], level=0.05, alpha=0.05,
                                 min_effect=0.0, k=2, missed=True).span
        printed_covers = shown is not None and shown[0] <= truth and (
            shown[1] is None or truth <= shown[1])
        # the number the sentence names: ``seeds_needed`` when more seeds are advised, else
        # "N seeds would do" (no more than were run), else "already had 80% power" (n0 do)
        printed = comp.decision.seeds_needed
        enough = re.search(r"alone (\d+) seeds would do", comp.decision.rationale)
        if printed is None and enough:
            printed = int(enough.group(1))
        elif printed is None and "already had" in comp.decision.rationale:
            printed = n0
    return (
        float(need.n or np.inf),
        float(old or np.inf),
        float(printed or np.nan),
        float(truth),
        covered,
        printed_covers,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--n0", type=int, default=5)
    args = parser.parse_args()
    print(f"pilot: {args.n0} paired seeds, paired t at alpha 0.05, advice for 80% power")
    print(
        "| true d | seeds truly needed | median advice (ours) | ours / truth | q10-q90 ours | "
        "median advice sized for Hedges' g (before) | before / truth | median printed advice "
        "(undecided pilots; median-unbiased: half at or below the truth) | range contains the truth | "
        "printed range contains it | reps | s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for d in (0.5, 1.0):
        start = time.perf_counter()
        rng = np.random.default_rng(int(d * 1000) + args.n0)
        rows = [one_pilot(rng, args.n0, d) for _ in range(args.reps)]
        ours = np.array([r[0] for r in rows])
        old = np.array([r[1] for r in rows])
        printed = np.array([r[2] for r in rows])
        truth = rows[0][3]
        covered = np.mean([r[4] for r in rows])
        printed_covered = np.mean([r[5] for r in rows if r[5] is not None])
        med, med_old = np.median(ours), np.median(old)
        q10, q90 = np.quantile(ours, [0.1, 0.9])
        shown = printed[np.isfinite(printed)]
        med_printed = (f"{np.median(shown):.0f} = {np.median(shown) / truth:.2f}x; "
                       f"{np.mean(shown <= truth):.2f} of {shown.size} pilots at or below"
                       if shown.size else "-")
        print(
            f"| {d} | {truth:.0f} | {med:.0f} | {med / truth:.2f} | {q10:.0f}-{q90:.0f} | "
            f"{med_old:.0f} | {med_old / truth:.2f} | {med_printed} | {covered:.2f} | "
            f"{printed_covered:.2f} | {args.reps} | {time.perf_counter() - start:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
