"""The demo's tuning steps: Optuna with our MLflow callback, and a W&B sweep run locally.

Both tune the same real training job as demo_train.py (an MLP on scikit-learn's digits).

* optuna: a study over the learning rate and width, each trial evaluated over 3 seeds (each seed
  a child run in MLflow, the trial's value their mean), 2 trials at a time (n_jobs=2), every trial
  nested under one study run; at the end: is the best trial really better than the runner-up?
* sweep: a W&B sweep config (a grid over two learning rates x three seeds) run with no W&B
  server by wandb_compare_ext.sweep.run_sweep, each trial a W&B offline run; at the end the two
  configurations are compared seed by seed.

Run: python .ci/demo_tune.py optuna|sweep --out demo-out
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from demo_train import train  # noqa: E402


def run_optuna(out: Path) -> None:
    import optuna

    from mlflow_compare_plugin.optuna import MLflowCallback, SeedEvaluator

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    uri = f"sqlite:///{(out / 'mlflow.db').resolve()}"
    from mlflow import MlflowClient

    client = MlflowClient(uri)
    if client.get_experiment_by_name("digits-optuna") is None:
        # Artifacts (the seed comparison's report) go beside the store, not into ./mlruns.
        client.create_experiment("digits-optuna",
                                 artifact_location=(out / "mlflow-artifacts" / "optuna").resolve().as_uri())
    callback = MLflowCallback(tracking_uri=uri, metric_name="val_acc",
                              mlflow_kwargs={"nested": True}, create_experiment=True)
    seeds = SeedEvaluator(callback, seeds=3)

    @seeds.objective
    def objective(trial: optuna.Trial, seed: int) -> float:
        config = {"lr": trial.suggest_float("lr", 1e-3, 3e-2, log=True),
                  "hidden": trial.suggest_categorical("hidden", [32, 128])}
        history = list(train(config, seed))
        return history[-1][1]["val_acc"]

    study = optuna.create_study(study_name="digits-optuna", direction="maximize",
                                storage=f"sqlite:///{(out / 'optuna.db').resolve()}",
                                sampler=optuna.samplers.TPESampler(seed=0))
    study.optimize(objective, n_trials=6, n_jobs=2, callbacks=[callback])
    comparison = seeds.compare(study)
    callback.finish(study)
    print(f"best trial #{study.best_trial.number}: val_acc={study.best_value:.4f} "
          f"params={study.best_params}")
    print(f"best vs runner-up over 3 seeds: {comparison.decision.rationale}")
    print(f"every trial logged to MLflow ({uri}, experiment 'digits-optuna'), nested under one "
          f"study run {callback.parent_run_id(study)}")


def run_sweep_demo(out: Path) -> None:
    from wandb_compare_ext.sweep import SweepCallback, run_sweep

    config = {
        "name": "digits-sweep",
        "method": "grid",
        "metric": {"name": "val/acc", "goal": "maximize"},
        "parameters": {
            "lr": {"values": [0.001, 0.01]},
            "hidden": {"value": 128},
            "seed": {"values": [0, 1, 2]},
        },
    }

    def train_with_callback(callback: SweepCallback) -> None:
        cfg = callback.config
        for epoch, metrics in train({"lr": cfg["lr"], "hidden": cfg["hidden"]}, int(cfg["seed"])):
            callback.log({"val/acc": metrics["val_acc"], "val/loss": metrics["val_loss"]}, step=epoch)
            if callback.should_stop():
                break

    result = run_sweep(config, train_with_callback, mode="offline", wandb_dir=out,
                       storage=f"sqlite:///{(out / 'sweep.db').resolve()}", seed=0)
    states = [t.state for t in result.trials]
    print(f"sweep {result.study_name}: {len(states)} trials ({states.count('PRUNED')} stopped early "
          f"by hyperband), stopped by {result.stop_reason}")
    if result.best:
        print(f"best: val/acc={result.best['value']:.4f} config={dict(result.best['config'])}")
    if result.comparison:
        print(f"seed-aware comparison of the configurations: {result.comparison['decision']['rationale']}")
    for warning in result.warnings:
        print(f"warning: {warning}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["optuna", "sweep"])
    parser.add_argument("--out", type=Path, default=Path("demo-out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    (run_optuna if args.what == "optuna" else run_sweep_demo)(args.out)


if __name__ == "__main__":
    main()
