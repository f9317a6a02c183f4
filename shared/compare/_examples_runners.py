"""Which test a pair of configurations gets over per-example scores, and running it.

``auto``: two or more runs in each configuration -> ``examples-seeds`` (paired by seed when
both ran the same seeds, else unpaired seeds); one run in either -> ``examples-only`` (or
``mcnemar`` for binary scores of one run each on unclustered examples), and the pair says
that its answer holds for these trained runs, not for retraining.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from shared.compare._registry import REGISTRY
from shared.errors import InputError
from shared.stats._examples import (
    ExamplesResult,
    examples_only_test,
    examples_seeds_test,
    mcnemar_test,
)

__all__ = ["ConfigScores", "choose_example_test", "run_example_test", "ONE_RUN_SCOPE"]

ONE_RUN_SCOPE = (
    "holds for these trained runs on new examples, not for retraining: with one run per "
    "configuration the seed-to-seed variance is unknown"
)


@dataclass(frozen=True)
class ConfigScores:
    """One configuration's runs x examples score matrix, rows in seed order."""

    name: str
    matrix: np.ndarray
    seeds: tuple[Any, ...] | None

    @property
    def runs(self) -> int:
        return int(self.matrix.shape[0])


def paired_by_seed(a: ConfigScores, b: ConfigScores) -> bool:
    """Both configurations ran exactly the same seeds, each once."""
    if a.seeds is None or b.seeds is None or a.runs < 2:
        return False
    sa, sb = list(a.seeds), list(b.seeds)
    return len(set(map(repr, sa))) == len(sa) and sorted(map(repr, sa)) == sorted(map(repr, sb))


def choose_example_test(
    test: str, a: ConfigScores, b: ConfigScores, binary: bool, clustered: bool
) -> tuple[str, str]:
    """(test, why) for this pair; ``InputError`` when a named test cannot run on it."""
    one_run = min(a.runs, b.runs) < 2
    if test == "auto":
        if not one_run:
            name = "examples-seeds"
        elif a.runs == b.runs == 1 and binary and not clustered:
            name = "mcnemar"
        else:
            name = "examples-only"
        why = REGISTRY[name].why
        if name == "examples-only" and not (a.runs == b.runs == 1):
            why += f" ({a.name} has {a.runs} run(s), {b.name} {b.runs})"
        return name, why
    if test == "examples-seeds" and one_run:
        raise InputError(
            f"test 'examples-seeds' needs 2 or more runs per configuration: {a.name} has "
            f"{a.runs}, {b.name} has {b.runs}; use test='examples-only' (these trained runs)"
        )
    if test == "mcnemar" and not (a.runs == b.runs == 1 and binary and not clustered):
        raise InputError(
            "test 'mcnemar' needs binary scores (0/1), one run per configuration and no "
            "cluster key; use test='examples-only' (cluster-robust) instead"
        )
    return test, f"{REGISTRY[test].label} (requested)"


def run_example_test(
    name: str, a: ConfigScores, b: ConfigScores, codes: np.ndarray | None
) -> tuple[ExamplesResult, bool]:
    """Run test ``name`` on ``a`` versus ``b``: (result, paired by seed)."""
    if name == "mcnemar":
        return mcnemar_test(a.matrix, b.matrix), False
    if name == "examples-only":
        return examples_only_test(a.matrix, b.matrix, codes), False
    paired = paired_by_seed(a, b)
    x, y = a.matrix, b.matrix
    if paired:
        order_b = {repr(s): i for i, s in enumerate(b.seeds or ())}
        y = y[[order_b[repr(s)] for s in a.seeds or ()]]
    return examples_seeds_test(x, y, codes, paired=paired), paired
