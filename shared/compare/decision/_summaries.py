"""Per-configuration summaries: n, mean, sample std, median, CIs, curve band and costs.

What the tables and reports show for each configuration, independent of any test: the t CI
and a BCa bootstrap CI of the mean, the learning-curve band over its runs, and its cost
metrics (for the Pareto front).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from shared.compare.configs._pairing import Sample
from shared.compare.configs._samples import Configurations
from shared.compare.decision._curves import config_curves
from shared.compare.decision._pareto import config_costs, cost_metric_names
from shared.compare.inference._options import BOOTSTRAP_RESAMPLES, LEVEL
from shared.compare.results._comparison import ConfigSummary
from shared.model import Run

__all__ = ["bootstrap_cis", "summarise_configs"]


def bootstrap_cis(samples: Sequence[Sample], seed: Any) -> dict[int, tuple[float, float]]:
    """BCa bootstrap CIs of the mean, by sample index, for samples with 2 or more values.

    Example:
        >>> s = [Sample("A", [1.0, 2.0, 4.0], None), Sample("B", [3.0], None)]
        >>> list(bootstrap_cis(s, seed=0))
        [0]
    """
    from shared import stats as st

    multi = [i for i, s in enumerate(samples) if s.values.size >= 2]
    if not multi:
        return {}
    cis = st.bootstrap_mean_cis([samples[i].values for i in multi],
                                n_resamples=BOOTSTRAP_RESAMPLES, level=LEVEL, seed=seed)
    return {i: (float(cis[n][0]), float(cis[n][1])) for n, i in enumerate(multi)}


def summarise_configs(
    configs: Configurations,
    runs: Sequence[Run],
    boot: dict[int, tuple[float, float]],
    *,
    x_axis: str,
    cost_metric: str | None,
    warnings: list[str],
) -> list[ConfigSummary]:
    """One ``ConfigSummary`` per configuration, in order.

    Args:
        configs: the configurations and their samples.
        runs: every run compared (cost metrics are looked for among all of them).
        boot: the bootstrap CIs from :func:`bootstrap_cis`.
        x_axis: the x-axis of the curve bands.
        cost_metric: the user's cost metric, if any (other cost-like metrics are found by name).
        warnings: collects what the curves and costs could not use.
    """
    from shared import stats as st

    run_groups = [(g.name, g.runs) for g in configs.groups]
    curves = config_curves(run_groups, configs.reduction.spellings, x_axis, warnings)
    cost_names = cost_metric_names(runs, cost_metric)
    costs = config_costs(run_groups, cost_names, warnings) if cost_names else {}

    out: list[ConfigSummary] = []
    for idx, (g, s) in enumerate(zip(configs.groups, configs.samples, strict=True)):
        d = st.describe(s.values, LEVEL)
        ci = (float(d.ci.low), float(d.ci.high))
        band, stopped = curves.get(g.name, (None, 0))
        out.append(ConfigSummary(
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
    return out
