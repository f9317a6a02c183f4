"""Rank-based pairwise tests on complete blocks: Nemenyi, or Holm against a control.

The pairwise stage for ``test="friedman-nemenyi"`` and ``test="friedman-holm"`` (Demsar 2006):
configurations are ranked within each seed and pairs compared on mean ranks. Their p-values
are family-wise by construction, so the usual correction is not applied on top.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shared.compare._comparison import PairResult
from shared.compare._decision import better_name
from shared.compare._effects import effect_size
from shared.compare._family import Family
from shared.compare._options import BATCH_PAIRS, LEVEL, Options
from shared.errors import InputError

__all__ = ["rank_pairs"]


def rank_pairs(
    names: Sequence[str],
    family: Family,
    opts: Options,
    baseline: str | None,
    warnings: list[str],
) -> list[PairResult]:
    """The pairs of a rank-based family test, with the notes that explain its choices.

    Without a baseline, ``friedman-holm`` compares every configuration with the best-ranked
    one.

    Raises:
        InputError: the configurations do not share at least two seeds.
    """
    from shared import stats as st

    test = opts.test
    blocks = family.blocks
    if blocks is None:
        raise InputError(
            f"test {test!r} needs every configuration to have runs for the same seeds "
            "(at least 2 shared); use --test auto"
        )
    warnings.extend(blocks[2])
    if opts.correction != "holm":
        how = ("Nemenyi p-values are family-wise by construction"
               if test == "friedman-nemenyi" else "friedman-holm always uses Holm")
        warnings.append(f"correction {opts.correction!r} is not applied: {how}")
    index_pairs = family.index_pairs
    control = None
    if test == "friedman-holm":
        if baseline is None:
            hib = opts.goal == "maximize"
            ranks = st.friedman(blocks[0], higher_is_better=hib).extra["mean_ranks"]
            control = int(np.argmin(ranks))
            warnings.append(
                f"friedman-holm without a baseline: every configuration is compared with "
                f"the best-ranked one, {names[control]}"
            )
            index_pairs = [(i, control) for i in range(len(names)) if i != control]
        else:
            control = names.index(baseline)
    pairs = _posthoc_pairs(test, names, blocks[0], index_pairs, control, opts.goal, opts.alpha)
    for p in pairs:
        warnings.extend(p.warnings)
    return pairs


def _posthoc_pairs(
    test: str,
    names: Sequence[str],
    matrix: np.ndarray,
    index_pairs: Sequence[tuple[int, int]],
    control: int | None,
    goal: str,
    alpha: float,
) -> list[PairResult]:
    """Pairs from Nemenyi or Holm-vs-control (p-values family-wise by construction)."""
    from shared import stats as st

    hib = goal == "maximize"
    if test == "friedman-nemenyi":
        ph = st.nemenyi(matrix, alpha, higher_is_better=hib)
        why = ("Nemenyi test on Friedman mean ranks (Demsar 2006); its p-values are family-wise "
               "by construction, so no further correction is applied")
    else:
        assert control is not None
        ph = st.holm_vs_control(matrix, control, alpha, higher_is_better=hib)
        why = (f"z-test on Friedman mean ranks against {names[control]}, Holm step-down "
               "(Demsar 2006)")
    lookup = {(p.i, p.j): p for p in ph.pairs}
    out = []
    for i, j in index_pairs:
        p = lookup.get((i, j)) or lookup.get((j, i))
        if p is None:
            continue
        a, b = matrix[:, i], matrix[:, j]
        # the rank test has no CI or effect of its own: report those of the paired t
        t = st.paired_t(a, b, LEVEL)
        ci = (float(t.ci.low), float(t.ci.high)) if t.ci is not None else None
        eff = effect_size(a, b, True, "paired-t", with_ci=len(index_pairs) <= BATCH_PAIRS)
        diff = float(np.mean(a - b))
        out.append(PairResult(
            a=names[i], b=names[j], test=test, paired=True, n=int(a.size), diff=diff, ci=ci,
            effect_size=eff.value, effect_name=eff.name, p_value=float(p.pvalue),
            p_adjusted=float(p.p_adjusted), significant=bool(p.p_adjusted <= alpha),
            why=why, n_a=int(a.size), n_b=int(b.size), statistic=float(p.statistic),
            ci_method="paired t", effect_ci=eff.ci, better=better_name(names[i], names[j], diff,
                                                                        goal),
            std_effect=eff.std, extra={"rank_diff": float(p.rank_diff)},
            warnings=tuple(eff.warnings) + tuple(ph.warnings),
        ))
    return out
