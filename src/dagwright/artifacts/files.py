"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import orjson


def write_bytes_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def write_text_if_changed(path: Path, text: str) -> None:
    """``write_text_atomic``, unless the file already holds ``text`` (compiled SQL usually
    does, from the last run or compile). Reading a small file costs far less than replacing
    it: on ext4 a rename over an existing file flushes the new file's data first."""
    data = text.encode("utf-8")
    try:
        with open(path, "rb") as fh:
            if fh.read(len(data) + 1) == data:
                return
    except OSError:
        pass
    write_bytes_atomic(path, data)


def write_json_atomic(path: Path, data: Any) -> None:
    # one line, as dbt-core writes its artifacts: a 10,000-model manifest is ~40% smaller
    # and quicker to write than indented
    write_bytes_atomic(path, orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS))


def read_json(path: Path) -> Any:
    return orjson.loads(path.read_bytes())
