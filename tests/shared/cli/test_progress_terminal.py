"""Progress bars on a real terminal (a pty from ``os.openpty``), issue 19 item 7.

A terminal that reports 0 columns and 0 rows (a pty never sized, as under some CI consoles
and ``docker exec`` without a size) made tqdm draw nothing at all: the bar must still show,
80 columns wide.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests"))
from _pty import run_in_pty  # noqa: E402

BAR = (
    "import time\n"
    "from shared._progress import progress_bar, status\n"
    "with progress_bar('fetching runs', 100, unit='runs') as bar:\n"
    "    for _ in range(4):\n"
    "        bar.update(25)\n"
    "        time.sleep(0.3)\n"
    "with status('comparing 100 runs'):\n"
    "    time.sleep(0.8)\n"
)


def terminal_env(**extra: str) -> dict[str, str]:
    """This environment as a user's terminal: not CI, bars not forced either way."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("CI", "TRACKER_COMPARE_PROGRESS", "COLUMNS", "LINES")}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def frames(output: str) -> list[str]:
    """What the terminal showed, one redraw per item (tqdm redraws with ``\\r``)."""
    return [f for f in re.split(r"[\r\n]+", output) if f.strip()]


@pytest.mark.parametrize("size, extra", [((0, 0), {}), ((40, 120), {"COLUMNS": "0"}),
                                         ((0, 0), {"COLUMNS": "0", "LINES": "0"})])
def test_a_terminal_of_zero_columns_gets_an_80_column_bar(size: tuple[int, int],
                                                          extra: dict[str, str]) -> None:
    rows, cols = size
    code, output = run_in_pty([sys.executable, "-c", BAR], env=terminal_env(**extra),
                              rows=rows, cols=cols, timeout=120)
    assert code == 0, output
    bars = [f for f in frames(output) if f.startswith("fetching runs:") and "/100" in f]
    assert bars, f"no bar drawn: {output!r}"
    assert "100/100" in bars[-1] or "75/100" in bars[-1]
    if cols == 0:  # tqdm's width is then ours: 80 columns, a bar drawn in them
        assert {len(f) for f in bars} == {80}, bars
        assert all("|" in f and "█" in f for f in bars[1:])
    assert any(f.startswith("comparing 100 runs [00:0") for f in frames(output)), output


def test_a_sized_terminal_keeps_its_own_width() -> None:
    code, output = run_in_pty([sys.executable, "-c", BAR], env=terminal_env(), rows=30,
                              cols=100, timeout=120)
    assert code == 0, output
    bars = [f for f in frames(output) if f.startswith("fetching runs:") and "/100" in f]
    assert bars and {len(f) for f in bars} == {99}, bars  # tqdm leaves the last column free
