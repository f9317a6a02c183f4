"""What a comparison over per-example scores compared (``Comparison.examples``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ExamplesSummary"]


@dataclass(frozen=True)
class ExamplesSummary:
    """The per-example data behind a comparison over examples (x seeds).

    Args:
        table: the table compared (MLflow artifact path, W&B Table key, ``"examples"`` for a
            long DataFrame).
        example_key, cluster_key: the columns that name an example and its cluster.
        score: the score column (the comparison's metric).
        n_examples: examples compared (every run has a score on each).
        n_clusters: example clusters (``n_examples`` without a cluster key).
        left_out: examples some run has that were left out (not in every run, or a missing
            score in one).
        binary: every score is 0 or 1 (correct / incorrect).
        scope: what the answer holds for: ``"new examples and new seeds"`` (two or more runs
            per configuration) or ``"these trained runs on new examples"``.
    """

    table: str
    example_key: str
    cluster_key: str | None
    score: str
    n_examples: int
    n_clusters: int
    left_out: int
    binary: bool
    scope: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "example_key": self.example_key,
            "cluster_key": self.cluster_key,
            "score": self.score,
            "n_examples": int(self.n_examples),
            "n_clusters": int(self.n_clusters),
            "left_out": int(self.left_out),
            "binary": bool(self.binary),
            "scope": self.scope,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ExamplesSummary:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__})
