"""Memory at size (issue 22): closing a DuckDB file after many small tables.

DuckDB's checkpoint at close writes each small table in a block of its own (256 KiB) and,
below its memory limit, keeps every block it wrote: 1,200 tables took ~300 MB more at
close. dagwright bounds the buffer pool while that checkpoint runs."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb

from dagwright.adapters.duckdb import DuckDBAdapter
from dagwright.adapters.duckdb_checkpoint import CLOSING_MEMORY_LIMIT, size_in_bytes

TABLES = 1200

# Builds the tables through the adapter's connection, then measures the close.
_SCRIPT = textwrap.dedent(
    """
    import json, resource, sys
    from dagwright.adapters.duckdb import DuckDBAdapter

    def rss_mb():
        with open("/proc/self/status") as status:
            return int(status.read().split("VmRSS:")[1].split()[0]) / 1024

    adapter = DuckDBAdapter({"path": sys.argv[1]}, "w")
    conn = adapter.open("worker")
    conn.execute("create table seed as select range as id, 'n' || range as name from range(20)")
    for i in range(int(sys.argv[2])):
        conn.execute(f"begin transaction; create or replace table t{i} as (select * from seed)")
        conn.execute("commit")
    before = max(rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    adapter.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"before_close": before, "peak": peak}))
    """
)


def test_closing_after_many_small_tables_stays_bounded(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(path), str(TABLES)], capture_output=True, text=True, check=True
    )
    figures = json.loads(out.stdout)
    growth = figures["peak"] - figures["before_close"]
    # the bound is 128 MB; without it the close took ~250 KB per table (~300 MB here)
    assert growth < 200, figures
    db = duckdb.connect(str(path), read_only=True)  # everything was written
    try:
        tables = db.execute("select count(*) from duckdb_tables() where table_name like 't%'").fetchone()
        assert tables == (TABLES,)
        assert db.execute(f"select count(*) from t{TABLES - 1}").fetchone() == (20,)
    finally:
        db.close()
    assert not Path(f"{path}.wal").exists()


def test_a_lower_memory_limit_of_the_target_is_kept(tmp_path: Path) -> None:
    adapter = DuckDBAdapter({"path": str(tmp_path / "w.duckdb"), "settings": {"memory_limit": "64MB"}}, "w")
    conn = adapter.open("worker")
    conn.execute("create table t as select 1 as id")
    adapter.close()
    db = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        assert db.execute("select id from t").fetchall() == [(1,)]
    finally:
        db.close()


def test_in_memory_and_read_only_databases_close_as_before(tmp_path: Path) -> None:
    memory = DuckDBAdapter({"path": ":memory:"}, "memory")
    memory.open("worker").execute("create table t as select 1 as id")
    memory.close()

    path = tmp_path / "r.duckdb"
    duckdb.connect(str(path)).close()
    read_only = DuckDBAdapter({"path": str(path), "config_options": {"access_mode": "READ_ONLY"}}, "r")
    assert read_only.open("worker").execute("select 1").rows == [(1,)]
    read_only.close()  # the checkpoint cannot run there: nothing raised


def test_sizes_as_duckdb_shows_them() -> None:
    assert size_in_bytes("128.0 MiB") == CLOSING_MEMORY_LIMIT
    assert size_in_bytes("18.8 GiB") == int(18.8 * 2**30)
    assert size_in_bytes("0 bytes") == 0
    assert size_in_bytes("unlimited") is None
