"""The confirm plan: which configurations, how many seeds at each look, the alpha of each look.

The stopping rule is a group-sequential design with error spending (Lan & DeMets 1983):
looks are planned in advance at ``n_k = seeds, seeds + step, ..., max_seeds`` seeds per
configuration still in the race, with information fractions ``t_k = n_k / max_seeds``, and the
spending function ``A(t) = alpha * t**rho`` (Kim & DeMets 1987's power family; ``rho = 1``
spends like Pocock's boundary, ``rho = 3`` like O'Brien-Fleming's) gives look ``k`` the share
``A(t_k) - A(t_{k-1})`` of the false-winner rate.

Each look's nominal level (the alpha its comparison runs at) is computed from the joint
distribution of the looks (Jennison & Turnbull 2000, ch. 2-4 and 11): the probability that
look ``k`` is the *first* to find a difference, given that no earlier look did, is its share.
Because the looks share their seeds they are strongly correlated, so these levels are much
larger than the shares themselves, which is where the seeds are saved: at the default looks
(3, 6, 9, 12, 15, 18, 20 seeds) the shares are 0.0011, 0.0034, 0.0056, 0.0079, 0.0101, 0.0124,
0.0095 (what the union bound used before compared at), the levels 0.0011, 0.0035, 0.0067,
0.0111, 0.0164, 0.0239, 0.0283. The joint law is the one of the paired t statistics at those seed counts
(``shared.stats._sequential.t_look_alphas``: at 2-20 seeds the normal-theory boundaries,
``spending_boundaries``, would give 5.5% false winners at alpha = 5%).

Everything a look can claim is inside that error control because every claim is a one-sided
crossing of the same boundaries: a winner (significant at the look's level, and, with
``min_effect``, the look's ``1 - alpha_k`` interval entirely beyond ``min_effect``: a test of
"no better than by min_effect" at ``alpha_k / 2``), and "equivalent within min_effect" (every
pair's ``1 - alpha_k`` interval inside ``(-min_effect, min_effect)``: two one-sided tests at
``alpha_k / 2``). So the false-winner rate is at most ``alpha`` when the configurations are
equal, at most ``alpha / 2`` when the true difference is exactly ``min_effect``, and a false
"equivalent" (true difference ``min_effect``) at most ``alpha / 2`` (measured by
``benchmarks/confirm_calibration.py``). Stopping because the budget is spent claims nothing.

The levels are exact for two configurations compared by the paired t-test, and every look of
an adaptive confirm runs that test (``shared.confirm._loop``). Letting ``auto`` choose per look
(the signed-rank test where Shapiro-Wilk rejects, 5% of looks on normal data) is a data-driven
switch outside the joint law. Its cost is small but real: on the same 40,000 simulated
normal sequences it adds 0.10 +- 0.02 points of false winners (5.14% against 5.04% at alpha
5%). The 6.3% +- 0.8% measured before with 1000 data sets was mostly Monte Carlo error (2000
data sets now: 4.75% +- 0.48%, ``benchmarks/confirm_calibration.py``). At 3-20 seeds the t-test's level is robust to moderate
non-normality (Colas et al. 2019); data with no spread at all fall back to ``auto``. With more
configurations each look's family is corrected (Holm) at the look's level; the calibration
benchmark measures the whole procedure as it runs.

An anytime-valid e-value test (Ramdas et al. 2023, "Game-theoretic statistics and safe
anytime-valid inference") was the alternative: it allows looking after every seed, but at the
2-20 seeds of a seed study its power is far below a t-test's (the price of validity at every
n), and it would replace the registry's tests instead of reusing them.

``rho = 2`` and ``step = 3`` were chosen with ``benchmarks/confirm_calibration.py`` and a
vectorised simulation of the paired t design (mean seeds against the fixed design of equal
power): 37% fewer seeds at 1.0 SD and 36% at 1.5 SD, 3% fewer at 0.5 SD. A flatter spending
(``rho = 1``) stops sooner at 1.5 SD (43%) but costs 8% more seeds than the fixed design at
0.5 SD; O'Brien-Fleming-type spending saves only 24% at 1.5 SD.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from shared.errors import InputError

__all__ = ["DEFAULT_RHO", "DEFAULT_STEP", "Plan", "look_levels", "spent"]

#: exponent of the spending function ``alpha * t**rho`` (see the module docstring).
DEFAULT_RHO = 2.0
#: seeds added per round (see the module docstring).
DEFAULT_STEP = 3


def spent(alpha: float, t: float, rho: float = DEFAULT_RHO) -> float:
    """Alpha spent up to information fraction ``t`` (``0 <= t <= 1``).

    Example:
        >>> round(spent(0.05, 0.5, rho=3.0), 6)
        0.00625
    """
    t = min(max(t, 0.0), 1.0)
    return alpha * t**rho


@lru_cache(maxsize=64)
def look_levels(looks: tuple[int, ...], alpha: float, rho: float) -> tuple[float, ...]:
    """The nominal two-sided level of each look (module docstring), cached per design.

    Example:
        >>> [round(a, 4) for a in look_levels((5, 10, 20), 0.05, 2.0)]
        [0.0031, 0.0099, 0.0414]
    """
    from shared.stats._sequential import t_look_alphas

    return tuple(t_look_alphas(looks, alpha, lambda a, t: spent(a, t, rho)))


@dataclass(frozen=True)
class Plan:
    """Everything that defines one confirm: two workers with the same plan join one confirm.

    Args:
        configs: ``{name: params}`` in the order given (params without ``name`` or ``seed``).
        metric, goal: what is compared and which way is better.
        seeds: seeds per configuration at the first look.
        max_seeds: seeds per configuration at most.
        step: seeds added per round to the configurations still in the race.
        adaptive: False runs ``seeds`` per configuration and compares once at ``alpha``.
        min_effect: the smallest difference that counts (and the equivalence margin).
        alpha: the false-winner rate over all looks together.
        rho: exponent of the spending function.
        max_attempts: how often one (configuration, seed) may be tried before confirm stops.
    """

    configs: Mapping[str, Mapping[str, Any]]
    metric: str
    goal: str = "maximize"
    seeds: int = 3
    max_seeds: int = 20
    step: int = DEFAULT_STEP
    adaptive: bool = True
    min_effect: float = 0.0
    alpha: float = 0.05
    rho: float = DEFAULT_RHO
    max_attempts: int = 3
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.configs) < 2:
            raise InputError(f"confirm needs at least 2 configurations, got {len(self.configs)}")
        if self.goal not in ("maximize", "minimize"):
            raise InputError(f"goal must be 'maximize' or 'minimize', got {self.goal!r}")
        if self.seeds < 2:
            raise InputError(f"seeds must be at least 2 (a test needs a spread), got {self.seeds}")
        if self.max_seeds < self.seeds:
            raise InputError(f"max_seeds ({self.max_seeds}) is below seeds ({self.seeds})")
        if self.step < 1:
            raise InputError(f"step must be at least 1, got {self.step}")
        if not 0 < self.alpha < 1:
            raise InputError(f"alpha must be between 0 and 1, got {self.alpha}")
        if self.min_effect < 0:
            raise InputError(f"min_effect must be >= 0, got {self.min_effect}")
        if self.max_attempts < 1:
            raise InputError(f"max_attempts must be at least 1, got {self.max_attempts}")

    @property
    def looks(self) -> tuple[int, ...]:
        """Seeds per configuration in the race at each planned look.

        Example:
            >>> Plan({"a": {}, "b": {}}, "acc", seeds=3, max_seeds=8, step=2).looks
            (3, 5, 7, 8)
        """
        if not self.adaptive:
            return (self.seeds,)
        ns = list(range(self.seeds, self.max_seeds, self.step)) + [self.max_seeds]
        return tuple(dict.fromkeys(ns))

    def look_alpha(self, k: int) -> float:
        """The nominal level look ``k`` compares at (all of ``alpha`` for a fixed design).

        Larger than the look's share of ``alpha`` (``spent``): the looks are correlated.

        Example:
            >>> p = Plan({"a": {}, "b": {}}, "acc", seeds=5, max_seeds=10, step=5, rho=1.0)
            >>> [round(p.look_alpha(k), 3) for k in range(2)]
            [0.025, 0.031]
        """
        looks = self.looks
        if len(looks) == 1:
            return self.alpha
        return look_levels(tuple(looks), float(self.alpha), float(self.rho))[k]

    def look_share(self, k: int) -> float:
        """The share of ``alpha`` the spending function gives look ``k`` (probability that
        look ``k`` is the first to claim a difference when there is none).

        Example:
            >>> p = Plan({"a": {}, "b": {}}, "acc", seeds=5, max_seeds=10, step=5, rho=1.0)
            >>> [round(p.look_share(k), 4) for k in range(2)]
            [0.025, 0.025]
        """
        looks = self.looks
        if len(looks) == 1:
            return self.alpha
        t = [n / looks[-1] for n in looks]
        prev = spent(self.alpha, t[k - 1], self.rho) if k > 0 else 0.0
        return (self.alpha if k == len(looks) - 1 else spent(self.alpha, t[k], self.rho)) - prev

    def to_dict(self) -> dict[str, Any]:
        return {
            "configs": {k: dict(v) for k, v in self.configs.items()},
            "metric": self.metric,
            "goal": self.goal,
            "seeds": self.seeds,
            "max_seeds": self.max_seeds,
            "step": self.step,
            "adaptive": self.adaptive,
            "min_effect": self.min_effect,
            "alpha": self.alpha,
            "rho": self.rho,
            "max_attempts": self.max_attempts,
            "extra": dict(self.extra),
        }

    def key(self) -> str:
        """A short stable id of the plan: the default study (and parent run) name."""
        text = json.dumps(self.to_dict(), sort_keys=True, default=str)
        return "confirm-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def config_names(configs: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """``{name: params}``: the ``name`` key when given, else the params that vary, in name
    order (the order ``compare`` writes them in).

    Example:
        >>> config_names([{"lr": 0.1, "h": 8}, {"lr": 0.01, "h": 8}])
        {'lr=0.1': {'lr': 0.1, 'h': 8}, 'lr=0.01': {'lr': 0.01, 'h': 8}}
        >>> list(config_names([{"lr": 0.1, "hidden": 8}, {"lr": 0.01, "hidden": 32}]))
        ['hidden=8, lr=0.1', 'hidden=32, lr=0.01']
    """
    params = []
    for i, config in enumerate(configs):
        if not isinstance(config, Mapping):
            raise InputError(f"configuration {i + 1} is not a mapping of params: {config!r}")
        if "seed" in config:
            raise InputError(f"configuration {i + 1} sets 'seed': confirm chooses the seeds")
        params.append({str(k): v for k, v in config.items() if k != "name"})
    # in name order, as ``compare`` names configurations: one run, one name in both reports
    keys = sorted(dict.fromkeys(k for p in params for k in p))
    varying = [k for k in keys if len({json.dumps(p.get(k), default=str) for p in params}) > 1]
    out: dict[str, dict[str, Any]] = {}
    for i, (config, p) in enumerate(zip(configs, params, strict=True)):
        name = config.get("name")
        if name is None:
            name = ", ".join(f"{k}={p.get(k)}" for k in varying) or f"config-{i + 1}"
        name = str(name)
        if name in out:
            raise InputError(f"two configurations are both named {name!r}")
        out[name] = p
    # the same params twice compare a configuration with itself: a typo, never meant
    seen: dict[str, str] = {}
    for name, p in out.items():
        key = json.dumps(p, sort_keys=True, default=str)
        if key in seen:
            raise InputError(f"configurations {seen[key]!r} and {name!r} have the same params "
                             f"({key}): remove one, or change its params")
        seen[key] = name
    return out
