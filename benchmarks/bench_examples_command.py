"""The whole ``mlflow compare --examples`` command on 10 configurations x 5 seeds x 100,000 examples.

Data: a local sqlite MLflow store (file artifact root beside it) with 50 runs (params ``lr``
and ``seed``), each logging a 100,000-row per-example table with the real ``mlflow.log_table``
(``id``, ``passage``: clusters of 10, ``correct`` 0/1 with a small configuration effect and
seed noise). Writing it takes a few minutes and is not timed; ``--keep DIR`` writes it once
into DIR and reuses it on later runs.

Timed, each in its own process (wall, CPU and peak RSS of that child from ``os.wait4``):

* ours: ``mlflow compare --tracking-uri sqlite:///... --experiment-name X --examples eval.json
  --example-key id --cluster-key passage -m correct --seed-key seed --format json`` (the
  default question with 10 configurations: which is best, compared with the best);
* baseline, the straightforward way: ``mlflow.search_runs`` + ``mlflow.load_table(...,
  run_ids=...)`` + pandas, then per pair the same two-way (seeds x passages) cluster-robust t
  by ``groupby`` sums and scipy's t (as in ``bench_examples.py``) and Holm from statsmodels;
  the winner is the configuration better than every other after Holm.

Checked, untimed: the same command with ``--test examples-seeds --all-pairs`` (every pair, each
with its own terms, as the straightforward way) gives the same p-values, the same significant
pairs and the same winner.
Target (issue 18): the whole command under 15 s and 2 GiB.

Run: ``python benchmarks/bench_examples_command.py [--keep DIR] [--examples N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CONFIGS, SEEDS = 10, 5
EXPERIMENT, TABLE = "bench-examples-command", "eval.json"


def lr_of(c: int) -> str:
    return f"{10 ** (-4 + 2 * c / (CONFIGS - 1)):.4g}"


def make_store(folder: Path, n: int) -> str:
    """Log the 50 runs into ``folder/mlflow.db`` (artifacts in ``folder/art``); return its URI."""
    import mlflow
    import pandas as pd

    uri = f"sqlite:///{folder / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    mlflow.create_experiment(EXPERIMENT, artifact_location=(folder / "art").as_uri())
    mlflow.set_experiment(EXPERIMENT)
    rng = np.random.default_rng(0)
    hard = rng.normal(0, 1, n)  # each example's difficulty, shared by every run
    ids = [f"q{j}" for j in range(n)]
    passage = [f"p{j // 10}" for j in range(n)]
    for c in range(CONFIGS):
        for s in range(SEEDS):
            # a small configuration effect (0.02 logit per step), seed noise 0.05
            logit = hard + 0.02 * c + rng.normal(0, 0.05) + rng.normal(0, 1, n)
            frame = pd.DataFrame(
                {"id": ids, "passage": passage, "correct": (logit > 0).astype(int)}
            )
            with mlflow.start_run(run_name=f"c{c}-s{s}"):
                mlflow.log_params({"lr": lr_of(c), "seed": s})
                mlflow.log_table(frame, artifact_file=TABLE)
    (folder / "complete").write_text(f"{n}\n")
    return uri


def baseline(uri: str) -> None:
    """The straightforward way, printing its result as JSON (run in a child process)."""
    import mlflow
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_examples import pandas_pair  # the same per-pair pandas computation

    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment(EXPERIMENT)  # load_table reads the active experiment
    runs = mlflow.search_runs(experiment_names=[EXPERIMENT])
    runs = runs[["run_id", "params.lr", "params.seed"]]
    long = mlflow.load_table(TABLE, run_ids=list(runs["run_id"]), extra_columns=["run_id"])
    long = long.merge(runs, on="run_id")
    long = long.rename(columns={"params.lr": "lr", "params.seed": "seed"})
    wide = {
        lr: g.pivot(index="seed", columns="id", values="correct") for lr, g in long.groupby("lr")
    }
    passage = long.drop_duplicates("id").set_index("id")["passage"]
    names = sorted(wide, key=float)
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            mean, var, df = pandas_pair(wide[a], wide[b], passage)
            p = float(2 * stats.t.sf(abs(mean) / np.sqrt(var), df))
            pairs.append({"a": a, "b": b, "diff": float(mean), "p": p})
    adjusted = multipletests([p["p"] for p in pairs], alpha=0.05, method="holm")[1]
    for pair, q in zip(pairs, adjusted, strict=True):
        pair["p_adjusted"] = float(q)
    winner = None
    for name in names:
        mine = [p for p in pairs if name in (p["a"], p["b"])]
        better = [(p["diff"] > 0) == (p["a"] == name) for p in mine]
        if all(better) and all(p["p_adjusted"] < 0.05 for p in mine):
            winner = name
    print(json.dumps({"pairs": pairs, "winner": winner}))


def timed(args: list[str]) -> tuple[dict, str]:
    """Run a child; its wall time, CPU time and peak RSS (its own, from wait4) and stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, cwd=ROOT, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout = out.read()
        if proc.returncode != 0:
            raise SystemExit(f"{args[:4]} failed ({proc.returncode}): {err.read()[-2000:]}")
    figures = {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mib": usage.ru_maxrss / 1024,
    }
    return figures, stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write the store here once and reuse it")
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--baseline", metavar="URI", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline:
        baseline(args.baseline)
        return 0
    with contextlib.ExitStack() as stack:
        folder = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        folder.mkdir(parents=True, exist_ok=True)
        uri = f"sqlite:///{folder / 'mlflow.db'}"
        done = folder / "complete"
        if done.exists() and int(done.read_text()) == args.examples:
            print(f"reusing the store in {folder}")
        elif (folder / "mlflow.db").exists():
            raise SystemExit(f"{folder} holds an incomplete or different store; remove it")
        else:
            start = time.perf_counter()
            with contextlib.redirect_stdout(sys.stderr):
                make_store(folder, args.examples)
            print(f"store written in {time.perf_counter() - start:.0f} s (not timed)")
        command = [
            sys.executable, "-m", "mlflow_compare_plugin", "--tracking-uri", uri,
            "--experiment-name", EXPERIMENT, "--examples", TABLE, "--example-key", "id",
            "--cluster-key", "passage", "-m", "correct", "--seed-key", "seed",
            "--format", "json",
        ]  # fmt: skip
        ours, out = timed(command)
        answer = json.loads(out)["decision"]
        # the check: the same pairs as the straightforward way (every pair, each with its
        # own terms: the named test), not the default's comparison with the best
        _, out = timed([*command, "--test", "examples-seeds", "--all-pairs"])
        report = json.loads(out)
        base, out = timed([sys.executable, __file__, "--baseline", uri])
        theirs = json.loads(out)

    mine = {frozenset((p["a"], p["b"])): p for p in report["pairs"]}
    ps, qs, sig_same = [], [], True
    for p in theirs["pairs"]:
        o = mine[frozenset((f"lr={p['a']}", f"lr={p['b']}"))]
        ps.append((o["p_value"], p["p"]))
        qs.append((o["p_adjusted"], p["p_adjusted"]))
        sig_same &= (o["p_adjusted"] < 0.05) == (p["p_adjusted"] < 0.05)
    same_p = np.allclose(*zip(*ps, strict=True), rtol=1e-6, atol=1e-12)
    same_q = np.allclose(*zip(*qs, strict=True), rtol=1e-6, atol=1e-12)
    winner = report["decision"]["winner"]
    same_winner = winner == (theirs["winner"] and f"lr={theirs['winner']}")
    n_sig = sum(q < 0.05 for q, _ in qs)
    print(
        f"{CONFIGS} configurations x {SEEDS} seeds x {args.examples:,} examples "
        f"({len(ps)} pairs) from a local sqlite store, each side in its own process:"
    )
    for name, r in (("mlflow compare", ours), ("straightforward", base)):
        print(
            f"  {name:16s} {r['wall']:6.2f} s wall  {r['cpu']:6.2f} s CPU  "
            f"peak RSS {r['rss_mib']:6.0f} MiB"
        )
    print(
        f"  ratio (straightforward / ours): {base['wall'] / ours['wall']:.1f}x wall, "
        f"{base['cpu'] / ours['cpu']:.1f}x CPU, {base['rss_mib'] / ours['rss_mib']:.1f}x memory"
    )
    print(
        f"  every pair (--test examples-seeds --all-pairs) against the straightforward way: "
        f"winner {winner}; significant pairs after Holm: {n_sig}; same p-values: {same_p}, "
        f"same Holm p-values: {same_q}, same decisions: {sig_same and same_winner}"
    )
    print(f"  the default answer (timed; compare with the best): winner {answer['winner']}, "
          f"possibly best {len(answer['best_set'])} of {CONFIGS}")
    met = ours["wall"] < 15 and ours["rss_mib"] < 2048
    print(f"  target (< 15 s, < 2048 MiB): {'met' if met else 'MISSED'}")
    return 0 if same_p and same_q and sig_same and same_winner else 1


if __name__ == "__main__":
    raise SystemExit(main())
