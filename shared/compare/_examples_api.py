"""``compare_runs(examples=...)``: configurations compared over per-example scores x seeds.

The pipeline, one stage per module:

1. ``_options``: the options and runs, as for run-level comparisons; ``_grouping``: the seed
   key and the configurations.
2. ``_examples_data``: every run's table aligned on the example key (the policy for missing
   tables, keys and scores is stated there), one runs x examples matrix per configuration.
3. ``_examples_choice`` (the runners in ``_examples_runners``): per pair, the test
   (``examples-seeds``, ``examples-only``, ``mcnemar``; ``shared/stats/_examples.py``), then the
   family's correction (Holm by default).
4. ``_decision``: the decision, as for run levels; when there is no winner,
   ``_examples_advice`` adds "k more seeds or m more examples would ...". The findings go
   back to ``compare_runs``, which assembles the ``Comparison`` as for run levels.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from shared.compare._findings import Findings
from shared.compare.configs._examples_data import example_matrices
from shared.compare.configs._grouping import _sort_key, detect_seed_key, group_runs
from shared.compare.configs._pairing import Sample
from shared.compare.decision._decision import _Family, _key_pair, decide
from shared.compare.decision._examples_advice import examples_advice
from shared.compare.inference._examples_choice import choose_example_test, run_example_test
from shared.compare.inference._examples_mcb import examples_mcb
from shared.compare.inference._examples_runners import ONE_RUN_SCOPE, ConfigScores, share_run_terms
from shared.compare.inference._mcb import MCB_DEFAULT_ABOVE, mcb_pairs
from shared.compare.inference._options import (
    check_options,
    check_runs,
    resolve_baseline,
    usable_runs,
)
from shared.compare.inference._registry import EXAMPLE_TESTS, REGISTRY
from shared.compare.results._comparison import ConfigSummary, PairResult
from shared.compare.results._examples_result import ExamplesSummary
from shared.errors import InputError, Param
from shared.model import Run
from shared.stats import adjust_pvalues
from shared.stats._examples import examples_only_test, examples_seeds_test

__all__ = ["compare_examples"]

SCOPE_SEEDS = "new examples and new seeds"
SCOPE_RUNS = "these trained runs on new examples"


def _config_summary(
    name: str,
    params: dict,
    runs: list[Run],
    cs: ConfigScores,
    codes: np.ndarray | None,
    seed_key: str | None,
) -> ConfigSummary:
    """A configuration: per-run mean scores as its values, the grand mean over runs x examples
    with its interval from the same variance as the tests (two-way with 2+ runs)."""
    per_run = cs.matrix.mean(axis=1)
    mean = float(cs.matrix.mean())
    zeros = np.zeros_like(cs.matrix)
    try:
        if cs.runs >= 2:
            r = examples_seeds_test(cs.matrix, zeros, codes, paired=True)
        else:
            r = examples_only_test(cs.matrix, zeros, codes)
        ci = None if r.ci is None else (r.ci.low, r.ci.high)
    except ValueError:  # one cluster: no interval
        ci = None
    return ConfigSummary(
        name=name,
        params=params,
        run_ids=tuple(r.id for r in runs),
        run_keys=tuple(r.key for r in runs),
        run_names=tuple(r.label for r in runs),
        values=tuple(float(v) for v in per_run),
        seeds=None if seed_key is None else tuple(r.params.get(seed_key) for r in runs),
        n=len(runs),
        mean=mean,
        std=float(np.std(per_run, ddof=1)) if len(runs) > 1 else math.nan,
        median=float(np.median(per_run)),
        ci=ci,
    )


def _pairs_to_test(names: list[str], baseline: str | None) -> list[tuple[int, int]]:
    if baseline is not None:
        b = names.index(baseline)
        return [(b, i) for i in range(len(names)) if i != b]
    return [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]


def compare_examples(
    runs: Sequence[Run],
    *,
    metric: str,
    examples: str,
    example_key: str,
    cluster_key: str | None = None,
    goal: str = "maximize",
    seed_key: str | None = None,
    group_by: str | Sequence[str] | None = None,
    test: str = "auto",
    correction: str = "holm",
    alpha: float = 0.05,
    baseline: str | None = None,
    min_effect: float = 0.0,
    seed: int = 0,
    all_pairs: bool = False,
) -> Findings:
    """Compare configurations on the per-example scores ``metric`` of table ``examples``.

    See ``compare_runs`` (``examples=``, ``example_key=``, ``cluster_key=``, ``all_pairs``)
    for the options. With ``auto``, no baseline and 3 or more configurations, the question is
    "which is best?" and each configuration is compared with the best (``_examples_mcb``), as
    for run-level comparisons; ``all_pairs`` tests every pair with the correction instead.
    Returns the findings; ``compare_runs`` makes them its ``Comparison`` (one assembly for
    both pipelines: ``Findings.comparison``).

    Example:
        >>> import numpy as np
        >>> from shared.model import ExampleTable
        >>> rng = np.random.default_rng(1)
        >>> ids = tuple(f"q{i}" for i in range(300))
        >>> def run(lr, s, p):
        ...     ok = (rng.random(300) < p).astype(float)
        ...     return Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
        ...                examples={"eval": ExampleTable("eval", {"id": ids, "ok": ok})})
        >>> runs = [run(lr, s, p) for lr, p in ((0.1, 0.6), (0.01, 0.75)) for s in range(3)]
        >>> c = compare_examples(runs, metric="ok", examples="eval", example_key="id")
        >>> c.pairs[0].test, c.decision.winner, c.examples.scope
        ('examples-seeds', 'lr=0.01', 'new examples and new seeds')
    """
    # 1. options, runs, seed key, configurations
    if test not in EXAMPLE_TESTS:
        raise InputError(
            "unknown ", Param("test", repr(test)),
            f" over examples; use one of {', '.join(EXAMPLE_TESTS)}",
        )
    opts = check_options(goal, "auto", correction, alpha, min_effect, seed)
    for what, value in (("examples", examples), ("example_key", example_key)):
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{what}= needs a name (the table and its example key column)")
    runs, metric, group_by = check_runs(runs, metric, group_by)
    warnings: list[str] = []
    runs = usable_runs(runs, warnings)
    key, seed_warnings = detect_seed_key(runs, seed_key)
    warnings.extend(seed_warnings)
    grouping = group_runs(runs, group_by=group_by, seed_key=key)
    warnings.extend(grouping.warnings)
    groups = grouping.configs
    if len(groups) < 2:
        raise InputError(
            f"fewer than two configurations to compare: all {len(runs)} runs have the same "
            "params"
            + (f" apart from the seed key {key!r}" if key else "")
            + "; pass group_by (--group-by) to name the params that define configurations"
        )
    baseline_name = resolve_baseline(baseline, groups)

    # 2. the tables, aligned on the examples every run has
    data = example_matrices(
        [r for g in groups for r in g.runs], examples, metric, example_key, cluster_key
    )
    if data.left_out:
        warnings.append(
            f"{data.left_out} examples left out: not scored in every run "
            f"(compared on the {len(data.keys)} examples every run has)"
        )
    if data.clusters < 2:
        raise InputError(
            f"only {data.clusters} cluster of examples ({cluster_key!r}): a "
            "cluster-robust comparison needs 2 or more (better 30 or more)"
        )
    if cluster_key is not None and data.clusters < 30:
        warnings.append(
            f"only {data.clusters} clusters of examples: cluster-robust standard "
            "errors are rough with fewer than 30 (Cameron & Miller 2015)"
        )
    scores: list[ConfigScores] = []
    for g in groups:
        rows = list(g.runs)
        if key is not None:
            rows.sort(key=lambda r: _sort_key(r.params.get(key)))
        g.runs[:] = rows
        seeds = tuple(r.params.get(key) for r in rows) if key else None
        scores.append(ConfigScores(g.name, np.vstack([data.scores[r.key] for r in rows]), seeds))
    names = [g.name for g in groups]
    if test == "auto":  # 3+ configurations on the same seeds: one run variance for the sweep
        scores = share_run_terms(scores)  # (a named test is that pair's test as published)

    # 3. the pairs (every pair when comparing with the best: each pair's variance feeds MCB)
    with_best = test == "auto" and baseline_name is None and not all_pairs and (
        len(names) > MCB_DEFAULT_ABOVE)
    raw: list[tuple[int, int, str, str, Any, bool]] = []
    for i, j in _pairs_to_test(names, baseline_name):
        name, why = choose_example_test(
            test, scores[i], scores[j], data.binary, cluster_key is not None
        )
        result, paired = run_example_test(name, scores[i], scores[j], data.codes)
        raw.append((i, j, name, why, result, paired))
    p_adj = adjust_pvalues([r[4].pvalue for r in raw], correction)
    pairs: list[PairResult] = []
    maximize = goal == "maximize"
    for (i, j, name, why, r, paired), pa in zip(raw, p_adj, strict=True):
        ci = None if r.ci is None else (float(r.ci.low), float(r.ci.high))
        diff = float(r.estimate)
        sig = bool(pa < opts.alpha) and diff != 0
        better = None if diff == 0 else (names[i] if (diff > 0) == maximize else names[j])
        if not REGISTRY[name].seed_variance:
            why = f"{why}; {ONE_RUN_SCOPE}" if min(scores[i].runs, scores[j].runs) < 2 else why
        pairs.append(
            PairResult(
                a=names[i],
                b=names[j],
                test=name,
                paired=True,
                n=len(data.keys),
                diff=diff,
                ci=ci,
                effect_size=None,
                effect_name=None,
                p_value=float(r.pvalue),
                p_adjusted=float(pa),
                significant=sig,
                why=why + f" [{r.method}]",
                n_a=scores[i].runs,
                n_b=scores[j].runs,
                statistic=float(r.statistic),
                df=None if r.df is None else float(r.df),
                ci_method=r.method,
                better=better,
                warnings=tuple(r.warnings),
                estimate="mean_difference",
                mean_diff=diff,
                mean_ci=ci,
                variance=r.variance,
                extra={"paired_by_seed": paired} if REGISTRY[name].seed_variance else {},
            )
        )
    if min(s.runs for s in scores) < 2:
        warnings.append("a configuration has one run: " + ONE_RUN_SCOPE)
    tests_used = [p.test for p in pairs]
    best = None
    if with_best:
        by_seed = all(r[5] for r in raw)
        best = examples_mcb(
            names, scores, {(r[0], r[1]): r[4] for r in raw}, goal=goal, alpha=opts.alpha,
            min_effect=opts.min_effect,
            design="paired by example" + (" and by seed" if by_seed else ""),
        )
        variance = {(p.a, p.b): p.variance for p in pairs}
        variance.update({(p.b, p.a): p.variance for p in pairs})
        mcb_rows = mcb_pairs(best, [Sample(n, s.matrix.mean(axis=1), None)
                                    for n, s in zip(names, scores, strict=True)], goal)
        pairs = [dataclasses.replace(p, variance=variance[(p.a, p.b)]) for p in mcb_rows]

    # 4. the decision, and the advice in seeds and examples when there is none
    configs = [
        _config_summary(g.name, dict(g.params), list(g.runs), cs, data.codes, key)
        for g, cs in zip(groups, scores, strict=True)
    ]
    decision = decide(
        configs,
        pairs,
        goal=goal,
        alpha=opts.alpha,
        min_effect=opts.min_effect,
        baseline=baseline_name,
        correction=correction,
        mcb=best,
    )
    if decision.winner is None and pairs:
        fam = _Family(names, pairs, opts.alpha, correction)
        _, keyp = _key_pair(fam, configs, goal, baseline_name, opts.min_effect)
        advice = examples_advice(
            keyp.variance,
            keyp.diff,
            opts.min_effect,
            fam.level,
            fam.note,
            all(REGISTRY[t].seed_variance for t in tests_used),
        )
        if advice.text and not decision.rationale.endswith(advice.text):
            decision = dataclasses.replace(
                decision,
                rationale=decision.rationale + advice.text,
                seeds_needed=advice.seeds,
                examples_needed=advice.examples,
                seeds_needed_how=advice.how if (advice.seeds or advice.examples) else "",
            )
    scope = SCOPE_SEEDS if all(REGISTRY[t].seed_variance for t in tests_used) else SCOPE_RUNS
    summary = ExamplesSummary(
        examples,
        example_key,
        cluster_key,
        metric,
        len(data.keys),
        data.clusters,
        data.left_out,
        data.binary,
        scope,
    )
    return Findings(
        metric=metric, goal=goal, reduce="mean over examples", seed_key=key, configs=configs,
        pairs=pairs, decision=decision, warnings=warnings, opts=opts, correction=correction,
        test=test, baseline=baseline_name, examples=summary, mcb=best,
    )
