"""Rank-based pairwise tests on complete blocks: Nemenyi, or Holm against a control.

The pairwise stage for the registered family tests (``TestSpec.family``: Nemenyi and Holm on
Friedman mean ranks, Demsar 2006), each run by its record's ``family_runner``:
configurations are ranked within each seed and pairs compared on mean ranks. Their p-values
are family-wise by construction, so the usual correction is not applied on top.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from shared.compare.inference._better import better_name
from shared.compare.inference._effects import effect_size
from shared.compare.inference._family import Family
from shared.compare.inference._options import BATCH_PAIRS, LEVEL, Options
from shared.compare.inference._registry import TestSpec, spec
from shared.compare.results._comparison import PairResult
from shared.errors import InputError, Param

__all__ = ["rank_pairs"]


def rank_pairs(
    names: Sequence[str],
    family: Family,
    opts: Options,
    baseline: str | None,
    warnings: list[str],
) -> list[PairResult]:
    """The pairs of a rank-based family test, with the notes that explain its choices.

    ``friedman-holm`` compares every configuration with the baseline when one is given in
    advance, else every pair (z-tests on mean ranks, Holm over all of them). Choosing the
    best-ranked configuration of the same data as the control would test a hypothesis picked
    after looking, and declares false winners above alpha.

    Raises:
        InputError: the configurations do not share at least two seeds.
    """
    test = opts.test
    blocks = family.blocks
    if blocks is None:
        raise InputError(
            f"test {test!r} needs every configuration to have runs for the same seeds "
            "(at least 2 shared); use ",
            Param("test", "'auto'"),
        )
    warnings.extend(blocks[2])
    s = spec(test)
    if opts.correction != "holm":
        warnings.append(f"correction {opts.correction!r} is not applied: {s.correction_note}")
    control = names.index(baseline) if baseline else None
    pairs = _posthoc_pairs(s, names, blocks[0], family.index_pairs, control, opts)
    for p in pairs:
        warnings.extend(p.warnings)
    return pairs


def _posthoc_pairs(
    s: TestSpec,
    names: Sequence[str],
    matrix: np.ndarray,
    index_pairs: Sequence[tuple[int, int]],
    control: int | None,
    opts: Options,
) -> list[PairResult]:
    """Pairs from the family test's runner (Nemenyi, or Holm against a control or over all
    pairs), p-values family-wise.

    The estimate is the test's own: the mean-rank difference, signed so that positive means
    a's metric is higher (a ranks ahead when maximising); the mean difference and its paired
    t-interval are kept beside as description.
    """
    from shared import stats as st

    goal, alpha = opts.goal, opts.alpha
    hib = goal == "maximize"
    ranked = s.family_runner(matrix, control, alpha, hib, names)  # type: ignore[misc]
    reach = _sign_test_reach(s, matrix, alpha)
    lookup, warn, why = ranked.pairs, ranked.warnings, ranked.why
    out = []
    for i, j in index_pairs:
        if (i, j) in lookup:
            stat, p, p_adj, rank_diff = lookup[(i, j)]
        elif (j, i) in lookup:
            stat, p, p_adj, rank_diff = lookup[(j, i)]
            stat, rank_diff = -stat, -rank_diff
        else:
            continue
        a, b = matrix[:, i], matrix[:, j]
        # rank 1 = best: a positive rank difference means a ranks behind b
        est = -rank_diff if hib else rank_diff
        t = st.paired_t(a, b, LEVEL)
        mci = (float(t.ci.low), float(t.ci.high)) if t.ci is not None else None
        eff = effect_size(a, b, True, "hedges_g", with_ci=len(index_pairs) <= BATCH_PAIRS)
        a_higher = None if est == 0 else est > 0
        out.append(PairResult(
            a=names[i], b=names[j], test=s.name, paired=True, n=int(a.size), diff=float(est),
            ci=None, effect_size=eff.value, effect_name=eff.name, p_value=float(p),
            p_adjusted=float(p_adj), significant=bool(p_adj <= alpha), why=why,
            n_a=int(a.size), n_b=int(b.size), statistic=float(stat), ci_method="",
            effect_ci=eff.ci, better=better_name(names[i], names[j], a_higher, goal),
            std_effect=eff.std, rank_diff=float(rank_diff),
            warnings=tuple(eff.warnings) + warn, estimate=s.estimate,
            mean_diff=float(np.mean(a - b)), mean_ci=mci, reach=reach,
        ))
    return out


def _sign_test_reach(s: TestSpec, matrix: np.ndarray, alpha: float) -> str | None:
    """With two configurations a Friedman-rank test is the exact sign test
    (``shared.stats._posthoc.two_config_exact_p``), whose smallest p is ``2 / 2^m`` over the
    m blocks without a tie: say when that cannot reach alpha (the registry's ``min_p`` knows
    the sizes of a pair, not how many configurations the family has)."""
    if matrix.shape[1] != 2:
        return None
    m = int(np.sum(matrix[:, 0] != matrix[:, 1]))
    p_min = 2.0 / 2.0**m if m else 1.0
    if p_min <= alpha:
        return None
    need = max(1, math.ceil(math.log2(2.0 / alpha)))
    return (f"the {s.label} with two configurations is the exact sign test, which cannot "
            f"reach {alpha:.3g} with {m} untied seeds (smallest possible p {p_min:.3g}; needs "
            f"n >= {need})")
