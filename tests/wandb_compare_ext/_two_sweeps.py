"""Two local sweeps and ad-hoc runs in one W&B offline folder, logged by the real SDK.

Run as a script (WANDB_MODE=offline, WANDB_DIR set; see ``_study.offline_env``):

    python _two_sweeps.py          # grids over lr x seed as sweeps "sweep-a" and "sweep-b",
                                   # then 3 ad-hoc runs of lr=0.01 with seeds 0-2 (no group)
    python _two_sweeps.py bayes    # one random sweep over a continuous lr, one run per lr

The sweeps run through ``wandb_compare_ext.sweep.run_sweep`` (the local runner: each trial a
real offline run, its group the sweep's name, job type "sweep").
"""

from __future__ import annotations

import sys

LRS = (0.01, 0.1)
SEEDS = (0, 1, 2)
BAYES_TRIALS = 14


def accuracy(lr: float, seed: int, shift: float = 0.0) -> float:
    """Deterministic: lr=0.01 is better by 0.05; each seed moves every lr alike."""
    return round(0.80 + (0.05 if abs(lr - 0.01) < 1e-12 else 0.0) + 0.01 * seed + shift, 6)


def _grid_sweeps() -> None:
    import wandb

    from wandb_compare_ext.sweep import run_sweep

    def trainer(shift: float):
        def train() -> None:  # no argument: called as wandb.agent calls it
            run = wandb.init()
            run.log({"val_acc": accuracy(wandb.config.lr, wandb.config.seed, shift)})
            run.finish()

        return train

    for name, shift in (("sweep-a", 0.0), ("sweep-b", 0.002)):
        train = trainer(shift)

        config = {
            "name": name,
            "method": "grid",
            "metric": {"name": "val_acc", "goal": "maximize"},
            "parameters": {"lr": {"values": list(LRS)}, "seed": {"values": list(SEEDS)}},
        }
        run_sweep(config, train, project="mixed", mode="offline", compare=False)
    for seed in SEEDS:  # ad-hoc runs of the same params, outside any sweep or group
        run = wandb.init(project="mixed", config={"lr": 0.01, "seed": seed}, name=f"adhoc-{seed}")
        run.log({"val_acc": accuracy(0.01, seed, 0.001)})
        run.finish()


def _bayes_sweep() -> None:
    import math

    import wandb

    from wandb_compare_ext.sweep import run_sweep

    def train() -> None:
        run = wandb.init()
        lr = wandb.config.lr
        # the larger lr, the lower the loss (a monotone trend the rank correlation can show)
        run.log({"val_loss": round(0.5 - 0.05 * (math.log10(lr) + 4), 6)})
        run.finish()

    config = {
        "name": "lr-search",
        "method": "random",
        "metric": {"name": "val_loss", "goal": "minimize"},
        "parameters": {
            "lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
            "batch_size": {"value": 32},
        },
    }
    run_sweep(config, train, BAYES_TRIALS, project="search", mode="offline", seed=3, compare=False)


if __name__ == "__main__":
    if sys.argv[1:] == ["bayes"]:
        _bayes_sweep()
    else:
        _grid_sweeps()
