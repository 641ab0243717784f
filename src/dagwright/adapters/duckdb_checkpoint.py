"""The checkpoint when a DuckDB database file is closed, with its buffer pool bounded.

A run's small tables stay in memory until the checkpoint at close writes them out, each
in blocks of its own (256 KiB: a table of 20 rows takes one). The blocks written stay in
DuckDB's buffer pool, which evicts nothing below ``memory_limit`` (80% of the machine's
memory by default): closing after 5,000 small tables took 1.2 GB, most of a run's peak.
Nothing runs any more at close, so the pool is bounded while the checkpoint writes: it
drops blocks already on disk instead of keeping them (bench/RESULTS.md, "Memory at
size"). The bound is what the pool holds when the run ends (the run's tables not yet
written, which cannot be dropped) plus ``CLOSING_HEADROOM`` for the blocks being written,
and at least ``CLOSING_MEMORY_LIMIT``: a larger bound only lets written blocks pile up
(128 MiB more took ~100 MB more at close, at any size). A limit the target set lower is
kept. Should the checkpoint not fit under the bound, the limit is restored and the close
checkpoints as it would have.
"""

from __future__ import annotations

import re

import duckdb

#: the buffer pool's bound while the closing checkpoint writes: what it holds plus this ...
CLOSING_HEADROOM = 16 * 2**20
#: ... and at least this
CLOSING_MEMORY_LIMIT = 32 * 2**20

_UNITS = {"": 1, "b": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}
_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SIZE = re.compile(r"^\s*([0-9.]+)\s*([a-z]*)\s*$", re.IGNORECASE)


def size_in_bytes(text: str) -> int | None:
    """``'18.8 GiB'`` (as DuckDB shows a size) in bytes; None when it is not a size."""
    match = _SIZE.match(text)
    unit = _UNITS.get(match.group(2).lower()) if match else None
    if match is None or unit is None:
        return None
    try:
        return int(float(match.group(1)) * unit)
    except ValueError:
        return None


def checkpoint_before_close(db: duckdb.DuckDBPyConnection, path: str) -> None:
    """Checkpoint the database file with the buffer pool bounded (then restore the limit:
    the attached databases, if any, checkpoint at close as before). Best effort: where it
    cannot (in memory, read only, MotherDuck, a checkpoint that needs more), the close
    does what it always did."""
    if path == ":memory:" or path.startswith(("md:", "motherduck:")):
        return
    cursor = db.cursor()
    try:
        _checkpoint_bounded(cursor)
    finally:
        cursor.close()


def _checkpoint_bounded(cursor: duckdb.DuckDBPyConnection) -> None:
    try:
        # a checkpoint of seconds would draw DuckDB's progress bar on stdout (a local setting)
        cursor.execute("set enable_progress_bar = false")
        row = cursor.execute(
            "select current_setting('memory_limit'), (select sum(memory_usage_bytes) from duckdb_memory())"
        ).fetchone()
    except duckdb.Error:
        return
    limit = str(row[0]) if row else ""
    current = size_in_bytes(limit)
    held = int(row[1] or 0) if row else 0
    bound = max(CLOSING_MEMORY_LIMIT, held + CLOSING_HEADROOM)
    if current is None or current <= bound:  # unknown, or bounded already
        return
    try:
        cursor.execute(f"set memory_limit = '{bound}B'")
        try:
            cursor.execute("checkpoint")
        finally:
            cursor.execute(f"set memory_limit = '{limit}'")
    except duckdb.Error:
        pass  # the close checkpoints with the target's limit
