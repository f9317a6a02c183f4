"""Power of the two-sided t-test and the number of seeds needed to detect an effect."""

from __future__ import annotations

import math

from shared.errors import InputError
from shared.stats._validate import check_alpha, check_fraction

__all__ = ["power", "seeds_needed"]


def _check_effect(effect_size: float) -> float:
    try:
        es = float(effect_size)
    except (TypeError, ValueError):
        raise InputError(f"effect_size must be a number, got {effect_size!r}") from None
    if not math.isfinite(es):
        raise InputError(f"effect_size must be finite, got {effect_size!r}")
    return abs(es)


def _tail_by_quadrature(crit: float, df: float, shift: float) -> float:
    """P(T >= crit) for T = (Z + shift) / sqrt(V / df), Z ~ N(0, 1), V ~ chi2(df), crit > 0.

    T >= crit exactly when w = Z + shift >= 0 and sqrt(V / df) <= w / crit, so the tail is
    int_0^inf phi(w - shift) P(chi2(df) <= df w^2 / crit^2) dw: a smooth, positive,
    one-dimensional integral that keeps full relative precision where scipy's noncentral t
    gives NaN. With shift = -ncp it is the far (lower) tail P(T' <= -crit) of the noncentral
    t with noncentrality ncp, by symmetry.
    """
    from scipy import integrate, special

    peak = max(shift, 0.0)
    const = 1.0 / math.sqrt(2.0 * math.pi)

    def integrand(w: float) -> float:
        return const * math.exp(-0.5 * (w - shift) ** 2) * float(
            special.chdtr(df, df * (w / crit) ** 2)
        )

    # beyond 40 standard deviations from its peak the normal density is below 1e-300
    value, _ = integrate.quad(
        integrand, 0.0, peak + 40.0, points=[peak] if peak > 0 else None,
        epsabs=0.0, epsrel=1e-12, limit=200,
    )
    return float(value)


def _power(es: float, n: float, alpha: float, paired: bool) -> float:
    from scipy import special, stats

    if paired:  # one-sample t on the differences: df = n - 1, ncp = d_z sqrt(n)
        df, ncp = n - 1.0, es * math.sqrt(n)
    else:  # two equal groups of n: df = 2n - 2, ncp = d sqrt(n / 2)
        df, ncp = 2.0 * n - 2.0, es * math.sqrt(n / 2.0)
    crit = float(special.stdtrit(df, 1.0 - alpha / 2.0))
    # Both rejection regions, as statsmodels' TTestPower(alternative="two-sided") counts them,
    # each computed on its own: scipy's noncentral t returns NaN for the far tail at moderate
    # ncp (from about 5, at any df), and replacing the whole power by a normal approximation
    # there was wrong by up to 0.9 at df 1-5. Only a non-finite tail is recomputed.
    near = float(stats.nct.sf(crit, df, ncp))
    if not math.isfinite(near):
        near = 1.0 - float(special.nctdtr(df, ncp, crit))
    if not math.isfinite(near):
        near = _tail_by_quadrature(crit, df, ncp)
    far = float(special.nctdtr(df, ncp, -crit))
    if not math.isfinite(far):
        # The far tail is negligible where scipy fails, and bounded: T <= -crit needs
        # Z + ncp < 0 (so <= Phi(-ncp)), and the noncentral t is stochastically larger than
        # the central one (so <= alpha / 2). The quadrature gives its value within the bounds.
        bound = min(alpha / 2.0, float(special.ndtr(-ncp)))
        far = min(max(_tail_by_quadrature(crit, df, -ncp), 0.0), bound)
    return min(1.0, near + far)


def power(effect_size: float, n: int, *, alpha: float = 0.05, paired: bool = True) -> float:
    """Power of the two-sided t-test to detect ``effect_size`` with ``n`` seeds per configuration.

    Paired: the one-sample t-test of the differences with effect d_z (statsmodels
    ``TTestPower``). Unpaired: the two-sample t-test with n per group and effect Cohen's d
    (statsmodels ``TTestIndPower`` with ratio 1). Computed from the noncentral t distribution.

    Args:
        effect_size: standardised effect (its sign does not matter).
        n: seeds (replicates) per configuration, at least 2.
        alpha: significance level.
        paired: paired design or two independent groups.

    Raises:
        InputError: n < 2, alpha outside (0, 1), non-finite effect size.

    Example:
        >>> round(power(0.5, 20, alpha=0.05, paired=True), 4)
        0.5645
    """
    alpha = check_alpha(alpha)
    es = _check_effect(effect_size)
    if isinstance(n, bool) or int(n) != n or n < 2:
        raise InputError(f"n must be an integer >= 2, got {n!r}")
    return _power(es, float(n), alpha, paired)


def seeds_needed(
    effect_size: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    paired: bool = True,
    max_n: int = 100_000,
) -> int | None:
    """Smallest number of seeds per configuration whose t-test reaches ``power`` for this effect.

    The integer ceiling of what statsmodels' ``TTestPower().solve_power`` (paired) or
    ``TTestIndPower().solve_power`` (unpaired, per group) returns.

    Args:
        effect_size: d_z (paired) or Cohen's d / Hedges' g (unpaired); sign ignored.
        alpha: significance level.
        power: the power wanted (0.8 is customary).
        paired: paired design or two independent groups.
        max_n: give up above this many seeds.

    Returns:
        The number of seeds, or None when the effect is zero or needs more than ``max_n``.

    Raises:
        InputError: alpha or power outside (0, 1), non-finite effect size.

    Example:
        >>> seeds_needed(0.5, alpha=0.05, power=0.8, paired=True)
        34
    """
    alpha = check_alpha(alpha)
    target = check_fraction(power, "power")
    es = _check_effect(effect_size)
    if es == 0.0:
        return None
    if _power(es, 2.0, alpha, paired) >= target:
        return 2
    # power increases with n: double until reached, then bisect (power(lo) < target <= power(hi))
    lo, hi = 2, 4
    while _power(es, float(hi), alpha, paired) < target:
        if hi >= max_n:
            return None
        lo, hi = hi, min(2 * hi, max_n)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _power(es, float(mid), alpha, paired) >= target:
            hi = mid
        else:
            lo = mid
    return hi
