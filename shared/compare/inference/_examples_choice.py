"""Which test a pair of configurations gets over per-example scores, and running it.

``auto``: two or more runs in each configuration -> ``examples-seeds`` (paired by seed when
both ran the same seeds, else unpaired seeds); one run in either -> ``examples-only`` (or
``mcnemar`` for binary scores of one run each on unclustered examples), and the pair says
that its answer holds for these trained runs, not for retraining.

The tests' runners and refusals are in ``_examples_runners``; they are reached through their
registry records, so this module imports the registry and the runners never do.
"""

from __future__ import annotations

import numpy as np

from shared.compare.inference._examples_runners import ConfigScores, refuse_mcnemar
from shared.compare.inference._registry import EXAMPLES_ONLY, EXAMPLES_SEEDS, MCNEMAR, REGISTRY
from shared.errors import InputError
from shared.stats._examples import ExamplesResult

__all__ = ["choose_example_test", "run_example_test"]


def choose_example_test(
    test: str, a: ConfigScores, b: ConfigScores, binary: bool, clustered: bool
) -> tuple[str, str]:
    """(test, why) for this pair; ``InputError`` when a named test cannot run on it."""
    if test == "auto":
        # auto's policy names the tests it picks: seeds' variance needs 2+ runs per
        # configuration; McNemar only for binary scores of one run each, unclustered
        if min(a.runs, b.runs) >= 2:
            chosen = EXAMPLES_SEEDS
        elif refuse_mcnemar(a, b, binary, clustered) is None:
            chosen = MCNEMAR
        else:
            chosen = EXAMPLES_ONLY
        why = chosen.why
        if chosen is EXAMPLES_ONLY and not (a.runs == b.runs == 1):
            why += f" ({a.name} has {a.runs} run(s), {b.name} {b.runs})"
        return chosen.name, why
    spec = REGISTRY[test]
    refusal = spec.examples_refusal(a, b, binary, clustered)  # type: ignore[misc]
    if refusal is not None:
        raise InputError(refusal)
    return test, f"{spec.label} (requested)"


def run_example_test(
    name: str, a: ConfigScores, b: ConfigScores, codes: np.ndarray | None
) -> tuple[ExamplesResult, bool]:
    """Run test ``name`` (its registry record's runner) on ``a`` versus ``b``:
    (result, paired by seed)."""
    return REGISTRY[name].examples_runner(a, b, codes)  # type: ignore[misc,return-value]
