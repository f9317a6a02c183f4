"""``wandb-compare confirm``: configurations x seeds as W&B runs of one group, until decided.

Example:
    wandb-compare confirm configs.yaml --program "python train.py" -m val/acc \\
        --project digits --mode offline
"""

from __future__ import annotations

from tracker_compare_kit import _guard  # noqa: F401  (first: fail clearly if `shared` is shadowed)

# isort: split

from typing import Any

import click

from shared.cli import handle_errors
from shared.confirm._cli import confirm_options, emit_result, resolve_inputs

__all__ = ["confirm_command"]


@click.command("confirm", context_settings={"help_option_names": ["-h", "--help"],
                                            "max_content_width": 100})
@confirm_options
@click.option("--project", default="confirm", show_default=True, help="W&B project of the runs.")
@click.option("--entity", default=None, help="W&B entity (default: yours; $WANDB_ENTITY).")
@click.option("--mode", type=click.Choice(["offline", "online"]), default=None,
              help="W&B mode (default: $WANDB_MODE, else online).")
@click.option("--dir", "directory", default=None, type=click.Path(file_okay=False),
              help="Where W&B writes, and the report (default: $WANDB_DIR or here).")
@handle_errors
def confirm_command(project: str, entity: str | None, mode: str | None, directory: str | None,
                    fmt: str, **options: Any) -> None:
    """Run every configuration over seeds, adding seeds only where the answer is still open.

    A program gets --key=value per param and --seed=N, and logs the metric with wandb.log
    (its wandb.init() joins the item's run, given in WANDB_RUN_ID; the value is read from
    W&B's log of the run). Run the same command on several machines with --storage to share
    the work. Exit codes: 0 done, 2 bad input or an item that failed every attempt,
    3 storage or W&B unreachable.
    """
    import optuna

    from wandb_compare_ext import _confirm

    holder: dict[str, Any] = {}
    verbose = bool(options.get("verbose"))  # -v: W&B's own lines too (resolve_inputs drops it)
    kwargs = resolve_inputs(options, optuna, lambda: holder["tracker"].program_env())
    result = _confirm.confirm(**kwargs, project=project, entity=entity, mode=mode,
                              dir=directory, program=bool(options["program"]),
                              on_tracker=lambda t: holder.__setitem__("tracker", t),
                              verbose=verbose)
    emit_result(result, fmt)
