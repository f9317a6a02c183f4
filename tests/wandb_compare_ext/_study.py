"""The study the W&B tests compare: 3 configurations x 4 seeds, with learning curves.

``values(lr, seed)`` gives every logged row, deterministically, so the offline runs (written by
the real ``wandb`` SDK when this file runs as a script) and the loopback server's runs hold the
same numbers and tests can check what was read against what was logged.

Run as a script (in a subprocess, with WANDB_MODE=offline and WANDB_DIR set) to log the study:

    python _study.py PROJECT
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import numpy as np

LRS = (0.001, 0.01, 0.1)
SEEDS = (0, 1, 2, 3)
STEPS = 30
# lr=0.01 is clearly best; 0.001 and 0.1 are close to each other.
QUALITY = {0.001: 0.80, 0.01: 0.90, 0.1: 0.79}


def offline_env(base: Path) -> dict[str, str]:
    """Environment for a subprocess running the real SDK offline under ``base``."""
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("WANDB_"):
            del env[key]
    env.update(
        WANDB_MODE="offline",
        WANDB_DIR=str(base),
        WANDB_SILENT="true",
        WANDB_ERROR_REPORTING="false",
        WANDB_CONFIG_DIR=str(base / ".config"),
        WANDB_CACHE_DIR=str(base / ".cache"),
        WANDB_DATA_DIR=str(base / ".data"),
        WANDB_DISABLE_GIT="true",
        HOME=str(base),
    )
    return env


def values(lr: float, seed: int) -> list[dict[str, float]]:
    """Every logged row of one run: val/acc, train/loss and tokens, per step."""
    rng = np.random.default_rng(seed * 1000 + int(lr * 1e4))
    final = QUALITY[lr] + float(rng.normal(0, 0.005))
    rows = []
    for step in range(STEPS):
        frac = 1 - math.exp(-(step + 1) / 6)
        rows.append(
            {
                "val/acc": round(final * frac + float(rng.normal(0, 0.002)), 6),
                "train/loss": round(2.0 * (1 - frac) + 0.1 + float(rng.normal(0, 0.01)), 6),
                "tokens": float((step + 1) * 512),
            }
        )
    return rows


def log_offline(project: str) -> None:
    """Log the study with the real SDK (offline mode comes from the environment)."""
    import wandb

    for lr in LRS:
        for seed in SEEDS:
            run = wandb.init(
                project=project,
                config={"optimizer": {"lr": lr, "name": "adam"}, "seed": seed},
                group=f"lr={lr}",
                tags=["study", f"seed{seed}"],
                name=f"lr{lr}-s{seed}",
                notes="tracker-compare test study",
            )
            run.define_metric("tokens")
            run.define_metric("val/*", step_metric="tokens")
            for row in values(lr, seed):
                run.log(row)
            run.summary["best_val_acc"] = max(r["val/acc"] for r in values(lr, seed))
            run.finish()


LONG_STEPS = 600
BIG_TEXT = "x" * 70_000  # a config value longer than two 32 KiB blocks


def log_long(project: str, folder: str) -> None:
    """One long run in ``folder``: records that span blocks, NaN and infinities."""
    import wandb

    run = wandb.init(project=project, dir=folder, config={"lr": 0.5, "blob": BIG_TEXT}, name="long")
    for step in range(LONG_STEPS):
        row = {"loss": 1.0 / (step + 1), "acc": step / LONG_STEPS}
        if step == 10:
            row["loss"] = float("nan")
        if step == 11:
            row["loss"] = float("inf")
        if step % 100 == 0:
            row["rare"] = float(step)
        run.log(row)
    run.finish()


if __name__ == "__main__":
    log_offline(sys.argv[1])
    if len(sys.argv) > 2:
        log_long("long", sys.argv[2])
