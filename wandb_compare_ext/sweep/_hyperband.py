"""The ``early_terminate: {type: hyperband}`` rule, with W&B's semantics.

W&B's rule (``sweeps/hyperband_stopping.py``), restated:

* Bands. With ``max_iter`` and ``s``: start at ``max_iter``, divide by ``eta`` ``s`` times,
  keep ``int(band)`` while ``band >= 1``, sort. With ``min_iter``: ``min_iter``,
  ``min_iter * eta``, ``min_iter * eta**2``, ... (``int`` of each). ``eta`` defaults to 3.
* A run's history is the sequence of its *reports* of the metric (non-finite ones dropped):
  band ``b`` looks at the ``b``-th report, whatever ``_step`` it was logged at.
* Threshold of band ``b``: the values of every run (of the sweep, this one included) that has at
  least ``b`` reports, at report ``b``, sorted best first; the threshold is the element at index
  ``int(len / eta)``. No such run: no threshold (infinite).
* A running run is judged at the last band it has reached (``band <= len(history)``). It stops
  when its value is worse than that band's threshold: its value at that band with
  ``strict: true`` (the default W&B's schema fills in), its best value so far otherwise.
* ``maximize`` metrics are negated first, so "worse" is always "greater".

Example:
    >>> rule = HyperbandRule.from_config({"type": "hyperband", "min_iter": 1, "eta": 2},
    ...                                  goal="minimize")
    >>> rule.bands[:4]
    (1, 2, 4, 8)
    >>> rule.decide([5.0], others=[[1.0], [2.0]]).stop
    True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from shared.errors import InputError

__all__ = ["HyperbandRule", "StopDecision", "clean_history"]

_KEYS = ("type", "min_iter", "max_iter", "s", "eta", "strict")
# W&B computes 100 bands for min_iter; bands beyond any history never apply.
_MAX_BANDS = 100


def clean_history(values: Iterable[Any]) -> list[float]:
    """Keep the finite numeric reports, in order (W&B's ``filter_invalid=True``)."""
    out: list[float] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        if math.isfinite(v):
            out.append(float(v))
    return out


@dataclass(frozen=True)
class StopDecision:
    """Why a run should (or should not) stop.

    Args:
        stop: stop the run now.
        band: the band (number of reports) the run was judged at; None before the first band.
        threshold: that band's threshold (in the metric's own sign); None before the first band.
        value: the value compared with the threshold (in the metric's own sign).
        reports: how many valid reports the run has.
    """

    stop: bool
    band: int | None
    threshold: float | None
    value: float | None
    reports: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True)
class HyperbandRule:
    """W&B's hyperband early-termination rule.

    Args:
        bands: report counts at which runs are judged, ascending.
        eta: keep the best ``1/eta`` at each band.
        strict: judge the value at the band (True) or the best value so far (False).
        goal: ``"minimize"`` or ``"maximize"``.
    """

    bands: tuple[int, ...]
    eta: float = 3.0
    strict: bool = True
    goal: str = "minimize"

    @classmethod
    def from_config(
        cls, early_terminate: Any, *, goal: str, path: str = "early_terminate"
    ) -> HyperbandRule:
        """Build the rule from a sweep config's ``early_terminate`` section.

        Raises :class:`~shared.errors.InputError` naming the field that cannot be honoured.
        """
        et = early_terminate
        if not isinstance(et, Mapping):
            raise InputError(f"{path}: must be a mapping such as {{type: hyperband, min_iter: 3}}")
        if et.get("type") != "hyperband":
            raise InputError(f"{path}.type: only 'hyperband' is supported, got {et.get('type')!r}")
        for key in et:
            if key not in _KEYS:
                raise InputError(f"{path}.{key}: unknown setting (known: {', '.join(_KEYS)})")
        eta = et.get("eta", 3)
        if isinstance(eta, bool) or not isinstance(eta, (int, float)) or not eta > 1:
            raise InputError(f"{path}.eta: must be a number > 1, got {eta!r}")
        strict = et.get("strict", True)
        if not isinstance(strict, bool):
            raise InputError(f"{path}.strict: must be true or false, got {strict!r}")
        for key in ("min_iter", "max_iter", "s"):
            if key in et and (
                isinstance(et[key], bool) or not isinstance(et[key], int) or et[key] < 1
            ):
                raise InputError(f"{path}.{key}: must be an integer >= 1, got {et[key]!r}")
        bands: list[int] = []
        if "max_iter" in et and "s" in et:
            band = float(et["max_iter"])
            for _ in range(et["s"]):
                band /= eta
                if band < 1:
                    break
                bands.append(int(band))
            bands.sort()
        elif "min_iter" in et:
            band = float(et["min_iter"])
            for _ in range(_MAX_BANDS):
                bands.append(int(band))
                band *= eta
        elif "max_iter" in et:
            raise InputError(f"{path}.s: missing (max_iter needs s, or give min_iter instead)")
        else:
            raise InputError(
                f"{path}.min_iter: missing (hyperband needs min_iter, or max_iter and s)"
            )
        if not bands:
            raise InputError(
                f"{path}.s: gives no band (max_iter / eta < 1); increase max_iter or s, "
                f"or decrease eta"
            )
        if goal not in ("minimize", "maximize"):
            raise InputError(f"metric.goal: must be minimize or maximize, got {goal!r}")
        return cls(bands=tuple(bands), eta=float(eta), strict=strict, goal=goal)

    def _signed(self, history: Iterable[Any]) -> list[float]:
        h = clean_history(history)
        return [-v for v in h] if self.goal == "maximize" else h

    def thresholds(self, histories: Iterable[Iterable[Any]]) -> list[float]:
        """Each band's threshold over ``histories`` (signed: lower is better; inf if none)."""
        signed = [h for h in (self._signed(x) for x in histories) if h]
        longest = max((len(h) for h in signed), default=0)
        out: list[float] = []
        for band in self.bands:
            if band > longest:
                out.append(math.inf)
                continue
            values = sorted(h[band - 1] for h in signed if len(h) >= band)
            # W&B's exact arithmetic: r = 1/eta, index int(r * n).
            out.append(values[int((1.0 / self.eta) * len(values))])
        return out

    def decide(self, history: Iterable[Any], others: Iterable[Iterable[Any]]) -> StopDecision:
        """Should a running run with this ``history`` stop, given the other runs' histories?

        Args:
            history: this run's reports of the metric, in order.
            others: every other run's reports in the sweep (finished, stopped or running).
        """
        mine = self._signed(history)
        sign = -1.0 if self.goal == "maximize" else 1.0
        band_index = -1
        for i, band in enumerate(self.bands):
            if band <= len(mine):
                band_index = i
            else:
                break
        if band_index < 0:
            return StopDecision(False, None, None, None, len(mine))
        band = self.bands[band_index]
        # Thresholds only need bands up to ours; the others are not consulted.
        rule = HyperbandRule(self.bands[: band_index + 1], self.eta, self.strict, self.goal)
        threshold = rule.thresholds([*others, history])[band_index]
        value = mine[band - 1] if self.strict else min(mine)
        return StopDecision(
            stop=value > threshold,
            band=band,
            threshold=sign * threshold if math.isfinite(threshold) else None,
            value=sign * value,
            reports=len(mine),
        )

    def stop_runs(
        self, histories: Mapping[str, Sequence[Any]], running: Iterable[str]
    ) -> list[str]:
        """The keys of the ``running`` runs to stop, judged against every run in ``histories``."""
        out = []
        for key in running:
            others = [h for k, h in histories.items() if k != key]
            if self.decide(histories.get(key, ()), others).stop:
                out.append(key)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "bands": list(self.bands),
            "eta": self.eta,
            "strict": self.strict,
            "goal": self.goal,
        }
