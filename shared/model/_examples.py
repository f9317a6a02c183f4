"""``ExampleTable``: one run's per-example scores (an evaluation table), stored as columns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from shared.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ExampleTable"]


def _freeze(values: Any) -> tuple | np.ndarray:
    """A column as stored: a read-only 1-D numpy array stays one (large numeric columns stay
    compact); anything else becomes a tuple."""
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise ValueError(f"a table column must be one-dimensional, got shape {values.shape}")
        if values.flags.writeable:
            values = values.copy()
            values.flags.writeable = False
        return values
    return tuple(values)


@dataclass(frozen=True, eq=False)
class ExampleTable:
    """One table of per-example results logged by a run (an evaluation table).

    Args:
        name: the table's name in the tracker (MLflow: the artifact path given to
            ``log_table``, e.g. ``"eval_results_table.json"``; W&B: the Table's logged key).
        columns: column name -> the column's values, all the same length, one entry per row
            (an example), as read from the tracker: an example key column, perhaps a cluster
            key column, and score columns. Values are kept as given: a tuple, or a read-only
            1-D numpy array (what :meth:`from_frame` makes of numeric columns, to keep 100,000
            examples compact). Nothing is converted or checked beyond equal lengths; the
            comparison checks keys and scores and names the run when they are unusable.

    Example:
        >>> t = ExampleTable.from_records("eval", [{"id": "q1", "correct": 1},
        ...                                         {"id": "q2", "correct": 0}])
        >>> len(t), t.column("correct"), t.column_names
        (2, (1, 0), ('id', 'correct'))
    """

    name: str
    columns: Mapping[str, tuple | np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        frozen = {str(k): _freeze(v) for k, v in dict(self.columns).items()}
        lengths = {k: len(v) for k, v in frozen.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"table {self.name!r}: columns differ in length: {lengths}")
        object.__setattr__(self, "name", str(self.name))
        object.__setattr__(self, "columns", MappingProxyType(frozen))

    def __len__(self) -> int:
        for values in self.columns.values():
            return len(values)
        return 0

    def __repr__(self) -> str:
        return f"ExampleTable({self.name!r}, rows={len(self)}, columns={list(self.columns)})"

    @property
    def column_names(self) -> tuple[str, ...]:
        """The columns, in the order they were given."""
        return tuple(self.columns)

    def column(self, name: str) -> tuple | np.ndarray:
        """The values of column ``name``.

        Raises:
            InputError: the table has no such column (the columns are listed).
        """
        try:
            return self.columns[name]
        except KeyError:
            raise InputError(
                f"table {self.name!r} has no column {name!r}; columns: {list(self.columns)}"
            ) from None

    @classmethod
    def from_records(cls, name: str, records: Iterable[Mapping[str, Any]]) -> ExampleTable:
        """A table from rows (dicts); a row without a column gets ``None`` there.

        Example:
            >>> ExampleTable.from_records("t", [{"a": 1}, {"a": 2, "b": "x"}]).column("b")
            (None, 'x')
        """
        rows = list(records)
        names: dict[str, None] = {}
        for row in rows:
            names.update(dict.fromkeys(str(k) for k in row))
        return cls(name, {k: tuple(row.get(k) for row in rows) for k in names})

    @classmethod
    def from_columns(
        cls, name: str, columns: Sequence[str], data: Iterable[Sequence[Any]]
    ) -> ExampleTable:
        """A table from column names and row lists (the shape of MLflow's table JSON and of a
        W&B Table: ``{"columns": [...], "data": [[...], ...]}``).

        Example:
            >>> ExampleTable.from_columns("t", ["id", "s"], [["a", 1.0], ["b", 0.5]]).column("s")
            (1.0, 0.5)
        """
        rows = list(data)
        width = len(columns)
        lengths = list(map(len, rows))  # C loops: 100,000-row tables are common
        if lengths.count(width) != len(rows):
            i = next(i for i, n in enumerate(lengths) if n != width)
            raise InputError(f"table {name!r}: row {i} has {lengths[i]} values for {width} columns")
        if not rows:
            return cls(name, {str(c): () for c in columns})
        return cls(name, {str(c): col for c, col in zip(columns, zip(*rows, strict=True), strict=True)})

    @classmethod
    def from_frame(cls, name: str, frame: pd.DataFrame) -> ExampleTable:
        """A table from a pandas DataFrame: numeric and boolean columns become read-only numpy
        arrays, the others tuples.

        Example:
            >>> import pandas as pd
            >>> t = ExampleTable.from_frame("t", pd.DataFrame({"id": ["a", "b"], "s": [1.0, 0.0]}))
            >>> t.column("id"), t.column("s").tolist()
            (('a', 'b'), [1.0, 0.0])
        """
        import pandas as pd

        columns: dict[str, tuple | np.ndarray] = {}
        for col in frame.columns:
            series = frame[col]
            if pd.api.types.is_bool_dtype(series.dtype) or (
                pd.api.types.is_numeric_dtype(series.dtype)
                and not isinstance(series.dtype, pd.CategoricalDtype)
            ):
                columns[str(col)] = series.to_numpy(copy=True)
            else:
                columns[str(col)] = tuple(series.tolist())
        return cls(name, columns)

    def to_frame(self) -> pd.DataFrame:
        """The table as a pandas DataFrame (one row per example)."""
        import pandas as pd

        return pd.DataFrame(
            {k: list(v) if isinstance(v, tuple) else v for k, v in self.columns.items()}
        )
