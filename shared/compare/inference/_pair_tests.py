"""The pairwise stage: a test per pair, the multiplicity correction, and the pair results.

For each pair of the family: plan how its runs pair (``plan_pair``), choose its test
(``choose_auto`` / ``choose_family`` / ``choose_named``), run it with its effect size (in bulk
for large t-test families, ``_batch``), correct the p-values across the family (Holm by
default), and build the ``PairResult`` with which side is better. The rank-based family
tests (Nemenyi, Holm against a control) are in ``_posthoc`` instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from shared.compare.configs._pairing import PairPlan, Sample, plan_pair
from shared.compare.inference._batch import batch_pairs, bulk_t
from shared.compare.inference._better import better_name
from shared.compare.inference._effects import EffectSize, effect_size, g_name
from shared.compare.inference._family import Family
from shared.compare.inference._notes import summarise_notes
from shared.compare.inference._options import BATCH_PAIRS, Options, ci_level
from shared.compare.inference._registry import NO_TEST, spec
from shared.compare.inference._runners import PairOutcome, RunContext
from shared.compare.inference._selection import Choice, choose_auto, choose_family, choose_named
from shared.compare.results._comparison import PairResult
from shared.compare.results._jsonable import finite_or_none

__all__ = ["pairwise_tests"]

#: A tested pair: the test's outcome and the effect size reported with it.
Tested = tuple[PairOutcome, EffectSize]


def pairwise_tests(
    samples: Sequence[Sample],
    names: Sequence[str],
    family: Family,
    opts: Options,
    warnings: list[str],
) -> list[PairResult]:
    """Test every pair of the family, corrected for multiplicity; one result per pair.

    For every test but the rank-based family tests (``MULTI_ONLY``: see ``_posthoc``). A pair
    that cannot be tested (fewer than 2 runs, or fewer than 2 paired seeds) is still reported,
    with test "none" and the reason.

    Args:
        samples: one sample per configuration.
        names: the configuration names (same order).
        family: which pairs, and the facts that choose their tests.
        opts: the checked options.
        warnings: collects the notes, one line per distinct note.
    """
    index_pairs = family.index_pairs
    plans = [plan_pair(samples[i], samples[j]) for i, j in index_pairs]
    # (message, pair label or None): summarised at the end so 4,950 pairs do not mean 4,950
    # copies of one warning
    pair_notes: list[tuple[str, str | None]] = [(w, None) for p in plans for w in p.warnings]
    level = pair_level(opts, len(index_pairs))
    choices = _choose_tests(names, family, plans, opts.test, level, opts.min_effect > 0)
    tested = _run_tests(samples, index_pairs, plans, choices, opts)
    adjusted = _adjust(tested, opts.correction)
    pairs = []
    for n, (i, j) in enumerate(index_pairs):
        plan, ch = plans[n], choices[n]
        label = f"{names[i]} vs {names[j]}"
        if ch is None:
            small = [s.name for s in (samples[i], samples[j]) if s.values.size < 2]
            why = (f"{', '.join(small)} has fewer than 2 runs: no test is possible"
                   if small else "fewer than 2 paired seeds: no test is possible")
            # the note without names, so 4,950 such pairs fold into one line
            note = ("a configuration has fewer than 2 runs: no test is possible" if small
                    else "fewer than 2 paired seeds: no test is possible")
            pair_notes.append((note, label))
            pairs.append(_untestable(names[i], names[j], plan, why))
            continue
        notes = _notes_of(tested[n]) + ([ch.reach] if ch.reach else [])
        pair_notes.extend((w, label) for w in notes)
        sizes = ((plan.a.size, plan.b.size) if ch.paired
                 else (samples[i].values.size, samples[j].values.size))
        pairs.append(_pair_result(names[i], names[j], sizes, ch, tested[n], adjusted[n],
                                  notes, opts))
    warnings.extend(summarise_notes(pair_notes))
    return pairs


def pair_level(opts: Options, m: int) -> float:
    """The smallest per-pair threshold of the correction: alpha / m (Holm's and BH's first
    step, Bonferroni's every step), or alpha uncorrected. A test must be able to reach it."""
    return opts.alpha / m if opts.correction != "none" and m > 1 else opts.alpha


def _choose_tests(
    names: Sequence[str], family: Family, plans: Sequence[PairPlan], test: str, level: float,
    margin: bool = False,
) -> list[Choice | None]:
    """The test of each pair, or ``None`` where the pair has too few runs for any test
    (``margin``: ``min_effect`` is judged, so ``auto`` needs intervals in metric units)."""
    k = len(names)
    choices: list[Choice | None] = []
    for (i, j), plan in zip(family.index_pairs, plans, strict=True):
        na, nb = plan.a.size, plan.b.size
        if (plan.paired and na < 2) or (not plan.paired and (na < 2 or nb < 2)):
            choices.append(None)
        elif test != "auto":
            choices.append(choose_named(plan, test, names[i], names[j], level))
        elif k == 2:
            choices.append(choose_auto(plan, level, margin))
        else:
            choices.append(choose_family(plan, family.parametric, family.reason, level,
                                         margin))
    return choices


def _run_tests(
    samples: Sequence[Sample],
    index_pairs: Sequence[tuple[int, int]],
    plans: Sequence[PairPlan],
    choices: Sequence[Choice | None],
    opts: Options,
) -> dict[int, Tested]:
    """Run the chosen test of every testable pair (keyed by pair index) with its effect size.

    Above ``BATCH_PAIRS`` pairs, an all-t-test family runs in bulk; other large families run
    their tests one by one but take the CIs of the mean difference and g from the bulk t.
    """
    testable = [n for n, c in enumerate(choices) if c is not None]
    m_family = len(testable)
    batch = None
    bulk: dict[str, np.ndarray] | None = None
    if m_family > BATCH_PAIRS and m_family == len(index_pairs):
        batch = batch_pairs(samples, index_pairs, plans, choices,  # type: ignore[arg-type]
                            level=ci_level(opts.alpha))
        if batch is None:
            kinds = {c.paired for c in choices if c is not None}
            if len(kinds) == 1:
                bulk = bulk_t(samples, index_pairs, plans, kinds.pop(), ci_level(opts.alpha))
    from shared._progress import progress

    out: dict[int, Tested] = {}
    # a family tested pair by pair can take minutes (rank tests on 4,950 pairs): show it
    todo = testable if batch is not None else progress(testable, label="testing pairs",
                                                       unit="pairs")
    for n in todo:
        if batch is not None:
            out[n] = batch[n]
            continue
        i, j = index_pairs[n]
        plan, ch = plans[n], choices[n]
        assert ch is not None
        planned = plan
        if plan.paired and not ch.paired:
            planned = PairPlan(False, samples[i].values, samples[j].values, "unpaired")
        mean_ci = None
        if bulk is not None:
            mean_ci = ((float(bulk["ci_low"][n]), float(bulk["ci_high"][n])),
                       "paired t" if ch.paired else "Welch t")
        ctx = RunContext(opts.goal, ci_level(opts.alpha), opts.alpha, opts.seed, opts.min_effect,
                         m_family if opts.correction != "none" else 1, mean_ci, ch.test)
        s = spec(ch.test)
        oc = s.runner(planned, ch.paired, ctx)  # type: ignore[misc]  # pair tests have one
        kind = s.effect
        if bulk is not None and kind == "hedges_g":
            g = finite_or_none(bulk["g"][n])
            out[n] = (oc, EffectSize(g, g_name(g, ch.paired), None, g, []))
            continue
        out[n] = (oc, effect_size(planned.a, planned.b, ch.paired, kind,
                                  with_ci=m_family <= BATCH_PAIRS))
    return out


def _adjust(tested: dict[int, Tested], correction: str) -> dict[int, float]:
    """Family-wise adjusted p-values of the tested pairs (NaN where a test is undefined)."""
    from shared import stats as st

    order = list(tested)
    raw = np.array([
        tested[n][0].p_value if tested[n][0].p_value is not None else np.nan for n in order
    ], dtype=float)
    # NaN (undefined test) stays NaN and counts as p = 1 in the family size: conservative
    adjusted = st.adjust_pvalues(raw, correction) if raw.size else raw
    return {n: adjusted[pos] for pos, n in enumerate(order)}


def _notes_of(tested: Tested) -> list[str]:
    """What limits one pair's result: the test's and the effect size's warnings."""
    oc, eff = tested
    notes = list(oc.warnings) + eff.warnings
    if oc.p_value is None and oc.decided is None:
        notes.append(f"the {oc.test} test is undefined for these data; no p-value is reported")
    return notes


def _pair_result(
    a_name: str,
    b_name: str,
    sizes: tuple[int, int],
    ch: Choice,
    tested: Tested,
    p_adj: float,
    notes: Sequence[str],
    opts: Options,
) -> PairResult:
    """The ``PairResult`` of one tested pair: the test's estimate, interval and direction,
    corrected significance, the better side."""
    oc, eff = tested
    n_a, n_b = sizes
    p_adj_v = float(p_adj) if math.isfinite(p_adj) else None
    p_raw = oc.p_value
    if ch.refused:
        # not calibrated at this n: its statistics are shown, its p-value and verdict are not
        significant, p_raw, p_adj_v = False, None, None
    elif spec(oc.test).has_p_value:
        significant = p_adj_v is not None and p_adj_v <= opts.alpha
    else:
        significant = bool(oc.decided)
    reported = {k: oc.extra.get(k) for k in spec(oc.test).reported}
    # the level of the interval min_effect is judged on (1 - alpha, not a fixed 95%)
    level = ci_level(opts.alpha) if oc.ci is not None else None
    return PairResult(
        a=a_name, b=b_name, test=oc.test, paired=oc.paired,
        n=int(n_a if oc.paired else n_a + n_b),
        diff=oc.estimate, ci=oc.ci, effect_size=eff.value, effect_name=eff.name,
        p_value=p_raw, p_adjusted=p_adj_v, significant=bool(significant),
        why=ch.why, n_a=int(n_a), n_b=int(n_b),
        statistic=oc.statistic, df=oc.df, ci_method=oc.ci_method, effect_ci=eff.ci,
        better=better_name(a_name, b_name, oc.a_higher, opts.goal) if not ch.refused else None,
        std_effect=eff.std, method=oc.method, **reported,
        warnings=tuple(f"{a_name} vs {b_name}: {w}" for w in notes),
        estimate=spec(oc.test).estimate, mean_diff=oc.mean_diff, mean_ci=oc.mean_ci,
        reach=ch.reach, ci_level=level,
    )


def _untestable(a: str, b: str, plan: PairPlan, why: str) -> PairResult:
    """The result of a pair no test can be run on: means only, and why."""
    diff = float(np.mean(plan.a) - np.mean(plan.b)) if plan.a.size and plan.b.size else math.nan
    return PairResult(
        a=a, b=b, test=NO_TEST, paired=plan.paired,
        n=int(plan.a.size if plan.paired else plan.a.size + plan.b.size),
        diff=diff, ci=None, mean_diff=diff, effect_size=None, effect_name=None, p_value=None, p_adjusted=None,
        significant=False, why=why, n_a=int(plan.a.size), n_b=int(plan.b.size),
        warnings=(f"{a} vs {b}: {why}",),
    )
