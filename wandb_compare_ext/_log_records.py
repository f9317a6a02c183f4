"""What the records of a ``.wandb`` log hold: history rows, the summary, config updates.

Speed: a 100,000-row run is ~300,000 records. Building one Python object per record and per
logged value is what makes naive readers slow, so this one lets protobuf's C parser do the
bulk: the history records are parsed in one call as a message type that reinterprets the
wire format (``_flat_types``) so every key and value lands in two flat C-built lists, and
rows are cut again with per-row item counts. Anything the fast path cannot prove it handles
exactly (multi-part keys, removes, typed values) falls back to wandb's own ``Record`` class.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "Columns",
    "flatten_summary",
    "history_fast",
    "history_slow",
    "json_value",
    "read_summary",
    "remove_nested",
    "set_nested",
    "timestamp_seconds",
]

@lru_cache(maxsize=1)
def _flat_types() -> tuple[Any, Any, Any]:
    """Message types that reinterpret W&B records so protobuf's C parser does the bulk.

    * ``FlatHistory``: ``history`` (field 2) and its ``item`` (field 1) are *singular*, so all
      history records of a blob merge into one message whose repeated ``key``/``nk``/``value``
      fields hold every item's key, nested key and JSON value in logging order.
    * ``HistoryCounts``: the same records as a repeated field whose ``item`` entries are bytes,
      giving each row's item count (where rows start and end).
    * ``SummaryMerged``: summary records merged the same way (updates and removes).
    """
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    pool = descriptor_pool.Default()
    name = "tracker_compare/wandb_flat.proto"
    try:
        pool.FindFileByName(name)
    except KeyError:
        fdp = descriptor_pb2.FileDescriptorProto(
            name=name, package="tracker_compare_wandb", syntax="proto3"
        )
        opt, rep = 1, 3
        message, bytes_ = 11, 12

        def add(msg: Any, fname: str, num: int, label: int, ftype: int, tname: str = "") -> None:
            f = msg.field.add(name=fname, number=num, label=label, type=ftype)
            if tname:
                f.type_name = f".tracker_compare_wandb.{tname}"

        # bytes, not string: no UTF-8 check or str per value; keys are decoded once each.
        flat = fdp.message_type.add(name="Flat")
        add(flat, "key", 1, rep, bytes_)
        add(flat, "nk", 2, rep, bytes_)
        add(flat, "value", 16, rep, bytes_)
        fh = fdp.message_type.add(name="FlatHistoryRecord")
        add(fh, "item", 1, opt, message, "Flat")
        hist = fdp.message_type.add(name="FlatHistory")
        add(hist, "history", 2, opt, message, "FlatHistoryRecord")
        cr = fdp.message_type.add(name="CountRecord")
        add(cr, "item", 1, rep, bytes_)
        counts = fdp.message_type.add(name="HistoryCounts")
        add(counts, "history", 2, rep, message, "CountRecord")
        sr = fdp.message_type.add(name="FlatSummaryRecord")
        add(sr, "update", 1, opt, message, "Flat")
        add(sr, "remove", 2, opt, message, "Flat")
        srs = fdp.message_type.add(name="SummaryMerged")
        add(srs, "summary", 3, opt, message, "FlatSummaryRecord")
        pool.Add(fdp)
    get = message_factory.GetMessageClass
    return (
        get(pool.FindMessageTypeByName("tracker_compare_wandb.FlatHistory")),
        get(pool.FindMessageTypeByName("tracker_compare_wandb.HistoryCounts")),
        get(pool.FindMessageTypeByName("tracker_compare_wandb.SummaryMerged")),
    )



def json_value(text: str | bytes) -> Any:
    """A config or summary item's JSON text decoded (None for empty)."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _number(value: Any) -> float | None:
    """A finite or non-finite float for numbers (not bools), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _item_key(item: Any) -> str:
    return item.key or ".".join(item.nested_key)


def set_nested(target: dict[str, Any], item: Any, value: Any) -> None:
    """Apply one config/summary update item (a key, or a nested key path) to ``target``."""
    if item.key:
        target[item.key] = value
        return
    parts = list(item.nested_key)
    node = target
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


def remove_nested(target: dict[str, Any], item: Any) -> None:
    """Apply one config/summary remove item to ``target``."""
    parts = [item.key] if item.key else list(item.nested_key)
    node: Any = target
    for part in parts[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return
    if isinstance(node, dict):
        node.pop(parts[-1], None)


def _history_item_value(item: Any) -> Any:
    if item.value_json:
        return json_value(item.value_json)
    kind = item.WhichOneof("value") if item.DESCRIPTOR.oneofs else None
    if kind in ("integer", "number", "boolean", "text"):
        return getattr(item, kind)
    if kind == "json":
        return json_value(item.json)
    return None


@dataclass
class Columns:
    """History as columns: per key, (row indices, float values)."""

    n_rows: int = 0
    rows: dict[str, np.ndarray] = field(default_factory=dict)
    values: dict[str, np.ndarray] = field(default_factory=dict)
    step_of_row: np.ndarray | None = None


def _to_floats(texts: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """JSON values -> (mask of numeric entries, float values). Fast path for plain numbers."""
    try:
        arr = np.array(texts, dtype=np.float64)
        return np.ones(arr.shape[0], dtype=bool), arr
    except (ValueError, TypeError):
        pass
    out = np.full(len(texts), np.nan)
    mask = np.zeros(len(texts), dtype=bool)
    for i, text in enumerate(texts):
        number = _number(json_value(text))
        if number is not None:
            out[i] = number
            mask[i] = True
    return mask, out


def history_fast(records: list[bytes]) -> Columns | None:
    """Columns via the flat reinterpretation, or None when it cannot be exact."""
    flat_history, history_counts, _ = _flat_types()
    blob = b"".join(records)
    flat = flat_history()
    flat.ParseFromString(blob)
    item = flat.history.item
    keys = item.nk[:]
    values = item.value[:]
    if len(item.key) or len(keys) != len(values):
        return None  # plain `key` fields or multi-part nested keys: not one name per value
    n_rows = len(records)
    # Item positions per key, vectorised: code each key once (C-level map), then one
    # comparison per distinct key, or one sort when there are many.
    code_of = {k: i for i, k in enumerate(dict.fromkeys(keys))}
    codes = np.fromiter(map(code_of.__getitem__, keys), dtype=np.int64, count=len(keys))
    if len(code_of) <= 64:
        positions = {k: np.flatnonzero(codes == i) for k, i in code_of.items()}
    else:
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(code_of) + 1))
        positions = {k: order[bounds[i] : bounds[i + 1]] for k, i in code_of.items()}
    width = len(code_of)
    rows = np.arange(n_rows, dtype=np.int64)
    if (
        width
        and len(keys) == width * n_rows
        and all(len(p) == n_rows and np.array_equal(p // width, rows) for p in positions.values())
    ):
        # Every key in every row (a row's keys are unique: it is a map), so every row holds
        # exactly `width` items, rows are consecutive blocks of that many, and each block
        # holds each key once (checked): no need to parse the records again for their sizes.
        row_of_item = np.arange(len(keys), dtype=np.int64) // width
    else:
        counts_msg = history_counts()
        counts_msg.ParseFromString(blob)
        counts = np.fromiter((len(h.item) for h in counts_msg.history), dtype=np.int64)
        if counts.shape[0] != n_rows or int(counts.sum()) != len(keys):
            return None
        row_of_item = np.repeat(rows, counts)
    try:
        # float() parses JSON numbers, NaN and Infinity alike, straight from bytes.
        all_values: np.ndarray | None = np.fromiter(
            map(float, values), dtype=np.float64, count=len(values)
        )
    except (ValueError, TypeError):
        all_values = None  # some value is not a plain number: convert column by column
    cols = Columns(n_rows=len(records))
    for raw_name, sel in positions.items():
        name = raw_name.decode("utf-8", "replace")
        if all_values is not None:
            cols.rows[name] = row_of_item[sel]
            cols.values[name] = all_values[sel]
            continue
        mask, floats = _to_floats([values[i] for i in sel])
        cols.rows[name] = row_of_item[sel][mask]
        cols.values[name] = floats[mask]
    return cols


def history_slow(records: list[bytes], warnings: list[str], path: Path) -> Columns:
    """Columns by wandb's own ``Record`` class, one record at a time."""
    from wandb.proto import wandb_internal_pb2 as pb

    rows: dict[str, list[int]] = {}
    vals: dict[str, list[float]] = {}
    steps: list[int] = []
    for r, payload in enumerate(records):
        rec = pb.Record()
        rec.ParseFromString(payload)
        steps.append(rec.history.step.num)
        for item in rec.history.item:
            number = _number(_history_item_value(item))
            if number is None:
                continue
            key = _item_key(item)
            rows.setdefault(key, []).append(r)
            vals.setdefault(key, []).append(number)
    cols = Columns(n_rows=len(records))
    for key in rows:
        cols.rows[key] = np.asarray(rows[key], dtype=np.int64)
        cols.values[key] = np.asarray(vals[key], dtype=np.float64)
    cols.step_of_row = np.asarray(steps, dtype=np.int64)
    return cols


_SUMMARY_BATCH = 256


def read_summary(records: list[bytes]) -> dict[str, Any]:
    """Merge every summary update in order (removes too), JSON values decoded.

    Batches of records are merged by protobuf's C parser into flat key/value lists; a batch
    whose items all have one-part keys and no removes is then a ``dict.update`` away. Other
    batches are applied record by record with wandb's own ``Record`` class.
    """
    from wandb.proto import wandb_internal_pb2 as pb

    _, _, summary_merged = _flat_types()
    merged: dict[str, Any] = {}
    raw: dict[bytes, bytes] = {}  # one-part keys -> JSON text, decoded when flushed

    def flush() -> None:
        for key, text in raw.items():
            merged[key.decode("utf-8", "replace")] = json_value(text)
        raw.clear()

    def apply(batch: list[bytes]) -> None:
        flat = summary_merged()
        flat.ParseFromString(b"".join(batch))
        update, remove = flat.summary.update, flat.summary.remove
        nk, values = update.nk[:], update.value[:]
        if not (len(update.key) or len(remove.key) or len(remove.nk)) and len(nk) == len(values):
            raw.update(zip(nk, values, strict=True))
            return
        if len(batch) > 8:  # split so the few odd records do not slow the rest
            half = len(batch) // 2
            apply(batch[:half])
            apply(batch[half:])
            return
        flush()
        for payload in batch:
            full = pb.Record()
            full.ParseFromString(payload)
            for item in full.summary.update:
                set_nested(merged, item, json_value(item.value_json))
            for item in full.summary.remove:
                remove_nested(merged, item)

    for first in range(0, len(records), _SUMMARY_BATCH):
        apply(records[first : first + _SUMMARY_BATCH])
    flush()
    return merged


def flatten_summary(summary: dict[str, Any]) -> dict[str, float]:
    """The numeric leaves of a merged summary, nested keys joined with ``.``."""
    out: dict[str, float] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            if "_type" in node:  # a media object or histogram summary, not a number
                return
            for key, child in node.items():
                if not prefix and key == "_wandb":
                    continue
                walk(f"{prefix}.{key}" if prefix else str(key), child)
            return
        number = _number(node)
        if number is not None and prefix:
            out[prefix] = number

    walk("", summary)
    return out


def timestamp_seconds(ts: Any) -> float | None:
    """A protobuf Timestamp in seconds since the epoch (None when unset)."""
    if ts is None or (ts.seconds == 0 and ts.nanos == 0):
        return None
    return ts.seconds + ts.nanos / 1e9

