"""Turning a ``Comparison`` (or its dict, or a saved comparison.json) into rows of display text.

Every renderer works from the comparison dict (contract B), never from the dataclass, so a
comparison.json saved yesterday renders exactly like a fresh comparison. The readers here are
lenient: a missing optional key renders as "n/a" rather than failing.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from shared.compare.results._extras import Cost, ParamImportance
from shared.compare.results._jsonable import finite_or_none as _as_float
from shared.errors import InputError

__all__ = [
    "SCHEMA_PREFIX",
    "as_dict",
    "fmt_num",
    "fmt_p",
    "fmt_ci",
    "fmt_int",
    "fmt_spread",
    "Rows",
    "build_rows",
    "read_typed",
    "read_typed_list",
]

T = TypeVar("T")

SCHEMA_PREFIX = "tracker-compare/comparison/"



#: How a pair's estimate is labelled when it is not the mean difference (schema v2).
_ESTIMATE_PREFIX = {
    "hodges_lehmann_shift": "HL ",
    "cliffs_delta": "Cliff's d ",
    "mean_rank_difference": "rank ",
}

def as_dict(obj: Any) -> dict[str, Any]:
    """The comparison dict from a ``Comparison``, a mapping, or a path to a saved comparison.json.

    Raises:
        InputError: when ``obj`` is none of these, or is not a tracker-compare comparison.

    Example:
        >>> as_dict({"schema": "tracker-compare/comparison/v1", "configs": []})["configs"]
        []
    """
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        obj = obj.to_dict()
    elif isinstance(obj, os.PathLike):
        path = Path(obj)
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"cannot read comparison file {path}: {exc.strerror or exc}") from exc
        except ValueError as exc:
            raise InputError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(obj, Mapping):
        raise InputError(
            f"expected a Comparison, a comparison dict or a path to comparison.json, "
            f"got {type(obj).__name__}"
        )
    schema = obj.get("schema")
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_PREFIX):
        raise InputError(
            f"not a tracker-compare comparison (schema is {schema!r}, expected {SCHEMA_PREFIX}v3, v2 or v1)"
        )
    configs = obj.get("configs")
    if not isinstance(configs, Sequence) or isinstance(configs, str):
        raise InputError("comparison has no 'configs' list")
    for i, c in enumerate(configs):
        if not isinstance(c, Mapping):
            raise InputError(f"configs[{i}] is not an object")
    return dict(obj)




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


def read_typed(value: Any, cls: type[T]) -> T | None:
    """``value`` as the typed result ``cls`` (``shared.compare``'s ``Cost``, ``Pareto``,
    ``ParamImportance``...): as it is, read from its JSON, or ``None`` when it is absent or not
    one (a hand-edited file renders without it rather than failing).

    Example:
        >>> from shared.compare import ParetoPoint
        >>> read_typed({"config": "a", "metric": 0.9, "cost": None}, ParetoPoint).config
        'a'
        >>> read_typed({"config": "a"}, ParetoPoint) is None
        True
    """
    if isinstance(value, cls):
        return value
    if not isinstance(value, Mapping):
        return None
    try:
        return cls.from_dict(value)  # type: ignore[attr-defined]
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def read_typed_list(values: Any, cls: type[T]) -> tuple[T, ...]:
    """Each item of ``values`` that reads as ``cls`` (see :func:`read_typed`)."""
    if not isinstance(values, Sequence) or isinstance(values, str):
        return ()
    return tuple(x for v in values if (x := read_typed(v, cls)) is not None)


def _cost_words(decision: Mapping[str, Any]) -> tuple[str, str | None, str]:
    """(rationale without the cost sentence, the cost sentence, what the cheaper alternative
    was found to be).

    The cost sentence is appended to the rationale (so tracker tags carry it); renderers show
    it on its own line instead. Comparisons saved before ``decision.cost`` existed keep the
    old wording.
    """
    rationale = _text(decision.get("rationale"))
    cost = read_typed(decision.get("cost"), Cost)
    if cost is None:
        return rationale, None, "not significantly worse"
    sentence = cost.sentence or None
    if sentence and rationale.endswith(f". {sentence}"):
        rationale = rationale[: -len(sentence) - 2]
    verdict = None if cost.alternative is None else cost.alternative.verdict
    return rationale, sentence, _CHEAPER_WORDS.get(str(verdict), "see the cost sentence")


def _importance_rows(d: Mapping[str, Any]) -> tuple[str | None, tuple[tuple[str, ...], ...]]:
    """The importance measure in words and one row per separable effect."""
    items = read_typed_list(d.get("param_importance"), ParamImportance)
    measure = None
    rows = []
    for it in items:
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


def build_rows(d: Mapping[str, Any]) -> Rows:
    """The display rows of a comparison dict (already checked by :func:`as_dict`)."""
    metric = d.get("metric") or {}
    name = _text(metric.get("name")) or "metric"
    goal = _text(metric.get("goal"))
    reduce = _text(metric.get("reduce"))
    bits = [f"goal: {goal}" if goal else "", f"reduce: {reduce}" if reduce else ""]
    if d.get("seed_key"):
        bits.append(f"paired by: {d['seed_key']}")
    else:
        bits.append("unpaired")
    if d.get("runs") is not None:
        bits.append(f"runs: {fmt_int(d.get('runs'))}")
    if d.get("alpha") is not None:
        bits.append(f"alpha: {fmt_num(d.get('alpha'))}")
    if d.get("correction"):
        bits.append(f"correction: {d['correction']}")
    if d.get("baseline"):
        bits.append(f"baseline: {d['baseline']}")

    config_rows = []
    for c in d.get("configs") or []:
        # mean, std, CI and median at one precision: that of the std (3 significant digits).
        ci = _ci_bounds(c.get("ci")) or (None, None)
        mean, std, lo, hi, median = fmt_spread(
            (c.get("mean"), c.get("std"), *ci, c.get("median")), c.get("std")
        )
        config_rows.append(
            (
                _text(c.get("name")),
                fmt_int(c.get("n")),
                f"{mean} ± {std}",
                "n/a" if _ci_bounds(c.get("ci")) is None else f"[{lo}, {hi}]",
                median,
            )
        )
    pair_rows = []
    for p in d.get("pairs") or []:
        effect = fmt_num(p.get("effect_size"), 3)
        if p.get("effect_name") and effect != "n/a":
            effect = f"{p['effect_name']}={effect}"
        test = _text(p.get("test"))
        # Tests without a p-value decide by their own numbers: show those beside the test.
        if p.get("p_value") is None and p.get("epsilon_min") is not None:
            test += f" (eps_min={fmt_num(p.get('epsilon_min'), 3)})"
        elif p.get("p_value") is None and p.get("p_b_better") is not None:
            test += (
                f" (P(a)={fmt_num(p.get('p_a_better'), 3)}, P(rope)={fmt_num(p.get('p_rope'), 3)},"
                f" P(b)={fmt_num(p.get('p_b_better'), 3)})"
            )
        # The difference at the precision of its interval (half-width, 3 significant digits).
        ci = _ci_bounds(p.get("ci"))
        diff, lo, hi = fmt_spread((p.get("diff"), *(ci or (None, None))), _half_width(ci))
        # v2: the estimate is the deciding test's own; say which when it is not the mean
        diff = _ESTIMATE_PREFIX.get(str(p.get("estimate") or ""), "") + diff
        pair_rows.append(
            (
                f"{_text(p.get('a'))} vs {_text(p.get('b'))}",
                test,
                diff,
                "n/a" if ci is None else f"[{lo}, {hi}]",
                effect,
                fmt_p(p.get("p_value")),
                fmt_p(p.get("p_adjusted")),
                _yes_no(p.get("significant")),
            )
        )
    why = []
    om = d.get("omnibus")
    if isinstance(om, Mapping) and om and om.get("why"):
        why.append((f"omnibus ({_text(om.get('test'))})", _text(om.get("why"))))
    pair_why = [
        (f"{_text(p.get('a'))} vs {_text(p.get('b'))}",
         _text(p.get("why")) + (f"; {_text(p.get('reach'))}" if p.get("reach") else ""))
        for p in d.get("pairs") or []
        if isinstance(p, Mapping) and p.get("why")
    ]
    if len(pair_why) >= 8 and len({w for _, w in pair_why}) == 1:
        # one reason for a large family (MCB, a named test): say it once, not once a line
        pair_why = [(f"all {len(pair_why)} pairs", pair_why[0][1])]
    why += pair_why
    omnibus = None
    if isinstance(om, Mapping) and om:
        p = fmt_p(om.get("p_value"))
        omnibus = (
            f"{_text(om.get('test'))}: statistic={fmt_num(om.get('statistic'))}, "
            f"p{'' if p.startswith('<') else '='}{p}"
        )
    decision = d.get("decision") or {}
    winner = decision.get("winner")
    seeds = decision.get("seeds_needed")
    rationale, cost_sentence, cheaper_words = _cost_words(decision)
    measure, importance_rows = _importance_rows(d)
    cost_rows = []
    for c in d.get("configs") or []:
        costs = c.get("costs")
        if not isinstance(costs, Mapping):
            continue
        for cost_name, v in costs.items():
            v = v if isinstance(v, Mapping) else {}
            cost_rows.append(
                (
                    _text(c.get("name")),
                    _text(cost_name),
                    fmt_num(v.get("total")),
                    fmt_num(v.get("per_run")),
                )
            )
    return Rows(
        title=f"tracker-compare: {name}",
        subtitle=", ".join(b for b in bits if b),
        config_header=("config", "n", "mean ± std", "95% CI", "median"),
        config_rows=tuple(config_rows),
        pair_header=("a vs b", "test", "estimate", "CI", "effect", "p", "p_adj", "significant"),
        pair_rows=tuple(pair_rows),
        omnibus=omnibus,
        winner=None if winner is None else _text(winner),
        rationale=rationale,
        seeds_needed=None if seeds is None else fmt_int(seeds),
        cheaper=None
        if not decision.get("cheaper_alternative")
        else _text(decision["cheaper_alternative"]),
        cheaper_words=cheaper_words,
        warnings=tuple(_text(w) for w in d.get("warnings") or []),
        cost_header=("config", "cost metric", "total", "per run"),
        cost_rows=tuple(cost_rows),
        schema=_text(d.get("schema")),
        cost=cost_sentence,
        why=tuple(why),
        importance_measure=measure,
        importance_rows=importance_rows,
    )
