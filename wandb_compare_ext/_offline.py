"""Read W&B offline run folders (``wandb/offline-run-*/run-*.wandb``) with no server.

In wandb 0.31 an offline run has no ``config.yaml`` or summary file: the ``.wandb`` transaction
log is the source of truth. Its format (checked against files the SDK writes):

* a 7-byte header: ``:W&B``, the magic ``0xBEE1`` (little endian), a version byte (0);
* then LevelDB-log framing in 32 KiB blocks: each chunk has a 7-byte header (CRC32 as
  ``<I``, length ``<H``, type ``<B``: 1 full, 2 first, 3 middle, 4 last) and a record can span
  blocks; a block's tail shorter than a header is zero padding. The checksum is zlib's CRC-32
  (IEEE) of the data seeded with the CRC of the type byte, unmasked, as wandb's writer does;
* each record is a serialized ``wandb.proto.wandb_internal_pb2.Record``.

Speed: a 100,000-row run is ~300,000 records. Building one Python object per record and per
logged value is what makes naive readers slow, so this one lets protobuf's C parser do the
bulk: the history records are parsed in one call as a message type that reinterprets the
wire format (``_flat_types``) so every key and value lands in two flat C-built lists, and
rows are cut again with per-row item counts. Anything the fast path cannot prove it handles
exactly (multi-part keys, removes, typed values) falls back to wandb's own ``Record`` class.

Damage (a truncated tail, a bad checksum, a broken header) never raises from
:func:`read_wandb_log`: the records before the damage are returned with a warning naming the
file. :func:`load_offline_runs` turns damage into an :class:`~shared.errors.InputError` unless
``allow_damaged=True``.
"""

from __future__ import annotations

import fnmatch
import json
import re
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from shared.errors import InputError
from shared.model import History, Run
from shared.normalise import flatten_config
from wandb_compare_ext._provenance import source_from_tags

__all__ = [
    "OfflineLog",
    "OfflineRuns",
    "find_offline_logs",
    "load_offline_runs",
    "read_offline_run",
    "read_wandb_log",
]

_BLOCK = 32768
_HEADER = struct.Struct("<4sHB")
_CHUNK = struct.Struct("<IHB")
_IDENT = b":W&B"
_MAGIC = 0xBEE1
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4
# CRC of each possible type byte, the seed of that chunk's checksum.
_TYPE_CRC = [zlib.crc32(bytes([t])) for t in range(256)]

# Which Record oneof field a payload holds (by field number). Records the comparison never
# needs are dropped unparsed: output (4), files (6), stats (7), telemetry (11), output_raw (13),
# environment (26), output_logger (27).
_KIND_HISTORY = 2
_KIND_SUMMARY = 3
_SKIP_KINDS = frozenset({4, 6, 7, 11, 13, 26, 27})
# Record fields outside the oneof (num, control, uuid, _info): walk past them.
_NON_ONEOF = frozenset({1, 16, 19, 200})


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


@dataclass
class OfflineLog:
    """The useful records of one ``.wandb`` file, split by kind, plus what went wrong.

    Args:
        path: the file.
        history: serialized ``Record`` payloads holding history rows, in order.
        summary: serialized ``Record`` payloads holding summary updates, in order (exact
            repeats keep only their last occurrence: re-applying an identical update changes
            nothing).
        other: every other record that may matter (run, config, metric, exit...), in order.
        n_records: records read.
        warnings: damage found, each naming the file.
        damaged: whether the file ended in damage (truncation, bad checksum, bad header).
    """

    path: Path
    history: list[bytes] = field(default_factory=list)
    summary: list[bytes] = field(default_factory=list)
    other: list[bytes] = field(default_factory=list)
    n_records: int = 0
    warnings: list[str] = field(default_factory=list)
    damaged: bool = False


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[i]
        i += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, i
        shift += 7


def _record_kind(record: bytes) -> int:
    """The field number of a Record's oneof (history 2, summary 3...), or -1 if unsure.

    The writer puts ``num``, ``control`` and ``_info`` before or after the oneof in no fixed
    order, so skip those fields by their wire type rather than trusting the first byte.
    """
    i, n = 0, len(record)
    try:
        while i < n:
            tag, i = _varint(record, i)
            number, wire = tag >> 3, tag & 7
            if number not in _NON_ONEOF:
                return number
            if wire == 0:
                _, i = _varint(record, i)
            elif wire == 2:
                length, i = _varint(record, i)
                i += length
            elif wire == 1:
                i += 8
            elif wire == 5:
                i += 4
            else:
                return -1
    except IndexError:
        return -1
    return -1


def read_wandb_log(path: str | Path) -> OfflineLog:
    """Read the records of one ``.wandb`` transaction log, checking every checksum.

    Never raises for damage: a truncated tail or a bad checksum ends the read and adds a
    warning naming the file; the records before it are kept.

    Args:
        path: the ``run-<id>.wandb`` file.

    Example:
        >>> log = read_wandb_log("wandb/offline-run-20250101_000000-abc123/run-abc123.wandb")
        ... # doctest: +SKIP
        >>> len(log.history)  # doctest: +SKIP
        100
    """
    path = Path(path)
    log = OfflineLog(path=path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc

    def damage(what: str) -> OfflineLog:
        log.damaged = True
        log.warnings.append(f"{path}: {what}; kept the {log.n_records} records before it")
        return log

    if len(data) < _HEADER.size:
        return damage("file too short for a W&B log header")
    ident, magic, version = _HEADER.unpack_from(data, 0)
    if ident != _IDENT or magic != _MAGIC:
        return damage("not a W&B transaction log (bad header)")
    if version != 0:
        return damage(f"unsupported W&B log version {version}")

    # Summary records keyed by their body (the record minus its leading `num`): identical
    # updates such as the `_runtime` ticks collapse to their last occurrence, which is exact
    # because re-applying an identical update cannot change the merged summary.
    summaries: dict[bytes, int] = {}
    error = _scan(data, log, summaries)
    if error:
        damage(error)
    log.summary.extend(sorted(summaries, key=summaries.__getitem__))
    return log


# `num` (field 1, a varint) then the oneof's tag: the layout of nearly every record.
_LEADING_NUM = re.compile(rb"\x08[\x80-\xff]{0,9}[\x00-\x7f]", re.S)


def _scan(data: bytes, log: OfflineLog, summaries: dict[bytes, int]) -> str | None:
    """Walk the chunks, check checksums, sort records by kind. Returns the damage, if any."""
    hist_append, other_append = log.history.append, log.other.append
    unpack = _CHUNK.unpack_from
    crc32 = zlib.crc32
    type_crc = _TYPE_CRC
    skip = _SKIP_KINDS
    leading = _LEADING_NUM.match
    n = len(data)
    pos = _HEADER.size
    pending: list[bytes] | None = None
    count = 0
    try:
        while True:
            left = _BLOCK - pos % _BLOCK
            if left < 7:  # zero padding at the end of a block
                pos += left
            if pos >= n:
                break
            if pos + 7 > n:
                return f"truncated at byte {pos} (partial chunk header)"
            crc, length, kind = unpack(data, pos)
            start = pos + 7
            end = start + length
            if end > n:
                return f"truncated at byte {pos} (chunk of {length} bytes runs past the end)"
            chunk = data[start:end]
            if crc32(chunk, type_crc[kind]) != crc:
                if crc == 0 and length == 0 and kind == 0:
                    break  # preallocated zeros after the last record: the end
                return f"bad checksum at byte {pos}"
            pos = end
            if kind == _FULL:
                record = chunk
            elif kind == _FIRST:
                pending = [chunk]
                continue
            elif kind in (_MIDDLE, _LAST):
                if pending is None:
                    return f"record fragment without its start at byte {start - 7}"
                pending.append(chunk)
                if kind == _MIDDLE:
                    continue
                record = b"".join(pending)
                pending = None
            else:
                return f"unknown chunk type {kind} at byte {start - 7}"
            count += 1
            m = leading(record)
            body_at = m.end() if m else 0
            tag = record[body_at] if body_at < len(record) else -1
            if tag == 0x12:
                hist_append(record)
                continue
            if tag == 0x1A:
                summaries[record[body_at:]] = count
                continue
            what = _record_kind(record)
            if what == _KIND_HISTORY:
                hist_append(record)
            elif what == _KIND_SUMMARY:
                summaries[record[body_at:] if m else record] = count
            elif what not in skip:
                other_append(record)
        if pending is not None:
            return "truncated inside a record that spans blocks"
        return None
    finally:
        log.n_records = count


# --- decoding --------------------------------------------------------------------------------


def _json_value(text: str | bytes) -> Any:
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


def _set_nested(target: dict[str, Any], item: Any, value: Any) -> None:
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


def _remove_nested(target: dict[str, Any], item: Any) -> None:
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
        return _json_value(item.value_json)
    kind = item.WhichOneof("value") if item.DESCRIPTOR.oneofs else None
    if kind in ("integer", "number", "boolean", "text"):
        return getattr(item, kind)
    if kind == "json":
        return _json_value(item.json)
    return None


@dataclass
class _Columns:
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
        number = _number(_json_value(text))
        if number is not None:
            out[i] = number
            mask[i] = True
    return mask, out


def _history_fast(records: list[bytes]) -> _Columns | None:
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
    cols = _Columns(n_rows=len(records))
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


def _history_slow(records: list[bytes], warnings: list[str], path: Path) -> _Columns:
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
    cols = _Columns(n_rows=len(records))
    for key in rows:
        cols.rows[key] = np.asarray(rows[key], dtype=np.int64)
        cols.values[key] = np.asarray(vals[key], dtype=np.float64)
    cols.step_of_row = np.asarray(steps, dtype=np.int64)
    return cols


_SUMMARY_BATCH = 256


def _summary(records: list[bytes]) -> dict[str, Any]:
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
            merged[key.decode("utf-8", "replace")] = _json_value(text)
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
                _set_nested(merged, item, _json_value(item.value_json))
            for item in full.summary.remove:
                _remove_nested(merged, item)

    for first in range(0, len(records), _SUMMARY_BATCH):
        apply(records[first : first + _SUMMARY_BATCH])
    flush()
    return merged


def _flatten_summary(summary: dict[str, Any]) -> dict[str, float]:
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


def _timestamp_seconds(ts: Any) -> float | None:
    if ts is None or (ts.seconds == 0 and ts.nanos == 0):
        return None
    return ts.seconds + ts.nanos / 1e9


# --- runs -------------------------------------------------------------------------------------

# History columns that are bookkeeping, not metrics; `_runtime` stays as a wall-clock axis.
_BOOKKEEPING = frozenset({"_step", "_timestamp"})


def read_offline_run(path: str | Path, *, warnings: list[str] | None = None) -> Run:
    """Read one offline run (its folder or its ``.wandb`` file) into a :class:`shared.Run`.

    Params are the flattened config; metrics the final summary (numbers only); histories every
    numeric key logged, with ``_step`` as steps and ``_timestamp`` as timestamps, plus
    ``_runtime`` (seconds the run was active) as a metric usable as an x-axis. Tags hold the
    W&B tags (``tag -> "true"``) and ``wandb.group``, ``wandb.notes``, ``wandb.job_type``,
    ``wandb.sweep_id``, ``wandb.tags``, ``wandb.source`` and, for metrics with a
    ``define_metric`` step metric, ``wandb.step_metric.<metric>``.

    Args:
        path: an ``offline-run-*`` folder or a ``run-*.wandb`` file.
        warnings: a list that damage warnings are appended to.

    Example:
        >>> run = read_offline_run("wandb/offline-run-20250101_000000-abc123")  # doctest: +SKIP
        >>> run.params["lr"], run.metrics["val/acc"]  # doctest: +SKIP
        (0.001, 0.93)
    """
    from wandb.proto import wandb_internal_pb2 as pb

    file = _log_file(Path(path))
    log = read_wandb_log(file)
    if warnings is not None:
        warnings.extend(log.warnings)
    run_rec = None
    config: dict[str, Any] = {}
    metric_defs: list[Any] = []
    exit_code: int | None = None
    for payload in log.other:
        rec = pb.Record()
        rec.ParseFromString(payload)
        kind = rec.WhichOneof("record_type")
        if kind == "run":
            if run_rec is None:
                run_rec = rec.run
            for item in rec.run.config.update:
                _set_nested(config, item, _json_value(item.value_json))
        elif kind == "config":
            for item in rec.config.update:
                _set_nested(config, item, _json_value(item.value_json))
            for item in rec.config.remove:
                _remove_nested(config, item)
        elif kind == "metric":
            metric_defs.append(rec.metric)
        elif kind == "exit":
            exit_code = rec.exit.exit_code
    if run_rec is None:
        if log.warnings:
            raise InputError(f"damaged W&B log {log.warnings[0]}; no run record before it")
        raise InputError(f"{file}: no run record in the W&B log")

    cols = None
    if log.history:
        cols = _history_fast(log.history)
        if cols is None:
            cols = _history_slow(log.history, [], file)
    summary = _summary(log.summary) if log.summary else {}

    histories: dict[str, History] = {}
    n_rows = cols.n_rows if cols else 0
    step_of_row = np.arange(n_rows, dtype=np.int64)
    if cols is not None and "_step" in cols.rows:
        known = np.full(n_rows, -1, dtype=np.int64)
        known[cols.rows["_step"]] = cols.values["_step"].astype(np.int64)
        step_of_row = np.where(known >= 0, known, step_of_row)
    elif cols is not None and cols.step_of_row is not None:
        step_of_row = cols.step_of_row
    time_of_row = np.full(n_rows, np.nan)
    if cols is not None and "_timestamp" in cols.rows:
        time_of_row[cols.rows["_timestamp"]] = cols.values["_timestamp"]
    if cols is not None:
        for key, rows in cols.rows.items():
            if key in _BOOKKEEPING or key.startswith("_wandb") or len(rows) == 0:
                continue
            histories[key] = History(step_of_row[rows], cols.values[key], time_of_row[rows])

    metrics = _flatten_summary(summary)
    for key in list(metrics):
        if key in _BOOKKEEPING:
            del metrics[key]
    # Offline logs end with `_runtime: 0` summary ticks; the history knows the real runtime.
    runtime = histories.get("_runtime")
    if runtime is not None and len(runtime):
        metrics["_runtime"] = max(metrics.get("_runtime", 0.0), float(np.nanmax(runtime.values)))

    start = _timestamp_seconds(run_rec.start_time) if run_rec.HasField("start_time") else None
    end = None
    if n_rows and np.isfinite(time_of_row).any():
        end = float(np.nanmax(time_of_row))
    if start is not None and "_runtime" in metrics:
        end = max(end or 0.0, start + metrics["_runtime"])

    tags: dict[str, str] = {str(t): "true" for t in run_rec.tags}
    tags["wandb.source"] = "offline"
    tags["wandb.file"] = str(file)
    for name, value in (
        ("wandb.group", run_rec.run_group),
        ("wandb.notes", run_rec.notes),
        ("wandb.job_type", run_rec.job_type),
        ("wandb.sweep_id", run_rec.sweep_id),
        ("wandb.tags", ",".join(run_rec.tags)),
    ):
        if value:
            tags[name] = value
    for key, step_metric in _step_metrics(metric_defs, histories).items():
        tags[f"wandb.step_metric.{key}"] = step_metric

    if exit_code is None:
        status = "RUNNING" if not log.damaged else "FAILED"
    else:
        status = "FINISHED" if exit_code == 0 else "FAILED"
    project = run_rec.project or None
    experiment = f"{run_rec.entity}/{project}" if run_rec.entity and project else project
    return Run(
        tracker="wandb",
        id=run_rec.run_id,
        name=run_rec.display_name or None,
        experiment=experiment,
        status=status,
        start_time=start,
        end_time=end,
        params=flatten_config(config),
        tags=tags,
        metrics=metrics,
        histories=histories,
        source=source_from_tags(tags),
    )


def _step_metrics(defs: Iterable[Any], histories: dict[str, History]) -> dict[str, str]:
    """``define_metric(name, step_metric=x)`` (globs expanded over logged keys): name -> x."""
    out: dict[str, str] = {}
    for d in defs:
        if not d.step_metric:
            continue
        if d.name:
            out[d.name] = d.step_metric
        elif d.glob_name:
            for key in histories:
                if fnmatch.fnmatchcase(key, d.glob_name) and key != d.step_metric:
                    out.setdefault(key, d.step_metric)
    return out


def _log_file(path: Path) -> Path:
    if path.is_file():
        return path
    files = sorted(path.glob("run-*.wandb"))
    if not files:
        raise InputError(f"{path}: no run-*.wandb file in this folder")
    return files[0]


def find_offline_logs(path: str | Path) -> list[Path]:
    """Every offline run log under ``path``.

    ``path`` may be a ``.wandb`` file, an ``offline-run-*`` folder, a ``wandb`` folder, or a
    folder that contains a ``wandb`` folder (what ``WANDB_DIR`` points at).

    Raises:
        InputError: the path does not exist or holds no runs.

    Example:
        >>> find_offline_logs("experiments/")  # doctest: +SKIP
        [PosixPath('experiments/wandb/offline-run-20250101_000000-abc123/run-abc123.wandb')]
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"--offline-dir {path}: no such file or folder")
    if path.is_file():
        if path.suffix != ".wandb":
            raise InputError(f"--offline-dir {path}: not a .wandb file or a folder of runs")
        return [path]
    files = sorted(path.glob("run-*.wandb"))
    if not files:
        for base in (path, path / "wandb"):
            # `latest-run` is a symlink to one of the others: skip it to not count it twice.
            files.extend(sorted(base.glob("*run-*/run-*.wandb")))
    if not files:
        raise InputError(
            f"--offline-dir {path}: no W&B runs found (looked for offline-run-*/run-*.wandb)"
        )
    return files


@dataclass(frozen=True)
class OfflineRuns:
    """What :func:`load_offline_runs` found: the runs and the warnings about damage."""

    runs: list[Run]
    warnings: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"runs": [r.key for r in self.runs], "warnings": list(self.warnings)}


def load_offline_runs(
    paths: str | Path | Sequence[str | Path], *, allow_damaged: bool = False
) -> OfflineRuns:
    """Load every offline run under one or more paths.

    Args:
        paths: folders or files as accepted by :func:`find_offline_logs`.
        allow_damaged: keep the records before damage (with a warning) instead of raising.

    Raises:
        InputError: a missing path, no runs, or (unless ``allow_damaged``) a damaged log.

    Example:
        >>> found = load_offline_runs(["exp-a/", "exp-b/"])  # doctest: +SKIP
        >>> len(found.runs)  # doctest: +SKIP
        12
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    runs: list[Run] = []
    warnings: list[str] = []
    seen: set[Path] = set()
    for base in paths:
        for file in find_offline_logs(base):
            real = file.resolve()
            if real in seen:
                continue
            seen.add(real)
            found: list[str] = []
            run = read_offline_run(file, warnings=found)
            if found and not allow_damaged:
                raise InputError(
                    f"damaged W&B log {found[0]} (pass --allow-damaged to use the records "
                    "before the damage)"
                )
            warnings.extend(found)
            runs.append(run)
    return OfflineRuns(runs=runs, warnings=warnings)
