"""Offline W&B runs with a per-example Table each, logged by the real SDK (run as a script).

``python _tables_study.py PROJECT`` logs 2 learning rates x 3 seeds; each run logs
``wandb.log({"eval": wandb.Table(...)})`` with columns id, passage, correct and its accuracy.
:func:`scores` is the data, so tests can check what was read against what was logged.
"""

from __future__ import annotations

import sys

import numpy as np

LRS = (0.01, 0.1)
SEEDS = (0, 1, 2)
N_EXAMPLES = 60


def scores(lr: float, seed: int) -> dict[str, list]:
    """One run's table as columns: lr=0.1 answers more questions right."""
    rng = np.random.default_rng([seed, int(lr * 1000), 7])
    p = 0.55 if lr == 0.01 else 0.8
    return {
        "id": [f"q{i}" for i in range(N_EXAMPLES)],
        "passage": [f"p{i // 3}" for i in range(N_EXAMPLES)],
        "correct": [int(x) for x in rng.random(N_EXAMPLES) < p],
    }


def main(project: str) -> None:
    import wandb

    for lr in LRS:
        for seed in SEEDS:
            run = wandb.init(project=project, config={"lr": lr, "seed": seed},
                             name=f"lr={lr} seed={seed}")  # fmt: skip
            columns = scores(lr, seed)
            rows = [list(row) for row in zip(*columns.values(), strict=True)]
            run.log({"eval": wandb.Table(columns=list(columns), data=rows),
                     "acc": float(np.mean(columns["correct"]))})  # fmt: skip
            run.finish()


if __name__ == "__main__":
    main(sys.argv[1])
