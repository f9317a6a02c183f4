"""The decision: a winner only when its advantage is significant after correction, in the
direction the deciding test found, and at least ``min_effect`` across that test's interval;
otherwise "no reliable difference" with the test's own estimate and interval, what the test
could not do at this n, and how many seeds the test actually run would need.

Rules:

* Without a baseline, the winner must beat **every** other configuration reliably
  (``_verdict.reliably_better``). With MCB (3+ configurations under ``auto``, ``_mcb``), the
  winner is the configuration whose simultaneous interval of distance from the best of the
  others lies above ``min_effect``.
* With a baseline, the winner is the best (by the tests' estimates against the baseline) of the
  configurations that beat the baseline reliably; the baseline wins when it beats every
  candidate reliably.
* Otherwise the rationale names the closest contest involving the best configuration,
  reports it with its test's estimate and CI, says when that test cannot reach the corrected
  alpha at this n, and gives ``seeds_needed`` computed for that test (``_seeds``).
* ``best_set``: the configurations no tested pair shows to be worse than another (MCB's
  possibly-best set for large families).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from shared.compare.decision._seeds import POWER, RANGE_LEVEL, SeedsNeeded, seeds_needed_for
from shared.compare.decision._verdict import reliably_better
from shared.compare.decision._wording import describe_pair, fmt_num
from shared.compare.inference._better import better_name
from shared.compare.inference._registry import MCB, REGISTRY, is_tested
from shared.compare.results._comparison import ConfigSummary, Decision, Omnibus, PairResult

__all__ = ["reliably_better", "decide", "fmt_num", "describe_pair", "better_name", "best_set"]


def _tested(pairs: Sequence[PairResult]) -> list[PairResult]:
    return [p for p in pairs if is_tested(p.test)]


def _by_mean(configs: Sequence[ConfigSummary], goal: str) -> list[ConfigSummary]:
    sign = -1.0 if goal == "maximize" else 1.0
    return sorted(configs, key=lambda c: sign * c.mean if math.isfinite(c.mean) else math.inf)


def _by_tests(configs: Sequence[ConfigSummary], pairs: Sequence[PairResult],
              goal: str) -> tuple[list[ConfigSummary], str]:
    """Configurations best first, by the tests' own estimates, and how that was judged.

    When every pair's estimate is the mean difference, this is the order of the means. When
    the tests estimate something else (a Hodges-Lehmann shift, a mean-rank difference), a
    configuration's place is its pairwise record in the tests' directions (wins minus losses,
    Copeland's rule), the mean breaking ties: the mean of a configuration with one far run
    must not name "the best" that its tests put behind.
    """
    if all(p.estimate == "mean_difference" for p in pairs):
        return _by_mean(configs, goal), "has the best mean"
    score = {c.name: 0 for c in configs}
    for p in pairs:
        if not math.isfinite(p.diff) or p.diff == 0:
            continue
        better = p.a if (p.diff > 0) == (goal == "maximize") else p.b
        worse = p.b if better == p.a else p.a
        score[better] = score.get(better, 0) + 1
        score[worse] = score.get(worse, 0) - 1
    by_mean = {c.name: i for i, c in enumerate(_by_mean(configs, goal))}
    order = sorted(configs, key=lambda c: (-score.get(c.name, 0), by_mean[c.name]))
    return order, "is ahead by its tests' estimates"


def _identical(pair: PairResult) -> bool:
    """The pair's two configurations agree on every seed (every paired difference is zero)."""
    return bool(pair.paired) and any("are identical" in w for w in pair.warnings)


def _untested(configs: Sequence[ConfigSummary], pairs: Sequence[PairResult]) -> Decision:
    """No pair could be tested: name the cause once (100 single-run configs fit a screen)."""
    single = [c.name for c in configs if c.n < 2]
    if single:
        shown = ", ".join(single[:3]) + (f" and {len(single) - 3} more" if len(single) > 3 else "")
        cause = (f"{len(single)} of {len(configs)} configurations have fewer than 2 runs "
                 f"({shown}); run at least 2 (better 5 or more) seeds per configuration")
    else:
        first = next((w for p in pairs for w in p.warnings[:1]), "no pair could be tested")
        cause = first + (f" (and {len(pairs) - 1} more pairs)" if len(pairs) > 1 else "")
    # nothing tested, nothing excluded: every configuration could still be the best
    return Decision(None, f"cannot decide: no pair of configurations could be tested: {cause}",
                    best_set=tuple(c.name for c in configs))


def best_set(names: Sequence[str], pairs: Sequence[PairResult], min_effect: float) -> tuple[str,
                                                                                           ...]:
    """The configurations that no tested pair shows reliably worse than another."""
    beaten = set()
    for p in pairs:
        for name in (p.a, p.b):
            if reliably_better(p, name, 0.0):
                beaten.add(p.b if name == p.a else p.a)
    return tuple(n for n in names if n not in beaten)


class _Family:
    """The pairs of a decision indexed by configuration, and the family's level."""

    def __init__(self, names: Sequence[str], pairs: Sequence[PairResult], alpha: float,
                 correction: str) -> None:
        self.names = list(names)
        self.pairs = list(pairs)
        self.by_name: dict[str, list[PairResult]] = {n: [] for n in names}
        for p in pairs:
            self.by_name.setdefault(p.a, []).append(p)
            self.by_name.setdefault(p.b, []).append(p)
        m = len(pairs)
        corrected = correction != "none" and m > 1 and not any(
            REGISTRY.get(p.test) is not None and REGISTRY[p.test].family for p in pairs)
        self.level = alpha / m if corrected else alpha
        self.alpha = alpha
        self.note = (f" at alpha={fmt_num(alpha)}/{m} (corrected)" if corrected
                     else f" at alpha={fmt_num(alpha)}")

    def of(self, name: str) -> list[PairResult]:
        return self.by_name.get(name, [])


def _family_words(fam: _Family, correction: str) -> str:
    """How the family was controlled: the correction applied, or the family test's own rule
    (Nemenyi's critical difference is family-wise by itself; no Holm step is applied)."""
    own = sorted({p.test for p in fam.pairs
                  if REGISTRY.get(p.test) is not None and REGISTRY[p.test].family})
    if own:
        labels = ", ".join(REGISTRY[t].label for t in own)
        return f"with family-wise control by the {labels} itself"
    if correction == "none" or len(fam.pairs) <= 1:
        return "(no correction)"
    return f"after {correction} correction"


def _margin_note(min_effect: float) -> str:
    return (f" and by at least min_effect={fmt_num(min_effect)} across its interval"
            if min_effect > 0 else "")


def _winner_all(fam: _Family, min_effect: float, correction: str) -> Decision | None:
    for name in fam.names:
        mine = fam.of(name)
        if not mine or len(mine) != len(fam.names) - 1:
            continue
        if not all(reliably_better(p, name, min_effect) for p in mine):
            continue
        if len(mine) == 1:
            why = (f"{name} is reliably better{_margin_note(min_effect)}: "
                   f"{describe_pair(mine[0])}, significant at alpha={fmt_num(fam.alpha)}")
        else:
            weakest = max(mine, key=lambda p: p.p_adjusted or 0.0)
            why = (f"{name} is reliably better than all {len(mine)} other configurations"
                   f"{_margin_note(min_effect)} {_family_words(fam, correction)}; weakest: "
                   f"{describe_pair(weakest)}")
        return Decision(name, why, None, best_set=(name,))
    return None


def _winner_baseline(fam: _Family, baseline: str, min_effect: float,
                     configs: Sequence[ConfigSummary], goal: str) -> Decision | None:
    vs_base = {(p.b if p.a == baseline else p.a): p for p in fam.of(baseline)}
    cands = [n for n, p in vs_base.items() if reliably_better(p, n, min_effect)]
    if cands:
        # the largest advantage over the baseline by the deciding tests' own estimates (a
        # Hodges-Lehmann shift for a rank test), not by the means (D4 of issue 17); the mean
        # only breaks ties
        sign = 1.0 if goal == "maximize" else -1.0
        by_mean = {c.name: i for i, c in enumerate(_by_mean(configs, goal))}

        def gain(n: str) -> float:
            p = vs_base[n]
            est = p.diff if p.a == n else -p.diff
            return sign * est if math.isfinite(est) else -math.inf

        order = sorted(cands, key=lambda n: (-gain(n), by_mean.get(n, 0)))
        win = order[0]
        why = (f"{win} is reliably better than the baseline {baseline}"
               f"{_margin_note(min_effect)}: {describe_pair(vs_base[win])}")
        if order[1:]:
            why += (f"; also better than the baseline: {', '.join(order[1:])} (candidates were "
                    "not tested against each other; the largest advantage over the baseline "
                    "by its test's estimate is named)")
        return Decision(win, why, None, best_set=tuple(order))
    if vs_base and all(reliably_better(p, baseline, min_effect) for p in vs_base.values()):
        return Decision(baseline, f"the baseline {baseline} is reliably better than every "
                        f"candidate{_margin_note(min_effect)}", None, best_set=(baseline,))
    return None


def _key_pair(fam: _Family, configs: Sequence[ConfigSummary], goal: str,
              baseline: str | None, min_effect: float) -> tuple[str, PairResult]:
    """The best configuration (by the tests' estimates) and its closest undecided contest."""
    ranked, _ = _by_tests(configs, fam.pairs, goal)
    top = ranked[0].name
    if baseline is not None and top == baseline:
        contest = fam.of(baseline)
    elif baseline is not None:
        contest = [p for p in fam.of(top) if baseline in (p.a, p.b)]
    else:
        contest = [p for p in fam.of(top) if not reliably_better(p, top, min_effect)]
        runner = ranked[1].name if len(ranked) > 1 else None
        contest = [p for p in contest if runner in (p.a, p.b)] or contest
    contest = contest or fam.of(top) or fam.pairs
    key = max(contest, key=lambda p: (
        p.p_adjusted if p.p_adjusted is not None else (1.0 if not p.significant else 0.0),
        -abs(p.diff) if math.isfinite(p.diff) else 0.0,
    ))
    return top, key


def _no_winner_text(fam: _Family, top: str, key: PairResult, baseline: str | None,
                    omnibus: Omnibus | None, min_effect: float) -> str:
    if key.significant and key.better is not None and not reliably_better(key, key.better,
                                                                         min_effect):
        return (f"no practically relevant difference: {describe_pair(key)} is significant "
                f"but its interval does not exclude differences smaller than "
                f"min_effect={fmt_num(min_effect)}")
    if omnibus is not None and not omnibus.significant and math.isfinite(omnibus.p_value):
        return (f"no reliable difference: the {omnibus.test} omnibus test finds no difference "
                f"among the {len(fam.names)} configurations (p={fmt_num(omnibus.p_value, 3)}); "
                f"closest: {describe_pair(key)}")
    if baseline is None and len(fam.names) > 2 and top in (key.a, key.b):
        rival = key.b if key.a == top else key.a
        _, how = _by_tests([], fam.pairs, "maximize")
        return (f"no reliable difference: {top} {how} but is not reliably better "
                f"than {rival} ({describe_pair(key)})")
    return f"no reliable difference: {describe_pair(key)}"


def _span_text(need: SeedsNeeded, n_now: int) -> str:
    """How uncertain the figure is: the seeds over the effect's 80% interval."""
    if need.span is None:
        return ""
    fewest, most = need.span
    upper = f"{most}" if most is not None else "no upper figure (the interval reaches zero)"
    return (f"; {n_now} seeds estimate the effect roughly: {fewest} to {upper} seeds over "
            f"its {int(RANGE_LEVEL * 100)}% interval")


def _seeds_text(need: SeedsNeeded, key: PairResult, fam: _Family) -> tuple[str, int | None]:
    n_now = min(key.n_a or key.n, key.n_b or key.n)
    if need.n is None:
        if key.mean_diff == 0 or key.diff == 0:
            return "; the observed difference is exactly zero", None
        return "", None
    if need.n <= n_now:
        near = key.p_value is not None and key.p_value <= 2 * fam.level
        if key.significant or near:
            # the margin failed, or the test narrowly missed: no inference about the true
            # difference from the observed power (that would be the post-hoc power fallacy)
            return (f"; by the observed difference alone {need.n} seeds would do, no more than "
                    f"the {n_now} run, so the difference is as uncertain as its interval says"
                    + _span_text(need, n_now)), None
        # the test already had the power for an effect this large and found none: more
        # seeds of the same size would not be the honest advice
        return (f"; with {n_now} seeds the {key.test} test already had {int(POWER * 100)}% "
                f"power for {need.target}, so the true difference is likely smaller than "
                "observed"), None
    return (f"; about {need.n} seeds per configuration would detect {need.target} with "
            f"{int(POWER * 100)}% power{fam.note} ({need.how}){_span_text(need, n_now)}"), need.n


def decide(
    configs: Sequence[ConfigSummary],
    pairs: Sequence[PairResult],
    *,
    goal: str,
    alpha: float,
    min_effect: float,
    baseline: str | None,
    correction: str,
    omnibus: Omnibus | None = None,
    mcb: Mapping[str, Any] | None = None,
) -> Decision:
    """Apply the decision rules (module docstring) to tested pairs (or the MCB result)."""
    names = [c.name for c in configs]
    tested = _tested(pairs)
    if mcb is not None:
        return _decide_mcb(mcb, configs, tested, omnibus, min_effect, alpha)
    if not tested:
        return _untested(configs, pairs)
    fam = _Family(names, tested, alpha, correction)
    tests = tuple(sorted({p.test for p in tested}))
    win = (_winner_all(fam, min_effect, correction) if baseline is None
           else _winner_baseline(fam, baseline, min_effect, configs, goal))
    if win is not None:
        return Decision(win.winner, win.rationale, None, best_set=win.best_set, tests=tests)
    top, key = _key_pair(fam, configs, goal, baseline, min_effect)
    why = _no_winner_text(fam, top, key, baseline, omnibus, min_effect)
    spec_ = REGISTRY.get(key.test)
    n_needed, how = None, ""
    if spec_ is not None and (key.p_value is not None or not spec_.has_p_value):
        need = seeds_needed_for(key, spec_, level=fam.level, alpha=alpha,
                                min_effect=min_effect, k=len(names), missed=True)
        text, n_needed = _seeds_text(need, key, fam)
        why += text
        how = need.how if n_needed is not None else ""
    elif key.p_value is None and _identical(key):
        why = (f"no difference: {key.a} and {key.b} give identical values on every seed (all "
               "paired differences are zero), so there is nothing to test")
    elif key.p_value is None:
        why = (f"no reliable difference: {key.a} vs {key.b} could not be tested "
               f"({'; '.join(key.warnings[:1]) or 'too few runs'})")
    return Decision(None, why, n_needed, best_set=best_set(names, tested, min_effect),
                    seeds_needed_how=how, tests=tests)


def _decide_mcb(mcb: Mapping[str, Any], configs: Sequence[ConfigSummary],
                pairs: Sequence[PairResult], omnibus: Omnibus | None, min_effect: float,
                alpha: float) -> Decision:
    rows = mcb["rows"]
    best = mcb.get("best")
    bset = tuple(mcb["best_set"])
    k = len(configs)
    if best is not None:
        r = next(r for r in rows if r["name"] == best)
        why = (f"{best} is the best of {k} configurations: it is ahead of the best of the "
               f"others by {fmt_num(r['distance'])}, at least {fmt_num(r['margin_low'])} "
               f"with simultaneous {100 * (1 - alpha):.0f}% confidence"
               + (f" (more than min_effect={fmt_num(min_effect)})" if min_effect > 0 else "")
               + f"; {mcb['method']}")
        return Decision(best, why, None, best_set=(best,), tests=(MCB,))
    out = len(rows) - len(bset)
    shown = ", ".join(bset[:5]) + (f" and {len(bset) - 5} more" if len(bset) > 5 else "")
    why = (f"no single best: {len(bset)} of {k} configurations could still be the best at "
           f"alpha={fmt_num(alpha)} ({shown})")
    if out:
        why += f"; the other {out} are significantly worse than the best"
    if omnibus is not None and math.isfinite(omnibus.p_value):
        why += f"; {omnibus.test} omnibus p={fmt_num(omnibus.p_value, 3)}"
    why += f" ({mcb['method']})"
    return Decision(None, why, None, best_set=bset, tests=(MCB,))
