"""What every adapter's ``compare`` command does once it has runs: compare, publish, emit, gate.

An adapter's command is then its own options, fetching runs from its tracker, and publishing
the answer back to it:

.. code-block:: python

    @click.command()
    @comparison_options
    @handle_errors
    def compare(project, **options):
        check_comparison_options(options)          # before any tracker call
        runs = fetch_from_my_tracker(project, **options)
        run_comparison(runs, options, publish=lambda comparison: publish_to_my_tracker(...))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any

from shared.cli._compare import (
    check_example_options,
    check_gate,
    compare_secondary,
    compare_with_options,
    require_baseline,
)
from shared.cli._emit import check_output, emit
from shared.cli._metric import parse_metric_specs

__all__ = ["check_comparison_options", "run_comparison"]


def check_comparison_options(options: Mapping[str, Any]) -> None:
    """The checks of :func:`comparison_options` that need no runs: before fetching anything.

    The output target must be writable, ``--fail-if-worse`` needs ``--baseline``, and
    ``--example-key``/``--cluster-key`` need ``--examples``. The ``--metric`` values are
    parsed here, once, into ``MetricSpec`` (name, goal): a bad one fails before any tracker
    call, and every later step reads the parsed value.

    Raises:
        InputError: one line naming the option.

    Example:
        >>> check_comparison_options({"output": None, "fail_if_worse": False, "baseline": None})
    """
    check_output(options.get("output"))
    require_baseline(options.get("fail_if_worse", False), options.get("baseline"))
    check_example_options(
        options.get("examples"), options.get("example_key"), options.get("cluster_key")
    )
    if isinstance(options, MutableMapping) and options.get("metric"):
        options["metric"] = parse_metric_specs(options["metric"])


def run_comparison(
    runs: Sequence[Any],
    options: Mapping[str, Any],
    *,
    publish: Callable[[Any], None] | None = None,
) -> Any:
    """Compare ``runs`` with the command's options, publish, print, then apply the gate.

    Args:
        runs: the fetched ``shared.Run`` objects.
        options: the command's options (those of :func:`comparison_options` at least; others
            are ignored).
        publish: called with the ``Comparison`` before it is printed (log a report, tag the
            winner...), so a publishing failure stops the command before any output.

    Returns:
        The ``shared.Comparison`` (already printed; the gate passed).

    Raises:
        InputError: see :func:`compare_with_options`.
        GateFailed: ``--fail-if-worse`` and a configuration is worse than the baseline.
    """
    from shared._progress import MIN_TOTAL, status

    options = dict(options)
    # the statistics of a big sweep take seconds (on 2,000 runs): on a terminal, a clock
    with status(f"comparing {len(runs)} runs", show=len(runs) >= MIN_TOTAL):
        comparison = compare_with_options(runs, **options)
        secondary = compare_secondary(runs, **options) if len(options["metric"]) > 1 else None
    if publish is not None:
        from shared.cli._signals import raise_if_signalled

        raise_if_signalled("interrupted")  # a swallowed signal stops us before publishing
        publish(comparison)
    emit(comparison, options["fmt"], options["output"], secondary=secondary, top=options.get("top"))
    check_gate(comparison, baseline=options["baseline"], fail_if_worse=options["fail_if_worse"])
    return comparison
