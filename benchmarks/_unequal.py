"""Issue 17's D1 cells of ``benchmarks/calibration.py`` (``--unequal``): unpaired runs,
unequal n and unequal spread, where a test of identical distributions (Mann-Whitney U,
Student's t) declares false winners although the centres are equal.

Two configurations, 6 and 24 runs (no shared seeds, so unpaired), equal centres (medians and,
where they exist, means: every noise is symmetric around 0):

* null cells: the 6-run configuration's noise scaled by 3, the 24-run one's by 1 (the
  direction in which pooled-variance and equal-shape tests are liberal), noise t(3), t(2)
  or normal; and t(3) the other way round (6 runs at scale 1, 24 at scale 3);
* power cells (equal shapes, where Mann-Whitney is valid): both at scale 1, the 6-run
  configuration shifted up by 1 (noise normal, t(3), and lognormal(0, 1) scaled to sd 1).

Every data set is answered by ``auto``, ``mann-whitney``, ``brunner-munzel`` and ``welch``
(the same data for all four): the false-winner rate (any winner) in the null cells, the
rate at which the shifted configuration is named winner in the power cells, with Monte
Carlo SE.
"""

from __future__ import annotations

import math
import time
import zlib
from dataclasses import dataclass

import numpy as np

from shared.compare import compare_runs
from shared.model import Run

ALPHA = 0.05
TESTS = ("auto", "mann-whitney", "brunner-munzel", "welch")
SIZES = (6, 24)


@dataclass(frozen=True)
class UnequalCell:
    noise: str  # "t3", "t2", "normal", "lognormal"
    scales: tuple[float, float]  # of the 6-run and the 24-run configuration
    shift: float  # added to the 6-run configuration
    reps: int
    tests: tuple[str, ...] = TESTS


def _noise(rng: np.random.Generator, noise: str, n: int) -> np.ndarray:
    if noise == "t3":
        return rng.standard_t(3, n)
    if noise == "t2":
        return rng.standard_t(2, n)
    if noise == "lognormal":
        x = rng.lognormal(0.0, 1.0, n)
        return (x - math.exp(0.5)) / math.sqrt((math.e - 1) * math.e)
    return rng.normal(0.0, 1.0, n)


def _runs(rng: np.random.Generator, cell: UnequalCell) -> list[Run]:
    out = []
    for j, (n, scale) in enumerate(zip(SIZES, cell.scales, strict=True)):
        y = scale * _noise(rng, cell.noise, n) + (cell.shift if j == 0 else 0.0)
        out += [Run("sim", f"c{j}-r{i}", params={"cfg": j}, metrics={"y": float(v)})
                for i, v in enumerate(y)]
    return out


def run_unequal_cell(cell: UnequalCell) -> dict[str, object]:
    rng = np.random.default_rng(zlib.crc32(repr(("unequal", cell.noise, cell.scales,
                                                 cell.shift)).encode()))
    t0 = time.process_time()
    hits = dict.fromkeys(cell.tests, 0)
    chosen: dict[str, int] = {}
    for _ in range(cell.reps):
        runs = _runs(rng, cell)
        for test in cell.tests:
            comp = compare_runs(runs, metric="y", test=test)
            w = comp.decision.winner
            hits[test] += (w is not None) if cell.shift == 0 else (w == "cfg=0")
            if test == "auto":
                chosen[comp.pairs[0].test] = chosen.get(comp.pairs[0].test, 0) + 1
    r = cell.reps
    rates = {t: (h / r, math.sqrt(h / r * (1 - h / r) / r)) for t, h in hits.items()}
    return {"cell": cell, "rates": rates, "chosen": chosen, "cpu": time.process_time() - t0}


def unequal_cells(reps: int) -> list[UnequalCell]:
    """``reps`` data sets per null cell (500: SE <= 0.01 at 0.05); power cells get 300 at
    least."""
    out = [UnequalCell(noise, (3.0, 1.0), 0.0, reps) for noise in ("t3", "t2", "normal")]
    out.append(UnequalCell("t3", (1.0, 3.0), 0.0, reps))
    out += [UnequalCell(noise, (1.0, 1.0), 1.0, max(300, reps // 2))
            for noise in ("normal", "t3", "lognormal")]
    return out


def unequal_table(results: list[dict[str, object]]) -> tuple[list[str], list[str]]:
    """Markdown lines and the ``auto`` cells above alpha + 2 SE."""
    bad: list[str] = []
    lines = ["", "Unpaired, 6 vs 24 runs (issue 17's D1): false winners with equal centres "
             "and unequal spread (null), and power at +1 with equal shapes; rate ± SE, same "
             "data sets for every test; auto's choices in the last column", "",
             "| cell | " + " | ".join(TESTS) + " | auto chose |",
             "|---|" + "---|" * (len(TESTS) + 1)]
    for r in results:
        c = r["cell"]
        kind = "null" if c.shift == 0 else f"power +{c.shift:g}"
        name = f"{kind}, {c.noise}, scale {c.scales[0]:g} (6 runs) vs {c.scales[1]:g} (24)"
        row = []
        for t in TESTS:
            if t not in r["rates"]:
                row.append("")
                continue
            rate, se = r["rates"][t]
            flag = ""
            if c.shift == 0 and rate > ALPHA + 2 * se + 1e-12:
                flag = " !"
                if t == "auto":
                    bad.append(f"auto {name}: {rate:.3f}")
            row.append(f"{rate:.3f}±{se:.3f}{flag}")
        chose = ", ".join(f"{k} {v}" for k, v in sorted(r["chosen"].items()))
        lines.append(f"| {name} | " + " | ".join(row) + f" | {chose} |")
    return lines, bad
