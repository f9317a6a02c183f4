"""One confirm worker started at the same instant as others on fresh stores.

Run as ``python tests/distributed/_fresh_worker.py STORAGE TRACKING_URI NAME START_AT``: the
worker imports everything, then waits for the wall-clock time START_AT (seconds since the
epoch) so that all workers open the (empty) stores together. It prints the result as one JSON
line.
"""

from __future__ import annotations

import argparse
import json
import math
import time

from mlflow_compare_plugin import confirm

CONFIGS = [{"name": "a", "lr": 0.1}, {"name": "b", "lr": 0.01}]


def train(lr: float, seed: int) -> dict[str, float]:
    return {"val_acc": 0.8 - (0.2 if lr == 0.01 else 0.0) + 0.01 * math.sin(seed * 1.7)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("storage")
    parser.add_argument("tracking_uri")
    parser.add_argument("name")
    parser.add_argument("start_at", type=float)
    args = parser.parse_args()
    time.sleep(max(0.0, args.start_at - time.time()))
    result = confirm(
        CONFIGS, train, metric="val_acc", seeds=3, max_seeds=3, step=1,
        storage=args.storage, tracking_uri=args.tracking_uri, experiment_name=args.name,
        name=args.name, heartbeat_interval=1, grace_period=3,
    )  # fmt: skip
    print(json.dumps({"winner": result.winner, "seeds_used": dict(result.seeds_used),
                      "parent": result.parent}))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
