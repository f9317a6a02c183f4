"""Count how often each run's spelling of a metric is resolved (issue 21: once per command).

``shared.normalise.resolve_metric`` is the one function that resolves a spelling
(``val_acc`` -> ``val/acc``); it is replaced, in every module of ours holding it, by a wrapper
that counts ``(run.key, name)``. Only our own function is wrapped, never a tracker's.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

_OURS = ("shared", "mlflow_compare_plugin", "wandb_compare_ext")


@contextmanager
def counted_resolutions(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[tuple[str, str]]]:
    """A ``Counter`` of ``(run.key, name)`` resolutions made inside the block."""
    import shared.normalise._metric_names as names

    original = names.resolve_metric
    counts: Counter[tuple[str, str]] = Counter()

    def counting(runs: Sequence[Any], name: str) -> dict[str, str]:
        counts.update((run.key, name) for run in runs)
        return original(runs, name)

    for module in list(sys.modules.values()):
        if module is None or module.__name__.split(".")[0] not in _OURS:
            continue
        if getattr(module, "resolve_metric", None) is original:
            monkeypatch.setattr(module, "resolve_metric", counting)
    yield counts


def resolved_once(counts: Counter[tuple[str, str]], name: str, n_runs: int) -> list[str]:
    """What is wrong (empty when every run's spelling of ``name`` was resolved exactly once)."""
    mine = {key: n for (key, spelled), n in counts.items() if spelled == name}
    wrong = [f"{key} resolved {n} times" for key, n in sorted(mine.items()) if n != 1]
    if len(mine) != n_runs:
        wrong.append(f"{len(mine)} of {n_runs} runs resolved")
    return wrong
