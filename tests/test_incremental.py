"""Incremental models: what each run leaves in the warehouse, above all when a run fails or
stops half-way (the previous table intact, no staging table left), and how few statements an
incremental run takes. What the strategies and on_schema_change build is checked against dbt
itself in tests/compat (incremental_* cases); these tests need no dbt."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

import dagwright.api
from conftest import Project
from dagwright.adapters.base import DatabaseError, Relation
from dagwright.adapters.duckdb import DuckDBAdapter, DuckDBConnection
from dagwright.errors import CompilationError
from dagwright.guard import GuardedConnection, StatementRegistry, Stop, Stopped
from dagwright.materialize.base import NodeJob
from dagwright.materialize.incremental import (
    DbtColumn,
    IncrementalMaterialization,
    resolve_strategy,
    should_full_refresh,
)
from dagwright.materialize.incremental_sql import merge_sql
from dagwright.parse.nodes import Node
from stop_helpers import project_workspace

# -- through the CLI ---------------------------------------------------------------------------

SOURCE = """\
{{ config(materialized='table') }}
select id, 'batch {{ var("batch") }}' as label, id * 10 + {{ var("batch") }} as amount
from range({{ var("batch") }}, {{ var("batch") }} + 3) as t(id)
"""


def _project(make_project: Any, models: dict[str, str]) -> Project:
    files = {"models/source_rows.sql": SOURCE}
    files.update({f"models/{name}.sql": sql for name, sql in models.items()})
    return make_project(files)


def _rows(project: Project, table: str) -> list[tuple[Any, ...]]:
    return sorted(project.query(f'select * from "main"."{table}"'), key=repr)


def _columns(project: Project, table: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in project.query(f'describe "main"."{table}"')]


def _leftovers(project: Project) -> list[tuple[str, str]]:
    return [
        (str(s), str(n))
        for s, n in project.query("select table_schema, table_name from information_schema.tables")
        if "__dbt_tmp" in str(n) or "__dbt_backup" in str(n)
    ]


def _result(project: Project, name: str) -> dict[str, Any]:
    return next(r for r in project.run_results()["results"] if r["unique_id"].endswith("." + name))


def test_failing_incremental_run_leaves_the_previous_rows(make_project: Any) -> None:
    project = _project(
        make_project,
        {
            "inc": """\
                {{ config(materialized='incremental', unique_key='id') }}
                select id, label, amount from {{ ref('source_rows') }}
                {% if is_incremental() %}
                where cast(case when id > 2 then 'not a number' else '1' end as integer) > 0
                {% endif %}
            """
        },
    )
    project.ok("run", "--vars", "{batch: 1}")
    first = _rows(project, "inc")
    assert first == [(1, "batch 1", 11), (2, "batch 1", 21), (3, "batch 1", 31)]

    result = project.run("run", "--vars", "{batch: 2}")
    assert result.code == 1, str(result)
    failed = _result(project, "inc")
    assert failed["status"] == "error"
    assert failed["message"].startswith("Runtime Error in model inc (models/inc.sql)")
    assert "Conversion Error" in failed["message"]
    assert _rows(project, "inc") == first
    assert _leftovers(project) == []


def test_failure_after_a_schema_change_rolls_the_schema_change_back(make_project: Any) -> None:
    # append_new_columns adds `extra`, then the insert fails casting the new amount to INTEGER
    project = _project(
        make_project,
        {
            "inc": """\
                {{ config(materialized='incremental', unique_key='id', on_schema_change='append_new_columns') }}
                {% if var('batch') == 1 %}
                select id, amount::integer as amount from {{ ref('source_rows') }}
                {% else %}
                select id, 'x' || amount as amount, label as extra from {{ ref('source_rows') }}
                {% endif %}
            """
        },
    )
    project.ok("run", "--vars", "{batch: 1}")
    first = _rows(project, "inc")
    assert project.run("run", "--vars", "{batch: 2}").code == 1
    assert _result(project, "inc")["status"] == "error"
    assert _columns(project, "inc") == [("id", "BIGINT"), ("amount", "INTEGER")]
    assert _rows(project, "inc") == first
    assert _leftovers(project) == []


def test_on_schema_change_fail_is_a_compilation_error_with_dbts_message(make_project: Any) -> None:
    project = _project(
        make_project,
        {
            "inc": """\
                {{ config(materialized='incremental', unique_key='id', on_schema_change='fail') }}
                select id{% if var('batch') == 2 %}, label{% endif %} from {{ ref('source_rows') }}
            """
        },
    )
    project.ok("run", "--vars", "{batch: 1}")
    assert project.run("run", "--vars", "{batch: 2}").code == 1
    message = _result(project, "inc")["message"]
    assert message.startswith("Compilation Error in model inc (models/inc.sql)")
    assert "The source and target schemas on this incremental model are out of sync!" in message
    assert "Source columns not in target: [DuckDBColumn(column='label', dtype='VARCHAR'" in message
    assert _columns(project, "inc") == [("id", "BIGINT")]
    assert _rows(project, "inc") == [(1,), (2,), (3,)]


def test_unknown_strategy_fails_only_on_an_incremental_run(make_project: Any) -> None:
    # dbt looks the strategy macro up only when it merges new rows into an existing table
    project = _project(
        make_project,
        {
            "inc": """\
                {{ config(materialized='incremental', incremental_strategy='upsert', unique_key='id') }}
                select id, label from {{ ref('source_rows') }}
            """
        },
    )
    project.ok("run", "--vars", "{batch: 1}")
    assert project.run("run", "--vars", "{batch: 2}").code == 1
    failed = _result(project, "inc")
    assert failed["message"] == (
        "Runtime Error in model inc (models/inc.sql)\n"
        '  dbt could not find an incremental strategy macro with the name "get_incremental_upsert_sql" in proj'
    )
    assert _rows(project, "inc") == [(1, "batch 1"), (2, "batch 1"), (3, "batch 1")]
    # a full refresh does not need the strategy
    project.ok("run", "--full-refresh", "--vars", "{batch: 2}")
    assert _rows(project, "inc") == [(2, "batch 2"), (3, "batch 2"), (4, "batch 2")]


def test_full_refresh_config_wins_over_the_flag(make_project: Any) -> None:
    model = """\
        {{ config(materialized='incremental', unique_key='id', full_refresh=FLAG) }}
        select id, label from {{ ref('source_rows') }}
    """
    project = _project(
        make_project,
        {
            "never": model.replace("FLAG", "false"),
            "always": model.replace("FLAG", "true"),
            "plain": model.replace(", full_refresh=FLAG", ""),
        },
    )
    project.ok("run", "--vars", "{batch: 1}")
    project.ok("run", "--full-refresh", "--vars", "{batch: 2}")
    assert _rows(project, "never") == [(1, "batch 1"), (2, "batch 2"), (3, "batch 2"), (4, "batch 2")]
    assert _rows(project, "always") == [(2, "batch 2"), (3, "batch 2"), (4, "batch 2")]
    assert _rows(project, "plain") == [(2, "batch 2"), (3, "batch 2"), (4, "batch 2")]
    project.ok("run", "--vars", "{batch: 3}")
    assert _rows(project, "always") == [(3, "batch 3"), (4, "batch 3"), (5, "batch 3")]
    assert _rows(project, "plain") == [(2, "batch 2"), (3, "batch 3"), (4, "batch 3"), (5, "batch 3")]
    assert _result(project, "plain")["adapter_response"] == {"_message": "OK"}


def test_compile_renders_is_incremental_as_run_does(make_project: Any) -> None:
    """``config(full_refresh=...)`` beats ``--full-refresh`` in compile too (dbt's is_incremental())."""
    model = """\
        {{ config(materialized='incremental', full_refresh=FLAG) }}
        select 1 as id
        {% if is_incremental() %} where 'incremental branch' is not null {% endif %}
    """
    project = make_project(
        {
            "models/never.sql": model.replace("FLAG", "false"),
            "models/always.sql": model.replace("FLAG", "true"),
            "models/plain.sql": model.replace(", full_refresh=FLAG", ""),
        }
    )
    project.ok("run")

    def incremental_models(*flags: str) -> set[str]:
        project.ok("compile", *flags)
        compiled = project.target / "compiled" / "proj" / "models"
        return {p.stem for p in compiled.glob("*.sql") if "incremental branch" in p.read_text(encoding="utf-8")}

    assert incremental_models() == {"never", "plain"}
    assert incremental_models("--full-refresh") == {"never"}


def test_cancel_during_an_incremental_build_leaves_the_table_unchanged(tmp_path: Path) -> None:
    ws = project_workspace(
        tmp_path,
        "proj",
        {
            "dbt_project.yml": "name: proj\nversion: '1.0.0'\nconfig-version: 2\nprofile: proj\n",
            "models/inc.sql": """\
                {{ config(materialized='incremental', unique_key='id') }}
                select id, {{ var('batch') }} as batch from range(1, 4) as t(id)
                {% if is_incremental() %}
                -- a sum DuckDB must compute pair by pair (it answers count(*) of a cross join at once)
                cross join (
                    select cast(sum((a.i * b.j) % 7) * 0 as integer) as burned
                    from range(40000) a(i), range(40000) b(j)
                ) as work
                where work.burned = 0
                {% endif %}
            """,
        },
    )
    ws.ok("run", "--vars", "{batch: 1}")
    handle = dagwright.api.start("run", project_dir=str(ws.root), profiles_dir=str(ws.profiles_dir), vars={"batch": 2})
    deadline = time.monotonic() + 60
    while "START sql incremental model main.inc" not in handle.output:
        assert time.monotonic() < deadline, handle.output
        time.sleep(0.01)
    time.sleep(0.3)
    handle.cancel()
    summary = handle.wait(timeout=30)
    assert [r.status for r in summary.results] == ["cancelled"]
    assert sorted(ws.query('select id, batch from "main"."inc"')) == [(1, 1), (2, 1), (3, 1)]
    assert ws.temp_relations() == []


# -- in process: the statements, and a stop between any two of them ------------------------------


def _node(config: dict[str, Any], database: str) -> Node:
    return Node(
        unique_id="model.proj.inc",
        resource_type="model",
        package_name="proj",
        name="inc",
        path="inc.sql",
        original_file_path="models/inc.sql",
        fqn=("proj", "inc"),
        raw_code="",
        config={"materialized": "incremental", **config},
        database=database,
        schema="main",
        alias="inc",
    )


class Warehouse:
    """A DuckDB file, one worker connection, and what the runner does with a materialization."""

    def __init__(self, path: Path) -> None:
        self.adapter = DuckDBAdapter({"path": str(path)}, path.stem)
        self.database = path.stem
        self.raw = self.adapter.open("worker-1")
        self.stop = Stop()
        self.registry = StatementRegistry(self.stop)

    def close(self) -> None:
        self.adapter.close()

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return sorted(self.raw.execute(sql).rows, key=repr)

    def materialize(self, sql: str, config: dict[str, Any], full_refresh: bool = False) -> list[str]:
        """Build then publish like NodeRunner (publish gated on the stop, abort on any error);
        returns the statements submitted."""
        node = _node(config, self.database)
        conn = GuardedConnection(self.raw, self.registry, "worker-1", node.unique_id, self.stop)
        existing = conn.relation_kind(node.relation)
        job = NodeJob(node=node, sql=sql, full_refresh=should_full_refresh(config, full_refresh))
        materialization = IncrementalMaterialization(self.adapter, job, existing, project_name="proj")
        try:
            materialization.build(conn)
            self.stop.check()
            materialization.publish(conn)
        except BaseException:
            materialization.abort(conn)
            raise
        return list(conn.statements)


@pytest.fixture
def warehouse(tmp_path: Path):
    wh = Warehouse(tmp_path / "wh.duckdb")
    yield wh
    wh.close()


def _kinds(statements: list[str]) -> list[str]:
    return [" ".join(s.split()[:3]).lower() for s in statements]


def test_an_incremental_run_takes_few_statements(warehouse: Warehouse) -> None:
    sql = "select range as id, 'a' as label from range(3)"
    first = warehouse.materialize(sql, {"unique_key": "id"})
    assert _kinds(first) == ["begin transaction", 'create table "wh"."main"."inc"', "commit"]
    second = warehouse.materialize(sql, {"unique_key": "id"})
    assert _kinds(second) == [
        "begin transaction",
        "create or replace",  # the staging table, private to this connection
        "select column_name, column_type",  # the target's columns, for the insert's column list
        'delete from "wh"."main"."inc"',
        'insert into "wh"."main"."inc"',
        "drop table if",
        "commit",
    ]
    merged = warehouse.materialize(sql, {"unique_key": "id", "incremental_strategy": "merge"})
    assert _kinds(merged)[3].startswith("merge into")
    assert len(merged) == 6
    assert warehouse.query('select * from "main"."inc"') == [(0, "a"), (1, "a"), (2, "a")]


class StopAfter(DuckDBConnection):
    """A worker connection whose run stops right after the statement starting with ``prefix``."""

    def __init__(self, inner: DuckDBConnection, stop: Stop, prefix: str) -> None:
        self.__dict__.update(inner.__dict__)
        self.stop, self.prefix = stop, prefix

    def execute(self, sql: str, params: Any = None) -> Any:
        result = super().execute(sql, params)
        if sql.lower().startswith(self.prefix):
            self.stop.trigger("cancel", "cancelled by cancel()")
        return result


@pytest.mark.parametrize(
    "prefix",
    ["begin", "create or replace temporary", "select column_name", "alter table", "delete from", "insert into", "drop"],
)
def test_a_stop_anywhere_in_an_incremental_run_changes_nothing(warehouse: Warehouse, prefix: str) -> None:
    config = {"unique_key": "id", "on_schema_change": "append_new_columns"}
    warehouse.materialize("select range as id, 'old' as label from range(3)", config)
    before = warehouse.query('select * from "main"."inc"')
    warehouse.raw = StopAfter(warehouse.raw, warehouse.stop, prefix)  # type: ignore[assignment]
    # the guard refuses every statement after the stop, COMMIT included; abort rolls back
    with pytest.raises(Stopped):
        warehouse.materialize("select range as id, 'new' as label, 1 as extra from range(1, 5)", config)
    assert warehouse.query('select * from "main"."inc"') == before
    assert warehouse.query('select column_name from (describe "main"."inc")') == [("id",), ("label",)]
    assert (
        warehouse.query(
            "select table_catalog, table_name from information_schema.tables where table_name like '%dbt_tmp%'"
        )
        == []
    )


def test_a_failing_statement_rolls_everything_back(warehouse: Warehouse) -> None:
    config = {"unique_key": "id", "on_schema_change": "sync_all_columns"}
    warehouse.materialize("select range as id, 'abc' as code, 1 as gone from range(3)", config)
    # sync_all_columns adds `extra`, drops `gone`, then re-types `code` to INTEGER: copying
    # 'abc' into the new column fails half-way through dbt's four statements
    with pytest.raises(DatabaseError, match="Conversion Error"):
        warehouse.materialize("select range as id, 7 as code, 'e' as extra from range(3)", config)
    assert warehouse.query('select * from "main"."inc"') == [(0, "abc", 1), (1, "abc", 1), (2, "abc", 1)]
    assert warehouse.query('select column_name, column_type from (describe "main"."inc")') == [
        ("code", "VARCHAR"),
        ("gone", "INTEGER"),
        ("id", "BIGINT"),
    ]
    assert warehouse.query("select table_name from information_schema.tables where table_name like '%dbt%'") == []


# -- the SQL, as dbt-duckdb writes it ------------------------------------------------------------


def test_merge_sql_is_dbt_duckdbs(warehouse: Warehouse) -> None:
    columns = [DbtColumn("id", "BIGINT"), DbtColumn("label", "VARCHAR"), DbtColumn("amount", "BIGINT")]
    adapter = warehouse.adapter
    plain = merge_sql(adapter, {}, "t", "s", ["id", "grp"], columns, None)
    assert " ".join(plain.split()) == (
        "MERGE INTO t AS DBT_INTERNAL_DEST USING s AS DBT_INTERNAL_SOURCE "
        "ON (DBT_INTERNAL_SOURCE.id = DBT_INTERNAL_DEST.id) AND (DBT_INTERNAL_SOURCE.grp = DBT_INTERNAL_DEST.grp) "
        "WHEN MATCHED THEN UPDATE BY NAME WHEN NOT MATCHED THEN INSERT BY NAME"
    )
    excluded = merge_sql(adapter, {"merge_exclude_columns": ["AMOUNT"]}, "t", "s", "id", columns, ["x > 1"])
    assert "ON (DBT_INTERNAL_SOURCE.id = DBT_INTERNAL_DEST.id) AND (x > 1)" in excluded
    assert '"id" = DBT_INTERNAL_SOURCE."id", "label" = DBT_INTERNAL_SOURCE."label"' in excluded
    assert "amount" not in excluded.split("UPDATE SET")[1]
    no_key = merge_sql(adapter, {}, "t", "s", None, columns, None)
    assert "ON (FALSE)" in no_key
    with pytest.raises(CompilationError, match="merge_update_columns must be a list"):
        merge_sql(adapter, {"merge_update_columns": "label"}, "t", "s", "id", columns, None)
    with pytest.raises(CompilationError, match="cannot specify merge_update_columns and merge_exclude_columns"):
        merge_sql(
            adapter, {"merge_update_columns": ["a"], "merge_exclude_columns": ["b"]}, "t", "s", "id", columns, None
        )


@pytest.mark.parametrize(
    ("name", "found"),
    [(None, "delete+insert"), ("default", "delete+insert"), ("delete_insert", "delete+insert"), ("append", "append")],
)
def test_strategy_names_resolve_as_in_dbt(name: str | None, found: str) -> None:
    assert resolve_strategy(name, "proj", {}) == found


def test_strategy_errors_are_dbts() -> None:
    with pytest.raises(
        DatabaseError, match="The incremental strategy 'insert_overwrite' is not valid for this adapter"
    ):
        resolve_strategy("insert_overwrite", "proj", {})
    with pytest.raises(DatabaseError, match='name "get_incremental_foo_sql" in proj'):
        resolve_strategy("foo", "proj", {})
    with pytest.raises(CompilationError, match=r"macros/strategies\.sql"):
        resolve_strategy("foo", "proj", {"get_incremental_foo_sql": "macros/strategies.sql"})


def test_relation_rendering_of_the_staging_table(warehouse: Warehouse) -> None:
    staged = warehouse.adapter.temp_relation(Relation("wh", "main", "inc__dbt_tmp"))
    assert warehouse.adapter.render(staged) == '"temp"."main"."inc__dbt_tmp"'
