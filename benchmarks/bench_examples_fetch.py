"""Fetching per-example tables from a real ``mlflow server``: ours vs the usual download loop.

Data: 60 runs, each with a 2,000-example table (id, passage, correct, judge) logged through
the server with the real ``MlflowClient.log_table`` (proxied artifacts, as a team server
stores them), plus an artifact of its own that neither side should read. Measured in the
same process, round-robin, median of several repeats:

* ours: ``fetch_example_tables`` (one ``GET /get-artifact`` per run, concurrently) into
  ``ExampleTable`` objects;
* baseline: ``MlflowClient.download_artifacts(run_id, "eval.json", tmp)`` for each run in a
  loop, then ``pandas.read_json(orient="split")``, what the MLflow docs show.

Both must read the same values (checked). Target: ours at least 3x faster.

Run: ``.venv/bin/python benchmarks/bench_examples_fetch.py`` (about a minute).
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_mlflow_fetch import group_cpu, interleaved, server  # noqa: E402

N_RUNS, N_EXAMPLES, REPEAT = 60, 2000, 5
TABLE = "eval.json"


def log_runs(url: str) -> list[str]:
    import pandas as pd
    from mlflow import MlflowClient
    from mlflow.entities import Param

    client = MlflowClient(url)
    experiment = client.create_experiment("bench-examples")

    def one(i: int) -> str:
        rng = np.random.default_rng(i)
        frame = pd.DataFrame(
            {
                "id": [f"q{j}" for j in range(N_EXAMPLES)],
                "passage": [f"p{j // 4}" for j in range(N_EXAMPLES)],
                "correct": (rng.random(N_EXAMPLES) < 0.7).astype(int),
                "judge": rng.integers(1, 6, N_EXAMPLES).astype(float),
            }
        )
        run = client.create_run(experiment)
        params = [Param("lr", str(i % 2)), Param("seed", str(i // 2))]
        client.log_batch(run.info.run_id, params=params)
        client.log_table(run.info.run_id, data=frame, artifact_file=TABLE)
        client.log_text(run.info.run_id, "x" * 100_000, "other/notes.txt")
        client.set_terminated(run.info.run_id)
        return run.info.run_id

    with ThreadPoolExecutor(4) as pool, contextlib.redirect_stdout(sys.stderr):
        return list(pool.map(one, range(N_RUNS)))


def main() -> None:
    import pandas as pd
    from mlflow import MlflowClient

    from mlflow_compare_plugin._fetch import MlflowSource
    from mlflow_compare_plugin._fetch_examples import fetch_example_tables
    from shared import Run

    with tempfile.TemporaryDirectory() as tmp, server(Path(tmp) / "mlflow.db") as (url, pgid):
        print(f"logging {N_RUNS} runs x {N_EXAMPLES:,} examples through {url} ...")
        run_ids = log_runs(url)
        source = MlflowSource(url)
        client = MlflowClient(url)
        got: dict[str, dict[str, list]] = {}

        def ours() -> None:
            runs = [Run("mlflow", run_id) for run_id in run_ids]
            fetch_example_tables(source, runs, TABLE)
            got["ours"] = {r.id: list(r.examples[TABLE].column("correct")) for r in runs}

        def loop() -> None:
            out = {}
            with tempfile.TemporaryDirectory() as dst:
                for run_id in run_ids:
                    path = client.download_artifacts(run_id, TABLE, f"{dst}/{run_id}")
                    frame = pd.read_json(path, orient="split")
                    out[run_id] = frame["correct"].tolist()
            got["loop"] = out

        ours()
        loop()  # warm both (imports, connections) before timing
        assert got["ours"] == got["loop"], "the two fetches read different values"
        cpu0 = group_cpu(pgid)
        times = interleaved({"ours": ours, "loop": loop}, REPEAT)
        cpu1 = group_cpu(pgid)
        assert got["ours"] == got["loop"]
        print(f"\n{N_RUNS} tables x {N_EXAMPLES:,} examples from a local mlflow server "
              f"(median of {REPEAT}, round-robin)")  # fmt: skip
        print(f"  ours (fetch_example_tables, concurrent /get-artifact): {times['ours']:6.3f} s")
        print(f"  MlflowClient.download_artifacts loop + read_json:      {times['loop']:6.3f} s")
        print(f"  ratio: {times['loop'] / times['ours']:.1f}x faster (target >= 3x)")
        if cpu0 is not None and cpu1 is not None:
            print(f"  server CPU over both ({2 * REPEAT} fetches): {cpu1 - cpu0:.2f} s")


if __name__ == "__main__":
    main()
