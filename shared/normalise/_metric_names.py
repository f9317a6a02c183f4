"""One name per metric across trackers: ``val/loss``, ``val_loss`` and ``val.loss`` match.

MLflow users tend to write ``val_loss``, W&B users ``val/loss`` (W&B groups panels by the
slash). When the same experiment is logged to both, they are the same metric. But a run that
logged both ``val/loss`` and ``val_loss`` means two different things, and we must not guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from shared.errors import AmbiguousMetricError, UnknownMetricError
from shared.model import Run

__all__ = ["canonical_metric_name", "resolve_metric"]

_SEPARATORS = re.compile(r"[/._]+")


def canonical_metric_name(name: str) -> str:
    """The spelling-independent form: separators ``/``, ``.``, ``_`` all become ``/``.

    Example:
        >>> canonical_metric_name("val_loss") == canonical_metric_name("val/loss")
        True
    """
    return _SEPARATORS.sub("/", name.strip())


def _all_names(runs: Iterable[Run]) -> list[str]:
    names: set[str] = set()
    for run in runs:
        names |= run.metric_names()
    return sorted(names)


def resolve_metric(runs: Sequence[Run], name: str) -> dict[str, str]:
    """Which spelling of ``name`` each run uses.

    Returns ``{run.key: spelling}`` for every run that has the metric (runs without it are
    left out; the caller reports them). A run with the exact spelling uses it. Otherwise the
    run's single spelling with the same canonical form is used; if it has two or more such
    spellings (``val_loss`` and ``val.loss``) and neither is exact, that is ambiguous.

    Raises:
        UnknownMetricError: no run has the metric in any spelling; the message lists what exists.
        AmbiguousMetricError: some run has several spellings that could be ``name``.

    Example:
        >>> from shared.model import Run
        >>> runs = [Run("mlflow", "a", metrics={"val_loss": 1.0}),
        ...         Run("wandb", "b", metrics={"val/loss": 2.0})]
        >>> resolve_metric(runs, "val/loss")
        {'mlflow:a': 'val_loss', 'wandb:b': 'val/loss'}
    """
    wanted = canonical_metric_name(name)
    found: dict[str, str] = {}
    for run in runs:
        names = run.metric_names()
        if name in names:
            found[run.key] = name
            continue
        candidates = sorted(n for n in names if canonical_metric_name(n) == wanted)
        if len(candidates) == 1:
            found[run.key] = candidates[0]
        elif len(candidates) > 1:
            raise AmbiguousMetricError(
                f"metric {name!r} is ambiguous in run {run.label!r}: it logged "
                f"{', '.join(repr(c) for c in candidates)}; name one of them exactly"
            )
    if not found:
        existing = _all_names(runs)
        shown = ", ".join(existing[:30]) + (" ..." if len(existing) > 30 else "")
        raise UnknownMetricError(
            f"unknown metric {name!r}; the runs logged: {shown or '(no metrics at all)'}"
        )
    return found
