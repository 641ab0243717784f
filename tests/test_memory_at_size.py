"""Memory at size (issue 22): closing a DuckDB file after many small tables.

DuckDB's checkpoint at close writes each small table in a block of its own (256 KiB) and,
below its memory limit, keeps every block it wrote: 1,200 tables took ~300 MB more at
close. dagwright bounds the buffer pool while that checkpoint runs. A run's results are
written one node at a time (run_results.json, as manifest.json's nodes)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pytest

from dagwright.adapters.duckdb import DuckDBAdapter
from dagwright.adapters.duckdb_checkpoint import size_in_bytes
from dagwright.artifacts.files import JsonEntries, write_json_streamed_atomic

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
    # the pool is bounded to what it holds + 16 MiB (~28 MB more here); a fixed 128 MiB took
    # ~100 MB more, and without a bound the close took ~250 KB per table (~300 MB here)
    assert growth < 64, figures
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
    assert size_in_bytes("128.0 MiB") == 128 * 2**20
    assert size_in_bytes("18.8 GiB") == int(18.8 * 2**30)
    assert size_in_bytes("0 bytes") == 0
    assert size_in_bytes("unlimited") is None


def test_a_streamed_section_writes_the_same_bytes(tmp_path: Path) -> None:
    entries = {f"model.p.m{i}": {"name": f"m{i}", "n": i, "tags": ["a"], "nested": {1: None}} for i in range(3000)}
    made: list[str] = []

    def each() -> Iterator[tuple[str, Any]]:
        for key, value in entries.items():
            made.append(key)
            yield key, value

    data = {"metadata": {"x": "é"}, "nodes": JsonEntries(each), "empty": JsonEntries(lambda: iter(())), "list": [1]}
    target = tmp_path / "manifest.json"
    write_json_streamed_atomic(target, data)
    expected = {"metadata": {"x": "é"}, "nodes": entries, "empty": {}, "list": [1]}
    assert target.read_bytes() == orjson.dumps(expected, option=orjson.OPT_NON_STR_KEYS)
    assert len(made) == 3000


def test_a_failed_streamed_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    target.write_bytes(b"old")

    def broken() -> Iterator[tuple[str, Any]]:
        yield "a", {"x": 1}
        raise RuntimeError("node failed to render")

    with pytest.raises(RuntimeError, match="node failed"):
        write_json_streamed_atomic(target, {"nodes": JsonEntries(broken)})
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_the_manifest_written_is_the_manifest_data(make_project: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(
        {
            "models/a.sql": "select 1 as id",
            "models/b.sql": "select * from {{ ref('a') }}",
            "models/schema.yml": "version: 2\nmodels:\n  - name: b\n    columns:\n      - name: id\n"
            "        data_tests: [not_null]\n",
        }
    )
    project.ok("run")
    written = project.manifest()
    assert set(written["nodes"]) == {"model.proj.a", "model.proj.b", next(k for k in written["nodes"] if "test" in k)}
    assert "select * from" in written["nodes"]["model.proj.b"]["compiled_code"]
    from dagwright.session import Flags, Session

    for name, value in project.env.items():
        monkeypatch.setenv(name, value)
    session = Session(Flags(command="parse", project_dir=str(project.root), profiles_dir=str(project.root)))
    data = session.manifest_data()
    assert list(written) == list(data)
    assert set(written["nodes"]) == set(data["nodes"])
    assert written["parent_map"] == data["parent_map"]


def test_run_results_written_one_node_at_a_time_are_the_same_bytes(tmp_path: Path) -> None:
    import datetime as dt

    from dagwright.artifacts.run_results import run_results_dict, write_run_results
    from dagwright.execute.results import RunResult, RunSummary, Timing

    at = dt.datetime(2026, 12, 7, 22, 55, 1, 123, tzinfo=dt.timezone.utc)
    timing = (Timing("compile", at, at), Timing("execute", at, at + dt.timedelta(seconds=1)))
    results = [
        RunResult("model.p.a", "success", "OK", "Thread-1 (worker)", timing, 1.0, {"rows_affected": 2**70}),
        RunResult("model.p.b", "cancelled", "cancelled: x", None, (), 0.0, {}, compiled_code="select 'é'"),
        RunResult("exposure.p.e", "no-op", None),
    ]
    for summary in (RunSummary(results, 1.5, at, "SIGINT", "interrupted", 1.0, 0.2), RunSummary([], 0.0, at)):
        plain = run_results_dict(summary, invocation_id="i", args={"which": "run", "select": None})
        streamed = run_results_dict(summary, invocation_id="i", args={"which": "run", "select": None}, streamed=True)
        streamed["metadata"] = plain["metadata"]  # the same generated_at
        target = tmp_path / "run_results.json"
        write_run_results(target, streamed)
        assert target.read_bytes() == json.dumps(plain, separators=(",", ":"), ensure_ascii=False).encode()
        assert json.loads(target.read_bytes()) == plain
    assert plain["metadata"]["invocation_started_at"] == "2026-12-07T22:55:01.000123Z"
