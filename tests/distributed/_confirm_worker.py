"""One confirm worker of the distributed confirm test (PostgreSQL storage, MLflow server).

Run as ``python tests/distributed/_confirm_worker.py STORAGE MLFLOW_URL NAME [--victim MARKER]``.
The victim writes MARKER ("config seed") when it starts its first item, then hangs until it is
killed (a lost machine). Every worker prints the result as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

from mlflow_compare_plugin import confirm

# a and b differ only in a digit train ignores (identical configurations are refused)
CONFIGS = [{"name": "a", "lr": 0.1}, {"name": "b", "lr": 0.1000001}, {"name": "c", "lr": 0.01}]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("storage")
    parser.add_argument("mlflow_url")
    parser.add_argument("name")
    parser.add_argument("--victim")
    args = parser.parse_args()

    def train(lr: float, seed: int) -> dict[str, float]:
        if args.victim:
            Path(args.victim).write_text(f"{lr} {seed}")
            time.sleep(3600)  # killed here, mid-item
        time.sleep(0.2)
        # a and b are the same configuration, c is far worse: c leaves the race at the first
        # look, a and b go on to the budget (two looks).
        own = math.cos(seed * 2.3) if lr == 0.01 else 0.0
        return {"val_acc": 0.8 - (0.3 if lr == 0.01 else 0.0) + 0.01 * math.sin(seed * 1.7)
                + 0.01 * own}

    result = confirm(CONFIGS, train, metric="val_acc", seeds=3, max_seeds=5, step=2,
                     storage=args.storage, tracking_uri=args.mlflow_url,
                     experiment_name=args.name, name=args.name,
                     heartbeat_interval=1, grace_period=3)
    print(json.dumps({"winner": result.winner, "best_set": list(result.best_set),
                      "seeds_used": dict(result.seeds_used), "parent": result.parent,
                      "stopped_because": result.stopped_because}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
