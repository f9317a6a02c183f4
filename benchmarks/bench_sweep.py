"""A 400-configuration sweep (2,000 runs x 5 seeds) and a demo-sized store, whole processes.

Targets (issue 10), each beside the straightforward way measured in the same run:

1. ``mlflow compare`` on sqlite, 2,000 runs in 400 configurations x 5 seeds, default text
   output: under 8 s (37 s before). Baseline: a plain script doing what a user would write:
   ``mlflow.search_runs``, a pandas group-by, ``scipy.stats.ttest_rel`` for each of the 79,800
   pairs, Holm (statsmodels), printing the significant pairs. ``--all-pairs`` (every pair
   tested, the old default) is timed too.
2. ``compare_frame`` on the same 400 x 5 frame, in process: under 2 s. Baseline: the pandas
   group-by + ``ttest_rel`` loop + Holm on the frame.
3. Whole-process time of ``mlflow-compare`` on a demo-sized store (3 configurations x 5 seeds,
   30-step histories, ``--reduce min``) against a plain script doing ``search_runs`` +
   ``get_metric_history`` + ``scipy.stats.ttest_rel``; and which heavy modules each imports.
4. Where the time of (1) goes: cProfile of the comparison stages in process.

The 10,000 runs x 100 steps target (under 60 s, 2 GiB) is ``bench_mlflow_command.py``.

Run: ``.venv/bin/python benchmarks/bench_sweep.py``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

PYTHON = sys.executable
MLFLOW_COMPARE = str(Path(PYTHON).with_name("mlflow-compare"))

PLAIN_SWEEP = textwrap.dedent(
    """
    import sys, itertools
    import mlflow
    from scipy import stats
    from statsmodels.stats.multitest import multipletests
    mlflow.set_tracking_uri(sys.argv[1])
    df = mlflow.search_runs(experiment_ids=[sys.argv[2]], max_results=100000)
    df["config"] = ("dropout=" + df["params.dropout"] + ", hidden=" + df["params.hidden"]
                    + ", lr=" + df["params.lr"])
    table = df.pivot_table(index="params.seed", columns="config", values="metrics.val_loss")
    names = list(table.columns)
    rows, ps = [], []
    for a, b in itertools.combinations(names, 2):
        r = stats.ttest_rel(table[a], table[b])
        rows.append((a, b, table[a].mean() - table[b].mean()))
        ps.append(r.pvalue)
    reject, adjusted, _, _ = multipletests(ps, method="holm")
    print(sum(reject), "of", len(ps), "pairs significant")
    """
)

PLAIN_DEMO = textwrap.dedent(
    """
    import sys, itertools
    import numpy as np
    from mlflow import MlflowClient
    from scipy import stats
    client = MlflowClient(sys.argv[1])
    runs = client.search_runs([sys.argv[2]])
    values = {}
    for run in runs:
        history = client.get_metric_history(run.info.run_id, "loss")
        best = min(m.value for m in history)
        values.setdefault(run.data.params["lr"], {})[run.data.params["seed"]] = best
    for a, b in itertools.combinations(sorted(values), 2):
        seeds = sorted(values[a])
        r = stats.ttest_rel([values[a][s] for s in seeds], [values[b][s] for s in seeds])
        print(a, b, r.statistic, r.pvalue)
    """
)

REPORT_MODULES = textwrap.dedent(
    """
    import atexit, sys
    atexit.register(lambda: print("modules:", ",".join(m for m in
        ("pandas", "matplotlib", "scipy", "statsmodels") if m in sys.modules), file=sys.stderr))
    """
)


#: CPU seconds (user + system) of the last process :func:`timed` ran: on a shared, loaded
#: machine wall time inflates several-fold, CPU time much less.
LAST_CPU: list[float] = [0.0]


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], rounds: int = 1) -> tuple[float, subprocess.CompletedProcess]:
    """Median wall time of ``rounds`` runs of a process, and the last result (its median CPU
    time in ``LAST_CPU[0]``)."""
    times, cpus, done = [], [], None
    for _ in range(rounds):
        cpu0 = _children_cpu()
        t0 = time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=1200)
        times.append(time.perf_counter() - t0)
        cpus.append(_children_cpu() - cpu0)
        if done.returncode != 0:
            raise SystemExit(f"{args[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    LAST_CPU[0] = statistics.median(cpus)
    return statistics.median(times), done  # type: ignore[return-value]


def _cpu() -> str:
    return f"{LAST_CPU[0]:.2f} s CPU"


def sweep(tmp: Path) -> None:
    from _sweep_store import make_sweep_store

    t0 = time.perf_counter()
    uri, experiment = make_sweep_store(tmp / "sweep.db", n_configs=400, n_seeds=5, steps=10)
    print(f"sweep store: 2,000 runs, 400 configurations x 5 seeds, bulk-inserted in "
          f"{time.perf_counter() - t0:.1f} s")  # fmt: skip
    common = [MLFLOW_COMPARE, "--tracking-uri", uri, "--experiment-id", experiment,
              "--metric", "val_loss:min"]  # fmt: skip
    ours, done = timed(common)
    ours_cpu = _cpu()
    lines = len(done.stdout.splitlines())
    (tmp / "plain_sweep.py").write_text(PLAIN_SWEEP)
    plain, plain_done = timed([PYTHON, str(tmp / "plain_sweep.py"), uri, experiment])
    print(f"1. mlflow compare, default text ({lines} lines): {ours:6.2f} s wall, {ours_cpu} "
          f"(target < 8 s); plain script, 79,800 ttest_rel + Holm: {plain:6.2f} s wall, "
          f"{_cpu()} ({plain_done.stdout.strip()}): ours {plain / ours:.1f}x faster")
    every, _ = timed([*common, "--all-pairs", "--format", "json", "--output",
                      str(tmp / "all.json")])  # fmt: skip
    print(f"   mlflow compare --all-pairs (every pair tested, JSON): {every:6.2f} s wall, "
          f"{_cpu()}; plain script {plain / every:.1f}x its time")

    import mlflow

    from shared import compare_frame

    frame = mlflow.search_runs(experiment_ids=[experiment], max_results=100000,
                               tracking_uri=uri) if _has_uri_arg() else _frame(uri, experiment)
    # warm up (first imports of scipy.stats and friends are not the comparison's cost)
    compare_frame(frame.head(40), metric="metrics.val_loss", goal="minimize")
    t0, c0 = time.perf_counter(), time.process_time()
    comparison = compare_frame(frame, metric="metrics.val_loss", goal="minimize")
    ours_frame, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    n_sig = _plain_frame(frame)
    plain_frame, plain_cpu = time.perf_counter() - t0, time.process_time() - c0
    best = getattr(comparison.decision, "best_set", None)
    print(f"2. compare_frame 400 x 5: {ours_frame:6.2f} s wall, {ours_cpu:.2f} s CPU (target "
          f"< 2 s); pandas + ttest_rel loop + Holm: {plain_frame:6.2f} s wall, {plain_cpu:.2f} s "
          f"CPU ({n_sig} pairs significant): {plain_cpu / ours_cpu:.1f}x (CPU); best set: "
          f"{list(best) if best else 'n/a'}")
    _profile(uri, experiment)


def _has_uri_arg() -> bool:
    import inspect

    import mlflow

    return "tracking_uri" in inspect.signature(mlflow.search_runs).parameters


def _frame(uri: str, experiment: str):  # type: ignore[no-untyped-def]
    import mlflow

    mlflow.set_tracking_uri(uri)
    return mlflow.search_runs(experiment_ids=[experiment], max_results=100000)


def _plain_frame(frame) -> int:  # type: ignore[no-untyped-def]
    import itertools

    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    df = frame.copy()
    df["config"] = ("dropout=" + df["params.dropout"] + ", hidden=" + df["params.hidden"]
                    + ", lr=" + df["params.lr"])  # fmt: skip
    table = df.pivot_table(index="params.seed", columns="config", values="metrics.val_loss")
    ps = [stats.ttest_rel(table[a], table[b]).pvalue
          for a, b in itertools.combinations(list(table.columns), 2)]  # fmt: skip
    return int(multipletests(ps, method="holm")[0].sum())


def _profile(uri: str, experiment: str) -> None:
    """Where the whole command's time goes, by stage (cProfile, cumulative)."""
    import cProfile
    import pstats

    from mlflow_compare_plugin._fetch import fetch_runs
    from shared import compare_runs
    from shared.render import render

    c0 = time.process_time()
    runs = fetch_runs(uri, experiment_ids=[experiment])
    fetch = time.process_time() - c0
    c0 = time.process_time()
    comparison = compare_runs(runs, metric="val_loss", goal="minimize")
    mid = time.process_time()
    render(comparison, "table")
    end = time.process_time()
    print(f"4. in process, CPU: fetch {fetch:.2f} s, compare_runs {mid - c0:.2f} s, "
          f"text {end - mid:.2f} s; slowest stages under cProfile:")
    profile = cProfile.Profile()
    profile.enable()
    render(compare_runs(runs, metric="val_loss", goal="minimize"), "table")
    profile.disable()
    stats = pstats.Stats(profile)
    rows = []
    for (file, _line, func), (_cc, _nc, _tt, cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "/shared/" in file and not func.startswith("<"):
            rows.append((cum, f"{Path(file).parent.name}/{Path(file).name}:{func}"))
    for cum, where in sorted(rows, reverse=True)[1:9]:
        print(f"     {cum:6.2f} s  {where}")


def demo(tmp: Path) -> None:
    import numpy as np
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    uri = f"sqlite:///{tmp / 'demo.db'}"
    client = MlflowClient(uri)
    experiment = client.create_experiment("demo", artifact_location=str(tmp / "art"))
    rng = np.random.default_rng(0)
    for lr in (0.001, 0.01, 0.1):
        for seed in range(5):
            run = client.create_run(experiment)
            curve = 0.5 + abs(np.log10(lr) + 2) * 0.1 + np.exp(-np.arange(30) / 8) \
                + rng.normal(0, 0.01, 30)  # fmt: skip
            client.log_batch(
                run.info.run_id,
                metrics=[Metric("loss", float(v), 0, i) for i, v in enumerate(curve)],
                params=[Param("lr", str(lr)), Param("seed", str(seed))],
            )
    (tmp / "plain_demo.py").write_text(PLAIN_DEMO)
    (tmp / "report_modules.py").write_text(REPORT_MODULES)
    args = ["--tracking-uri", uri, "--experiment-id", experiment, "--metric", "loss:min",
            "--reduce", "min"]  # fmt: skip
    ours, _ = timed([MLFLOW_COMPARE, *args], rounds=5)
    ours_cpu = _cpu()
    plain, _ = timed([PYTHON, str(tmp / "plain_demo.py"), uri, experiment], rounds=5)
    print(f"3. demo store (3 x 5 runs, 30 steps), whole process, median of 5: mlflow-compare "
          f"{ours:.2f} s wall, {ours_cpu}; plain search_runs + get_metric_history + ttest_rel "
          f"{plain:.2f} s wall, {_cpu()}: {ours / plain:.2f}x the plain script")
    probe = f"exec(open({str(tmp / 'report_modules.py')!r}).read())"
    _, ours_mod = timed([PYTHON, "-c", f"{probe}; import sys; sys.argv=['mlflow-compare', "
                         f"*{args!r}]; from mlflow_compare_plugin.cli import main; main()"])
    _, plain_mod = timed([PYTHON, "-c", f"{probe}; import sys; sys.argv=['x', {uri!r}, "
                          f"{experiment!r}]; exec(open({str(tmp / 'plain_demo.py')!r}).read())"])
    print(f"   heavy modules loaded: ours {_modules(ours_mod.stderr)}; "
          f"plain {_modules(plain_mod.stderr)}")


def _modules(stderr: str) -> str:
    for line in stderr.splitlines():
        if line.startswith("modules:"):
            return line.split(":", 1)[1] or "none"
    return "?"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sweep(Path(tmp))
        demo(Path(tmp))


if __name__ == "__main__":
    main()
