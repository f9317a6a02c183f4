"""Effect sizes with confidence intervals: Hedges' g (g_z when paired) and Cliff's delta."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shared.stats._result import ConfidenceInterval, _finite_or_none
from shared.stats._validate import (
    as_pair,
    check_level,
    is_constant,
    pow2_scale,
    rounding_noise,
    tie_tolerance,
)

__all__ = ["Effect", "hedges_g", "cliffs_delta", "hedges_correction"]


@dataclass(frozen=True)
class Effect:
    """An effect size.

    Args:
        name: ``"hedges_g"``, ``"hedges_g_z"`` (paired) or ``"cliffs_delta"``.
        value: the estimate (positive when ``a`` is larger).
        ci: its confidence interval (NaN bounds when undefined, with a warning).
        extra: related numbers (uncorrected d, probability of superiority...).
        warnings: what could not be computed and why.
    """

    name: str
    value: float
    ci: ConfidenceInterval
    extra: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": _finite_or_none(self.value),
            "ci": self.ci.to_list(),
            "level": self.ci.level,
            "extra": dict(self.extra),
            "warnings": list(self.warnings),
        }


def hedges_correction(df: float) -> float:
    """Hedges' (1981) exact small-sample bias correction J(df) = G(df/2) / (sqrt(df/2) G((df-1)/2))."""
    from scipy import special

    return float(math.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) /
                 math.sqrt(df / 2))


def _ncp_interval(t: float, df: float, level: float) -> tuple[float, float]:
    """CI of the noncentrality parameter of a t statistic by inverting the noncentral t CDF
    (Steiger & Fouladi 1997; what MBESS::conf.limits.nct computes).

    Raises:
        ArithmeticError: scipy's noncentral t cannot be evaluated this far out (huge t).
    """
    from scipy import optimize, special

    alpha = 1.0 - level

    def solve(target: float) -> float:
        def f(ncp: float) -> float:
            # the ufunc itself (what stats.nct.cdf calls), without the distribution
            # machinery's argument checks: ~20x faster per call, same numbers
            value = float(special.nctdtr(df, ncp, t)) - target
            if math.isnan(value):
                raise ArithmeticError("noncentral t CDF is NaN")
            return value

        # the CDF decreases in ncp: widen the bracket until it changes sign
        width = 2.0 + abs(t)
        lo, hi = t - width, t + width
        for _ in range(60):
            if f(lo) >= 0:
                break
            lo -= width
            width *= 2
        for _ in range(60):
            if f(hi) <= 0:
                break
            hi += width
            width *= 2
        try:
            return float(optimize.brentq(f, lo, hi, xtol=1e-12, rtol=1e-12))
        except (ValueError, RuntimeError) as exc:
            raise ArithmeticError(str(exc)) from None

    return solve(1.0 - alpha / 2), solve(alpha / 2)


def hedges_g(a: Any, b: Any, *, paired: bool, level: float = 0.95) -> Effect:
    """Standardised mean difference of ``a - b`` with Hedges' small-sample correction.

    Unpaired: g = J(n_a + n_b - 2) * (mean_a - mean_b) / pooled sd. Paired: g_z = J(n - 1) *
    mean(d) / sd(d) (Cohen's d_z, the effect the paired t-test and its power analysis use).
    The CI is for the population effect, from the noncentral t distribution of the t statistic
    (exact under normality; no bias correction applies to it).

    Args:
        a, b: the two samples (equal length when ``paired``), at least 2 values each.
        paired: a[i] and b[i] share a replicate.
        level: confidence level.

    Returns:
        ``Effect``; its ``warnings`` (also in ``to_dict()``) say when the value is the
        uncorrected d_z (2 pairs: ``extra["uncorrected"]``) or rests on a sample of only 2
        values; show them beside the number.

    Raises:
        InputError: too few values, mismatched lengths when paired.

    Example:
        >>> e = hedges_g([2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 3.0, 4.0], paired=False)
        >>> round(e.value, 3)
        0.673
    """
    level = check_level(level)
    warnings: list[str] = []
    xa, xb = as_pair(a, b, paired=paired, warnings=warnings)
    unit = pow2_scale(xa, xb)  # exact and scale-free: avoids overflow/underflow in variances
    xa, xb = xa / unit, xb / unit
    tol = tie_tolerance(xa, xb)
    if paired:
        d = xa - xb
        n = d.size
        df = n - 1
        diff = float(d.mean())
        sd = 0.0 if is_constant(d, tol) else float(np.std(d, ddof=1))
        scale = math.sqrt(n)  # t = d_z * sqrt(n)
        name, raw_name = "hedges_g_z", "d_z"
    else:
        na, nb = xa.size, xb.size
        df = na + nb - 2
        diff = float(xa.mean() - xb.mean())
        va = 0.0 if is_constant(xa, tol) else float(np.var(xa, ddof=1))
        vb = 0.0 if is_constant(xb, tol) else float(np.var(xb, ddof=1))
        sd = math.sqrt(((na - 1) * va + (nb - 1) * vb) / df)
        scale = math.sqrt(na * nb / (na + nb))
        name, raw_name = "hedges_g", "cohen_d"
    extra: dict[str, Any] = {"df": df, "paired": paired}
    if df < 2:
        # J(1) = 0: with one degree of freedom no finite unbiased correction exists.
        j = 1.0
        warnings.append(
            f"{name} from 2 pairs (1 degree of freedom): Hedges' small-sample correction "
            f"does not exist there, so this is the uncorrected {raw_name}, which overstates "
            "the effect; its standard deviation rests on one degree of freedom, so the value "
            "is very unstable: read its CI, or run more seeds"
        )
    else:
        j = hedges_correction(df)
    extra["correction"] = j
    smallest = n if paired else min(na, nb)
    extra["uncorrected"] = df < 2
    if smallest == 2 and df >= 2:
        # a sample of 2 gives its variance one degree of freedom: g is corrected but erratic
        warnings.append(
            f"{name} with only 2 values in one sample: the standard deviation is very "
            f"unstable (Hedges' correction shrinks d by {1 - j:.0%} at {df} degrees of "
            "freedom); read its CI, or run more seeds"
        )
    if sd == 0.0:
        warnings.append("zero standard deviation: the standardised effect is undefined "
                        f"(raw mean difference {diff * unit:.6g})")
        extra[raw_name] = math.nan
        return Effect(name, math.nan, ConfidenceInterval(math.nan, math.nan, level), extra,
                      tuple(warnings))
    raw = diff / sd
    extra[raw_name] = raw
    t = raw * scale
    try:
        lo, hi = _ncp_interval(t, df, level)
    except ArithmeticError:
        # scipy's noncentral t fails far out (|t| in the thousands). There T = (Z + ncp) /
        # sqrt(V / df) is dominated by ncp, so ncp ~ t * sqrt(V / df) with V ~ chi2(df): an
        # interval within 0.1% of the exact one already at t = 300.
        from scipy import stats

        q = stats.chi2.ppf([(1 - level) / 2, (1 + level) / 2], df)
        lo, hi = sorted(t * math.sqrt(v / df) for v in q)
        warnings.append(f"very large effect (t = {t:.3g}): CI from the large-t limit of the "
                        "noncentral t distribution")
    return Effect(name, j * raw, ConfidenceInterval(lo / scale, hi / scale, level), extra,
                  tuple(warnings))


def cliffs_delta(
    a: Any,
    b: Any,
    *,
    level: float = 0.95,
    ci_distribution: str = "t",
    variance: str = "unbiased",
) -> Effect:
    """Cliff's delta = P(a > b) - P(a < b), with the probability of superiority.

    The CI is the asymmetric interval of Feng & Cliff (2004) around Cliff's (1993) unbiased
    variance estimate (``variance="unbiased"``, falling back to the always non-negative
    consistent estimate of Cliff 1996 when it is not positive) or the consistent one
    (``variance="consistent"``), with a Student t (df = n_a + n_b - 2) or normal quantile:
    the defaults match R's ``effsize::cliff.delta``.
    ``extra["prob_superiority"]`` is P(a > b) + P(a = b) / 2 = (delta + 1) / 2 (the common
    language effect size of McGraw & Wong / Vargha & Delaney's A), with its CI.

    Args:
        a, b: the two samples, at least 2 values each.
        level: confidence level.
        ci_distribution: "t" or "normal".
        variance: "unbiased" or "consistent".

    Raises:
        InputError: too few values or unknown ``ci_distribution`` / ``variance``.

    Example:
        >>> cliffs_delta([10, 10, 20, 20, 20, 30, 30, 30, 40, 50], [10, 20, 30, 40, 40, 50]).value
        -0.25
    """
    from scipy import special

    from shared.errors import InputError

    level = check_level(level)
    if ci_distribution not in ("t", "normal"):
        raise InputError(f"ci_distribution must be 't' or 'normal', got {ci_distribution!r}")
    if variance not in ("unbiased", "consistent"):
        raise InputError(f"variance must be 'unbiased' or 'consistent', got {variance!r}")
    warnings: list[str] = []
    xa, xb = as_pair(a, b, paired=False, warnings=warnings)
    unit = pow2_scale(xa, xb)  # exact; keeps a_i - b_j finite
    xa, xb = xa / unit, xb / unit
    na, nb = xa.size, xb.size
    diff = xa[:, None] - xb[None, :]
    # a_i and b_j tie when they differ by no more than their own rounding noise
    dom = np.where(np.abs(diff) <= rounding_noise(xa[:, None], xb[None, :]), 0.0,
                   np.sign(diff))
    delta = float(dom.mean())
    ss_i = float(((dom.mean(axis=1) - delta) ** 2).sum())
    ss_j = float(((dom.mean(axis=0) - delta) ** 2).sum())
    ss_ij = float(((dom - delta) ** 2).sum())
    used = variance
    var = math.nan
    if variance == "unbiased":
        var = (nb**2 * ss_i + na**2 * ss_j - ss_ij) / (na * nb * (na - 1) * (nb - 1))
        if not var > 0.0:
            used = "consistent"
    if used == "consistent":
        var = ((nb - 1) * ss_i / (na - 1) + (na - 1) * ss_j / (nb - 1)
               + ss_ij / ((na - 1) * (nb - 1))) / (na * nb)
        if variance == "unbiased" and var > 0.0:
            warnings.append("the unbiased variance estimate was not positive: "
                            "used the consistent estimate for the CI")
    if ci_distribution == "normal":
        z = float(special.ndtri(0.5 + level / 2))
    else:
        z = float(special.stdtrit(na + nb - 2, 0.5 + level / 2))
    extra: dict[str, Any] = {"prob_superiority": (delta + 1) / 2, "variance": var,
                             "ci_distribution": ci_distribution, "variance_estimate": used}
    denom = 1 - delta**2 + z**2 * var
    if var <= 0.0 or denom <= 0.0:
        warnings.append(
            "no variability in the dominance matrix (e.g. every a beats every b): "
            "the Cliff's delta CI is undefined"
        )
        lo = hi = math.nan
    else:
        half = z * math.sqrt(var) * math.sqrt((1 - delta**2) ** 2 + z**2 * var)
        lo = (delta - delta**3 - half) / denom
        hi = (delta - delta**3 + half) / denom
    extra["prob_superiority_ci"] = [_finite_or_none((lo + 1) / 2), _finite_or_none((hi + 1) / 2)]
    return Effect("cliffs_delta", delta, ConfidenceInterval(lo, hi, level), extra,
                  tuple(warnings))
