"""Turning a ``Comparison`` (or its dict, or a saved comparison.json) into rows of display text.

Every renderer works from the typed ``Comparison``; ``_read.read_comparison`` is the one edge
where a dict or a saved comparison.json of any schema version (v1, v2, v3: see
``shared.compare.results._upgrade``) becomes one, so a file saved long ago renders like a fresh
comparison. A number that is not there (``None``, NaN) renders as "n/a".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.compare.results._jsonable import finite_or_none as _as_float
from shared.compare.results._upgrade import SCHEMA, SCHEMA_PREFIX

if TYPE_CHECKING:  # the results layer calls the renderers back (notebook views): no cycle
    from shared.compare.results._comparison import Comparison, ConfigSummary, Decision, PairResult

__all__ = [
    "SCHEMA_PREFIX",
    "fmt_num",
    "fmt_p",
    "fmt_ci",
    "fmt_int",
    "fmt_spread",
    "json_span",
    "Rows",
    "build_rows",
]


#: How a pair's estimate is labelled when it is not the mean difference (schema v2).
_ESTIMATE_PREFIX = {
    "hodges_lehmann_shift": "HL ",
    "cliffs_delta": "Cliff's d ",
    "mean_rank_difference": "rank ",
}


def json_span(ci: Sequence[float] | None) -> list[float | None] | None:
    """An interval as the JSON holds it: ``None``, or [lo, hi] with a non-finite bound ``None``.

    Example:
        >>> json_span((0.5, float("inf"))), json_span(None)
        ([0.5, None], None)
    """
    return None if ci is None else [_as_float(ci[0]), _as_float(ci[1])]


def fmt_num(x: Any, digits: int = 4) -> str:
    """A number with ``digits`` significant digits; "n/a" for None, NaN or non-numbers."""
    f = _as_float(x)
    if f is None:
        return "n/a" if x is None or isinstance(x, (int, float)) else str(x)
    if f == 0:
        return "0"
    return f"{f:.{digits}g}"


def fmt_int(x: Any) -> str:
    """An integer count, or "n/a"."""
    f = _as_float(x)
    return "n/a" if f is None else str(int(round(f)))


def fmt_p(x: Any) -> str:
    """A p-value: 3 significant digits, "<0.0001" below that."""
    f = _as_float(x)
    if f is None:
        return "n/a"
    if f < 1e-4:
        return "<0.0001"
    return f"{f:.3g}"


def fmt_ci(ci: Any, digits: int = 4) -> str:
    """``[lo, hi]`` as "[lo, hi]"; "n/a" when absent."""
    if not isinstance(ci, Sequence) or isinstance(ci, str) or len(ci) != 2:
        return "n/a"
    if ci[0] is None and ci[1] is None:
        return "n/a"
    return f"[{fmt_num(ci[0], digits)}, {fmt_num(ci[1], digits)}]"


def _decimals(spread: Any, digits: int = 3) -> int | None:
    """Decimal places that show ``spread`` with ``digits`` significant digits; None when the
    spread is absent, zero, or so large or small that fixed-point would not read well."""
    f = _as_float(spread)
    if f is None or f == 0 or not 1e-9 <= abs(f) < 1e9:
        return None
    return max(0, min(12, digits - 1 - math.floor(math.log10(abs(f)))))


def fmt_spread(values: Sequence[Any], spread: Any, digits: int = 3) -> list[str]:
    """``values`` rounded to the decimal place of ``spread`` shown with ``digits`` significant
    digits, so a mean and its std (or a difference and its CI) read at the same precision:
    ``0.9073 ± 0.0143``, not ``0.9073 ± 0.01431``. Falls back to :func:`fmt_num` (4
    significant digits) when there is no usable spread.

    Values of 1e12 and more keep enough significant digits to show the spread (a mean of
    1e12 with a std of 1,103 is not "1e+12 ± 1103" with a CI of "[1e+12, 1e+12]").

    Example:
        >>> fmt_spread([0.90734, 0.014312], 0.014312)
        ['0.9073', '0.0143']
        >>> fmt_spread([12.5, None], None)
        ['12.5', 'n/a']
        >>> fmt_spread([1e12 + 1234.5, 1103.2, 1e12 - 800.0], 1103.2)
        ['1000000001230', '1103', '999999999200']
    """
    places = _decimals(spread, digits)
    sp = _as_float(spread)
    out = []
    for v in values:
        f = _as_float(v)
        if f is not None and abs(f) >= 1e12 and places is not None and sp:
            place = math.floor(math.log10(abs(sp))) - digits + 1  # the spread's last digit
            out.append(f"{round(f, -place):.0f}" if place >= 0 else f"{f:.{-place}f}")
        elif places is None or f is None or abs(f) >= 1e12:
            out.append(fmt_num(v))
        else:
            text = f"{f:.{places}f}"
            out.append("0" if float(text) == 0 else text)
    return out


def _ci_bounds(ci: Any) -> tuple[Any, Any] | None:
    if not isinstance(ci, Sequence) or isinstance(ci, str) or len(ci) != 2:
        return None
    if ci[0] is None and ci[1] is None:
        return None
    return ci[0], ci[1]


def _half_width(ci: Any) -> float | None:
    bounds = _ci_bounds(ci)
    lo, hi = (None, None) if bounds is None else (_as_float(bounds[0]), _as_float(bounds[1]))
    return None if lo is None or hi is None else abs(hi - lo) / 2


def _yes_no(x: Any) -> str:
    return "yes" if x is True else "no" if x is False else "n/a"


def _text(x: Any) -> str:
    return "" if x is None else str(x)


@dataclass(frozen=True)
class Rows:
    """Everything a text renderer shows, as plain (unescaped) strings.

    Each renderer escapes for its own medium: control characters for terminals, pipes for
    markdown, ``html.escape`` for HTML.
    """

    title: str
    subtitle: str
    config_header: tuple[str, ...]
    config_rows: tuple[tuple[str, ...], ...]
    pair_header: tuple[str, ...]
    pair_rows: tuple[tuple[str, ...], ...]
    omnibus: str | None
    winner: str | None
    rationale: str
    seeds_needed: str | None
    cheaper: str | None
    warnings: tuple[str, ...]
    cost_header: tuple[str, ...]
    cost_rows: tuple[tuple[str, ...], ...]
    schema: str
    cost: str | None = None
    cheaper_words: str = "not significantly worse"
    # Why each test was chosen: (what was tested, the reason), the omnibus test first.
    why: tuple[tuple[str, str], ...] = ()
    importance_measure: str | None = None
    importance_header: tuple[str, ...] = ("param", "levels", "share", "one-way share", "note")
    importance_rows: tuple[tuple[str, ...], ...] = ()


# What a cheaper alternative was found to be (decision.cost.alternative.verdict), in words.
_CHEAPER_WORDS = {
    "not-significantly-worse": "not significantly worse",
    "not-worse-by-margin": "not worse by more than min_effect",
    "worse-within-margin": "worse by no more than min_effect",
    "better": "significantly better",
}


def _cost_words(decision: Decision) -> tuple[str, str | None, str]:
    """(rationale without the cost sentence, the cost sentence, what the cheaper alternative
    was found to be).

    The cost sentence is appended to the rationale (so tracker tags carry it); renderers show
    it on its own line instead. Comparisons saved before ``decision.cost`` existed keep the
    old wording.
    """
    rationale = _text(decision.rationale)
    cost = decision.cost
    if cost is None:
        return rationale, None, "not significantly worse"
    sentence = cost.sentence or None
    if sentence and rationale.endswith(f". {sentence}"):
        rationale = rationale[: -len(sentence) - 2]
    verdict = None if cost.alternative is None else cost.alternative.verdict
    return rationale, sentence, _CHEAPER_WORDS.get(str(verdict), "see the cost sentence")


def _importance_rows(c: Comparison) -> tuple[str | None, tuple[tuple[str, ...], ...]]:
    """The importance measure in words and one row per separable effect."""
    measure = None
    rows = []
    for it in c.param_importance or ():
        measure = measure or it.measure or None
        rows.append(
            (
                it.param,
                fmt_int(it.levels),
                fmt_num(it.importance, 3),
                fmt_num(it.marginal, 3),
                _text(it.note) or (it.method if measure is None else ""),
            )
        )
    return measure, tuple(rows)


def _subtitle(c: Comparison) -> str:
    bits = [f"goal: {c.goal}" if c.goal else "", f"reduce: {c.reduce}" if c.reduce else ""]
    bits.append(f"paired by: {c.seed_key}" if c.seed_key else "unpaired")
    bits.append(f"runs: {len(c.run_keys)}")
    bits.append(f"alpha: {fmt_num(c.alpha)}")
    if c.correction:
        bits.append(f"correction: {c.correction}")
    if c.baseline:
        bits.append(f"baseline: {c.baseline}")
    return ", ".join(b for b in bits if b)


def _config_row(cfg: ConfigSummary) -> tuple[str, ...]:
    # mean, std, CI and median at one precision: that of the std (3 significant digits).
    ci = _ci_bounds(json_span(cfg.ci))
    mean, std, lo, hi, median = fmt_spread(
        (cfg.mean, cfg.std, *(ci or (None, None)), cfg.median), cfg.std
    )
    return (
        _text(cfg.name), fmt_int(cfg.n), f"{mean} ± {std}",
        "n/a" if ci is None else f"[{lo}, {hi}]", median,
    )  # fmt: skip


def _pair_row(p: PairResult) -> tuple[str, ...]:
    effect = fmt_num(p.effect_size, 3)
    if p.effect_name and effect != "n/a":
        effect = f"{p.effect_name}={effect}"
    test = _text(p.test)
    # Tests without a p-value decide by their own numbers: show those beside the test.
    if _as_float(p.p_value) is None and _as_float(p.epsilon_min) is not None:
        test += f" (eps_min={fmt_num(p.epsilon_min, 3)})"
    elif _as_float(p.p_value) is None and _as_float(p.p_b_better) is not None:
        test += (
            f" (P(a)={fmt_num(p.p_a_better, 3)}, P(rope)={fmt_num(p.p_rope, 3)},"
            f" P(b)={fmt_num(p.p_b_better, 3)})"
        )
    # The difference at the precision of its interval (half-width, 3 significant digits).
    ci = _ci_bounds(json_span(p.ci))
    diff, lo, hi = fmt_spread((p.diff, *(ci or (None, None))), _half_width(ci))
    # v2: the estimate is the deciding test's own; say which when it is not the mean
    diff = _ESTIMATE_PREFIX.get(str(p.estimate or ""), "") + diff
    return (
        f"{_text(p.a)} vs {_text(p.b)}", test, diff, "n/a" if ci is None else f"[{lo}, {hi}]",
        effect, fmt_p(p.p_value), fmt_p(p.p_adjusted), _yes_no(bool(p.significant)),
    )  # fmt: skip


def _why(c: Comparison, pairs: Sequence[PairResult], omnibus: bool) -> list[tuple[str, str]]:
    why = []
    om = c.omnibus if omnibus else None
    if om is not None and om.why:
        why.append((f"omnibus ({_text(om.test)})", _text(om.why)))
    pair_why = [
        (f"{_text(p.a)} vs {_text(p.b)}", _text(p.why) + (f"; {_text(p.reach)}" if p.reach else ""))
        for p in pairs
        if p.why
    ]
    if len(pair_why) >= 8 and len({w for _, w in pair_why}) == 1:
        # one reason for a large family (MCB, a named test): say it once, not once a line
        pair_why = [(f"all {len(pair_why)} pairs", pair_why[0][1])]
    return why + pair_why


def _cost_rows(configs: Sequence[ConfigSummary]) -> tuple[tuple[str, ...], ...]:
    rows = []
    for cfg in configs:
        if not isinstance(cfg.costs, Mapping):
            continue
        for cost_name, v in cfg.costs.items():
            v = v if isinstance(v, Mapping) else {}
            rows.append(
                (_text(cfg.name), _text(cost_name), fmt_num(v.get("total")),
                 fmt_num(v.get("per_run")))
            )  # fmt: skip
    return tuple(rows)


def build_rows(
    c: Comparison,
    *,
    configs: Sequence[ConfigSummary] | None = None,
    pairs: Sequence[PairResult] | None = None,
    omnibus: bool = True,
) -> Rows:
    """The display rows of comparison ``c``; ``configs`` and ``pairs``, when given, are the
    ones shown (the large layout shows a part), and ``omnibus=False`` leaves its line out.

    Example:
        >>> from shared import Run, compare_runs
        >>> runs = [Run("frame", f"{lr}-{s}", params={"lr": lr, "seed": s},
        ...             metrics={"acc": 0.8 + lr + 0.01 * ((7 * s + 100 * lr) % 5)})
        ...         for lr in (0.0, 0.1) for s in range(4)]
        >>> r = build_rows(compare_runs(runs, metric="acc"))
        >>> r.title, r.config_rows[0][0], r.pair_rows[0][0]
        ('tracker-compare: acc', 'lr=0.0', 'lr=0.0 vs lr=0.1')
    """
    configs = c.configs if configs is None else configs
    pairs = c.pairs if pairs is None else pairs
    om = c.omnibus if omnibus else None
    omnibus_line = None
    if om is not None:
        p = fmt_p(om.p_value)
        omnibus_line = (
            f"{_text(om.test)}: statistic={fmt_num(om.statistic)}, "
            f"p{'' if p.startswith('<') else '='}{p}"
        )
    decision = c.decision
    rationale, cost_sentence, cheaper_words = _cost_words(decision)
    measure, importance_rows = _importance_rows(c)
    return Rows(
        title=f"tracker-compare: {_text(c.metric) or 'metric'}",
        subtitle=_subtitle(c),
        config_header=("config", "n", "mean ± std", "95% CI", "median"),
        config_rows=tuple(_config_row(cfg) for cfg in configs),
        pair_header=("a vs b", "test", "estimate", "CI", "effect", "p", "p_adj", "significant"),
        pair_rows=tuple(_pair_row(p) for p in pairs),
        omnibus=omnibus_line,
        winner=None if decision.winner is None else _text(decision.winner),
        rationale=rationale,
        seeds_needed=None if decision.seeds_needed is None else fmt_int(decision.seeds_needed),
        cheaper=_text(decision.cheaper_alternative) if decision.cheaper_alternative else None,
        cheaper_words=cheaper_words,
        warnings=tuple(_text(w) for w in c.warnings),
        cost_header=("config", "cost metric", "total", "per run"),
        cost_rows=_cost_rows(configs),
        schema=SCHEMA,
        cost=cost_sentence,
        why=tuple(_why(c, pairs, omnibus)),
        importance_measure=measure,
        importance_rows=importance_rows,
    )
