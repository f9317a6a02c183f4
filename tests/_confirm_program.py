"""A training program for the confirm CLI tests: ``--C=... --seed=N``, logs val_accuracy.

With ``MLFLOW_RUN_ID`` set it logs with MLflow (``mlflow.start_run()`` continues the item's
run); with ``WANDB_RUN_ID`` set, with W&B (``wandb.init()`` joins the item's run).
``--fail-seed N`` makes that seed exit 1 (a crashing program).
"""

from __future__ import annotations

import argparse
import os
import sys

from _confirm_train import train  # beside this script (its folder is on sys.path)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--C", type=float, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--fail-seed", type=int, default=None)
    args = parser.parse_args()
    if args.fail_seed is not None and args.seed == args.fail_seed:
        print("simulated crash", file=sys.stderr)
        return 1
    metrics = train(args.C, args.seed)
    if os.environ.get("MLFLOW_RUN_ID"):
        import mlflow

        with mlflow.start_run():
            mlflow.log_metrics(metrics)
    if os.environ.get("WANDB_RUN_ID"):
        import wandb

        run = wandb.init(config={"C": args.C, "seed": args.seed},
                         settings=wandb.Settings(silent=True, console="off"))
        run.log({"val/accuracy": metrics["val_accuracy"]})
        run.finish()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
