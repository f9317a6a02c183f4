"""The omnibus stage, for three or more configurations: are they all equal?

Which omnibus test depends on the data: with complete blocks (every configuration has the
same seeds), repeated-measures ANOVA (Greenhouse-Geisser when sphericity fails) or Friedman;
otherwise Welch's ANOVA or Kruskal-Wallis. Also here: the Friedman mean ranks and Nemenyi's
critical difference that the critical-difference diagram draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from shared.compare.configs._pairing import Sample, is_constant
from shared.compare.inference._family import Blocks, Family
from shared.compare.inference._options import Options
from shared.compare.inference._registry import REGISTRY
from shared.compare.results._comparison import Omnibus

__all__ = ["critical_difference", "omnibus_test"]


def omnibus_test(
    samples: Sequence[Sample], family: Family, opts: Options, warnings: list[str]
) -> Omnibus | None:
    """Omnibus test of "all configurations equal" for 3+ configurations.

    Returns:
        The ``Omnibus`` result, or ``None`` (with a warning) when some configuration has fewer
        than 2 runs.
    """
    from scipy import stats as sps

    from shared import stats as st

    test, blocks = opts.test, family.blocks
    hib = opts.goal == "maximize"
    if any(s.values.size < 2 for s in samples):
        warnings.append("omnibus test skipped: some configuration has fewer than 2 runs")
        return None
    named = REGISTRY.get(test)
    # the omnibus test follows the family: t-based tests -> ANOVA, rank and others -> ranks
    use_parametric = family.parametric if named is None else named.parametric
    p_override = None
    if blocks is not None and not (named is not None and named.unpaired_only):
        matrix, seeds, bw = blocks
        warnings.extend(bw)
        if use_parametric:
            r = st.rm_anova(matrix)
            why = (f"every configuration has the same {len(seeds)} seeds and the data look "
                   "normal: repeated-measures ANOVA")
            if r.extra.get("sphericity") is not True:
                # sphericity rejected or uncheckable (fewer seeds than configurations)
                p_override = float(r.extra["pvalue_gg"])
                why += " (Greenhouse-Geisser corrected p)"
        else:
            r = st.friedman(matrix, higher_is_better=hib)
            why = (f"every configuration has the same {len(seeds)} seeds: Friedman test with "
                   "the Iman-Davenport correction (Demsar 2006)")
    elif use_parametric and not any(is_constant(s.values) for s in samples):
        r = st.welch_anova([s.values for s in samples])
        why = ("configurations do not share seeds; values look normal: Welch's ANOVA "
               "(unequal variances)")
    else:
        from shared.stats import TestResult

        kw = sps.kruskal(*[s.values for s in samples])
        p = float(kw.pvalue)
        warn: tuple[str, ...] = ()
        if not math.isfinite(p):
            warn = ("Kruskal-Wallis is undefined: all values are equal (p = 1)",)
            p = 1.0
        r = TestResult("kruskal-wallis", float(kw.statistic), p, df=len(samples) - 1.0,
                       method="chi-square approximation (tie-corrected)", warnings=warn)
        why = ("configurations do not share seeds"
               + ("" if use_parametric else " and values are not normal")
               + ": Kruskal-Wallis H test")
    warnings.extend(r.warnings)
    p = float(r.pvalue) if p_override is None else p_override
    extra = {k: v for k, v in r.extra.items() if k not in ("group_means", "group_vars")}
    return Omnibus(
        test=r.test,
        statistic=float(r.statistic),
        p_value=p,
        df=r.df,
        method=r.method,
        why=why,
        significant=bool(math.isfinite(p) and p <= opts.alpha),
        extra=extra,
    )


def critical_difference(
    names: Sequence[str], blocks: Blocks, alpha: float, goal: str
) -> dict[str, Any]:
    """Friedman mean ranks (rank 1 = best for the goal) and Nemenyi's critical difference.

    Example:
        >>> import numpy as np
        >>> m = np.array([[1.0, 2.0, 3.0], [1.5, 2.5, 3.5], [0.5, 2.0, 4.0]])
        >>> critical_difference(["A", "B", "C"], (m, [0, 1, 2], []), 0.05, "maximize")[
        ...     "mean_ranks"]
        {'A': 3.0, 'B': 2.0, 'C': 1.0}
    """
    from shared import stats as st

    fr = st.friedman(blocks[0], higher_is_better=goal == "maximize")
    n_blocks = int(blocks[0].shape[0])
    return {
        "cd": float(st.critical_difference(len(names), n_blocks, alpha)),
        "alpha": alpha,
        "n_blocks": n_blocks,
        "mean_ranks": {names[i]: float(r) for i, r in enumerate(fr.extra["mean_ranks"])},
    }
