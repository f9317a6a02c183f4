"""The demo's training job: a real model, several configurations x seeds, logged for real.

Trains scikit-learn's MLPClassifier on the handwritten digits data set that ships inside
scikit-learn (no download), epoch by epoch, for three configurations over seeds with
``mlflow_compare_plugin.confirm``: 3 seeds each, then 2 more at a time only for the
configurations that could still be the best, until decided (at most 7). Every run is a child
of one confirm run in a local sqlite MLflow store (real MLflow client) and, with --wandb, also
a W&B run in offline mode (real wandb SDK, no server, no account).

Run: python .ci/demo_train.py --out demo-out [--wandb]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

CONFIGS = [
    {"lr": 0.001, "hidden": 32},
    {"lr": 0.001, "hidden": 128},
    {"lr": 0.01, "hidden": 128},
]
EPOCHS = 15
EXPERIMENT = "digits-mlp"


EXAMPLES = 300  # held-out digits every run is scored on, one by one (the per-example table)


def load_data(seed: int) -> tuple[np.ndarray, ...]:
    """Train and validation split of one seed, and the held-out examples (the same for all).

    The held-out digits are set aside first with a fixed seed, so every run is scored on the
    same examples (a comparison over examples pairs them across runs); the rest is split by
    the run's seed: seed noise includes data-split noise, as in practice.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    index = np.arange(len(y))
    rest, held_out = train_test_split(index, test_size=EXAMPLES, random_state=12345, stratify=y)
    x_tr, x_va, y_tr, y_va = train_test_split(
        x[rest], y[rest], test_size=0.3, random_state=seed, stratify=y[rest]
    )
    return x_tr, x_va, y_tr, y_va, held_out, x[held_out], y[held_out]


def train(config: dict, seed: int, examples: dict | None = None):
    """Yield (epoch, metrics) for each epoch of one training run; then, if ``examples`` is
    given, fill it with the per-example table of the held-out digits (id, label, pred,
    correct)."""
    from sklearn.metrics import log_loss
    from sklearn.neural_network import MLPClassifier

    x_tr, x_va, y_tr, y_va, ids, x_ex, y_ex = load_data(seed)
    model = MLPClassifier(hidden_layer_sizes=(config["hidden"],), learning_rate_init=config["lr"],
                          batch_size="auto", random_state=seed)
    classes = np.unique(y_tr)
    rng = np.random.default_rng(seed)
    samples = 0
    for epoch in range(1, EPOCHS + 1):
        order = rng.permutation(len(x_tr))
        for start in range(0, len(order), 64):
            idx = order[start:start + 64]
            model.partial_fit(x_tr[idx], y_tr[idx], classes=classes)
            samples += len(idx)
        proba = model.predict_proba(x_va)
        yield epoch, {
            "val_acc": float((proba.argmax(1) == y_va).mean()),
            "val_loss": float(log_loss(y_va, proba, labels=classes)),
            "train_loss": float(model.loss_),
            "samples": float(samples),
        }
    if examples is not None:  # after the last epoch: right or wrong on each held-out digit
        pred = model.predict(x_ex)
        examples.update(id=[f"digit{i}" for i in ids], label=y_ex.tolist(), pred=pred.tolist(),
                        correct=(pred == y_ex).astype(int).tolist())


def log_mlflow(history: list, examples: dict) -> None:
    """The epochs into the run confirm made active (a child of the confirm run), and the
    per-example table (``mlflow compare --examples eval_examples.json``)."""
    import mlflow
    import pandas as pd

    for epoch, m in history:
        mlflow.log_metrics(m, step=epoch)
    mlflow.log_table(pd.DataFrame(examples), artifact_file="eval_examples.json")


def log_wandb(wandb_dir: Path, config: dict, seed: int, history: list, examples: dict) -> None:
    import wandb

    run = wandb.init(project=EXPERIMENT, dir=str(wandb_dir), mode="offline",
                     config={**config, "seed": seed}, name=f"lr={config['lr']}-h={config['hidden']}-seed={seed}",
                     settings=wandb.Settings(silent=True, console="off"))
    for epoch, m in history:
        run.log({"val/acc": m["val_acc"], "val/loss": m["val_loss"], "train/loss": m["train_loss"],
                 "samples": m["samples"], "epoch": epoch}, step=epoch)
    # the per-example table as a W&B Table (`wandb compare --examples eval`)
    rows = [list(row) for row in zip(*examples.values(), strict=True)]
    run.log({"eval": wandb.Table(columns=list(examples), data=rows)})
    run.finish()


def main() -> None:
    from mlflow import MlflowClient

    from mlflow_compare_plugin import confirm

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("demo-out"))
    parser.add_argument("--wandb", action="store_true", help="also log to W&B offline")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tracking_uri = f"sqlite:///{(args.out / 'mlflow.db').resolve()}"
    os.environ.setdefault("WANDB_SILENT", "true")
    client = MlflowClient(tracking_uri)
    if client.get_experiment_by_name(EXPERIMENT) is None:
        # Artifacts (the reports) go beside the store, not into ./mlruns of the cwd.
        client.create_experiment(EXPERIMENT,
                                 artifact_location=(args.out / "mlflow-artifacts").resolve().as_uri())

    def train_and_log(lr: float, hidden: int, seed: int) -> None:
        config = {"lr": lr, "hidden": hidden}
        examples: dict = {}
        history = list(train(config, seed, examples))
        log_mlflow(history, examples)  # confirm reads val_acc from the run
        if args.wandb:
            log_wandb(args.out, config, seed, history, examples)
        print(f"trained {config} seed={seed}: val_acc={history[-1][1]['val_acc']:.4f}")

    result = confirm(CONFIGS, train_and_log, metric="val_acc", seeds=3, max_seeds=7, step=2,
                     tracking_uri=tracking_uri, experiment_name=EXPERIMENT)
    print(result.summary())
    print(f"MLflow store: {tracking_uri} (experiment {EXPERIMENT!r}, confirm run {result.parent})")
    if args.wandb:
        print(f"W&B offline runs: {args.out / 'wandb'}")


if __name__ == "__main__":
    main()
