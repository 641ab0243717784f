"""Atomic file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import itertools
import json
import math
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from dagwright.errors import ArtifactError

#: temporary names unique within this process (threads included); the pid makes them unique across processes
_TMP_NUMBERS = itertools.count()
_TMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


def _create_temp(path: Path) -> tuple[int, str]:
    """A new empty file beside ``path`` (its folder made when missing). Four system calls per
    write instead of tempfile's dozen: compile writes a file per model."""
    for _ in range(100):
        tmp = f"{path.parent}/.{path.name}.{os.getpid()}.{next(_TMP_NUMBERS)}.tmp"
        try:
            return os.open(tmp, _TMP_FLAGS, 0o666), tmp
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:  # left by a crashed process that had the same pid
            continue
    raise FileExistsError(f"no free temporary name beside {path}")


def write_bytes_atomic(path: Path, data: bytes) -> None:
    fd, tmp = _create_temp(path)
    try:
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
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
    it: on ext4 a rename over an existing file flushes the new file's data first.

    For target/compiled and target/run, which dagwright owns: a file standing where a folder
    must be (older versions wrote a YAML file's generic tests to one file named after it,
    where dbt, and now dagwright, make a folder of that name) is replaced by the folder."""
    data = text.encode("utf-8")
    try:
        with open(path, "rb") as fh:
            if fh.read(len(data) + 1) == data:
                return
    except OSError:
        pass
    try:
        write_bytes_atomic(path, data)
    except (NotADirectoryError, FileExistsError):
        if not _remove_file_in_the_way(path):
            raise
        write_bytes_atomic(path, data)


def _remove_file_in_the_way(path: Path) -> bool:
    for folder in path.parents:
        if folder.is_file():
            folder.unlink()
            return True
        if folder.is_dir():
            return False
    return False


def write_json_atomic(path: Path, data: Any) -> None:
    # one line, as dbt-core writes its artifacts: a 10,000-model manifest is ~40% smaller
    # and quicker to write than indented
    write_bytes_atomic(path, _dumps(data))


def _dumps(data: Any) -> bytes:
    try:
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    except orjson.JSONEncodeError as exc:
        if "64-bit" not in str(exc):
            raise
        # an integer past 64 bits (a `meta` value): JSON holds it, orjson cannot write it;
        # dbt writes it as it is, so the slower standard library does too
        return json.dumps(_plain(data), separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _plain(value: Any) -> Any:
    """``value`` in what the standard ``json`` writes as orjson would: anything else
    (dataclasses, dates, non-string keys...) goes through orjson, and NaN and infinities
    become null."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k if isinstance(k, str) else _key(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return orjson.loads(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS))


def _key(key: Any) -> str:
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    return next(iter(orjson.loads(orjson.dumps({key: 0}, option=orjson.OPT_NON_STR_KEYS))))


#: written and removed by ``check_writable``
_PROBE = ".dagwright-write-probe"


def check_writable(folder: Path) -> None:
    """Make ``folder`` (target/) and write a file into it the way artifacts are written, so a
    folder that cannot hold them is an error before any node runs, not after every one did."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / _PROBE
        write_bytes_atomic(probe, b"")
        probe.unlink()
    except OSError as exc:
        raise artifact_error(exc, folder) from None


def artifact_error(exc: OSError, path: Path) -> ArtifactError:
    """``exc``, raised while writing into ``path``, as an error naming the file and the reason."""
    where = exc.filename if isinstance(exc.filename, str) else str(path)
    if os.path.basename(where).startswith(f".{_PROBE}.") or where.endswith(".tmp"):
        where = str(path)  # the temporary file is ours: the user knows the folder
    reason = exc.strerror or str(exc)
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        reason = f"{reason} (a file stands where a folder must be)"
    return ArtifactError(
        f"cannot write the artifacts: {reason}",
        path=where,
        hint="target-path (or --target-path) must name a folder dagwright can write, on a disk with free space",
    )


class JsonEntries:
    """A JSON object written entry by entry: ``entries()`` yields (key, value) pairs, each
    value made just before it is written and dropped after, so a large section is never
    held whole (a 10,000-model manifest's nodes)."""

    def __init__(self, entries: Callable[[], Iterable[tuple[str, Any]]]) -> None:
        self.entries = entries


class JsonItems:
    """A JSON array written item by item, as ``JsonEntries`` writes an object: ``items()``
    yields each value just before it is written (a 10,000-node run's results)."""

    def __init__(self, items: Callable[[], Iterable[Any]]) -> None:
        self.items = items


#: written out when the buffer grows past it: few system calls, a small buffer
_FLUSH_BYTES = 1 << 20


def write_json_streamed_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """``write_json_atomic`` of an object whose top-level values may be ``JsonEntries`` or
    ``JsonItems``: the same bytes as orjson writes for the materialized object."""
    fd, tmp = _create_temp(path)
    try:
        try:
            buffer = bytearray()

            def put(chunk: bytes) -> None:
                buffer.extend(chunk)
                if len(buffer) >= _FLUSH_BYTES:
                    _write_all(fd, buffer)
                    buffer.clear()

            put(b"{")
            for number, (key, value) in enumerate(data.items()):
                put(b"," if number else b"")
                put(orjson.dumps(key) + b":")
                if isinstance(value, JsonEntries):
                    put(b"{")
                    for index, (entry_key, entry) in enumerate(value.entries()):
                        put(b"," if index else b"")
                        put(orjson.dumps(entry_key) + b":" + _dumps(entry))
                    put(b"}")
                elif isinstance(value, JsonItems):
                    put(b"[")
                    for index, item in enumerate(value.items()):
                        put(b"," + _dumps(item) if index else _dumps(item))
                    put(b"]")
                else:
                    put(_dumps(value))
            put(b"}")
            _write_all(fd, buffer)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _write_all(fd: int, data: bytes | bytearray) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def read_json(path: Path) -> Any:
    return orjson.loads(path.read_bytes())
