"""The tests over per-example scores as the registry runs them: each test's runner and refusal.

Which test a pair gets (``auto``'s policy) is ``_examples_choice``: it reads the registry
records, whose runners and refusals are the functions here, so this module never imports the
registry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from shared.stats._examples import (
    ExamplesResult,
    examples_only_test,
    examples_seeds_test,
    mcnemar_test,
)
from shared.stats._moderated import Moderated, moderated_differences

__all__ = ["ConfigScores", "ONE_RUN_SCOPE", "SharedRuns", "paired_by_seed", "share_run_terms"]

ONE_RUN_SCOPE = (
    "holds for these trained runs on new examples, not for retraining: with one run per "
    "configuration the seed-to-seed variance is unknown"
)


@dataclass(frozen=True)
class SharedRuns:
    """The run term of every pair of one sweep, estimated across its configurations.

    The run term of a pair paired by seed is the variance of the mean of its per-seed
    differences of run means: from the pair alone it has R - 1 df (2 with 3 seeds), which is
    what limits the test's power at few seeds. With 3 or more configurations on the same
    seeds, the seeds x configurations matrix of run means gives every pair's variance
    moderated across the sweep (``shared.stats._moderated.moderated_differences``, Smyth
    2004, as the run-level comparisons do, issue 17): a pooled estimate with up to
    (R - 1)(k - 1) df when the configurations are equally noisy, each pair's own when one is
    much noisier. ``benchmarks/examples_calibration.py --mcb`` measures it, a noisier
    configuration included.
    """

    index: dict[str, int]
    model: Moderated

    def term(self, a: str, b: str) -> tuple[float, float, str]:
        """(variance, df, how) of the run term of ``a`` vs ``b``."""
        return (float(self.model.var_diff[self.index[a], self.index[b]]), float(self.model.df),
                self.model.how)


@dataclass(frozen=True)
class ConfigScores:
    """One configuration's runs x examples score matrix, rows in seed order; ``shared``: the
    sweep's run terms when they are shared (``share_run_terms``)."""

    name: str
    matrix: np.ndarray
    seeds: tuple[Any, ...] | None
    shared: SharedRuns | None = None

    @property
    def runs(self) -> int:
        return int(self.matrix.shape[0])


def share_run_terms(scores: list[ConfigScores]) -> list[ConfigScores]:
    """``scores`` with the sweep's moderated run terms attached when 3 or more
    configurations ran the same 2 or more seeds (rows in the same seed order); else as they
    are."""
    if len(scores) < 3 or not all(paired_by_seed(scores[0], s) for s in scores[1:]):
        return scores
    if any(list(map(repr, s.seeds or ())) != list(map(repr, scores[0].seeds or ()))
           for s in scores):
        return scores  # rows in another order: pair them as the pairs do
    means = np.column_stack([s.matrix.mean(axis=1) for s in scores])
    shared = SharedRuns({s.name: i for i, s in enumerate(scores)},
                        moderated_differences(means))
    return [replace(s, shared=shared) for s in scores]


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
    term = None
    if paired and a.shared is not None and a.shared is b.shared:
        term = a.shared.term(a.name, b.name)
    return examples_seeds_test(x, y, codes, paired=paired, runs_term=term), paired
