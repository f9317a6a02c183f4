"""Typed results of a comparison's extras: MCB, the Pareto front, the cost in words, param
effects and param importance (issue 21: they were JSON-shaped mappings).

Each is a frozen dataclass whose ``to_dict()`` is exactly the JSON it always had (same keys,
same order, NaN and infinities as ``null``) and whose ``from_dict`` reads that JSON back, or
the dict the stage computing it returns (``_mcb.mcb``, ``_pareto.cost_rationale``,
``_sweep.param_effects``, ``_importance.param_importance``): the stages keep their plain
dicts, and the ``Comparison`` holds these. Members a newer writer added stay in ``extra``
(reading and writing back changes nothing).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.compare.results._jsonable import finite_or_none, jsonable

__all__ = [
    "Cost",
    "CostAdvantage",
    "CostAlternative",
    "MCB",
    "MCBRow",
    "MCBVersusTop",
    "ParamEffect",
    "ParamImportance",
    "Pareto",
    "ParetoPoint",
]


def _num(x: Any) -> float:
    return math.nan if x is None else float(x)


def _opt(x: Any) -> float | None:
    return None if x is None else float(x)


def _span(x: Sequence[Any] | None) -> tuple[float, float] | None:
    return None if x is None else (_num(x[0]), _num(x[1]))


def _span_json(x: tuple[float, float] | None) -> list[float | None] | None:
    return None if x is None else [finite_or_none(x[0]), finite_or_none(x[1])]


def _rest(d: Mapping[str, Any], known: Sequence[str]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in known}


def _with(out: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    for k, v in extra.items():
        out.setdefault(k, jsonable(v))
    return out


@dataclass(frozen=True)
class MCBRow:
    """One configuration in comparison with the best: ``distance`` from the best of the
    others (goal direction, > 0 better), its simultaneous ``ci``, whether it is
    ``in_best_set``, its runs ``n``, and ``margin_low`` (its smallest lower bound at the
    winner's quantile)."""

    name: str
    distance: float
    ci: tuple[float, float]
    in_best_set: bool
    n: int
    margin_low: float
    extra: Mapping[str, Any] = field(default_factory=dict)

    _KEYS = ("name", "distance", "ci", "in_best_set", "n", "margin_low")

    def to_dict(self) -> dict[str, Any]:
        return _with({
            "name": self.name, "distance": finite_or_none(self.distance),
            "ci": _span_json(self.ci), "in_best_set": bool(self.in_best_set),
            "n": int(self.n), "margin_low": finite_or_none(self.margin_low),
        }, self.extra)  # fmt: skip

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MCBRow:
        return cls(
            name=str(d["name"]), distance=_num(d["distance"]),
            ci=_span(d["ci"]) or (math.nan, math.nan), in_best_set=bool(d["in_best_set"]),
            n=int(d["n"]), margin_low=_num(d.get("margin_low")), extra=_rest(d, cls._KEYS),
        )


@dataclass(frozen=True)
class MCBVersusTop:
    """A configuration ``a`` against the top one ``b`` by mean (``diff = a - b``, metric
    units), with the simultaneous interval, standard error and df that decide it."""

    a: str
    b: str
    diff: float
    ci: tuple[float, float]
    se: float
    df: float
    significant: bool
    extra: Mapping[str, Any] = field(default_factory=dict)

    _KEYS = ("a", "b", "diff", "ci", "se", "df", "significant")

    def to_dict(self) -> dict[str, Any]:
        return _with({
            "a": self.a, "b": self.b, "diff": finite_or_none(self.diff),
            "ci": _span_json(self.ci), "se": finite_or_none(self.se),
            "df": finite_or_none(self.df), "significant": bool(self.significant),
        }, self.extra)  # fmt: skip

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MCBVersusTop:
        return cls(
            a=str(d["a"]), b=str(d["b"]), diff=_num(d["diff"]),
            ci=_span(d["ci"]) or (math.nan, math.nan), se=_num(d["se"]), df=_num(d["df"]),
            significant=bool(d["significant"]), extra=_rest(d, cls._KEYS),
        )


@dataclass(frozen=True)
class MCB:
    """Comparison with the best (Hsu's MCB, ``_mcb``): which configuration is best, and which
    could still be (``best_set``); ``rows`` best first; ``critical_set`` the simultaneous
    quantiles per row, ``critical_winner`` the winner's."""

    method: str
    question: str
    alpha: float
    design: str
    variance: str
    df: float
    critical_set: tuple[float, ...]
    critical_winner: float
    best: str | None
    best_set: tuple[str, ...]
    rows: tuple[MCBRow, ...]
    versus_top: tuple[MCBVersusTop, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    _KEYS = ("method", "question", "alpha", "design", "variance", "df", "critical", "best",
             "best_set", "rows", "versus_top")

    def row(self, name: str) -> MCBRow | None:
        """The row of configuration ``name``, or ``None``."""
        return next((r for r in self.rows if r.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return _with({
            "method": self.method, "question": self.question, "alpha": float(self.alpha),
            "design": self.design, "variance": self.variance, "df": finite_or_none(self.df),
            "critical": {"set": [finite_or_none(c) for c in self.critical_set],
                         "winner": finite_or_none(self.critical_winner)},
            "best": self.best, "best_set": list(self.best_set),
            "rows": [r.to_dict() for r in self.rows],
            "versus_top": [v.to_dict() for v in self.versus_top],
        }, self.extra)  # fmt: skip

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MCB:
        critical = d.get("critical") or {}
        return cls(
            method=str(d["method"]), question=str(d["question"]), alpha=float(d["alpha"]),
            design=str(d["design"]), variance=str(d["variance"]), df=_num(d["df"]),
            critical_set=tuple(_num(c) for c in critical.get("set", ())),
            critical_winner=_num(critical.get("winner")), best=d["best"],
            best_set=tuple(str(n) for n in d["best_set"]),
            rows=tuple(MCBRow.from_dict(r) for r in d["rows"]),
            versus_top=tuple(MCBVersusTop.from_dict(v) for v in d.get("versus_top", ())),
            extra=_rest(d, cls._KEYS),
        )


@dataclass(frozen=True)
class ParetoPoint:
    """A configuration on the metric-cost plane: its mean ``metric`` and ``cost`` per run."""

    config: str
    metric: float
    cost: float

    def to_dict(self) -> dict[str, Any]:
        return {"config": self.config, "metric": finite_or_none(self.metric),
                "cost": finite_or_none(self.cost)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ParetoPoint:
        return cls(config=str(d["config"]), metric=_num(d["metric"]), cost=_num(d["cost"]))


@dataclass(frozen=True)
class Pareto:
    """The Pareto front on ``cost_metric`` (``_pareto``): the configurations on it and every
    configuration's point."""

    cost_metric: str
    front: tuple[str, ...]
    points: tuple[ParetoPoint, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)

    _KEYS = ("cost_metric", "front", "points")

    def to_dict(self) -> dict[str, Any]:
        return _with({"cost_metric": self.cost_metric, "front": list(self.front),
                      "points": [p.to_dict() for p in self.points]}, self.extra)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Pareto:
        return cls(
            cost_metric=str(d["cost_metric"]), front=tuple(str(n) for n in d["front"]),
            points=tuple(ParetoPoint.from_dict(p) for p in d["points"]),
            extra=_rest(d, cls._KEYS),
        )


@dataclass(frozen=True)
class CostAdvantage:
    """The best configuration's advantage over the cheapest: the deciding test's estimate
    and interval (positive: the best is better)."""

    estimate: float
    ci: tuple[float, float] | None
    test: str
    significant: bool

    def to_dict(self) -> dict[str, Any]:
        return {"estimate": finite_or_none(self.estimate), "ci": _span_json(self.ci),
                "test": self.test, "significant": bool(self.significant)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CostAdvantage:
        return cls(estimate=_num(d["estimate"]), ci=_span(d["ci"]), test=str(d["test"]),
                   significant=bool(d["significant"]))


@dataclass(frozen=True)
class CostAlternative:
    """The cheapest configuration cheaper than the best that the data support choosing."""

    config: str
    cost: float
    verdict: str
    ratio: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"config": self.config, "cost": finite_or_none(self.cost),
                "verdict": self.verdict, "ratio": finite_or_none(self.ratio)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CostAlternative:
        return cls(config=str(d["config"]), cost=_num(d["cost"]), verdict=str(d["verdict"]),
                   ratio=_opt(d["ratio"]))


@dataclass(frozen=True)
class Cost:
    """The cost in words and numbers (``decision.cost``; ``_pareto.cost_rationale``):
    ``ratio`` is best cost / cheapest cost (``None`` when a cost is not positive),
    ``verdict`` one of ``_pareto.VERDICTS``."""

    cost_metric: str
    best: str
    best_is_winner: bool
    best_cost: float
    cheapest_on_front: str
    cheapest_cost: float
    ratio: float | None
    verdict: str
    sentence: str
    advantage: CostAdvantage | None = None
    alternative: CostAlternative | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    _KEYS = ("cost_metric", "best", "best_is_winner", "best_cost", "cheapest_on_front",
             "cheapest_cost", "ratio", "advantage", "alternative", "verdict", "sentence")

    def to_dict(self) -> dict[str, Any]:
        return _with({
            "cost_metric": self.cost_metric, "best": self.best,
            "best_is_winner": bool(self.best_is_winner),
            "best_cost": finite_or_none(self.best_cost),
            "cheapest_on_front": self.cheapest_on_front,
            "cheapest_cost": finite_or_none(self.cheapest_cost),
            "ratio": finite_or_none(self.ratio),
            "advantage": None if self.advantage is None else self.advantage.to_dict(),
            "alternative": None if self.alternative is None else self.alternative.to_dict(),
            "verdict": self.verdict, "sentence": self.sentence,
        }, self.extra)  # fmt: skip

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Cost:
        adv, alt = d.get("advantage"), d.get("alternative")
        return cls(
            cost_metric=str(d["cost_metric"]), best=str(d["best"]),
            best_is_winner=bool(d["best_is_winner"]), best_cost=_num(d["best_cost"]),
            cheapest_on_front=str(d["cheapest_on_front"]),
            cheapest_cost=_num(d["cheapest_cost"]), ratio=_opt(d["ratio"]),
            verdict=str(d["verdict"]), sentence=str(d["sentence"]),
            advantage=None if adv is None else CostAdvantage.from_dict(adv),
            alternative=None if alt is None else CostAlternative.from_dict(alt),
            extra=_rest(d, cls._KEYS),
        )


@dataclass(frozen=True)
class ParamEffect:
    """A numeric param's rank trend with the metric over configurations (``_sweep``):
    Spearman's ``rho``, its ``ci``, ``n`` configurations, and ``better_when`` ("higher",
    "lower" or "unclear")."""

    param: str
    rho: float
    ci: tuple[float, float] | None
    n: int
    better_when: str
    extra: Mapping[str, Any] = field(default_factory=dict)

    _KEYS = ("param", "rho", "ci", "n", "better_when")

    def to_dict(self) -> dict[str, Any]:
        return _with({"param": self.param, "rho": finite_or_none(self.rho),
                      "ci": _span_json(self.ci), "n": int(self.n),
                      "better_when": self.better_when}, self.extra)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ParamEffect:
        return cls(param=str(d["param"]), rho=_num(d["rho"]), ci=_span(d["ci"]), n=int(d["n"]),
                   better_when=str(d["better_when"]), extra=_rest(d, cls._KEYS))


@dataclass(frozen=True)
class ParamImportance:
    """The share of the metric's variance one param (or a confounded group, ``params``)
    explains (``_importance``): ``importance`` (``None`` when nothing varies), the one-way
    ``marginal``, how it was measured, and the order it entered."""

    param: str
    params: tuple[str, ...] = ()
    importance: float | None = None
    marginal: float | None = None
    method: str = ""
    levels: int | None = None
    confounded: bool = False
    note: str | None = None
    partition: str = ""
    order: int | None = None
    measure: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    _KEYS = ("param", "params", "importance", "marginal", "method", "levels", "confounded",
             "note", "partition", "order", "measure")

    def to_dict(self) -> dict[str, Any]:
        return _with({
            "param": self.param, "params": list(self.params),
            "importance": finite_or_none(self.importance),
            "marginal": finite_or_none(self.marginal), "method": self.method,
            "levels": None if self.levels is None else int(self.levels), "confounded": bool(self.confounded), "note": self.note,
            "partition": self.partition, "order": None if self.order is None else int(self.order),
            "measure": self.measure,
        }, self.extra)  # fmt: skip

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ParamImportance:
        """From its JSON; an entry of a comparison saved before importance had every member
        (``param``, ``importance``, ``method`` only) reads with the rest left empty."""
        levels, order = d.get("levels"), d.get("order")
        return cls(
            param=str(d["param"]), params=tuple(str(p) for p in d.get("params", ())),
            importance=_opt(d.get("importance")), marginal=_opt(d.get("marginal")),
            method=str(d.get("method", "")), levels=None if levels is None else int(levels),
            confounded=bool(d.get("confounded", False)), note=d.get("note"),
            partition=str(d.get("partition", "")),
            order=None if order is None else int(order), measure=str(d.get("measure", "")),
            extra=_rest(d, cls._KEYS),
        )
