"""What both ``confirm`` commands share: the options, where the configurations come from, output.

``mlflow-compare confirm`` and ``wandb-compare confirm`` add their tracker's options and call
their adapter's ``confirm``; everything else is here. Exit codes: 0 decided (or stopped at
the budget / equivalence), 2 bad input (a configuration key the function does not take, a
(configuration, seed) that failed every attempt, a metric never reported), 3 the storage or
tracker could not be reached.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from shared.cli._callable import load_callable
from shared.errors import InputError

__all__ = ["confirm_options", "emit_result", "resolve_inputs"]

F = TypeVar("F", bound=Callable[..., Any])


def confirm_options(func: F) -> F:
    """The options every ``confirm`` command has (the tracker's own come from the adapter)."""
    options = [
        click.argument("configs_file", metavar="[CONFIGS.yaml]", required=False,
                       type=click.Path(dir_okay=False)),
        click.option("--program", default=None, metavar="CMD",
                     help='Train by running CMD --key=value ... --seed=N (e.g. "python train.py").'),
        click.option("--function", "function_spec", default=None, metavar="MODULE:CALLABLE",
                     help="Train with this Python function: f(**params, seed=N)."),
        click.option("-m", "--metric", required=True, metavar="NAME[:min|max]",
                     help="The compared metric (default goal: from its name as in `compare`, "
                          "val_loss min, val_acc max; the study's with --from-*)."),
        click.option("--from-study", default=None, metavar="STUDY",
                     help="Confirm the top --top configurations of this finished Optuna study."),
        click.option("--from-sweep", default=None, metavar="SWEEP",
                     help="Same, for a sweep run by `wandb-compare sweep` (its study name)."),
        click.option("--study-storage", default=None, metavar="URL",
                     help="Storage of --from-study/--from-sweep (default: --storage)."),
        click.option("--top", type=click.IntRange(min=2), default=3, show_default=True,
                     help="How many configurations --from-study/--from-sweep takes."),
        click.option("--seeds", type=click.IntRange(min=2), default=3, show_default=True,
                     help="Seeds per configuration at the first look."),
        click.option("--max-seeds", type=click.IntRange(min=2), default=20, show_default=True,
                     help="Seeds per configuration at most."),
        click.option("--step", type=click.IntRange(min=1), default=3, show_default=True,
                     help="Seeds added per round to the configurations still in the race."),
        click.option("--fixed", is_flag=True, default=False,
                     help="No adaptive seeds: run --seeds seeds and compare once."),
        click.option("--min-effect", type=click.FloatRange(min=0), default=0.0,
                     help="Smallest difference that counts (and the equivalence margin)."),
        click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True),
                     default=0.05, show_default=True, help="False-winner rate over all looks."),
        click.option("--storage", default=None, metavar="URL",
                     help="Optuna RDB storage of the work items, shared by every worker "
                          "(sqlite:///confirm.db, postgresql://...). Default: in memory."),
        click.option("--name", default=None, help="The confirm's name (default: from the plan)."),
        click.option("--max-attempts", type=click.IntRange(min=1), default=3, show_default=True,
                     help="Tries per (configuration, seed) before confirm stops with exit 2."),
        click.option("--item-timeout", type=click.FloatRange(min=0, min_open=True), default=None,
                     metavar="SECONDS",
                     help="Time limit of one train call: a longer one fails its attempt (retried "
                          "like any failure); a --program is killed, a --function is left "
                          "running, its result ignored. Default: none."),
        click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                     show_default=True),
        click.option("--verbose", "-v", is_flag=True, default=False,
                     help="Show the trackers' own log messages (hidden by default)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def resolve_inputs(options: dict[str, Any], optuna: Any,
                   program_env: Callable[[], dict[str, str]]) -> dict[str, Any]:
    """The configurations, the train function and the confirm's keyword arguments."""
    from shared.confirm._program import program_train
    from shared.confirm._studies import top_configs

    options.pop("verbose", None)  # read by handle_errors (quiet trackers) already
    sources = [s for s in ("configs_file", "from_study", "from_sweep") if options.get(s)]
    if len(sources) != 1:
        raise InputError("give exactly one of CONFIGS.yaml, --from-study, --from-sweep")
    if bool(options["program"]) == bool(options["function_spec"]):
        raise InputError("give exactly one of --program and --function")
    metric, goal = options["metric"], None
    if options["configs_file"]:
        configs: Any = options["configs_file"]
    else:
        what = "--from-study" if options["from_study"] else "--from-sweep"
        storage = options["study_storage"] or options["storage"]
        if not storage:
            raise InputError(f"{what} needs --study-storage URL (or --storage)")
        configs, goal = top_configs(optuna, storage, options["from_study"] or options["from_sweep"],
                                    options["top"], what=what)
        if ":" in metric:
            goal = None  # the user's explicit :min/:max wins over the study's direction
    from shared.normalise._goal import resolve_goal

    conflict = resolve_goal(metric, goal)[2]
    if conflict:  # said before the training starts, not after an hour of it
        click.echo(f"warning: {conflict}", err=True)
    train = (program_train(options["program"], program_env) if options["program"]
             else load_callable(options["function_spec"]))
    return {
        "configs": configs, "train": train, "metric": metric, "goal": goal,
        "seeds": options["seeds"], "max_seeds": options["max_seeds"], "step": options["step"],
        "adaptive": not options["fixed"], "min_effect": options["min_effect"],
        "alpha": options["alpha"], "storage": options["storage"], "name": options["name"],
        "max_attempts": options["max_attempts"], "item_timeout": options["item_timeout"],
    }


def emit_result(result: Any, fmt: str) -> None:
    """The result on stdout: a short text or the JSON of ``ConfirmResult.to_dict()``."""
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, default=str))
        return
    click.echo(result.summary())
    click.echo(f"parent: {result.parent}  study: {result.study}"
               + (f"  storage: {result.storage}" if result.storage else ""))
