"""The critical-difference picture, drawn from the tests the report prints.

A CD diagram (Demsar 2006) puts configurations on their Friedman mean ranks and joins with a
bar those that are "not significantly different". Which test says so matters: Nemenyi's
critical difference on ranks can join two configurations that the pairwise tests of the same
report call different (or separate ones they do not), and a picture must never disagree with
the table beside it. So:

* when every pair was tested (the pairwise family), the bars join maximal runs of
  configurations, in mean-rank order, among which **no reported pair is significant**;
* otherwise (a baseline family, MCB, one configuration of one run...), the bars are
  Nemenyi's, the diagram says so, and every pair where Nemenyi and the reported tests
  disagree is named in ``disagreements``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.compare.inference._registry import REGISTRY

__all__ = ["cd_bars"]


def _runs(order: Sequence[str], together: Any) -> list[list[str]]:
    """Maximal runs [i..j] of ``order`` whose members are pairwise ``together``.

    ``lo[j]``: the smallest index from which every member up to j - 1 is together with j; a
    run from i can grow to j while ``lo[j] <= i``. Each pair is checked once: O(k^2), so 400
    configurations cost 80,000 checks, not 64 million.
    """
    k = len(order)
    lo = [0] * k
    for j in range(k):
        m = j - 1
        while m >= 0 and together(order[m], order[j]):
            m -= 1
        lo[j] = m + 1
    out: list[list[str]] = []
    last_j = -1
    for i in range(k):
        j = i
        while j + 1 < k and lo[j + 1] <= i:
            j += 1
        if j > i and j > last_j:
            out.append([order[i], order[j]])
            last_j = j
    return out


def cd_bars(cd: Mapping[str, Any], pairs: Sequence[Any], names: Sequence[str],
            correction: str) -> dict[str, Any]:
    """``cd`` with ``bars`` ([first, last] names in rank order), ``source`` and
    ``disagreements`` added.

    Example:
        >>> from types import SimpleNamespace as P
        >>> cd = {"cd": 3.0, "mean_ranks": {"A": 1.0, "B": 2.0, "C": 3.0}}
        >>> ps = [P(a="A", b="B", test="paired-t", significant=True),
        ...       P(a="A", b="C", test="paired-t", significant=True),
        ...       P(a="B", b="C", test="paired-t", significant=False)]
        >>> r = cd_bars(cd, ps, ["A", "B", "C"], "holm")
        >>> r["bars"], r["disagreements"]
        ([['B', 'C']], [])
    """
    ranks = cd["mean_ranks"]
    order = sorted(ranks, key=lambda n: ranks[n])
    tested = {frozenset((p.a, p.b)): bool(p.significant) for p in pairs
              if p.test in REGISTRY}
    k = len(names)
    out = dict(cd)
    if len(tested) == k * (k - 1) // 2 and k >= 2:
        tests = sorted({p.test for p in pairs if p.test in REGISTRY})
        out["bars"] = _runs(order, lambda x, y: not tested[frozenset((x, y))])
        out["source"] = f"the pairwise tests reported ({', '.join(tests)}, {correction})"
        # a bar joins a run of neighbours in rank order: a pair the tests do not separate
        # whose run would include a pair they do separate gets no bar; say so
        pos = {n: i for i, n in enumerate(order)}
        covered = {frozenset((order[m], order[q])) for first, last in out["bars"]
                   for m in range(pos[first], pos[last] + 1)
                   for q in range(pos[first], pos[last] + 1) if m != q}
        out["disagreements"] = [
            f"{x} and {y} are not separated by the tests, but no bar can join them without "
            "joining a pair the tests separate"
            for key, sig in tested.items() if not sig and key not in covered
            for x, y in [sorted(key, key=pos.get)]
        ]
        return out
    crit = float(cd["cd"])
    out["bars"] = _runs(order, lambda x, y: abs(ranks[x] - ranks[y]) <= crit)
    out["source"] = "Nemenyi's critical difference on mean ranks"
    notes = []
    for key, sig in tested.items():
        x, y = sorted(key)
        joined = abs(ranks[x] - ranks[y]) <= crit
        if sig and joined:
            notes.append(f"{x} and {y} are joined by a Nemenyi bar but the reported test "
                         "separates them")
        elif not sig and not joined:
            notes.append(f"{x} and {y} are separated by Nemenyi but the reported test does "
                         "not separate them")
    out["disagreements"] = notes
    return out
