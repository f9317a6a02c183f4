"""``mlflow-compare confirm``: configurations x seeds into MLflow until the decision is reached.

Example:
    mlflow-compare confirm configs.yaml --program "python train.py" -m val_acc \\
        --tracking-uri sqlite:///mlflow.db --experiment-name confirm
"""

from __future__ import annotations

from tracker_compare_kit import _guard  # noqa: F401  (first: fail clearly if `shared` is shadowed)

# isort: split

from typing import Any

import click

from shared.cli import handle_errors
from shared.confirm._cli import confirm_options, emit_result, resolve_inputs

__all__ = ["confirm_command"]


def _program_env() -> dict[str, str]:
    """Inside an item: point the program's ``mlflow.start_run()`` at the item's run."""
    import mlflow

    run = mlflow.active_run()
    return {"MLFLOW_RUN_ID": run.info.run_id, "MLFLOW_TRACKING_URI": mlflow.get_tracking_uri(),
            "MLFLOW_EXPERIMENT_ID": run.info.experiment_id}


@click.command("confirm", context_settings={"help_option_names": ["-h", "--help"],
                                            "max_content_width": 100})
@confirm_options
@click.option("--tracking-uri", envvar="MLFLOW_TRACKING_URI", default=None, metavar="URI",
              help="Where the runs go. Default: $MLFLOW_TRACKING_URI.")
@click.option("--experiment-name", default="confirm", show_default=True,
              help="Experiment of the parent run and its child runs (created if missing).")
@handle_errors
def confirm_command(tracking_uri: str | None, experiment_name: str, fmt: str,
                    **options: Any) -> None:
    """Run every configuration over seeds, adding seeds only where the answer is still open.

    A program gets --key=value per param and --seed=N, and logs the metric with MLflow (its
    mlflow.start_run() continues the item's run, given in MLFLOW_RUN_ID). Run the same
    command on several machines with --storage to share the work. Exit codes: 0 done, 2 bad
    input or an item that failed every attempt, 3 storage or tracker unreachable.
    """
    import optuna

    from mlflow_compare_plugin._confirm import confirm

    verbose = bool(options.get("verbose"))
    kwargs = resolve_inputs(options, optuna, _program_env)
    import logging

    # MLflow's and Alembic's INFO lines stay off the user's terminal unless -v (warnings show)
    previous = logging.root.manager.disable
    if not verbose:
        logging.disable(logging.INFO)
    try:
        result = confirm(**kwargs, tracking_uri=tracking_uri, experiment_name=experiment_name)
    finally:
        logging.disable(previous)
    emit_result(result, fmt)
