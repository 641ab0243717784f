"""Tables and views on DuckDB are replaced in place inside the node's transaction (no
temporary name, no renames): readers see the old relation until COMMIT, a rollback leaves
it as it was, and a relation can change kind between runs."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import write_project
from dagwright.adapters.base import Relation
from dagwright.adapters.duckdb import DuckDBAdapter
from dagwright.guard import GuardedConnection, StatementRegistry, Stop
from dagwright.materialize.base import NodeJob
from dagwright.materialize.table import TableMaterialization
from dagwright.materialize.view import ViewMaterialization

TARGET = Relation("w", "main", "m")


@pytest.fixture
def warehouse(tmp_path: Path):
    adapter = DuckDBAdapter({"path": str(tmp_path / "w.duckdb")}, "w")
    setup = adapter.open("setup")
    setup.execute("create table main.m as select 1 as v")
    adapter.cache_schemas(setup, [("w", "main")])
    yield adapter
    adapter.close()


def _materialization(adapter: DuckDBAdapter, cls: type, sql: str):
    # the materializations read only these fields of a node
    job = NodeJob(node=SimpleNamespace(relation=TARGET, unique_id="model.p.m", config={}), sql=sql)  # type: ignore[arg-type]
    return cls(adapter, job)


def _guarded(adapter: DuckDBAdapter) -> GuardedConnection:
    stop = Stop()
    return GuardedConnection(adapter.open("Thread-1"), StatementRegistry(stop), "Thread-1", "model.p.m", stop)


def _read(adapter: DuckDBAdapter) -> list[tuple]:
    return adapter.open("reader").execute("select * from main.m").rows


@pytest.mark.parametrize("cls", [TableMaterialization, ViewMaterialization])
def test_readers_see_the_old_relation_until_commit(warehouse: DuckDBAdapter, cls: type) -> None:
    conn = _guarded(warehouse)
    materialization = _materialization(warehouse, cls, "select 2 as v, 'new' as w")
    materialization.build(conn)
    assert _read(warehouse) == [(1,)]  # built, not published
    materialization.publish(conn)
    assert _read(warehouse) == [(2, "new")]
    kind = "VIEW" if cls is ViewMaterialization else "BASE TABLE"
    rows = warehouse.open("check").execute(
        "select table_name, table_type from information_schema.tables where table_schema = 'main'"
    )
    assert rows.rows == [("m", kind)]  # no temporary or backup relation left behind


def test_an_aborted_build_leaves_the_old_table(warehouse: DuckDBAdapter) -> None:
    conn = _guarded(warehouse)
    materialization = _materialization(warehouse, TableMaterialization, "select 3 as v")
    materialization.build(conn)
    materialization.abort(conn)
    assert _read(warehouse) == [(1,)]
    # the connection is usable afterwards: the transaction was rolled back
    assert conn.execute("select 42").rows == [(42,)]


def test_a_model_changes_kind_between_runs(tmp_path: Path) -> None:
    def project(kind: str):
        return write_project(
            tmp_path,
            {
                "models/m.sql": f"{{{{ config(materialized='{kind}') }}}}\nselect 1 as v",
                "models/child.sql": "{{ config(materialized='view') }}\nselect v + 1 as w from {{ ref('m') }}",
            },
        )

    for kind, shown in (("view", "VIEW"), ("table", "BASE TABLE"), ("view", "VIEW"), ("table", "BASE TABLE")):
        proj = project(kind)
        proj.ok("run")
        assert proj.statuses() == {"m": "success", "child": "success"}
        assert proj.tables()[("main", "m")] == shown
        assert proj.query("select w from main.child") == [(2,)]
        assert not [name for (_, name) in proj.tables() if name.endswith(("__dbt_tmp", "__dbt_backup"))]
