"""Large families (more than ``BATCH_PAIRS`` pairs): t-tests and Hedges' g for all pairs at once.

4,950 pairs of 100 configurations tested one by one would take minutes; through the vectorised
``shared.stats.pairwise_t`` they take well under a second. The numbers are those of the
per-pair path (the tests check it), minus the CIs of g.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shared.compare.configs._pairing import PairPlan, Sample
from shared.compare.inference._effects import EffectSize, g_name
from shared.compare.inference._options import LEVEL
from shared.compare.inference._registry import spec
from shared.compare.inference._runners import PairOutcome
from shared.compare.inference._selection import Choice
from shared.compare.results._jsonable import finite_or_none

__all__ = ["batch_pairs", "bulk_t"]


def bulk_t(
    samples: Sequence[Sample],
    index_pairs: Sequence[tuple[int, int]],
    plans: Sequence[PairPlan],
    paired: bool,
    level: float = LEVEL,
) -> dict[str, np.ndarray] | None:
    """t statistics, CIs of the mean difference and Hedges' g for many pairs at once.

    Paired: only when every pair is paired on the same seeds (then each configuration is one
    column of a seeds x configs matrix). Unpaired (Welch): always. ``None`` otherwise.

    Returns:
        Arrays, one entry per pair: ``diff``, ``statistic``, ``df``, ``pvalue``, ``ci_low``,
        ``ci_high`` and ``g``.
    """
    from shared import stats as st
    from shared.stats._effect import hedges_correction

    if paired:
        seeds0 = plans[0].seeds
        if any(p.seeds != seeds0 or not p.paired for p in plans):
            return None
        arrays = [s.values[[s.seed_index[k] for k in seeds0]] for s in samples]  # type: ignore[index]
    else:
        arrays = [s.values for s in samples]
    res = st.pairwise_t(arrays, list(index_pairs), paired=paired, level=level)
    ii = np.array([i for i, _ in index_pairs])
    jj = np.array([j for _, j in index_pairs])
    # Hedges' g in bulk, the same formulas as shared.stats.hedges_g (checked in the tests)
    if paired:
        mat = np.column_stack(arrays)
        sd = np.std(mat[:, ii] - mat[:, jj], axis=0, ddof=1)
        dfs = np.full(ii.shape, mat.shape[0] - 1.0)
    else:
        ns = np.array([a.size for a in arrays], dtype=float)
        vs = np.array([np.var(a, ddof=1) for a in arrays])
        dfs = ns[ii] + ns[jj] - 2.0
        sd = np.sqrt(((ns[ii] - 1) * vs[ii] + (ns[jj] - 1) * vs[jj]) / dfs)
    levels = np.unique(dfs)
    # J is 0 at df = 1 (two pairs): the uncorrected d there, as shared.stats.hedges_g reports
    j_of = {float(v): (hedges_correction(float(v)) if v > 1 else 1.0) for v in levels.tolist()}
    jv = np.array([j_of[float(v)] for v in dfs])
    with np.errstate(divide="ignore", invalid="ignore"):
        g = jv * np.asarray(res.diff) / sd
    # where the t statistic is undefined (zero spread up to rounding) so is g
    g = np.where(np.isfinite(np.asarray(res.statistic, dtype=float)), g, np.nan)
    return {
        "diff": np.asarray(res.diff, dtype=float),
        "statistic": np.asarray(res.statistic, dtype=float),
        "df": np.asarray(res.df, dtype=float),
        "pvalue": np.asarray(res.pvalue, dtype=float),
        "ci_low": np.asarray(res.ci_low, dtype=float),
        "ci_high": np.asarray(res.ci_high, dtype=float),
        "g": g,
    }


def batch_pairs(
    samples: Sequence[Sample],
    index_pairs: Sequence[tuple[int, int]],
    plans: Sequence[PairPlan],
    choices: Sequence[Choice],
    level: float = LEVEL,
) -> list[tuple[PairOutcome, EffectSize]] | None:
    """All-t-test families through ``pairwise_t``: outcomes plus bulk effect sizes.

    Used only when every pair uses one test whose record says it runs in bulk
    (``TestSpec.bulk_t``: paired t on the same seeds, or Welch). Returns ``None`` when that is
    not the case.
    """
    tests = {c.test for c in choices}
    if len(tests) != 1 or not spec(test := tests.pop()).bulk_t:
        return None
    paired = spec(test).paired_only
    bulk = bulk_t(samples, index_pairs, plans, paired, level)
    if bulk is None:
        return None
    out = []
    for k in range(len(index_pairs)):
        g = finite_or_none(bulk["g"][k])
        p = finite_or_none(bulk["pvalue"][k])
        diff = float(bulk["diff"][k])
        ci = (float(bulk["ci_low"][k]), float(bulk["ci_high"][k])) if p is not None else None
        how = ("paired t" if paired else "Welch t") if ci is not None else ""
        a_higher = None if not np.isfinite(diff) or diff == 0 else bool(diff > 0)
        oc = PairOutcome(
            test, paired, finite_or_none(bulk["statistic"][k]), finite_or_none(bulk["df"][k]),
            p, diff, ci, how, "exact (t distribution)", a_higher, diff, ci, how,
        )
        out.append((oc, EffectSize(g, g_name(g, paired), None, g, [])))
    return out
