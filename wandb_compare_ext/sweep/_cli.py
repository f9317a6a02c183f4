"""``wandb-compare sweep CONFIG.yaml``: run a W&B sweep config locally as an Optuna study.

Exit codes: 0 done (some trials may have failed: each is reported on one line, a count at the
end, and stays in the study as FAIL), 1 every trial this call ran failed (nothing was learnt:
a missing program, a function that never starts a run...), 2 the config (or an option) cannot
be honoured, 3 the storage could not be reached, 4 internal error.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from shared.cli import handle_errors
from shared.cli._callable import load_callable
from shared.errors import EXIT_GATE_FAILED, TrackerCompareError

__all__ = ["sweep_command"]


def _fmt(value: Any) -> str:
    return "-" if value is None else f"{value:.6g}" if isinstance(value, float) else str(value)


@click.command("sweep")
@click.argument("config", type=click.Path(dir_okay=False))
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=None,
    help="Run at most this many trials in this process.",
)
@click.option(
    "--function",
    "function_spec",
    metavar="MODULE:CALLABLE",
    default=None,
    help="Train with this function instead of the config's program/command.",
)
@click.option(
    "--study-name",
    default=None,
    help="Optuna study (and W&B group) name. Default: the config's name.",
)
@click.option(
    "--storage",
    default=None,
    metavar="URL",
    help="Optuna storage shared by runner processes (sqlite:///sweep.db, postgresql://...).",
)
@click.option("--project", default=None, help="W&B project (default: the config's).")
@click.option("--entity", default=None, help="W&B entity (default: the config's).")
@click.option(
    "--mode",
    type=click.Choice(["online", "offline", "disabled"]),
    default=None,
    help="W&B mode of the runs (default: W&B's, e.g. WANDB_MODE).",
)
@click.option("--seed", type=int, default=None, help="Seed of the sampler.")
@click.option(
    "--seed-key", default=None, help="The parameter that only changes the seed (default: seed)."
)
@click.option(
    "--dir",
    "wandb_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="W&B directory for the runs.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@handle_errors
def sweep_command(
    config: str,
    count: int | None,
    function_spec: str | None,
    study_name: str | None,
    storage: str | None,
    project: str | None,
    entity: str | None,
    mode: str | None,
    seed: int | None,
    seed_key: str | None,
    wandb_dir: str | None,
    as_json: bool,
) -> None:
    """Run the W&B sweep CONFIG (YAML) with no W&B server, as an Optuna study.

    grid, random and bayes methods, every W&B distribution, early_terminate hyperband,
    run_cap and metric.target. Each trial is a W&B run in the sweep's group. Give --storage to
    resume, or to share the study between runner processes.
    """
    from wandb_compare_ext.sweep._config import load_sweep_config
    from wandb_compare_ext.sweep._runner import run_sweep

    cfg = load_sweep_config(config)
    function = load_callable(function_spec) if function_spec else None
    result = run_sweep(
        cfg,
        function,
        count,
        study_name=study_name,
        storage=storage,
        project=project,
        entity=entity,
        mode=mode,
        seed=seed,
        seed_key=seed_key,
        wandb_dir=wandb_dir,
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        for t in result.trials:
            line = f"trial {t.number:>4}  {t.state:<8}  {cfg.metric.name}={_fmt(t.value)}  run {t.run_id}"
            click.echo(line)
        best = result.best
        if best is not None:
            click.echo(
                f"best: trial {best['number']} {cfg.metric.name}={_fmt(best['value'])} "
                f"config {json.dumps(best['config'], sort_keys=True)}"
            )
        click.echo(f"stopped: {result.stop_reason} (study {result.study_name})")
    # Failed trials and other problems were already reported on stderr as they happened
    # (the "wandb_compare_ext.sweep" logger); they are in --json's "warnings" too.
    sys.stdout.flush()
    _check_failures(result.trials)


class AllTrialsFailed(TrackerCompareError):
    """Every trial of the call failed: the sweep learnt nothing. Exit code 1."""

    exit_code = EXIT_GATE_FAILED


def _check_failures(trials: Any) -> None:
    """Count failed trials on stderr; raise when every trial failed."""
    failed = [t for t in trials if t.state == "FAIL"]
    if not failed:
        return
    if len(failed) == len(trials):
        first = f" (first: {' '.join(str(failed[0].message).split())})" if failed[0].message else ""
        raise AllTrialsFailed(f"all {len(failed)} trials failed{first}")
    click.echo(f"warning: {len(failed)} of {len(trials)} trials failed", err=True)
