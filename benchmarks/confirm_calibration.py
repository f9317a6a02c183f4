"""Calibration of confirm's adaptive seeds: false winners under no difference, seeds saved.

Runs the real confirm worker loop (``shared.confirm.run_confirm``: the plan, its
group-sequential levels, the work queue on Optuna's in-memory storage, ``compare_runs`` at
every look) with a simulated training function and no tracker, and measures:

* the false-winner rate when every configuration is equal (2 and 4 configurations, and with
  ``min_effect``): it must stay within alpha + 2 Monte Carlo standard errors although the data
  are looked at up to ``len(plan.looks)`` times;
* at the margin (the true difference is exactly ``min_effect``): winners (false: the
  advantage is not more than the margin) and "equivalent within min_effect" stops (false: the
  difference is not less than the margin), each within alpha + 2 SE;
* with one configuration better (paired effect ``d`` = 0.5, 1.0, 1.5 in units of the paired
  difference's standard deviation): the power, the mean seeds per configuration used, and
  beside it, in the same run, the fixed design of the same power: its seeds (paired t-test at
  alpha, from the noncentral t) and its power measured by running confirm with
  ``adaptive=False`` at those seeds on the same simulated data. Goal: at least 30% fewer seeds
  at 1.0 and 1.5 SD, at most 20% more at 0.5 SD.

A seed's noise is shared by every configuration (as a data split or an initialisation is):
``value = effect + seed_noise[seed] + own_noise[config, seed]``, both N(0, 1).

Run: python benchmarks/confirm_calibration.py [--reps 2000] [--jobs 2] [--rho 1] [--step 2]
"""

from __future__ import annotations

import argparse
import math
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np


class _NoTracker:
    """The tracker calls as no-ops: only the statistics are measured here."""

    name = "sim"

    def open_parent(self, study: str, plan: Any) -> str:
        return study

    def start_item(self, parent: str, config: str, params: Any, seed: int, attempt: int) -> Any:
        class Handle:
            run_id = f"{config}:{seed}:{attempt}"

        return Handle()

    def call(self, handle: Any, train: Any) -> Any:
        return train()

    def logged(self, handle: Any, metric: str) -> None:
        return None

    def end_item(self, handle: Any, metrics: Any, error: Any) -> None:
        pass

    def abandon(self, run_ids: Any) -> None:
        pass

    def publish(self, parent: str, comparison: Any, result: Any) -> None:
        pass

    def fail_parent(self, parent: str, message: str) -> None:
        pass


def one_confirm(args: tuple[int, int, float, dict[str, Any]]) -> tuple[bool, bool, float, float,
                                                                       str]:
    """One simulated confirm: (winner declared, right winner, mean seeds per config, looks,
    why it stopped)."""
    import optuna

    from shared.confirm import Plan, WorkQueue, run_confirm

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rep, k, effect, options = args
    rng = np.random.default_rng(rep)
    seed_noise = rng.normal(0, 1, 64)
    own = rng.normal(0, 1, (k, 64))
    sd_diff = math.sqrt(2.0)  # the paired difference's SD: own noise of two configurations

    def train(c: int, seed: int) -> float:
        return (effect * sd_diff if c == 0 else 0.0) + seed_noise[seed] + own[c, seed]

    plan = Plan({f"c{i}": {"c": i} for i in range(k)}, "acc", extra={"rep": rep}, **options)
    result = run_confirm(plan, train, _NoTracker(), WorkQueue(None, optuna, plan.key()))
    assert result is not None
    seeds = result.total_seeds / k
    return (result.winner is not None, result.winner == "c0", seeds, float(len(result.looks)),
            result.stopped_because)


def fixed_n_for_power(d: float, power: float, alpha: float) -> int:
    """Smallest n whose two-sided paired t-test at alpha has at least ``power`` at effect d."""
    from scipy import stats

    for n in range(2, 1000):
        df = n - 1
        crit = stats.t.ppf(1 - alpha / 2, df)
        nc = d * math.sqrt(n)
        achieved = stats.nct.sf(crit, df, nc) + stats.nct.cdf(-crit, df, nc)
        if achieved >= power:
            return n
    return 1000


def scenario(label: str, k: int, effect: float, reps: int, jobs: int,
             options: dict[str, Any]) -> dict[str, Any]:
    start = time.perf_counter()
    work = [(rep, k, effect, options) for rep in range(reps)]
    with ProcessPoolExecutor(jobs) as pool:
        rows = list(pool.map(one_confirm, work, chunksize=8))
    winners = np.array([r[0] for r in rows])
    right = np.array([r[1] for r in rows])
    seeds = np.array([r[2] for r in rows])
    equivalent = np.array([r[4] == "equivalent within min_effect" for r in rows])
    rate = winners.mean()
    return {
        "label": label, "k": k, "effect": effect, "reps": reps,
        "winner_rate": rate, "se": _se(rate, reps),
        "right_rate": right.mean(), "mean_seeds": seeds.mean(),
        "equivalent_rate": equivalent.mean(), "equivalent_se": _se(equivalent.mean(), reps),
        "seconds": time.perf_counter() - start,
    }


def _se(rate: float, reps: int) -> float:
    return math.sqrt(max(rate * (1 - rate), 1e-12) / reps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2000, help="replications under no difference")
    parser.add_argument("--effect-reps", type=int, default=400)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-seeds", type=int, default=20)
    parser.add_argument("--step", type=int, default=None, help="default: the Plan's")
    parser.add_argument("--rho", type=float, default=None, help="default: the Plan's")
    parser.add_argument("--effects", type=float, nargs="*", default=[0.5, 1.0, 1.5],
                        help="paired effects in SDs of the paired difference")
    parser.add_argument("--margin", type=float, default=0.5,
                        help="min_effect of the margin scenarios, in SDs of the paired difference")
    parser.add_argument("--skip-null", action="store_true",
                        help="only the scenarios with one better configuration")
    args = parser.parse_args()
    options: dict[str, Any] = {"seeds": args.seeds, "max_seeds": args.max_seeds,
                               "alpha": args.alpha}
    if args.step is not None:
        options["step"] = args.step
    if args.rho is not None:
        options["rho"] = args.rho
    from shared.confirm import Plan

    plan = Plan({"a": {}, "b": {}}, "acc", **options)
    looks = range(len(plan.looks))
    print(f"plan: looks at {plan.looks} seeds; share of alpha per look "
          f"{[round(plan.look_share(i), 4) for i in looks]} (spending alpha * t**{plan.rho}); "
          f"nominal level per look from the looks' joint law "
          f"{[round(plan.look_alpha(i), 4) for i in looks]}")
    print("| scenario | configs | reps | winners declared | +-SE | within alpha + 2 SE | "
          "'equivalent' stops | +-SE | mean seeds/config |  s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    margin = args.margin * math.sqrt(2.0)  # metric units (the paired difference's SD is sqrt 2)
    nulls = [("no difference", k, 0.0, {}) for k in (2, 4)]
    nulls += [(f"no difference, min_effect={args.margin} SD", 2, 0.0, {"min_effect": margin}),
              (f"true difference = min_effect = {args.margin} SD", 2, args.margin,
               {"min_effect": margin})]
    for label, k, effect, extra in () if args.skip_null else nulls:
        r = scenario(label, k, effect, args.reps, args.jobs, {**options, **extra})
        ok = r["winner_rate"] <= args.alpha + 2 * r["se"]
        eq = "-"
        if extra:
            eq_ok = r["equivalent_rate"] <= args.alpha + 2 * r["equivalent_se"]
            eq = (f"{r['equivalent_rate']:.4f} | {r['equivalent_se']:.4f}"
                  + ("" if effect == 0 else f" ({'within' if eq_ok else 'NOT within'} "
                     "alpha + 2 SE)"))
        else:
            eq += " | -"
        print(f"| {label} | {k} | {r['reps']} | {r['winner_rate']:.4f} | {r['se']:.4f} | "
              f"{'yes' if ok else 'NO'} | {eq} | {r['mean_seeds']:.2f} | {r['seconds']:.0f} |",
              flush=True)
    print()
    print("| one better by | reps | confirm: power | mean seeds/config | fixed design of equal "
          "power: seeds | its measured power | confirm vs fixed seeds | s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for effect in args.effects:
        r = scenario(f"d={effect}", 2, effect, args.effect_reps, args.jobs, options)
        power = r["right_rate"]
        # a fixed design sized for the power confirm reached (0.999 at most: at power 1 every
        # n falls short, and a design is never sized for certainty)
        fixed = fixed_n_for_power(effect, min(power, 0.999), args.alpha)
        f = scenario(f"fixed d={effect}", 2, effect, args.effect_reps, args.jobs,
                     {**options, "seeds": fixed, "max_seeds": max(fixed, args.max_seeds),
                      "adaptive": False})
        change = r["mean_seeds"] / fixed - 1
        print(f"| {effect} SD | {r['reps']} | {power:.3f} | {r['mean_seeds']:.2f} | {fixed} | "
              f"{f['right_rate']:.3f} | {abs(change):.0%} {'fewer' if change < 0 else 'more'} | "
              f"{r['seconds'] + f['seconds']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
