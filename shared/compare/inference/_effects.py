"""Effect sizes of a pair: Hedges' g (g_z when paired), or Cliff's delta.

The reported effect is the one the test's registry record names (``TestSpec.effect``):
Cliff's delta for Mann-Whitney and ASO, Hedges' g for the rest. The standardised effect used
for power analysis is always Hedges' g, whichever effect is reported.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from shared.compare.configs._pairing import is_constant
from shared.compare.inference._options import LEVEL
from shared.errors import InputError

__all__ = ["EffectSize", "effect_size", "g_name", "g_point"]


class EffectSize(NamedTuple):
    """The effect size of one pair, as ``PairResult`` reports it.

    Attributes:
        value: the reported effect (``None`` when undefined).
        name: its name ("hedges_g", "hedges_g_z", "cliffs_delta").
        ci: its CI, or ``None`` (not computed for large families, or undefined).
        std: Hedges' g for the power analysis (``None`` when undefined).
        warnings: why an effect is undefined, if it is.
    """

    value: float | None
    name: str | None
    ci: tuple[float, float] | None
    std: float | None
    warnings: list[str]


def g_name(g: float | None, paired: bool) -> str | None:
    """The name of a Hedges' g value: ``hedges_g_z`` when paired; ``None`` when g is.

    Example:
        >>> g_name(0.4, paired=True), g_name(None, paired=False)
        ('hedges_g_z', None)
    """
    if g is None:
        return None
    return "hedges_g_z" if paired else "hedges_g"


def g_point(a: np.ndarray, b: np.ndarray, paired: bool) -> float | None:
    """Hedges' g (g_z when paired) without its CI: the formulas of ``shared.stats.hedges_g``.

    The CI of g needs a noncentral-t root search per pair; with hundreds of pairs that would
    dominate the run time, so large families report the point estimate only.

    Example:
        >>> round(g_point(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 2.0]), False), 3)
        0.798
    """
    from shared.stats import hedges_correction

    if paired:
        d = a - b
        if d.size < 2 or is_constant(d, a, b):
            return None
        # Hedges' J is 0 at df = 1 (two pairs): report the uncorrected d_z there, as
        # shared.stats.hedges_g does (with its warning)
        j = hedges_correction(d.size - 1.0) if d.size > 2 else 1.0
        return j * float(d.mean()) / float(np.std(d, ddof=1))
    if a.size < 2 or b.size < 2:
        return None
    df = a.size + b.size - 2.0
    sd = math.sqrt(((a.size - 1) * np.var(a, ddof=1) + (b.size - 1) * np.var(b, ddof=1)) / df)
    if sd <= 0 or (is_constant(a, a, b) and is_constant(b, a, b)):
        return None
    return hedges_correction(df) * float(a.mean() - b.mean()) / sd


def effect_size(
    a: np.ndarray, b: np.ndarray, paired: bool, kind: str, with_ci: bool = True
) -> EffectSize:
    """The effect of ``a`` over ``b`` of the kind the pair's test reports.

    Args:
        a, b: the two samples (aligned by seed when ``paired``).
        paired: g_z of the differences rather than g of two samples.
        kind: "hedges_g" or "cliffs_delta" (``TestSpec.effect``).
        with_ci: compute the CI of g (a root search; skipped for large families).

    Example:
        >>> e = effect_size(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 2.0]), False,
        ...                 "hedges_g")
        >>> e.name, round(e.value, 3)
        ('hedges_g', 0.798)
    """
    from shared.stats import cliffs_delta, hedges_g

    warnings: list[str] = []
    g_val: float | None = None
    g_label: str | None = None
    g_ci: tuple[float, float] | None = None
    if not with_ci:
        g_val = g_point(a, b, paired)
        g_label = g_name(g_val, paired)
    else:
        try:
            g = hedges_g(a, b, paired=paired, level=LEVEL)
            # the effect's own caveats (n=2, an uncorrected estimate...) go with it
            warnings.extend(getattr(g, "warnings", ()) or ())
            if math.isfinite(g.value):
                g_val, g_label = float(g.value), g.name
                g_ci = (float(g.ci.low), float(g.ci.high)) if g.ci is not None else None
        except InputError as exc:
            warnings.append(str(exc))
    if kind == "cliffs_delta" and a.size >= 2 and b.size >= 2:
        try:
            c = cliffs_delta(a, b, level=LEVEL)
            ci = (float(c.ci.low), float(c.ci.high)) if c.ci is not None else None
            return EffectSize(float(c.value), c.name, ci, g_val, warnings)
        except InputError as exc:
            warnings.append(str(exc))
    return EffectSize(g_val, g_label, g_ci, g_val, warnings)
