"""The ``.wandb`` transaction log format: framing, checksums, records sorted by kind.

In wandb 0.31 an offline run has no ``config.yaml`` or summary file: the ``.wandb`` transaction
log is the source of truth. Its format (checked against files the SDK writes):

* a 7-byte header: ``:W&B``, the magic ``0xBEE1`` (little endian), a version byte (0);
* then LevelDB-log framing in 32 KiB blocks: each chunk has a 7-byte header (CRC32 as
  ``<I``, length ``<H``, type ``<B``: 1 full, 2 first, 3 middle, 4 last) and a record can span
  blocks; a block's tail shorter than a header is zero padding. The checksum is zlib's CRC-32
  (IEEE) of the data seeded with the CRC of the type byte, unmasked, as wandb's writer does;
* each record is a serialized ``wandb.proto.wandb_internal_pb2.Record``.

Damage (a truncated tail, a bad checksum, a broken header) never raises from
:func:`read_wandb_log`: the records before the damage are returned with a warning naming the
file. :func:`~wandb_compare_ext._offline.load_offline_runs` turns damage into an :class:`~shared.errors.InputError` unless
``allow_damaged=True``.

What the records mean (history rows, summary, config) is :mod:`._log_records`; building a
:class:`shared.Run` from them is :mod:`._offline`.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from shared.errors import InputError

__all__ = ["OfflineLog", "read_wandb_log"]

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
        >>> import wandb
        >>> with wandb.init(project="p", mode="offline", id="abc123") as run:
        ...     for step in range(100):
        ...         run.log({"loss": 1.0 / (step + 1)})
        >>> wandb.teardown()  # W&B's service process finishes writing the log
        >>> log = read_wandb_log(next(Path("wandb").glob("offline-run-*/run-abc123.wandb")))
        >>> len(log.history), log.warnings
        (100, [])
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

