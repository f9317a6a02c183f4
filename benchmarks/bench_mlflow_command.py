"""The whole ``mlflow compare`` command on 10,000 runs x 1 metric x 100 steps.

Data (1,000,000 metric points, 20 configurations x 500 seeds) is written fast by bulk SQL
inserts through MLflow's own store models (``SqlRun``, ``SqlParam``, ``SqlMetric``,
``SqlLatestMetric``) on the store's engine, after MLflow created its schema. Then the real
command runs in a subprocess; we report wall time and the child's peak RSS.

Targets (issue 4): under 60 s and under 2 GiB, with full histories (``--reduce min``).

Also measured: what the start-up hook adds to ``python -c pass`` (issue 4: under 20 ms), in a
fresh venv with ``pip install -e .``, hooks present vs moved away, interleaved medians.

Run: ``.venv/bin/python benchmarks/bench_mlflow_command.py [seeds per configuration]``.
"""

from __future__ import annotations

import math
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

N_CONFIGS, N_STEPS_DEFAULT = 20, 100
N_SEEDS = int(sys.argv[1]) if len(sys.argv) > 1 else 500  # seeds per configuration
STEPS = N_STEPS_DEFAULT


def make_store(db: Path) -> tuple[str, str]:
    import numpy as np
    import sqlalchemy as sa
    from mlflow import MlflowClient
    from mlflow.store.tracking.dbmodels.models import SqlLatestMetric, SqlMetric, SqlParam, SqlRun

    uri = f"sqlite:///{db}"
    client = MlflowClient(uri)
    experiment = client.create_experiment("big", artifact_location=str(db.parent / "art"))
    store = client._tracking_client.store
    rng = np.random.default_rng(0)
    t0 = 1_700_000_000_000
    runs, params, latest, metrics = [], [], [], []
    for c in range(N_CONFIGS):
        lr = 10 ** (-4 + 3 * c / (N_CONFIGS - 1))
        for seed in range(N_SEEDS):
            run_id = uuid.uuid4().hex
            runs.append({
                "run_uuid": run_id, "name": f"c{c}-s{seed}", "source_type": "LOCAL",
                "source_name": "", "entry_point_name": "", "user_id": "bench",
                "status": "FINISHED", "start_time": t0, "end_time": t0 + STEPS * 1000,
                "source_version": "", "lifecycle_stage": "active",
                "artifact_uri": str(db.parent / "art" / run_id), "experiment_id": int(experiment),
            })  # fmt: skip
            params += [
                {"key": "lr", "value": f"{lr:.6g}", "run_uuid": run_id},
                {"key": "seed", "value": str(seed), "run_uuid": run_id},
            ]
            floor = 0.5 + 0.2 * abs(math.log10(lr) + 2.5) + rng.normal(0, 0.02)
            curve = floor + np.exp(-np.arange(STEPS) / 20.0) + rng.normal(0, 0.01, STEPS)
            metrics += [
                {"key": "loss", "value": float(v), "timestamp": t0 + 1000 * s, "step": s,
                 "is_nan": False, "run_uuid": run_id}
                for s, v in enumerate(curve)
            ]  # fmt: skip
            latest.append({
                "key": "loss", "value": float(curve[-1]), "timestamp": t0 + 1000 * (STEPS - 1),
                "step": STEPS - 1, "is_nan": False, "run_uuid": run_id,
            })  # fmt: skip
    with store.ManagedSessionMaker() as session:
        session.execute(sa.insert(SqlRun), runs)
        session.execute(sa.insert(SqlParam), params)
        session.execute(sa.insert(SqlLatestMetric), latest)
        for start in range(0, len(metrics), 100_000):
            session.execute(sa.insert(SqlMetric), metrics[start : start + 100_000])
    return uri, experiment


def run_command(args: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "mlflow_compare_plugin", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        raise SystemExit(f"command failed ({done.returncode}): {done.stderr[-2000:]}")
    # ru_maxrss of children is the max over all children so far; this is the first or largest.
    return wall, max(peak_kib, before) / 1024.0, done


def main() -> None:
    import json

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "mlflow.db"
        t0 = time.perf_counter()
        uri, experiment = make_store(db)
        n_runs = N_CONFIGS * N_SEEDS
        print(f"data: {n_runs:,} runs x 1 metric x {STEPS} steps ({n_runs * STEPS:,} points), "
              f"bulk-inserted in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        out = Path(tmp) / "out.json"
        common = ["--tracking-uri", uri, "--experiment-id", experiment, "--metric", "loss:min",
                  "--seed-key", "seed", "--format", "json", "--output", str(out)]  # fmt: skip
        wall, peak, _ = run_command([*common, "--reduce", "min"])
        data = json.loads(out.read_text())
        assert data["runs"] == n_runs, data["runs"]
        print(f"mlflow compare --reduce min (full histories): {wall:6.1f} s, peak RSS "
              f"{peak:7.0f} MiB (targets < 60 s, < 2048 MiB); winner: {data['decision']['winner']}")  # fmt: skip
        wall2, peak2, _ = run_command([*common, "--reduce", "last"])
        print(f"mlflow compare --reduce last (no histories):  {wall2:6.1f} s, peak RSS so far "
              f"{peak2:7.0f} MiB")  # fmt: skip


def startup_overhead(rounds: int = 3, runs: int = 30) -> None:
    """Median ``python -c pass`` time in a venv with our hooks installed, with and without."""
    import os
    import statistics
    import sysconfig

    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        python = str(venv / "bin" / "python")
        purelib = Path(subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip())  # fmt: skip
        (purelib / "_project_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        subprocess.run(
            [python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
             "--no-index", "-e", str(ROOT)], check=True, capture_output=True,
        )  # fmt: skip
        hooks = sorted(purelib.glob("tracker_compare_*"))

        def median_start() -> float:
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                subprocess.run([python, "-c", "pass"], check=True, cwd=tmp)
                times.append(time.perf_counter() - t0)
            return statistics.median(times)

        with_hooks, without = [], []
        for _ in range(rounds):
            with_hooks.append(median_start())
            for hook in hooks:
                os.rename(hook, hook.with_name("_off_" + hook.name))
            try:
                without.append(median_start())
            finally:
                for hook in hooks:
                    os.rename(hook.with_name("_off_" + hook.name), hook)
        w, wo = statistics.median(with_hooks), statistics.median(without)
        print(f"python -c pass: {w * 1000:.1f} ms with the hooks, {wo * 1000:.1f} ms without: "
              f"{(w - wo) * 1000:+.1f} ms (target < 20 ms)")  # fmt: skip


if __name__ == "__main__":
    main()
    startup_overhead()
