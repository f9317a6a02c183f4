"""Per-example tables from files: the bytes a tracker stores, or a CSV/Parquet file per run.

The trackers store evaluation tables in a few shapes, all read here so each adapter only
fetches bytes:

* JSON ``{"columns": [...], "data": [[...], ...]}``: MLflow's ``log_table`` / ``mlflow.evaluate``
  (``eval_results_table.json``, pandas ``orient="split"``) and a W&B Table file
  (``media/table/*.table.json``, which adds keys such as ``column_types`` that are ignored);
* Parquet: MLflow's ``log_table`` with a ``.parquet`` path, or any file a user wrote;
* CSV: any file a user wrote.

:func:`attach_example_files` is the Python route for anything else: one file per run.

Example:
    >>> t = table_from_bytes("eval.json", b'{"columns": ["id", "ok"], "data": [["q1", 1]]}')
    >>> t.column("ok")
    (1,)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from shared.errors import InputError
from shared.model import ExampleTable, Run

__all__ = [
    "attach_example_files",
    "attach_tables",
    "read_table_file",
    "table_from_bytes",
    "table_format",
]

_PARQUET_MAGIC = b"PAR1"


def table_format(path: str, data: bytes | None = None) -> str:
    """``"json"``, ``"parquet"`` or ``"csv"``: from the file name, else from the bytes.

    Example:
        >>> table_format("eval_results_table.json"), table_format("t.parquet"), table_format("x.csv")
        ('json', 'parquet', 'csv')
    """
    lower = path.lower()
    if lower.endswith(".parquet") or lower.endswith(".pq"):
        return "parquet"
    if lower.endswith(".csv") or lower.endswith(".tsv"):
        return "csv"
    if lower.endswith(".json"):
        return "json"
    if data is not None and data[:4] == _PARQUET_MAGIC:
        return "parquet"
    return "json"


def table_from_bytes(name: str, data: bytes, *, path: str | None = None) -> ExampleTable:
    """One table from a file's bytes (JSON ``columns``/``data``, Parquet or CSV).

    Args:
        name: the table's name (what ``--examples`` named).
        data: the file's content.
        path: the file's name, to tell the format (default: ``name``).

    Raises:
        InputError: the bytes are not a table (one line, naming ``name``).

    Example:
        >>> table_from_bytes("t.csv", b"id,score\\nq1,0.5\\n").column("score").tolist()
        [0.5]
    """
    fmt = table_format(path or name, data)
    try:
        if fmt == "json":
            doc = json.loads(data)
            if not isinstance(doc, dict) or "columns" not in doc or "data" not in doc:
                raise InputError(
                    f"table {name!r} is JSON but not a table (no 'columns' and 'data'); log it "
                    "with mlflow.log_table or wandb.Table"
                )
            return ExampleTable.from_columns(name, [str(c) for c in doc["columns"]], doc["data"])
        import io

        import pandas as pd

        if fmt == "parquet":
            frame = pd.read_parquet(io.BytesIO(data))
        else:
            sep = "\t" if (path or name).lower().endswith(".tsv") else ","
            frame = pd.read_csv(io.BytesIO(data), sep=sep)
        return ExampleTable.from_frame(name, frame)
    except InputError:
        raise
    except Exception as error:  # a damaged file: say which, in one line
        text = " ".join(str(error).split())[:200]
        raise InputError(f"table {name!r} cannot be read as {fmt}: {text}") from None


def read_table_file(path: str | Path, name: str | None = None) -> ExampleTable:
    """A table from a CSV, Parquet or JSON (``columns``/``data``) file.

    Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "scores.csv")
        >>> _ = open(path, "w").write("id,correct\\nq1,1\\nq2,0\\n")
        >>> read_table_file(path, "eval").column("correct").tolist()
        [1, 0]
    """
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read table file {str(file)!r}: {error.strerror}") from None
    return table_from_bytes(name or file.name, data, path=file.name)


def attach_tables(
    runs: Sequence[Run], name: str, tables: Mapping[str, ExampleTable | None], *, where: str
) -> list[Run]:
    """Put ``tables[run.id]`` into each run's ``examples[name]``; refuse when any is missing.

    Args:
        runs: the runs (changed in place and returned).
        name: the table's name.
        tables: run id -> its table, or ``None`` when the run has none.
        where: how the table was looked for, for the error (``"artifact"``, ``"W&B Table"``).

    Raises:
        InputError: runs without the table, named (one line).

    Example:
        >>> r = Run("frame", "r1")
        >>> t = ExampleTable("eval", {"id": ("a",), "ok": (1,)})
        >>> attach_tables([r], "eval", {"r1": t}, where="file")[0].examples["eval"] is t
        True
    """
    missing = [run for run in runs if tables.get(run.id) is None]
    if missing:
        shown = ", ".join(run.label for run in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise InputError(
            f"{where} {name!r} is missing in {len(missing)} of {len(runs)} runs "
            f"({shown}{more}); exclude them with a filter or log the table"
        )
    for run in runs:
        run.examples = {**dict(run.examples), name: tables[run.id]}
    return list(runs)


def attach_example_files(
    runs: Sequence[Run], files: Mapping[str, str | Path], name: str = "examples"
) -> list[Run]:
    """Read one CSV/Parquet/JSON file per run into ``run.examples[name]`` (the Python route
    for per-example scores kept outside a tracker).

    Args:
        runs: the runs; each needs a file.
        files: run id (or ``run.key``, or the run's name) -> path of its table.
        name: the table's name, what ``compare_runs(examples=...)`` then names.

    Raises:
        InputError: a run without a file, or a file that is not a table.

    Example:
        >>> import tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> for i in (0, 1):
        ...     _ = open(os.path.join(folder, f"r{i}.csv"), "w").write("id,ok\\nq1,1\\n")
        >>> runs = [Run("frame", f"r{i}") for i in (0, 1)]
        >>> runs = attach_example_files(runs, {f"r{i}": os.path.join(folder, f"r{i}.csv")
        ...                                    for i in (0, 1)}, name="eval")
        >>> len(runs[1].examples["eval"])
        1
    """
    from concurrent.futures import ThreadPoolExecutor

    def path_of(run: Run) -> str | Path | None:
        for key in (run.id, run.key, run.name):
            if key is not None and key in files:
                return files[key]
        return None

    paths = {run.id: path_of(run) for run in runs}
    with ThreadPoolExecutor(8) as pool:
        read = dict(
            zip(
                paths,
                pool.map(
                    lambda p: None if p is None else read_table_file(p, name),
                    paths.values(),
                ),
                strict=True,
            )
        )
    return attach_tables(runs, name, read, where="table file")
