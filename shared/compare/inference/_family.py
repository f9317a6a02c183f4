"""The family of tests: which pairs are compared, and what the data as a whole look like.

The test-choice stage of ``compare_runs``, before any test runs. All pairs, or every
configuration against the baseline; the complete blocks (the seeds every configuration has,
for the rank tests and repeated-measures ANOVA); and, for ``test="auto"`` with three or more
configurations, one parametric-or-not choice for the whole family, so every pair of a family
is tested the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from shared.compare.configs._pairing import Sample, complete_blocks
from shared.compare.inference._options import Options
from shared.compare.inference._registry import REGISTRY
from shared.compare.inference._selection import family_choice

__all__ = ["Blocks", "Family", "plan_family"]

#: (seeds x configs matrix, the seeds, warnings) from ``complete_blocks``.
Blocks = tuple[np.ndarray, list[Any], list[str]]


@dataclass(frozen=True)
class Family:
    """The comparisons to make and the facts that choose their tests.

    Attributes:
        index_pairs: (i, j) indices into the configurations; with a baseline, j is it.
        blocks: the complete blocks, or ``None`` (unpaired data, or only two configurations
            with a test that does not need them).
        parametric: the family looks normal enough for t-tests and ANOVA (``test="auto"``,
            3+ configurations; ``True`` otherwise).
        reason: why ``parametric`` was chosen ("" when it was not chosen).
    """

    index_pairs: list[tuple[int, int]]
    blocks: Blocks | None
    parametric: bool
    reason: str


def plan_family(
    samples: Sequence[Sample], names: Sequence[str], baseline: str | None, opts: Options
) -> Family:
    """Which pairs to test, the complete blocks, and the family's parametric choice.

    Example:
        >>> from shared.compare.inference._options import check_options
        >>> s = [Sample("A", [1.0, 2.0], [0, 1]), Sample("B", [2.0, 3.5], [0, 1])]
        >>> plan_family(s, ["A", "B"], None, check_options("maximize", "auto", "holm", 0.05,
        ...                                                   0.0, 0)).index_pairs
        [(0, 1)]
    """
    k = len(samples)
    if baseline is not None:
        bi = names.index(baseline)
        index_pairs = [(i, bi) for i in range(k) if i != bi]
    else:
        index_pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    family_test = opts.test != "auto" and REGISTRY[opts.test].family
    blocks = complete_blocks(samples) if k >= 3 or family_test else None
    parametric, reason = True, ""
    if k >= 3 and opts.test == "auto":
        parametric, reason = family_choice(
            [s.values for s in samples], blocks[0] if blocks else None, opts.seed
        )
    return Family(index_pairs, blocks, parametric, reason)
