"""``compare_runs`` and ``compare_frame``: runs in, a ``Comparison`` (and its decision) out.

``compare_runs`` reads as the pipeline; each stage lives in a module named for it:

1. ``_options``: check the options and the runs (duplicates dropped, unfinished runs noted).
2. ``_samples``: detect the seed key, reduce the metric to one number per run
   (``shared.reduce_runs``), group runs into configurations, one ``Sample`` per configuration
   (``_pairing`` pairs samples by seed).
3. ``_summaries``: bootstrap CIs of each configuration's mean (and, at the end, the
   per-configuration summaries with curves and costs).
4. ``_family``: which pairs (all, or each against ``baseline``), the complete blocks, and the
   family's parametric choice; ``_selection`` chooses each pair's test.
5. ``_omnibus``: with 3+ configurations, the omnibus test and the critical difference.
6. ``_pair_tests``: a test per pair with a multiplicity correction (``_batch`` for large
   t-test families), each run by the runner of its ``_registry`` record (which also says
   what it estimates and how it decides), effect sizes from ``_effects``; or ``_posthoc`` for the
   rank-based family tests; or, for 3+ configurations under ``auto`` without a baseline
   (``_wants_mcb``), ``_mcb``: which is the best, and which could still be.
7. ``_decision``: the decision, with the seeds needed by the test actually run
   (``_seeds``) when there is no winner.
8. extras: the Pareto front on a cost metric (``_pareto``), param importance
   (``_importance``); then the ``Comparison`` is assembled, in one place for both pipelines
   (``_findings.Findings.comparison``).

Nothing here crashes on bad data: unusable input raises ``InputError`` with one clear line,
and anything that limits what can be concluded lands in ``Comparison.warnings``.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from shared.compare._findings import Findings
from shared.compare.configs._samples import configurations
from shared.compare.configs._sweep import param_effects
from shared.compare.decision._decision import decide
from shared.compare.decision._importance import config_importance
from shared.compare.decision._pareto import cost_front
from shared.compare.decision._summaries import bootstrap_cis, summarise_configs
from shared.compare.inference._cd import cd_bars
from shared.compare.inference._family import plan_family
from shared.compare.inference._mcb import MCB_DEFAULT_ABOVE, mcb, mcb_pairs
from shared.compare.inference._omnibus import critical_difference, omnibus_test
from shared.compare.inference._options import (
    check_options,
    check_runs,
    resolve_baseline,
    usable_runs,
)
from shared.compare.inference._pair_tests import pairwise_tests
from shared.compare.inference._posthoc import rank_pairs
from shared.compare.inference._registry import REGISTRY
from shared.compare.inference._selection import check_named
from shared.compare.results._comparison import Comparison, CriticalDifference
from shared.errors import InputError, Param
from shared.model import Run
from shared.model._own_runs import leave_out_not_replicates
from shared.normalise._goal import resolve_goal
from shared.normalise._metric_spec import MetricSpec

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["compare_runs", "compare_frame"]


def compare_runs(
    runs: Sequence[Run],
    *,
    metric: str | MetricSpec,
    goal: str | None = None,
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
    all_pairs: bool = False,
    examples: str | None = None,
    example_key: str | None = None,
    cluster_key: str | None = None,
) -> Comparison:
    """Compare configurations of runs on one metric and decide which (if any) is better.

    Args:
        runs: the runs (any tracker; ``shared.Run``).
        metric: the metric to compare (any spelling: ``val/loss`` finds ``val_loss``), or a
            ``MetricSpec`` (its goal is the default goal; the run spellings it resolved are
            used as they are).
        goal: "maximize" or "minimize" (what "better" means); default: a ``:min``/``:max``
            suffix of ``metric``, else from its name (``val_loss`` minimize, ``acc`` maximize),
            the rule of every entry point (``shared.normalise.resolve_goal``). An explicit goal
            that contradicts the name (``val_acc`` minimized) is kept, with a warning.
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
        all_pairs: test every pair (Holm) even with 3 or more configurations (by default
            ``auto`` then answers "which is best?" by comparing each with the best: MCB).
        examples: compare over per-example scores: the name of the table every run carries
            in ``Run.examples`` (MLflow: the artifact path given to ``log_table``; W&B: the
            Table's key); ``metric`` is then its score column. The comparison pairs by example
            (and by seed where both configurations ran the same seeds) and counts the
            variance of both examples and seeds (``shared/compare/_examples_api.py``);
            ``reduce``, ``x_axis``, ``budget`` and ``cost_metric`` do not apply.
        example_key: the column naming an example (needed with ``examples``).
        cluster_key: the column naming an example's cluster (several questions on one
            passage): standard errors are then clustered by it.

    Returns:
        A frozen ``Comparison``; ``to_dict()`` is the v2 JSON.

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
    # 1. options and runs: a bad option fails before any data is touched
    spec = metric if isinstance(metric, MetricSpec) else None
    if spec is not None:
        metric, goal = spec.name, spec.goal if goal is None else goal
    metric, goal, conflict = resolve_goal(metric, goal)
    if examples is not None or example_key is not None or cluster_key is not None:
        return _over_examples(runs, metric=metric, goal=goal, seed_key=seed_key,
                              group_by=group_by, reduce=reduce, budget=budget, test=test,
                              correction=correction, alpha=alpha, baseline=baseline,
                              min_effect=min_effect, cost_metric=cost_metric, seed=seed,
                              examples=examples, example_key=example_key,
                              cluster_key=cluster_key, all_pairs=all_pairs)
    opts = check_options(goal, test, correction, alpha, min_effect, seed)
    check_named(test, opts.min_effect)
    runs, metric, group_by = check_runs(runs, metric, group_by)
    warnings: list[str] = [conflict] if conflict else []
    # our own comparison/decision runs and parents of compared runs are no replicates
    runs, left_out = leave_out_not_replicates(runs)
    warnings.extend(left_out)
    runs = usable_runs(runs, warnings)

    # 2. one number per run, grouped into configurations: one sample each
    # the spellings the command resolved (a spec of the same name) are not resolved again
    named = MetricSpec(metric, goal, spec.spellings) if spec and spec.name == metric else metric
    cfg = configurations(runs, named, seed_key=seed_key, group_by=group_by, reduce=reduce,
                         x_axis=x_axis, budget=budget, goal=goal, warnings=warnings)
    baseline_name = resolve_baseline(baseline, cfg.groups)
    samples, names = cfg.samples, cfg.names
    # 3. bootstrap CIs of each configuration's mean (the summaries in step 7 report them)
    boot = bootstrap_cis(samples, seed)

    # 4-6. which pairs and how, the omnibus test (3+ configurations), the pairwise tests
    family = plan_family(samples, names, baseline_name, opts)
    omnibus, critical = None, None
    if len(samples) >= 3:
        omnibus = omnibus_test(samples, family, opts, warnings)
        if family.blocks is not None:
            critical = critical_difference(names, family.blocks, opts.alpha, goal)
    best = None
    if _wants_mcb(test, baseline_name, all_pairs, samples, family.parametric, cost_metric):
        matrix = family.blocks[0] if family.blocks is not None else None
        best = mcb(samples, names, matrix, goal=goal, alpha=opts.alpha,
                   min_effect=opts.min_effect)
        pairs = mcb_pairs(best, samples, goal)
    elif test != "auto" and REGISTRY[test].family:
        pairs = rank_pairs(names, family, opts, baseline_name, warnings)
    else:
        pairs = pairwise_tests(samples, names, family, opts, warnings)

    diagram = None
    if critical is not None:
        diagram = CriticalDifference.from_dict(cd_bars(critical, pairs, names, correction))
        warnings.extend(f"critical-difference diagram: {n}" for n in diagram.disagreements)

    # 7. summaries, the decision (with power when there is no winner), then the extras
    configs = summarise_configs(cfg, runs, boot, x_axis=x_axis, cost_metric=cost_metric,
                                warnings=warnings)
    decision = decide(configs, pairs, goal=goal, alpha=opts.alpha, min_effect=opts.min_effect,
                      baseline=baseline_name, correction=correction, omnibus=omnibus, mcb=best)
    pareto = None
    if cost_metric is not None:
        decision, pareto = cost_front(configs, pairs, decision, cost_metric, goal=goal,
                                      min_effect=opts.min_effect, warnings=warnings)
    importance = config_importance(cfg.groups, cfg.reduction.values, cfg.grouping.group_by)
    effects = None
    if configs and all(c.n < 2 for c in configs):
        # one run per configuration (a search over a continuous param): no seed-level test,
        # but each numeric param's rank trend with the metric is supported by the data
        effects = tuple(param_effects([c.to_dict() for c in configs], goal))

    return Findings(
        metric=metric, goal=goal, reduce=reduce, seed_key=cfg.seed_key, configs=configs,
        pairs=pairs, decision=decision, warnings=warnings, opts=opts, correction=correction,
        test=test, baseline=baseline_name, x_axis=x_axis, budget=budget, omnibus=omnibus,
        critical_difference=diagram, param_importance=importance, pareto=pareto, mcb=best,
        param_effects=effects,
    ).comparison()


def _over_examples(runs: Sequence[Run], *, reduce: str, budget: float | None,
                   cost_metric: str | None, examples: str | None, example_key: str | None,
                   **options: Any) -> Comparison:
    """``compare_runs`` over per-example scores (``_examples_api``), after refusing the
    run-level options that have no meaning there."""
    from shared.compare._examples_api import compare_examples

    if examples is None or example_key is None:
        raise InputError("a comparison over examples needs both ", Param("examples"),
                         " (the table) and ", Param("example_key"), " (its example column)")
    for name, value, default in (("reduce", reduce, "last"), ("budget", budget, None),
                                 ("cost_metric", cost_metric, None)):
        if value != default:
            raise InputError(f"{name}={value!r} does not apply to a comparison over examples")
    findings = compare_examples(runs, examples=examples, example_key=example_key, **options)
    return findings.comparison()


def _wants_mcb(test: str, baseline: str | None, all_pairs: bool, samples: Sequence[Any],
               parametric: bool = True, cost_metric: str | None = None) -> bool:
    """Compare with the best (MCB) answers "which is best?": ``auto``, no baseline, 3 or more
    configurations, each with at least 2 runs (a configuration of one run has no spread).

    Up to ``BEST_PAIRS_UP_TO`` configurations, every pair is still tested when the family does
    not look normal (the rank tests then decide: a far run must not name the best by its
    mean) or a cost metric asks for a Pareto front (which needs every pair)."""
    if test != "auto" or baseline is not None or all_pairs or len(samples) <= MCB_DEFAULT_ABOVE:
        return False
    if not all(s.values.size >= 2 for s in samples):
        return False
    return len(samples) > BEST_PAIRS_UP_TO or (parametric and cost_metric is None)


#: Up to this many configurations a non-normal family (or a Pareto front) is still answered
#: with every pair (the sweep default before issue 17 was MCB above 6 configurations).
BEST_PAIRS_UP_TO = 6


def compare_frame(frame: pd.DataFrame, **options: Any) -> Comparison:
    """``compare_runs`` on an MLflow ``search_runs``-style DataFrame, or on a long frame of
    per-example scores (``example_key=``, ``cluster_key=``).

    Columns ``run_id``, ``params.*``, ``metrics.*`` (``tags.*`` and the rest optional); MLflow's
    string params are typed (``"16"`` -> 16). A frame holds summary metrics only, so
    ``reduce`` is effectively "last". Options are those of :func:`compare_runs` (passed on
    to it, not repeated here);
    ``metric="metrics.acc"``, ``seed_key="params.seed"`` and ``group_by=["params.lr"]`` are
    accepted too.

    With ``example_key`` the frame is long, one row per (run, example): ``run_id``, the run's
    ``params.*`` on every row, the ``example_key`` column, optionally the ``cluster_key``
    column, and score columns (``metric`` names one); the comparison is then over examples
    x seeds, as ``compare_runs(examples=...)``.

    Example:
        >>> import pandas as pd
        >>> df = pd.DataFrame({"run_id": [f"r{i}" for i in range(6)],
        ...                    "params.lr": ["0.1"] * 3 + ["0.01"] * 3,
        ...                    "params.seed": ["0", "1", "2"] * 2,
        ...                    "metrics.acc": [0.80, 0.81, 0.79, 0.90, 0.91, 0.92]})
        >>> c = compare_frame(df, metric="metrics.acc")  # 3 seeds, +0.10 to +0.13 on each
        >>> c.pairs[0].test, round(c.pairs[0].p_value, 4), c.decision.winner
        ('paired-t', 0.0082, 'lr=0.01')
    """
    if options.get("example_key") is not None or options.get("cluster_key") is not None:
        from shared._example_frame import FRAME_TABLE, runs_from_example_frame

        if options.get("example_key") is None:
            raise InputError(Param("cluster_key"), " needs ", Param("example_key"),
                             " (a long per-example frame)")
        runs = runs_from_example_frame(frame, example_key=options["example_key"])
        return compare_runs(runs, **{**options, "examples": FRAME_TABLE})
    from shared._frame import runs_from_frame

    return compare_runs(runs_from_frame(frame), **options)


def _frame_signature() -> inspect.Signature:
    """``compare_runs``'s keyword options behind a ``frame``: what ``help(compare_frame)`` and
    editors show, kept in step with ``compare_runs`` by construction."""
    first = inspect.Parameter(
        "frame", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="pd.DataFrame"
    )
    options = list(inspect.signature(compare_runs).parameters.values())[1:]
    return inspect.signature(compare_runs).replace(parameters=[first, *options])


compare_frame.__signature__ = _frame_signature()  # type: ignore[attr-defined]
