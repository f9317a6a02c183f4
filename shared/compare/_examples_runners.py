"""The tests over per-example scores as the registry runs them: each test's runner and refusal.

Which test a pair gets (``auto``'s policy) is ``_examples_choice``: it reads the registry
records, whose runners and refusals are the functions here, so this module never imports the
registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from shared.stats._examples import (
    ExamplesResult,
    examples_only_test,
    examples_seeds_test,
    mcnemar_test,
)

__all__ = ["ConfigScores", "ONE_RUN_SCOPE", "paired_by_seed"]

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


def refuse_examples_seeds(
    a: ConfigScores, b: ConfigScores, binary: bool, clustered: bool
) -> str | None:
    """Why ``examples-seeds`` cannot run on this pair (it needs seeds' variance), or None."""
    if min(a.runs, b.runs) >= 2:
        return None
    return (
        f"test 'examples-seeds' needs 2 or more runs per configuration: {a.name} has "
        f"{a.runs}, {b.name} has {b.runs}; use test='examples-only' (these trained runs)"
    )


def refuse_mcnemar(
    a: ConfigScores, b: ConfigScores, binary: bool, clustered: bool
) -> str | None:
    """Why ``mcnemar`` cannot run on this pair, or None."""
    if a.runs == b.runs == 1 and binary and not clustered:
        return None
    return (
        "test 'mcnemar' needs binary scores (0/1), one run per configuration and no "
        "cluster key; use test='examples-only' (cluster-robust) instead"
    )


def refuse_nothing(
    a: ConfigScores, b: ConfigScores, binary: bool, clustered: bool
) -> str | None:
    """``examples-only`` runs on any pair (each configuration's runs averaged per example)."""
    return None


def run_mcnemar(
    a: ConfigScores, b: ConfigScores, codes: np.ndarray | None
) -> tuple[ExamplesResult, bool]:
    """McNemar's exact test on one run each: (result, paired by seed = False)."""
    return mcnemar_test(a.matrix, b.matrix), False


def run_examples_only(
    a: ConfigScores, b: ConfigScores, codes: np.ndarray | None
) -> tuple[ExamplesResult, bool]:
    """Paired over examples with cluster-robust SE: (result, False)."""
    return examples_only_test(a.matrix, b.matrix, codes), False


def run_examples_seeds(
    a: ConfigScores, b: ConfigScores, codes: np.ndarray | None
) -> tuple[ExamplesResult, bool]:
    """Over examples and seeds, paired by seed when both ran the same seeds."""
    paired = paired_by_seed(a, b)
    x, y = a.matrix, b.matrix
    if paired:
        order_b = {repr(s): i for i, s in enumerate(b.seeds or ())}
        y = y[[order_b[repr(s)] for s in a.seeds or ()]]
    return examples_seeds_test(x, y, codes, paired=paired), paired
