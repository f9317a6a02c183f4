"""Power of the two-sided t-test and the number of seeds needed to detect an effect."""

from __future__ import annotations

import math

from shared.errors import InputError

__all__ = ["power", "seeds_needed"]


def _check_prob(value: float, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number between 0 and 1, got {value!r}") from None
    if not 0.0 < v < 1.0:
        raise InputError(f"{name} must be between 0 and 1, got {value!r}")
    return v


def _check_effect(effect_size: float) -> float:
    try:
        es = float(effect_size)
    except (TypeError, ValueError):
        raise InputError(f"effect_size must be a number, got {effect_size!r}") from None
    if not math.isfinite(es):
        raise InputError(f"effect_size must be finite, got {effect_size!r}")
    return abs(es)


def _power(es: float, n: float, alpha: float, paired: bool) -> float:
    from scipy import special, stats

    if paired:  # one-sample t on the differences: df = n - 1, ncp = d_z sqrt(n)
        df, ncp = n - 1.0, es * math.sqrt(n)
    else:  # two equal groups of n: df = 2n - 2, ncp = d sqrt(n / 2)
        df, ncp = 2.0 * n - 2.0, es * math.sqrt(n / 2.0)
    crit = float(special.stdtrit(df, 1.0 - alpha / 2.0))
    # both rejection regions, as statsmodels' TTestPower(alternative="two-sided") counts them
    value = float(stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp))
    if not math.isfinite(value):
        # scipy's noncentral t loses accuracy (NaN) for large df and ncp, exactly where the
        # normal approximation of the noncentral t is excellent.
        value = float(special.ndtr(ncp - crit) + special.ndtr(-ncp - crit))
    return min(1.0, value)


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
    alpha = _check_prob(alpha, "alpha")
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
    alpha = _check_prob(alpha, "alpha")
    target = _check_prob(power, "power")
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
