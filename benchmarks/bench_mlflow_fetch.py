"""Fetching metric histories from MLflow: ours vs the usual loop, and vs a raw SELECT.

Data: 50 runs x 2 metrics x 1,000 steps (100,000 points) logged with the real MlflowClient
into a sqlite store. Measured in the same process, median of several repeats:

* sqlite store: ours (one set-based query on MLflow's engine) vs a raw ``sqlite3`` SELECT of
  the same rows (target: within 3x) and vs ``MlflowClient.get_metric_history`` per run and
  metric (target: at least 20x faster).
* the same store behind a local ``mlflow server`` (default settings): ours (the UI's
  ``get-history-bulk`` endpoint, concurrent) vs the same client loop over REST (target: at
  least 4x faster). The server's CPU time is printed too (Linux): the server spends most of it
  per point, so server CPU / cores bounds what any client can reach.

Run: ``.venv/bin/python benchmarks/bench_mlflow_fetch.py`` (about a minute).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

N_RUNS, METRICS, STEPS = 50, ("loss", "acc"), 1000


def interleaved(fns: dict, repeat: int) -> dict[str, float]:
    """Median time of each function, measured round-robin so machine load hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(values) for name, values in times.items()}


def make_store(db: Path) -> tuple[str, str, list[str]]:
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    uri = f"sqlite:///{db}"
    client = MlflowClient(uri)
    experiment = client.create_experiment("bench", artifact_location=str(db.parent / "art"))
    run_ids = []
    for i in range(N_RUNS):
        run = client.create_run(experiment)
        points = [
            Metric(key, 1.0 / (s + 1) + i * 1e-3 + k, 1_700_000_000_000 + s, s)
            for k, key in enumerate(METRICS)
            for s in range(STEPS)
        ]
        for start in range(0, len(points), 1000):
            client.log_batch(run.info.run_id, metrics=points[start : start + 1000])
        client.log_batch(run.info.run_id, params=[Param("lr", str(i % 5)), Param("seed", str(i))])
        client.set_terminated(run.info.run_id)
        run_ids.append(run.info.run_id)
    return uri, experiment, run_ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(db: Path):
    port = free_port()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "mlflow"), "server", "--host", "127.0.0.1",
         "--port", str(port), "--backend-store-uri", f"sqlite:///{db}",
         "--artifacts-destination", str(db.parent / "srv-art")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        cwd=db.parent,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(400):
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.25)
        # The server keeps both cores busy for seconds after /health answers (its job runner
        # and consumers start up); measuring then would time that, not the fetch.
        for _ in range(120):
            before = group_cpu(proc.pid)
            time.sleep(0.5)
            after = group_cpu(proc.pid)
            if before is None or after is None or after - before < 0.05:
                break
        yield url, proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def group_cpu(pgid: int) -> float | None:
    """CPU seconds used so far by the live processes of a process group (Linux only)."""
    total = 0.0
    try:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid:  # fields[2] is pgrp; [11], [12] utime, stime
                    total += int(fields[11]) + int(fields[12])
    except OSError:
        return None
    return total / os.sysconf("SC_CLK_TCK") if total else None


def main() -> None:
    from mlflow import MlflowClient

    from mlflow_compare_plugin.fetch import MlflowSource, fetch_runs

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "mlflow.db"
        t0 = time.perf_counter()
        uri, experiment, run_ids = make_store(db)
        print(f"data: {N_RUNS} runs x {len(METRICS)} metrics x {STEPS} steps "
              f"({N_RUNS * len(METRICS) * STEPS:,} points), logged in {time.perf_counter() - t0:.1f} s")  # fmt: skip
        pairs = [(r, k) for r in run_ids for k in METRICS]

        source = MlflowSource(uri)
        ours_result = source.histories(pairs)
        assert sum(len(h) for h in ours_result.values()) == N_RUNS * len(METRICS) * STEPS

        def raw() -> None:  # the same rows, as fast as Python can SELECT them
            conn = sqlite3.connect(db)
            marks = ",".join("?" * len(run_ids))
            rows = conn.execute(
                "SELECT run_uuid, key, step, timestamp, value, is_nan FROM metrics "
                f"WHERE run_uuid IN ({marks}) AND key IN (?, ?) "
                "ORDER BY run_uuid, key, step, timestamp",
                [*run_ids, *METRICS],
            ).fetchall()
            assert len(rows) == N_RUNS * len(METRICS) * STEPS
            conn.close()

        client = MlflowClient(uri)
        t = interleaved(
            {
                "ours": lambda: source.histories(pairs),
                "ours_step": lambda: source.histories(pairs, timestamps=False),
                "raw": raw,
                "loop": lambda: [client.get_metric_history(r, k) for r, k in pairs],
                "full": lambda: fetch_runs(
                    uri, experiment_ids=[experiment], history_metrics=list(METRICS)
                ),
            },
            repeat=5,
        )
        ours, raw_time, loop, full = t["ours"], t["raw"], t["loop"], t["full"]
        ours_step = t["ours_step"]
        print("\nsqlite store")
        print(f"  raw sqlite3 SELECT of the same rows   {raw_time * 1000:8.1f} ms")
        print(f"  ours (set-based query, MLflow engine)  {ours * 1000:8.1f} ms   "
              f"{ours / raw_time:5.2f}x the raw SELECT (target <= 3x)")  # fmt: skip
        print(f"  MlflowClient.get_metric_history loop  {loop * 1000:8.1f} ms   "
              f"ours is {loop / ours:5.1f}x faster (target >= 20x)")  # fmt: skip
        print(f"  ours, step x-axis (no wall-clock col) {ours_step * 1000:8.1f} ms   "
              f"ours is {loop / ours_step:5.1f}x faster than the loop (what `mlflow compare` "
              "reads unless --x-axis is seconds or time)")  # fmt: skip
        print(f"  whole fetch_runs (search + histories) {full * 1000:8.1f} ms")

        with server(db) as (url, pgid):
            rest_source = MlflowSource(url)
            got = rest_source.histories(pairs)
            assert sum(len(h) for h in got.values()) == N_RUNS * len(METRICS) * STEPS
            rest_client = MlflowClient(url)
            t = interleaved(
                {
                    "ours": lambda: rest_source.histories(pairs),
                    "loop": lambda: [rest_client.get_metric_history(r, k) for r, k in pairs],
                },
                repeat=5,
            )
            rest_ours, rest_loop = t["ours"], t["loop"]
            cpu = {}
            for name, fn in (("ours", lambda: rest_source.histories(pairs)),
                             ("loop", lambda: [rest_client.get_metric_history(r, k) for r, k in pairs])):  # fmt: skip
                before, t0 = group_cpu(pgid), time.process_time()
                fn()
                after = group_cpu(pgid)
                if before is not None and after is not None:
                    cpu[name] = (after - before, time.process_time() - t0)
        print("\nlocal mlflow server (same sqlite store)")
        print(f"  ours (get-history-bulk, concurrent)    {rest_ours * 1000:8.1f} ms")
        print(f"  MlflowClient.get_metric_history loop  {rest_loop * 1000:8.1f} ms   "
              f"ours is {rest_loop / rest_ours:5.1f}x faster (target >= 4x)")  # fmt: skip
        points, cores = N_RUNS * len(METRICS) * STEPS, os.cpu_count() or 1
        for name, (server_s, client_s) in cpu.items():
            print(f"  {name}: server CPU {server_s:5.2f} s ({server_s / points * 1e6:4.1f} us/point), "
                  f"client CPU {client_s:5.2f} s")  # fmt: skip
        if "ours" in cpu:
            floor = sum(cpu["ours"]) / cores
            print(f"  floor on {cores} cores, (server + client CPU) / cores: {floor * 1000:6.0f} ms"
                  f" -> at most {rest_loop / floor:4.1f}x the loop")  # fmt: skip


if __name__ == "__main__":
    main()
