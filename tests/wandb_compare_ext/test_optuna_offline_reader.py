"""A small, independent reader of W&B offline ``.wandb`` logs for the Optuna callback tests.

It decodes the LevelDB-log framing (7-byte file header, 32 KiB blocks, 7-byte chunk headers)
and parses each record with wandb's own protobuf ``Record``: the rows, config, names, groups,
tags and exit codes the real SDK wrote, with no W&B server.
"""

from __future__ import annotations

import json
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_BLOCK = 32768


@dataclass
class OfflineRun:
    id: str = ""
    name: str = ""
    project: str = ""
    group: str = ""
    job_type: str = ""
    tags: tuple[str, ...] = ()
    config: dict[str, Any] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    exit_code: int | None = None
    start: float = 0.0

    def metric_rows(self) -> list[dict[str, Any]]:
        """Rows without W&B's bookkeeping keys (``_step``, ``_timestamp``, ``_runtime``)."""
        return [{k: v for k, v in r.items() if not k.startswith("_")} for r in self.rows]


def _records(path: Path) -> list[bytes]:
    data = path.read_bytes()
    assert data[:4] == b":W&B", path
    out: list[bytes] = []
    pos, pending = 7, b""
    while pos + 7 <= len(data):
        left_in_block = _BLOCK - (pos % _BLOCK)
        if left_in_block < 7:
            pos += left_in_block
            continue
        _crc, length, kind = struct.unpack_from("<IHB", data, pos)
        if kind == 0 and length == 0:  # zero padding at a block's end
            pos += left_in_block
            continue
        if pos + 7 + length > len(data):
            # wandb-core may still be appending its last record after finish() returns: a record
            # cut at the end of the file is not there yet, it is not data.
            break
        chunk = data[pos + 7 : pos + 7 + length]
        pos += 7 + length
        if kind == 1:
            out.append(chunk)
        elif kind == 2:
            pending = chunk
        elif kind == 3:
            pending += chunk
        elif kind == 4:
            out.append(pending + chunk)
            pending = b""
    return out


def _key(item: Any) -> str:
    return item.key or ".".join(item.nested_key)


def read_run(folder: Path) -> OfflineRun:
    from wandb.proto import wandb_internal_pb2 as pb

    files = list(folder.glob("run-*.wandb"))
    if not files:  # the folder exists before its log
        return OfflineRun()
    run = OfflineRun()
    for payload in _records(files[0]):
        rec = pb.Record()
        rec.ParseFromString(payload)
        kind = rec.WhichOneof("record_type")
        if kind == "run":
            r = rec.run
            run.id = r.run_id or run.id
            if r.HasField("start_time") and not run.start:
                run.start = r.start_time.seconds + r.start_time.nanos / 1e9
            run.name = r.display_name or run.name
            run.project = r.project or run.project
            run.group = r.run_group or run.group
            run.job_type = r.job_type or run.job_type
            if r.tags:
                run.tags = tuple(r.tags)
            for item in r.config.update:
                run.config[_key(item)] = json.loads(item.value_json)
        elif kind == "config":
            for item in rec.config.update:
                run.config[_key(item)] = json.loads(item.value_json)
        elif kind == "history":
            row = {_key(i): json.loads(i.value_json) for i in rec.history.item}
            if rec.history.HasField("step"):
                row["_step"] = rec.history.step.num
            run.rows.append(row)
        elif kind == "summary":
            for item in rec.summary.update:
                run.summary[_key(item)] = json.loads(item.value_json)
        elif kind == "exit":
            run.exit_code = rec.exit.exit_code
    run.config.pop("_wandb", None)
    return run


def read_runs(wandb_dir: Path, *, wait: float = 60.0) -> list[OfflineRun]:
    """Every offline run under ``wandb_dir`` (the ``WANDB_DIR``), oldest first.

    wandb-core writes the log asynchronously: ``run.finish()`` can return before the file holds
    the exit record, so this waits (up to ``wait`` seconds) until every run has one.
    """
    deadline = time.monotonic() + wait
    while True:
        folders = sorted((wandb_dir / "wandb").glob("offline-run-*"))
        runs = [read_run(f) for f in folders]
        if all(r.exit_code is not None for r in runs) or time.monotonic() > deadline:
            # Folder names hold whole seconds and a random id: order by the start time.
            return sorted(runs, key=lambda r: r.start)
        time.sleep(0.05)


def test_reader_reads_back_what_the_sdk_wrote(tmp_path: Path, monkeypatch) -> None:
    import pytest  # noqa: F401  (pytest fixtures only)
    import wandb

    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    monkeypatch.setenv("WANDB_ERROR_REPORTING", "false")
    try:
        run = wandb.init(project="p", group="g", job_type="j", reinit="create_new")
        run.name = "named"
        run.log({"a": 1.5}, step=0)
        run.log({"a": 2.5, "b": "text"}, step=3)
        run.config.update({"lr": 0.1, "layers": [1, 2]})
        run.tags = ("t1", "t2")
        run.finish(exit_code=1)
    finally:
        from _wandb_teardown import teardown_wandb

        teardown_wandb()  # bounded: see _wandb_teardown.py
    (back,) = read_runs(tmp_path)
    assert (back.project, back.group, back.job_type, back.name) == ("p", "g", "j", "named")
    assert back.tags == ("t1", "t2")
    assert back.config == {"lr": 0.1, "layers": [1, 2]}
    assert back.metric_rows() == [{"a": 1.5}, {"a": 2.5, "b": "text"}]
    assert [r["_step"] for r in back.rows] == [0, 3]
    assert back.exit_code == 1
