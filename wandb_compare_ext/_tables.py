"""Per-example tables of W&B runs: Tables logged with ``wandb.log({"eval": wandb.Table(...)})``.

A logged Table is a JSON file among the run's files (``media/table/eval_<step>_<hash>.table.json``,
``{"columns": [...], "data": [[...], ...]}``) and the run's summary holds a reference to the last
one logged under its key (``{"_type": "table-file", "path": ...}``). The run readers keep those
references as tags ``wandb.table.<key>`` (:func:`table_tags`), so reading a table costs only its
file:

* offline run folders: the file under the folder's ``files/``, read directly;
* online: through the real ``wandb.Api``, ``run.file(path).download()``, runs concurrently.

Example:
    >>> table_tags({"acc": 0.9, "eval": {"_type": "table-file", "path": "media/table/e.table.json"}})
    {'wandb.table.eval': 'media/table/e.table.json'}
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from shared._example_files import attach_tables, table_from_bytes
from shared.errors import InputError
from shared.model import Run

__all__ = ["TABLE_TAG", "fetch_example_tables", "table_tags"]

#: Tag prefix holding a logged Table's file path (relative to the run's files).
TABLE_TAG = "wandb.table."
_TABLE_TYPES = {"table-file", "partitioned-table", "joined-table", "table"}


def table_tags(summary: Any) -> dict[str, str]:
    """``wandb.table.<key>`` -> file path of every Table referenced in a run summary.

    Nested summary keys are joined with ``.`` as for metrics.

    Example:
        >>> table_tags({"a": {"b": {"_type": "table-file", "path": "media/table/t.json"}}})
        {'wandb.table.a.b': 'media/table/t.json'}
    """
    out: dict[str, str] = {}

    def walk(prefix: str, node: Any) -> None:
        if not isinstance(node, dict):
            return
        if node.get("_type") in _TABLE_TYPES and isinstance(node.get("path"), str):
            out[TABLE_TAG + prefix] = node["path"]
            return
        if "_type" in node:
            return
        for key, child in node.items():
            if not prefix and key == "_wandb":
                continue
            walk(f"{prefix}.{key}" if prefix else str(key), child)

    walk("", summary if isinstance(summary, dict) else {})
    return out


def _offline_bytes(run: Run, path: str) -> bytes | None:
    log_file = run.tags.get("wandb.file")
    if not log_file:
        return None
    file = Path(log_file).parent / "files" / Path(*path.split("/"))
    try:
        return file.read_bytes()
    except OSError:
        return None


def _online_bytes(api: Any, run: Run, path: str) -> bytes | None:
    run_path = run.tags.get("wandb.path") or f"{run.experiment}/{run.id}"
    api_run = api.run(run_path)
    files = list(api_run.files(names=[path]))
    if not files:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        files[0].download(root=tmp, replace=True)
        local = os.path.join(tmp, *path.split("/"))
        with open(local, "rb") as handle:
            return handle.read()


def fetch_example_tables(
    runs: Sequence[Run],
    table: str,
    *,
    source: Any = None,
    workers: int = 8,
    on_progress: Callable[[int], None] | None = None,
) -> list[Run]:
    """Read the Table logged under key ``table`` into each run's ``examples[table]``.

    Args:
        runs: runs read by this adapter (offline folders or ``wandb.Api``); changed in place.
        table: the key the Table was logged under (``wandb.log({"eval": table})`` -> ``"eval"``).
        source: the ``WandbSource`` for online runs.
        workers: concurrent reads.
        on_progress: called with 1 after each run.

    Raises:
        InputError: runs that logged no Table under ``table`` (named, with the keys they have),
            or a file that is not a table.

    Example:
        >>> # runs = load_offline_runs(["wandb"]).runs
        >>> # fetch_example_tables(runs, "eval")[0].examples["eval"].column_names
    """
    runs = list(runs)
    if not table.strip():
        raise InputError("--examples needs the key a W&B Table was logged under")
    tag = TABLE_TAG + table

    def one(run: Run) -> bytes | None:
        path = run.tags.get(tag)
        if path is None:
            return None
        if run.tags.get("wandb.source") == "offline":
            return _offline_bytes(run, path)
        if source is None:
            return None
        try:
            return _online_bytes(source.api, run, path)
        except InputError:
            raise
        except Exception as error:
            raise source.translate(error) from None

    blobs: dict[str, bytes | None] = {}
    if runs:
        with ThreadPoolExecutor(max(1, min(workers, len(runs)))) as pool:
            for run, data in zip(runs, pool.map(one, runs), strict=True):
                blobs[run.id] = data
                if on_progress is not None:
                    on_progress(1)
    _explain_missing(runs, table, blobs)
    tables = {
        run.id: None
        if blobs[run.id] is None
        else table_from_bytes(table, blobs[run.id], path=run.tags[tag])
        for run in runs
    }
    return attach_tables(runs, table, tables, where="W&B Table")


def _explain_missing(runs: list[Run], table: str, blobs: dict[str, bytes | None]) -> None:
    """A missing Table, with the Table keys the runs do have (a typo is the usual cause)."""
    missing = [run for run in runs if blobs.get(run.id) is None]
    if not missing:
        return
    keys = sorted(
        {k[len(TABLE_TAG) :] for run in runs for k in run.tags if k.startswith(TABLE_TAG)}
    )
    shown = ", ".join(run.label for run in missing[:5])
    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    have = f"; Tables logged: {', '.join(keys[:10])}" if keys else "; no run logged a W&B Table"
    raise InputError(
        f"W&B Table {table!r} is missing in {len(missing)} of {len(runs)} runs ({shown}{more})"
        f"{have}"
    )
