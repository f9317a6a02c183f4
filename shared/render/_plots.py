"""PNG plots of a comparison: learning curves, distributions, critical differences, importance.

matplotlib is imported inside the functions (start-up stays fast) and used through its
object-oriented API with the Agg canvas: no pyplot, no global figure state, no GUI backend, and
the user's own backend choice is left alone. Plots use matplotlib's default style whatever the
user's rcParams say (``text.usetex`` on a machine without TeX would otherwise fail).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from shared.errors import InputError

if TYPE_CHECKING:  # the results layer calls the renderers back (notebook views)
    from shared.compare.results._comparison import Comparison

__all__ = [
    "make_plots",
    "plot_curves",
    "plot_distribution",
    "plot_cd_diagram",
    "plot_param_importance",
    "cd_cliques",
]

_MAX_LABEL = 60
_MAX_LEGEND = 20


def _label(text: Any) -> str:
    """A user string safe for matplotlib text: ``$`` would start mathtext (and a lone one
    fails to parse), so it is escaped; long names are shortened."""
    s = " ".join(str(text).split())
    if len(s) > _MAX_LABEL:
        s = s[: _MAX_LABEL - 1] + "…"
    return s.replace("\\", "\\\\").replace("$", r"\$")


def _floats(values: Any, what: str) -> list[float]:
    if not isinstance(values, Sequence) or isinstance(values, str):
        raise InputError(f"{what} is not a list of numbers")
    out = []
    for v in values:
        if v is None:
            out.append(math.nan)
            continue
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise InputError(f"{what} holds {v!r}, not a number") from None
        out.append(f if math.isfinite(f) else math.nan)  # as the JSON has it: null
    return out


def _figure(width: float, height: float, *, layout: str | None = "constrained"):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def _png(fig, *, tight: bool = False) -> bytes:
    buf = io.BytesIO()
    # No "Software" metadata: the same comparison gives the same bytes.
    kwargs: dict[str, Any] = {"format": "png", "metadata": {"Software": None}}
    if tight:
        kwargs.update(bbox_inches="tight", pad_inches=0.15)
    fig.savefig(buf, **kwargs)
    return buf.getvalue()


def _colors(k: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if k <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(k)]


def _metric_label(c: Comparison) -> str:
    name = _label(c.metric or "metric")
    reduce = c.reduce
    return f"{name} ({_label(reduce)})" if reduce else name


def _style():
    from matplotlib import style

    return style.context("default")


def plot_curves(c: Comparison) -> bytes | None:
    """Learning curves: per configuration the mean across runs with its 95% CI band, on the
    comparison's x-axis; an ``x`` marks where runs stopped early. None when no config has a curve.

    Raises:
        InputError: when a curve's ``grid``, ``mean``, ``lo`` and ``hi`` differ in length.

    Example:
        >>> from shared import Run, compare_runs
        >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
        ...             metrics={"acc": 0.8 + lr + 0.01 * ((7 * s + 100 * lr) % 5)})
        ...         for lr in (0.0, 0.1) for s in range(4)]
        >>> plot_curves(compare_runs(runs, metric="acc")) is None  # final values: no curves
        True
    """
    configs = list(c.configs)
    curves = []
    for i, cfg in enumerate(configs):
        curve = cfg.curve
        if curve is None:
            continue
        name = cfg.name
        parts = {
            key: _floats(list(getattr(curve, key)), f"curve {key!r} of config {name!r}")
            for key in ("grid", "mean", "lo", "hi")
        }
        lengths = {key: len(v) for key, v in parts.items()}
        if len(set(lengths.values())) != 1:
            raise InputError(
                f"curve of config {name!r} has lists of different lengths "
                + ", ".join(f"{k}={n}" for k, n in lengths.items())
            )
        n_list = _floats(list(curve.n), f"curve 'n' of config {name!r}")
        curves.append((i, cfg, curve, parts, n_list))
    if not curves:
        return None
    import numpy as np

    colors = _colors(len(configs))
    with _style():
        fig = _figure(9, 5)
        ax = fig.add_subplot()
        x_axis = "step"
        for i, cfg, curve, parts, n_list in curves:
            color = colors[i]
            x = np.asarray(parts["grid"])
            label = _label(cfg.name)
            stopped = cfg.stopped_early or 0
            if stopped:
                label += f" ({int(stopped)} stopped early)"
            ax.plot(x, parts["mean"], color=color, lw=1.6, label=label)
            ax.fill_between(x, parts["lo"], parts["hi"], color=color, alpha=0.2, lw=0)
            if len(n_list) == len(x):
                n_arr = np.asarray(n_list)
                drops = np.nonzero(np.diff(n_arr) < 0)[0]
                if len(drops):
                    ax.plot(x[drops], np.asarray(parts["mean"])[drops], "x", color=color, ms=8)
            x_axis = curve.x_axis or x_axis
        ax.set_xlabel(_label(x_axis))
        ax.set_ylabel(_label(c.metric or "metric"))
        ax.set_title("Learning curves: mean and 95% CI across runs (x: a run stopped early)")
        ax.grid(alpha=0.3)
        if len(curves) <= _MAX_LEGEND:
            ax.legend(fontsize=8, loc="best")
        return _png(fig)


def plot_distribution(c: Comparison) -> bytes | None:
    """The reduced metric per configuration: every run as a point over a box plot (configs on
    the vertical axis, in comparison order). None when no config has values.

    Example:
        >>> from shared import Run, compare_runs
        >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
        ...             metrics={"acc": 0.8 + lr + 0.01 * ((7 * s + 100 * lr) % 5)})
        ...         for lr in (0.0, 0.1) for s in range(4)]
        >>> plot_distribution(compare_runs(runs, metric="acc"))[1:4]  # a PNG
        b'PNG'
    """
    import numpy as np

    configs = list(c.configs)
    data = []
    for cfg in configs:
        vals = np.asarray(_floats(list(cfg.values), f"values of config {cfg.name!r}"))
        data.append(vals[np.isfinite(vals)])
    if not any(len(v) for v in data):
        return None
    k = len(configs)
    colors = _colors(k)
    rng = np.random.default_rng(0)  # fixed jitter: the same report every time
    with _style():
        fig = _figure(9, min(40.0, 1.2 + 0.45 * k))
        ax = fig.add_subplot()
        pos = np.arange(k)
        ax.boxplot(
            [v if len(v) else [np.nan] for v in data],
            positions=pos,
            vert=False,
            widths=0.6,
            showfliers=False,
            medianprops={"color": "black"},
        )
        for i, v in enumerate(data):
            if len(v):
                jitter = rng.uniform(-0.15, 0.15, len(v))
                ax.plot(v, i + jitter, "o", color=colors[i], alpha=0.8, ms=5)
                ax.plot([v.mean()], [i], "D", color="white", mec="black", ms=6)
        ax.set_yticks(pos, [_label(cfg.name) for cfg in configs])
        ax.invert_yaxis()
        ax.set_xlabel(_metric_label(c))
        ax.set_title("Per-run values (points), box = quartiles, diamond = mean")
        ax.grid(axis="x", alpha=0.3)
        return _png(fig)


def cd_cliques(ranks: Sequence[float], cd: float) -> list[tuple[int, int]]:
    """Groups of configurations not significantly different, as (first, last) index pairs into
    ``ranks`` sorted ascending: maximal runs whose rank spread is at most ``cd``.

    Example:
        >>> cd_cliques([1.0, 1.5, 3.0, 3.2], 1.0)
        [(0, 1), (2, 3)]
    """
    out: list[tuple[int, int]] = []
    last_j = -1
    for i in range(len(ranks)):
        j = i
        while j + 1 < len(ranks) and ranks[j + 1] - ranks[i] <= cd:
            j += 1
        if j > i and j > last_j:
            out.append((i, j))
            last_j = j
    return out


def plot_cd_diagram(c: Comparison) -> bytes | None:
    """Critical-difference diagram (Demsar 2006, Fig. 1 style): mean ranks on an axis, the CD
    as a bar, and thick bars joining configurations whose ranks differ by no more than the CD.
    None with fewer than three configurations or no ``critical_difference``.

    Example:
        >>> from shared import Run, compare_runs
        >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
        ...             metrics={"acc": 0.8 + lr + 0.01 * ((7 * s + 100 * lr) % 5)})
        ...         for lr in (0.0, 0.1) for s in range(4)]
        >>> plot_cd_diagram(compare_runs(runs, metric="acc")) is None  # two: no diagram
        True
    """
    cdd = c.critical_difference
    if cdd is None:
        return None
    mean_ranks = cdd.mean_ranks
    if len(mean_ranks) < 3:
        return None
    names = list(mean_ranks)
    ranks = _floats(list(mean_ranks.values()), "critical_difference mean_ranks")
    cd = _floats([cdd.cd], "critical_difference cd")[0]
    if not all(math.isfinite(r) for r in ranks):
        raise InputError("critical_difference has a mean rank that is not a finite number")
    order = sorted(range(len(ranks)), key=lambda i: ranks[i])
    names = [names[i] for i in order]
    ranks = [ranks[i] for i in order]
    k = len(ranks)
    lo = min(1.0, math.floor(ranks[0]))
    hi = max(float(k), math.ceil(ranks[-1]))
    half = (k + 1) // 2
    source = cdd.source
    # the bars the comparison computed from the tests it reports (shared.compare.inference._cd;
    # a file saved before bars were stored reads with Nemenyi's): the picture never disagrees
    # with the table
    pos = {n: i for i, n in enumerate(names)}
    cliques = sorted((min(pos[b[0]], pos[b[1]]), max(pos[b[0]], pos[b[1]]))
                     for b in cdd.bars if len(b) == 2 and b[0] in pos and b[1] in pos)
    nemenyi = str(source or "").startswith("Nemenyi")
    step = 0.35
    with _style():
        fig = _figure(
            min(16.0, 8 + 0.1 * max(0, k - 20)), 1.6 + 0.3 * (half + len(cliques)), layout=None
        )
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        ax.plot([lo, hi], [0, 0], color="black", lw=1.2)
        every = max(1, math.ceil((hi - lo) / 15))  # at most ~16 rank labels: no overlap
        for t in range(int(lo), int(hi) + 1):
            labelled = (t - int(lo)) % every == 0
            ax.plot([t, t], [0, 0.08 if labelled else 0.04], color="black", lw=1)
            if labelled:
                ax.text(t, 0.14, str(t), ha="center", va="bottom", fontsize=9)
        top = 0.55
        if math.isfinite(cd) and nemenyi:
            ax.plot([lo, lo + cd], [top, top], color="black", lw=1.5)
            for x in (lo, lo + cd):
                ax.plot([x, x], [top - 0.05, top + 0.05], color="black", lw=1.5)
            ax.text(lo + cd / 2, top + 0.08, f"CD = {cd:.3g}", ha="center", va="bottom", fontsize=9)
        ax.text((lo + hi) / 2, top + 0.45, "mean rank", ha="center", va="bottom", fontsize=9)
        # Clique bars sit just under the axis; the labels hang below them.
        bar_y = [-0.15 - 0.12 * j for j in range(len(cliques))]
        base = (bar_y[-1] if bar_y else 0) - 0.2
        for idx, (name, r) in enumerate(zip(names, ranks, strict=True)):
            if idx < half:
                y = base - step * idx
                xt, ha = lo - 0.15, "right"
            else:
                y = base - step * (k - 1 - idx)
                xt, ha = hi + 0.15, "left"
            ax.plot([r, r, xt], [0, y, y], color="0.3", lw=0.9)
            ax.text(
                xt + (-0.05 if ha == "right" else 0.05),
                y,
                f"{_label(name)} ({r:.2f})",
                ha=ha,
                va="center",
                fontsize=9,
            )
        for (i, j), y in zip(cliques, bar_y, strict=True):
            ax.plot([ranks[i] - 0.03, ranks[j] + 0.03], [y, y], color="black", lw=4)
        ax.set_xlim(lo - 0.2, hi + 0.2)
        ax.set_ylim(base - step * max(half, k - half) - 0.1, top + 0.8)
        alpha = cdd.alpha
        a_txt = f" at alpha={alpha:g}" if isinstance(alpha, (int, float)) else ""
        ax.text(
            (lo + hi) / 2,
            top + 0.8,
            f"Critical difference diagram{a_txt}: bars join configurations not separated by "
            + (str(source) if source else "Nemenyi's critical difference"),
            ha="center",
            va="bottom",
            fontsize=10,
        )
        return _png(fig, tight=True)


def plot_param_importance(c: Comparison) -> bytes | None:
    """Parameter importance as horizontal bars, most important first. None when absent.

    Example:
        >>> from shared import Run, compare_runs
        >>> runs = [Run("frame", f"{lr}-{h}-{s}", params={"lr": lr, "hidden": h, "seed": s},
        ...             metrics={"acc": 0.8 + lr + 0.001 * h + 0.01 * ((7 * s + h) % 5)})
        ...         for lr in (0.0, 0.1) for h in (16, 32) for s in range(4)]
        >>> c = compare_runs(runs, metric="acc")
        >>> [p.param for p in c.param_importance], plot_param_importance(c)[1:4]
        (['lr', 'hidden'], b'PNG')
    """
    items = c.param_importance
    if not items:
        return None
    rows = []
    methods: dict[str, None] = {}
    for it in items:
        value = _floats([it.importance], f"param_importance {it.param!r} importance")[0]
        rows.append((it.param, 0.0 if math.isnan(value) else value))
        if it.method:
            methods.setdefault(it.method, None)
    rows.sort(key=lambda r: -r[1])
    with _style():
        fig = _figure(8, min(30.0, 1.2 + 0.4 * len(rows)))
        ax = fig.add_subplot()
        pos = list(range(len(rows)))
        ax.barh(pos, [r[1] for r in rows], color="#4c72b0")
        ax.set_yticks(pos, [_label(r[0]) for r in rows])
        ax.invert_yaxis()
        how = ", ".join(_label(m) for m in methods)
        ax.set_xlabel(f"importance ({how})" if how else "importance")
        ax.set_title("Parameter importance")
        ax.grid(axis="x", alpha=0.3)
        return _png(fig)


def make_plots(c: Comparison) -> dict[str, bytes]:
    """Every plot that applies to ``c``, as ``{file name: PNG bytes}`` in report order.

    Example:
        >>> from shared import Run, compare_runs
        >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
        ...             metrics={"acc": 0.8 + lr + 0.01 * ((7 * s + 100 * lr) % 5)})
        ...         for lr in (0.0, 0.1) for s in range(4)]
        >>> sorted(make_plots(compare_runs(runs, metric="acc")))
        ['distribution.png']
    """
    out: dict[str, bytes] = {}
    for name, fn in (
        ("curves.png", plot_curves),
        ("distribution.png", plot_distribution),
        ("cd_diagram.png", plot_cd_diagram),
        ("param_importance.png", plot_param_importance),
    ):
        png = fn(c)
        if png is not None:
            out[name] = png
    return out
