"""``compare_runs`` and ``compare_frame``: runs in, a ``Comparison`` (and its decision) out.

The pipeline: validate options -> detect the seed key -> reduce the metric to one number per
run (``shared.reduce_runs``) -> group runs into configurations -> summarise each
configuration -> (3+ configurations) omnibus test -> pairwise tests (all pairs, or every
configuration against ``baseline``) with a multiplicity correction -> decision -> extras
(curves, costs and Pareto front, param importance, Nemenyi critical difference).

Nothing here crashes on bad data: unusable input raises ``InputError`` with one clear line,
and anything that limits what can be concluded lands in ``Comparison.warnings``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from shared.compare._comparison import Comparison, ConfigSummary, Decision, Omnibus, PairResult
from shared.compare._curves import config_curves
from shared.compare._decision import better_name, decide
from shared.compare._grouping import ConfigGroup, detect_seed_key, group_runs, strip_prefix
from shared.compare._importance import param_importance
from shared.compare._pairing import PairPlan, Sample, complete_blocks, plan_pair
from shared.compare._pareto import config_costs, cost_metric_names, cost_rationale
from shared.compare._selection import (
    CORRECTIONS,
    MULTI_ONLY,
    TESTS,
    UNPAIRED_ONLY,
    Choice,
    PairOutcome,
    choose_auto,
    choose_family,
    choose_named,
    family_choice,
    is_constant,
    run_pair_test,
)
from shared.errors import InputError
from shared.model import Run

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["compare_runs", "compare_frame"]

LEVEL = 0.95
BOOTSTRAP_RESAMPLES = 10_000
#: Above this many pairs, t-tests run through the vectorised ``shared.stats.pairwise_t`` and
#: effect sizes are reported without their noncentral-t CIs (a root search per pair).
BATCH_PAIRS = 100


def _dedupe(items: Sequence[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    out = []
    for w in items:
        if w and w not in seen:
            seen.add(w)
            out.append(w)
    return tuple(out)


def _check_options(
    goal: str, test: str, correction: str, alpha: float, min_effect: float
) -> tuple[float, float]:
    if goal not in ("maximize", "minimize"):
        raise InputError(f"goal must be 'maximize' or 'minimize', got {goal!r}")
    if test not in TESTS:
        raise InputError(f"unknown test {test!r}; use one of {', '.join(TESTS)}")
    if correction not in CORRECTIONS:
        raise InputError(f"unknown correction {correction!r}; use one of {', '.join(CORRECTIONS)}")
    try:
        a = float(alpha)
    except (TypeError, ValueError):
        raise InputError(f"alpha must be a number in (0, 1), got {alpha!r}") from None
    if not 0.0 < a < 1.0:
        raise InputError(f"alpha must be in (0, 1), got {alpha!r}")
    try:
        me = float(min_effect)
    except (TypeError, ValueError):
        raise InputError(f"min_effect must be a number >= 0, got {min_effect!r}") from None
    if not (math.isfinite(me) and me >= 0):
        raise InputError(f"min_effect must be a finite number >= 0, got {min_effect!r}")
    return a, me


def _resolve_baseline(baseline: str | None, groups: Sequence[ConfigGroup]) -> str | None:
    """A config name, a ``k=v, ...`` spec (spacing ignored), or a run id/key/name in one config."""
    if baseline is None:
        return None
    b = str(baseline).strip()
    names = [g.name for g in groups]
    if b in names:
        return b
    squeeze = b.replace(" ", "")
    for n in names:
        if n.replace(" ", "") == squeeze:
            return n
    owners = {g.name for g in groups for r in g.runs if b in (r.id, r.key, r.name)}
    if len(owners) == 1:
        return owners.pop()
    raise InputError(
        f"baseline {baseline!r} is not a configuration; configurations are: "
        + "; ".join(names[:20])
        + (" ..." if len(names) > 20 else "")
    )


def _g_point(a: np.ndarray, b: np.ndarray, paired: bool) -> float | None:
    """Hedges' g (g_z when paired) without its CI: the formulas of ``shared.stats.hedges_g``.

    The CI of g needs a noncentral-t root search per pair; with hundreds of pairs that would
    dominate the run time, so large families report the point estimate only.
    """
    from shared.stats import hedges_correction

    if paired:
        d = a - b
        if d.size < 2 or is_constant(d, a, b):
            return None
        return hedges_correction(d.size - 1.0) * float(d.mean()) / float(np.std(d, ddof=1))
    if a.size < 2 or b.size < 2:
        return None
    df = a.size + b.size - 2.0
    sd = math.sqrt(((a.size - 1) * np.var(a, ddof=1) + (b.size - 1) * np.var(b, ddof=1)) / df)
    if sd <= 0 or (is_constant(a, a, b) and is_constant(b, a, b)):
        return None
    return hedges_correction(df) * float(a.mean() - b.mean()) / sd


def _effect(
    a: np.ndarray, b: np.ndarray, paired: bool, test: str, with_ci: bool = True
) -> tuple[float | None, str | None, tuple[float, float] | None, float | None, list[str]]:
    """(reported effect, its name, its CI, standardised effect for power, warnings)."""
    from shared.stats import cliffs_delta, hedges_g

    warnings: list[str] = []
    g_val: float | None = None
    g_name: str | None = None
    g_ci: tuple[float, float] | None = None
    if not with_ci:
        g_val = _g_point(a, b, paired)
        g_name = ("hedges_g_z" if paired else "hedges_g") if g_val is not None else None
    else:
        try:
            g = hedges_g(a, b, paired=paired, level=LEVEL)
            if math.isfinite(g.value):
                g_val, g_name = float(g.value), g.name
                g_ci = (float(g.ci.low), float(g.ci.high)) if g.ci is not None else None
        except InputError as exc:
            warnings.append(str(exc))
    if test in ("mann-whitney", "aso") and a.size >= 2 and b.size >= 2:
        try:
            c = cliffs_delta(a, b, level=LEVEL)
            ci = (float(c.ci.low), float(c.ci.high)) if c.ci is not None else None
            return float(c.value), c.name, ci, g_val, warnings
        except InputError as exc:
            warnings.append(str(exc))
    return g_val, g_name, g_ci, g_val, warnings


def _summarise_notes(notes: Sequence[tuple[str, str | None]], limit: int = 10) -> list[str]:
    """Pair-level notes as top-level warnings: one line per distinct message with a count."""
    out: list[str] = []
    seen: dict[str, list[str]] = {}
    order: list[str] = []
    for msg, label in notes:
        if label is None:
            out.append(msg)
            continue
        if msg not in seen:
            seen[msg] = []
            order.append(msg)
        seen[msg].append(label)
    if len(out) > limit:
        out = out[:limit] + [f"... and {len(out) - limit} more pairs with unmatched seeds"]
    for msg in order:
        labels = seen[msg]
        if len(labels) == 1:
            out.append(f"{labels[0]}: {msg}")
        else:
            out.append(f"{msg} ({len(labels)} pairs, e.g. {labels[0]})")
    return out


def _untestable(a: str, b: str, plan: PairPlan, why: str) -> PairResult:
    diff = float(np.mean(plan.a) - np.mean(plan.b)) if plan.a.size and plan.b.size else math.nan
    return PairResult(
        a=a, b=b, test="none", paired=plan.paired,
        n=int(plan.a.size if plan.paired else plan.a.size + plan.b.size),
        diff=diff, ci=None, effect_size=None, effect_name=None, p_value=None, p_adjusted=None,
        significant=False, why=why, n_a=int(plan.a.size), n_b=int(plan.b.size),
        warnings=(f"{a} vs {b}: {why}",),
    )


def _omnibus(
    test: str,
    samples: Sequence[Sample],
    blocks: tuple[np.ndarray, list[Any], list[str]] | None,
    goal: str,
    alpha: float,
    parametric: bool,
    warnings: list[str],
) -> Omnibus | None:
    """Omnibus test of "all configurations equal" for 3+ configurations."""
    from scipy import stats as sps

    from shared import stats as st

    hib = goal == "maximize"
    if any(s.values.size < 2 for s in samples):
        warnings.append("omnibus test skipped: some configuration has fewer than 2 runs")
        return None
    use_parametric = parametric if test == "auto" else test in ("paired-t", "welch", "student-t")
    p_override = None
    if blocks is not None and test not in UNPAIRED_ONLY:
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
        significant=bool(math.isfinite(p) and p <= alpha),
        extra=extra,
    )


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
        t = st.paired_t(a, b, LEVEL)
        ci = (float(t.ci.low), float(t.ci.high)) if t.ci is not None else None
        eff, eff_name, eff_ci, std_eff, ew = _effect(a, b, True, "paired-t",
                                                     with_ci=len(index_pairs) <= BATCH_PAIRS)
        diff = float(np.mean(a - b))
        out.append(PairResult(
            a=names[i], b=names[j], test=test, paired=True, n=int(a.size), diff=diff, ci=ci,
            effect_size=eff, effect_name=eff_name, p_value=float(p.pvalue),
            p_adjusted=float(p.p_adjusted), significant=bool(p.p_adjusted <= alpha),
            why=why, n_a=int(a.size), n_b=int(b.size), statistic=float(p.statistic),
            ci_method="paired t", effect_ci=eff_ci, better=better_name(names[i], names[j], diff,
                                                                       goal),
            std_effect=std_eff, extra={"rank_diff": float(p.rank_diff)},
            warnings=tuple(ew) + tuple(ph.warnings),
        ))
    return out


def _bulk_t(
    samples: Sequence[Sample],
    index_pairs: Sequence[tuple[int, int]],
    plans: Sequence[PairPlan],
    paired: bool,
) -> dict[str, np.ndarray] | None:
    """t statistics, CIs of the mean difference and Hedges' g for many pairs at once.

    Paired: only when every pair is paired on the same seeds (then each configuration is one
    column of a seeds x configs matrix). Unpaired (Welch): always. ``None`` otherwise.
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
    res = st.pairwise_t(arrays, list(index_pairs), paired=paired, level=LEVEL)
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
    j_of = dict(zip(levels.tolist(), [hedges_correction(float(v)) for v in levels], strict=True))
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


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _batch_pairs(
    samples: Sequence[Sample],
    index_pairs: Sequence[tuple[int, int]],
    plans: Sequence[PairPlan],
    choices: Sequence[Choice],
) -> list[tuple[PairOutcome, float | None, str | None, float | None]] | None:
    """All-t-test families through ``pairwise_t``: outcomes plus bulk effect sizes.

    Used only when every pair uses paired t on the same seeds, or every pair uses Welch.
    Returns ``None`` when that is not the case.
    """
    tests = {c.test for c in choices}
    if len(tests) != 1 or tests.pop() not in ("paired-t", "welch"):
        return None
    test = choices[0].test
    paired = test == "paired-t"
    bulk = _bulk_t(samples, index_pairs, plans, paired)
    if bulk is None:
        return None
    out = []
    for k in range(len(index_pairs)):
        g = _finite(bulk["g"][k])
        oc = PairOutcome(
            test, paired, _finite(bulk["statistic"][k]), _finite(bulk["df"][k]),
            _finite(bulk["pvalue"][k]),
            (float(bulk["ci_low"][k]), float(bulk["ci_high"][k])),
            "paired t" if paired else "Welch t", "exact (t distribution)",
        )
        out.append((oc, g, ("hedges_g_z" if paired else "hedges_g") if g is not None else None, g))
    return out


def compare_runs(
    runs: Sequence[Run],
    *,
    metric: str,
    goal: str = "maximize",
    seed_key: str | None = None,
    group_by: str | Sequence[str] | None = None,
    reduce: str = "last",
    x_axis: str = "step",
    budget: float | None = None,
    test: str = "auto",
    correction: str = "holm",
    alpha: float = 0.05,
    baseline: str | None = None,
    min_effect: float = 0.0,
    cost_metric: str | None = None,
    seed: int = 0,
) -> Comparison:
    """Compare configurations of runs on one metric and decide which (if any) is better.

    Args:
        runs: the runs (any tracker; ``shared.Run``).
        metric: the metric to compare (any spelling: ``val/loss`` finds ``val_loss``).
        goal: "maximize" or "minimize" (what "better" means).
        seed_key: the replicate param (seed, fold, dataset); by default detected among
            ``seed``, ``random_seed``, ``random_state``, ``rng_seed``; none -> unpaired.
        group_by: params defining a configuration; default every param that varies except the
            seed key.
        reduce: "last", "min", "max", "mean-last-K", "auc", "at-budget", "best-at-budget".
        x_axis: x-axis for curves, "auc" and budgets ("step", "seconds", a metric name).
        budget: the x value for the budget reductions.
        test: "auto" or a named test (see ``shared.compare.TESTS``).
        correction: "holm", "bonferroni", "bh" or "none".
        alpha: significance level (family-wise with a correction).
        baseline: compare every configuration against this one only (a config name such as
            ``"lr=0.1"``, or a run id/name of one of its runs).
        min_effect: smallest difference (metric units) that counts as a win.
        cost_metric: a cost metric (dollars, tokens, seconds) for the Pareto front.
        seed: random seed of the resampling methods (same seed, same result).

    Returns:
        A frozen ``Comparison``; ``to_dict()`` is the v1 JSON.

    Raises:
        InputError: bad options, an unknown metric / seed key / group-by param / baseline, or
            fewer than two configurations with data.

    Example:
        >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
        ...             metrics={"acc": 0.7 + (0.1 if lr == 0.01 else 0) + 0.01 * s})
        ...         for lr in (0.1, 0.01) for s in range(4)]
        >>> c = compare_runs(runs, metric="acc")  # every seed differs by exactly 0.1
        >>> c.pairs[0].test, c.pairs[0].p_value, c.decision.winner  # exact: 2 / 2**4
        ('wilcoxon', 0.125, None)
    """
    from shared import stats as st
    from shared.normalise import reduce_runs

    alpha, min_effect = _check_options(goal, test, correction, alpha, min_effect)
    if isinstance(runs, Run):
        runs = [runs]
    runs = list(runs)
    if not runs:
        raise InputError("no runs to compare")
    bad = [type(r).__name__ for r in runs if not isinstance(r, Run)]
    if bad:
        raise InputError(f"compare_runs needs shared.Run objects, got {bad[0]}")
    if not isinstance(metric, str) or not metric.strip():
        raise InputError("a metric name is needed (e.g. metric='val_loss')")
    metric = strip_prefix(metric.strip(), "metrics.")
    if isinstance(group_by, str):
        group_by = [g.strip() for g in group_by.split(",") if g.strip()]
    warnings: list[str] = []

    seen: set[str] = set()
    unique_runs = []
    for r in runs:
        if r.key in seen:
            continue
        seen.add(r.key)
        unique_runs.append(r)
    if len(unique_runs) < len(runs):
        warnings.append(f"{len(runs) - len(unique_runs)} duplicate run(s) ignored")
    runs = unique_runs

    unfinished: dict[str, int] = {}
    for r in runs:
        if r.status is not None and r.status.upper() not in ("FINISHED", "COMPLETED"):
            unfinished[r.status.upper()] = unfinished.get(r.status.upper(), 0) + 1
    if unfinished:
        warnings.append(
            "runs that did not finish are included (their last logged values are used): "
            + ", ".join(f"{n} {st_}" for st_, n in sorted(unfinished.items()))
        )

    key, w = detect_seed_key(runs, seed_key)
    warnings.extend(w)
    red = reduce_runs(runs, metric, reduce, x_axis=x_axis, budget=budget, goal=goal)
    warnings.extend(red.warnings)
    if not red.values:
        raise InputError(
            f"no run has a usable value of metric {metric!r} with reduce={reduce!r}"
            + (f" ({red.warnings[0]})" if red.warnings else "")
        )

    grouping = group_runs(runs, group_by=group_by, seed_key=key)
    warnings.extend(grouping.warnings)
    groups: list[ConfigGroup] = []
    for g in grouping.configs:
        kept = [r for r in g.runs if r.key in red.values]
        if not kept:
            warnings.append(f"configuration {g.name} has no run with a usable {metric!r}: left out")
            continue
        groups.append(ConfigGroup(g.name, g.params, kept))
    if len(groups) < 2:
        if len(grouping.configs) < 2:
            detail = (
                f"all {len(runs)} runs have the same params"
                + (f" apart from the seed key {key!r}" if key else "")
                + "; pass group_by (--group-by) to name the params that define configurations"
            )
        else:
            detail = f"only {len(groups)} configuration has runs with a usable {metric!r}"
        raise InputError(f"fewer than two configurations to compare: {detail}")

    baseline_name = _resolve_baseline(baseline, groups)
    names = [g.name for g in groups]
    k = len(groups)

    # --- per-configuration summaries -------------------------------------------------------
    samples: list[Sample] = []
    for g in groups:
        vals = np.array([red.values[r.key] for r in g.runs], dtype=np.float64)
        seeds = [r.params.get(key) for r in g.runs] if key else None
        samples.append(Sample(g.name, vals, seeds))
    for s in samples:
        if s.values.size == 1:
            warnings.append(
                f"configuration {s.name} has only one run: its spread is unknown and it cannot "
                "be tested; run more seeds"
            )
        elif is_constant(s.values):
            warnings.append(
                f"configuration {s.name} has zero variance (all {s.values.size} runs give "
                f"{s.values[0]:.6g}); t-based tests may be undefined for it"
            )
    unpairable = [s.unpairable for s in samples if s.unpairable not in (None, "no seed key")]
    if len(unpairable) == 1:
        warnings.append(
            f"{unpairable[0]}: its runs cannot be paired by seed, so its tests are unpaired"
        )
    elif unpairable:
        warnings.append(
            f"{len(unpairable)} configurations cannot be paired by seed (e.g. {unpairable[0]}), "
            "so their tests are unpaired"
        )
    means = [float(np.mean(s.values)) for s in samples]
    multi = [i for i, s in enumerate(samples) if s.values.size >= 2]
    boot = {}
    if multi:
        cis = st.bootstrap_mean_cis([samples[i].values for i in multi],
                                    n_resamples=BOOTSTRAP_RESAMPLES, level=LEVEL, seed=seed)
        boot = {i: (float(cis[n][0]), float(cis[n][1])) for n, i in enumerate(multi)}

    # --- which pairs ------------------------------------------------------------------------
    if baseline_name is not None:
        bi = names.index(baseline_name)
        index_pairs = [(i, bi) for i in range(k) if i != bi]
    else:
        index_pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]

    blocks = complete_blocks(samples) if k >= 3 or test in MULTI_ONLY else None
    parametric, fam_reason = True, ""
    if k >= 3 and test == "auto":
        parametric, fam_reason = family_choice(
            [s.values for s in samples], blocks[0] if blocks else None, seed
        )

    omnibus = None
    if k >= 3:
        omnibus = _omnibus(test, samples, blocks, goal, alpha, parametric, warnings)

    critical = None
    if blocks is not None and k >= 3:
        # mean ranks from Friedman (rank 1 = best for the goal) and Nemenyi's CD for them
        fr = st.friedman(blocks[0], higher_is_better=goal == "maximize")
        n_blocks = int(blocks[0].shape[0])
        critical = {
            "cd": float(st.critical_difference(k, n_blocks, alpha)),
            "alpha": alpha,
            "n_blocks": n_blocks,
            "mean_ranks": {names[i]: float(r) for i, r in enumerate(fr.extra["mean_ranks"])},
        }

    # --- pairwise tests -----------------------------------------------------------------------
    pairs: list[PairResult] = []
    if test in MULTI_ONLY:
        if blocks is None:
            raise InputError(
                f"test {test!r} needs every configuration to have runs for the same seeds "
                "(at least 2 shared); use --test auto"
            )
        warnings.extend(blocks[2])
        if correction != "holm":
            how = ("Nemenyi p-values are family-wise by construction"
                   if test == "friedman-nemenyi" else "friedman-holm always uses Holm")
            warnings.append(f"correction {correction!r} is not applied: {how}")
        control = None
        if test == "friedman-holm":
            if baseline_name is None:
                hib = goal == "maximize"
                ranks = st.friedman(blocks[0], higher_is_better=hib).extra["mean_ranks"]
                control = int(np.argmin(ranks))
                warnings.append(
                    f"friedman-holm without a baseline: every configuration is compared with "
                    f"the best-ranked one, {names[control]}"
                )
                index_pairs = [(i, control) for i in range(k) if i != control]
            else:
                control = names.index(baseline_name)
        pairs = _posthoc_pairs(test, names, blocks[0], index_pairs, control, goal, alpha)
        for p in pairs:
            warnings.extend(p.warnings)
    else:
        plans = [plan_pair(samples[i], samples[j]) for i, j in index_pairs]
        # (message, pair label or None): summarised below so 4,950 pairs do not mean 4,950
        # copies of one warning
        pair_notes: list[tuple[str, str | None]] = []
        choices: list[Choice | None] = []
        for (i, j), plan in zip(index_pairs, plans, strict=True):
            if plan.warnings:
                pair_notes.extend((w, None) for w in plan.warnings)
            na, nb = plan.a.size, plan.b.size
            if (plan.paired and na < 2) or (not plan.paired and (na < 2 or nb < 2)):
                choices.append(None)
                continue
            if test == "auto":
                ch = choose_auto(plan) if k == 2 else choose_family(plan, parametric, fam_reason)
            else:
                ch = choose_named(plan, test, names[i], names[j])
            choices.append(ch)
        testable = [n for n, c in enumerate(choices) if c is not None]
        m_family = len(testable)
        batch = None
        bulk: dict[str, np.ndarray] | None = None
        if len(testable) > BATCH_PAIRS and len(testable) == len(index_pairs):
            batch = _batch_pairs(samples, index_pairs, plans, choices)  # type: ignore[arg-type]
            if batch is None:
                # other tests per pair, but the CIs of the mean difference and g in bulk
                kinds = {c.paired for c in choices if c is not None}
                if len(kinds) == 1:
                    bulk = _bulk_t(samples, index_pairs, plans, kinds.pop())
        outcomes: dict[int, tuple[PairOutcome, Any, Any, Any, Any, list[str]]] = {}
        for n in testable:
            i, j = index_pairs[n]
            plan, ch = plans[n], choices[n]
            assert ch is not None
            if batch is not None:
                oc, eff, eff_name, std_eff = batch[n]
                outcomes[n] = (oc, eff, eff_name, None, std_eff, [])
                continue
            planned = plan
            if plan.paired and not ch.paired:
                planned = PairPlan(False, samples[i].values, samples[j].values, "unpaired")
            diff_ci = None
            if bulk is not None:
                diff_ci = ((float(bulk["ci_low"][n]), float(bulk["ci_high"][n])),
                           "paired t" if ch.paired else "Welch t")
            oc = run_pair_test(planned, ch, goal=goal, level=LEVEL, alpha=alpha, seed=seed,
                               min_effect=min_effect,
                               num_comparisons=m_family if correction != "none" else 1,
                               diff_ci=diff_ci)
            if bulk is not None and ch.test not in ("mann-whitney", "aso"):
                g = _finite(bulk["g"][n])
                name = ("hedges_g_z" if ch.paired else "hedges_g") if g is not None else None
                outcomes[n] = (oc, g, name, None, g, [])
                continue
            eff, eff_name, eff_ci, std_eff, ew = _effect(
                planned.a, planned.b, ch.paired, ch.test, with_ci=m_family <= BATCH_PAIRS
            )
            outcomes[n] = (oc, eff, eff_name, eff_ci, std_eff, ew)

        raw = np.array([
            outcomes[n][0].p_value if outcomes[n][0].p_value is not None else np.nan
            for n in testable
        ], dtype=float)
        # NaN (undefined test) stays NaN and counts as p = 1 in the family size: conservative
        adjusted = st.adjust_pvalues(raw, correction) if raw.size else raw
        adj_of = {n: adjusted[pos] for pos, n in enumerate(testable)}

        for n, (i, j) in enumerate(index_pairs):
            plan, ch = plans[n], choices[n]
            a_name, b_name = names[i], names[j]
            if ch is None:
                small = [s.name for s in (samples[i], samples[j]) if s.values.size < 2]
                why = (f"{', '.join(small)} has fewer than 2 runs: no test is possible"
                       if small else "fewer than 2 paired seeds: no test is possible")
                pr = _untestable(a_name, b_name, plan, why)
                pair_notes.append((why, f"{a_name} vs {b_name}"))
                pairs.append(pr)
                continue
            oc, eff, eff_name, eff_ci, std_eff, ew = outcomes[n]
            planned_a = plan.a if ch.paired else samples[i].values
            planned_b = plan.b if ch.paired else samples[j].values
            if planned_a.size == samples[i].values.size and planned_b.size == samples[j].values.size:
                diff = means[i] - means[j]  # every run in the test: the configuration means
            else:
                diff = float(np.mean(planned_a) - np.mean(planned_b))
            p_adj = adj_of[n]
            p_adj_v = float(p_adj) if math.isfinite(p_adj) else None
            if oc.own_significance is not None:
                significant = oc.own_significance
            else:
                significant = p_adj_v is not None and p_adj_v <= alpha
            notes = list(oc.warnings) + ew
            if oc.p_value is None and oc.own_significance is None:
                notes.append(f"the {oc.test} test is undefined for these data; no p-value is "
                             "reported")
            if notes:
                pair_notes.extend((w, f"{a_name} vs {b_name}") for w in notes)
            pw = [f"{a_name} vs {b_name}: {w}" for w in notes]
            extra = {k2: v for k2, v in oc.extra.items()
                     if k2 in ("hodges_lehmann", "hodges_lehmann_ci", "epsilon_min",
                               "epsilon_min_reverse", "a_better", "b_better", "p_a_better",
                               "p_rope", "p_b_better", "rope", "prob_superiority")}
            extra["method"] = oc.method
            better = better_name(a_name, b_name, diff, goal)
            if oc.test == "aso" and significant:
                # ASO decides by stochastic order, not by the means
                better = a_name if oc.extra.get("a_better") else b_name
            elif oc.test == "bayes-signed-rank" and significant:
                better = a_name if oc.extra["p_a_better"] >= oc.extra["p_b_better"] else b_name
            pairs.append(PairResult(
                a=a_name, b=b_name, test=oc.test, paired=oc.paired,
                n=int(planned_a.size if oc.paired else planned_a.size + planned_b.size),
                diff=diff, ci=oc.ci, effect_size=eff, effect_name=eff_name,
                p_value=oc.p_value, p_adjusted=p_adj_v, significant=bool(significant),
                why=ch.why, n_a=int(planned_a.size), n_b=int(planned_b.size),
                statistic=oc.statistic, df=oc.df, ci_method=oc.ci_method, effect_ci=eff_ci,
                better=better, std_effect=std_eff, extra=extra, warnings=tuple(pw),
            ))

        warnings.extend(_summarise_notes(pair_notes))

    # --- summaries with extras ----------------------------------------------------------------
    run_groups = [(g.name, g.runs) for g in groups]
    curves = config_curves(run_groups, red.spellings, x_axis, warnings)
    cost_names = cost_metric_names(runs, cost_metric)
    costs = config_costs(run_groups, cost_names, warnings) if cost_names else {}

    configs: list[ConfigSummary] = []
    for idx, (g, s) in enumerate(zip(groups, samples, strict=True)):
        d = st.describe(s.values, LEVEL)
        ci = (float(d.ci.low), float(d.ci.high))
        band, stopped = curves.get(g.name, (None, 0))
        configs.append(ConfigSummary(
            name=g.name,
            params=dict(g.params),
            run_ids=tuple(r.id for r in g.runs),
            run_keys=tuple(r.key for r in g.runs),
            run_names=tuple(r.label for r in g.runs),
            values=tuple(float(v) for v in s.values),
            seeds=None if s.seeds is None else tuple(s.seeds),
            n=int(d.n),
            mean=float(d.mean),
            std=float(d.std),
            median=float(d.median),
            ci=None if not all(math.isfinite(v) for v in ci) else ci,
            ci_bootstrap=boot.get(idx),
            curve=band,
            stopped_early=stopped,
            costs=costs.get(g.name) or None,
        ))

    decision = decide(configs, pairs, goal=goal, alpha=alpha, min_effect=min_effect,
                      baseline=baseline_name, correction=correction, omnibus=omnibus)

    pareto = None
    if cost_metric is not None:
        per_config = {}
        from shared.normalise import canonical_metric_name

        want = canonical_metric_name(cost_metric)
        for c in configs:
            for name, v in (c.costs or {}).items():
                if canonical_metric_name(name) == want:
                    per_config[c.name] = v["per_run"]
        if not per_config:
            warnings.append(f"cost metric {cost_metric!r} was not logged by any run: no Pareto front")
        else:
            alt, sentence, pareto = cost_rationale(
                configs, pairs, per_config, cost_metric, goal=goal, min_effect=min_effect,
                winner=decision.winner,
            )
            if sentence:
                decision = Decision(decision.winner, f"{decision.rationale}. {sentence}",
                                    decision.seeds_needed, alt)

    importance = None
    if len(grouping.group_by) >= 2:
        ps, ys = [], []
        for g in groups:
            for r in g.runs:
                ps.append(g.params)
                ys.append(red.values[r.key])
        imp = param_importance(ps, ys, grouping.group_by)
        importance = tuple(imp) if imp is not None else None

    return Comparison(
        metric=metric,
        goal=goal,
        reduce=reduce,
        seed_key=key,
        configs=tuple(configs),
        omnibus=omnibus,
        pairs=tuple(pairs),
        decision=decision,
        warnings=_dedupe(warnings),
        alpha=alpha,
        correction=correction,
        test_requested=test,
        min_effect=min_effect,
        baseline=baseline_name,
        x_axis=x_axis,
        budget=budget,
        critical_difference=critical,
        param_importance=importance,
        pareto=pareto,
    )


def compare_frame(
    frame: pd.DataFrame,
    *,
    metric: str,
    goal: str = "maximize",
    seed_key: str | None = None,
    group_by: str | Sequence[str] | None = None,
    reduce: str = "last",
    x_axis: str = "step",
    budget: float | None = None,
    test: str = "auto",
    correction: str = "holm",
    alpha: float = 0.05,
    baseline: str | None = None,
    min_effect: float = 0.0,
    cost_metric: str | None = None,
    seed: int = 0,
) -> Comparison:
    """``compare_runs`` on an MLflow ``search_runs``-style DataFrame.

    Columns ``run_id``, ``params.*``, ``metrics.*`` (``tags.*`` and the rest optional); MLflow's
    string params are typed (``"16"`` -> 16). A frame holds summary metrics only, so
    ``reduce`` is effectively "last". Options are those of :func:`compare_runs`;
    ``metric="metrics.acc"``, ``seed_key="params.seed"`` and ``group_by=["params.lr"]`` are
    accepted too.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"run_id": [f"r{i}" for i in range(6)],
        ...                    "params.lr": ["0.1"] * 3 + ["0.01"] * 3,
        ...                    "params.seed": ["0", "1", "2"] * 2,
        ...                    "metrics.acc": [0.80, 0.81, 0.79, 0.90, 0.91, 0.92]})
        >>> compare_frame(df, metric="metrics.acc").decision.winner is None  # 3 seeds: p=0.25
        True
    """
    from shared._frame import runs_from_frame

    runs = runs_from_frame(frame)
    return compare_runs(
        runs, metric=metric, goal=goal, seed_key=seed_key, group_by=group_by, reduce=reduce,
        x_axis=x_axis, budget=budget, test=test, correction=correction, alpha=alpha,
        baseline=baseline, min_effect=min_effect, cost_metric=cost_metric, seed=seed,
    )
