"""The one result shape every statistical test returns (scipy.stats style)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["TestResult", "ConfidenceInterval"]


@dataclass(frozen=True)
class ConfidenceInterval:
    """A two-sided interval ``[low, high]`` at ``level`` (e.g. 0.95)."""

    low: float
    high: float
    level: float = 0.95

    def to_list(self) -> list[float | None]:
        return [_finite_or_none(self.low), _finite_or_none(self.high)]


def _finite_or_none(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class TestResult:
    """What a test found.

    Args:
        test: the test's name in our vocabulary (``"paired-t"``, ``"welch"``, ``"wilcoxon"``...).
        statistic: the test statistic (t, W, U, chi-square, F...), NaN when undefined.
        pvalue: two-sided p-value in [0, 1] (NaN only when the test is undefined, with a warning).
        df: degrees of freedom where the test has them.
        estimate: the estimated difference (a - b) or effect the test is about.
        ci: confidence interval of ``estimate`` where one exists.
        method: how it was computed (``"exact"``, ``"asymptotic"``, ``"BCa"``...).
        extra: test-specific numbers (e.g. ``{"critical_difference": 1.2}``).
        warnings: what went wrong or was approximated, in plain words.
    """

    __test__ = False  # not a pytest test class

    test: str
    statistic: float
    pvalue: float
    df: float | None = None
    estimate: float | None = None
    ci: ConfidenceInterval | None = None
    method: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def confidence_interval(self) -> ConfidenceInterval | None:
        """The CI of ``estimate`` (scipy.stats-style accessor)."""
        return self.ci

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["statistic"] = _finite_or_none(self.statistic)
        d["pvalue"] = _finite_or_none(self.pvalue)
        d["estimate"] = _finite_or_none(self.estimate)
        d["ci"] = self.ci.to_list() if self.ci else None
        d["warnings"] = list(self.warnings)
        return d
