"""Shared CLI plumbing for ``mlflow compare`` and ``wandb compare`` (contract D).

Both adapters build their click command from these pieces, so the two CLIs accept the same
comparison options, print the same one-line errors and exit with the same codes.

Example:
    >>> import click
    >>> from shared.cli import comparison_options, handle_errors
    >>> @click.command()
    ... @comparison_options
    ... @handle_errors
    ... def compare(**options):
    ...     pass
"""

from shared.cli._compare import (
    check_gate,
    compare_secondary,
    compare_with_options,
    histories_needed,
    metric_names_needed,
    require_baseline,
)
from shared.cli._emit import check_output, emit, is_regular_target, write_output
from shared.cli._errors import handle_errors, is_connection_problem, one_line, server_refused
from shared.cli._logging import quiet_trackers
from shared.cli._metric import MetricSpec, parse_metric_spec, parse_metric_specs
from shared.cli._options import COMPARISON_OPTION_NAMES, comparison_options, timeout_option
from shared.cli._progress import progress
from shared.cli._run import check_comparison_options, run_comparison
from shared.cli._signals import Terminated, deferring_signals, ignoring_signals

__all__ = [
    "COMPARISON_OPTION_NAMES",
    "MetricSpec",
    "Terminated",
    "check_comparison_options",
    "check_gate",
    "check_output",
    "compare_secondary",
    "compare_with_options",
    "comparison_options",
    "emit",
    "handle_errors",
    "histories_needed",
    "ignoring_signals",
    "deferring_signals",
    "is_connection_problem",
    "is_regular_target",
    "metric_names_needed",
    "one_line",
    "parse_metric_spec",
    "parse_metric_specs",
    "progress",
    "quiet_trackers",
    "require_baseline",
    "run_comparison",
    "server_refused",
    "timeout_option",
    "write_output",
]
