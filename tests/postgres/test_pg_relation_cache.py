"""PostgreSQL: the run's relation cache, varchar widening of incremental and snapshot targets,
and ``api.Column`` types, on the session's real server.

The expected types, column orders and rows of the widening tests are what dbt-core 1.11 with
dbt-postgres 1.11 produced on the same project (checked by hand against the oracle); the one
deliberate difference is that a view reading the widened table is kept (dbt-postgres drops it
with the old column's CASCADE).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from .conftest import PROJ_YML as PROJECT
from .conftest import proj_workspace as project

pytestmark = pytest.mark.postgres


#: one relation looked up in the catalog (PostgresConnection.relation_kind without the cache)
ONE_LOOKUP = "select c.relkind from pg_catalog.pg_class c"
#: the run's listing of its schemas (PostgresAdapter.cache_schemas)
LISTING = "select n.nspname, c.relname, c.relkind from pg_catalog.pg_class c"


def logged_statements(pg_server, start: int) -> list[str]:
    """What the server logged after byte ``start`` of its log (statements of the databases
    with ``log_statement = all``)."""
    time.sleep(0.3)  # the server writes its log asynchronously
    text = pg_server.logfile.read_bytes()[start:].decode(errors="replace")
    out = []
    for entry in re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", text):
        found = re.search(r" LOG:  (?:statement|execute [^:]*): (.*)", entry, re.DOTALL)
        if found:
            out.append(found.group(1))
    return out


def columns(ws, relation: str) -> list[tuple[str, str]]:
    return ws.query(
        "select attname, format_type(atttypid, atttypmod) from pg_attribute "
        f"where attrelid = '{relation}'::regclass and attnum > 0 and not attisdropped order by attnum"
    )


MODELS = {
    "models/t1.sql": "{{ config(materialized='table') }}\nselect {{ var('n', 1) }} as n\n",
    "models/t2.sql": "{{ config(materialized='table') }}\nselect n + 1 as n from {{ ref('t1') }}\n",
    "models/v1.sql": "{{ config(materialized='view') }}\nselect n from {{ ref('t2') }}\n",
    "models/inc.sql": "{{ config(materialized='incremental') }}\nselect n from {{ ref('t1') }}\n",
}


def test_a_run_lists_its_schemas_once_instead_of_a_lookup_per_relation(tmp_path: Path, pg_server, pg_db: str) -> None:
    ws = project(tmp_path, pg_server, pg_db, MODELS)
    ws.ok("run")
    pg_server.admin(f"alter database \"{pg_db}\" set log_statement = 'all'")
    start = pg_server.logfile.stat().st_size
    ws.ok("run", "--vars", "{n: 2}")
    statements = logged_statements(pg_server, start)
    assert sum(s.startswith(LISTING) for s in statements) == 1
    assert [s for s in statements if s.startswith(ONE_LOOKUP)] == []
    assert ws.query("select n from main.v1") == [(3,)]
    assert ws.query("select n from main.inc order by n") == [(1,), (2,)]


def test_the_cache_follows_what_other_sessions_changed_between_runs(tmp_path: Path, pg_server, pg_db: str) -> None:
    ws = project(tmp_path, pg_server, pg_db, MODELS)
    ws.ok("run")
    # another session: a table turned into a view, a view into a table, a model's relation
    # dropped, leftovers of a killed run under the temporary and backup names
    ws.query(
        "drop table main.t1 cascade; create view main.t1 as select 7 as n;"
        "drop view main.v1; create table main.v1 (x int);"
        "drop table main.inc;"
        "create table main.t2__dbt_tmp (x int); create view main.t2__dbt_backup as select 1 as x"
    )
    ws.ok("run", "--vars", "{n: 5}")
    relations = ws.relations()
    assert relations[("main", "t1")] == "table" and relations[("main", "v1")] == "view"
    assert ws.query("select n from main.v1") == [(6,)]
    assert ws.query("select n from main.inc") == [(5,)]
    assert ws.temp_relations() == []
    # and back: the next run lists the schema anew
    ws.query("drop table main.t2 cascade")
    ws.ok("run", "--vars", "{n: 6}")
    assert ws.query("select n from main.v1") == [(7,)]


def test_a_relation_dropped_by_a_template_is_looked_up_again(tmp_path: Path, pg_server, pg_db: str) -> None:
    files = {
        "models/t1.sql": "{{ config(materialized='table', pre_hook=\"{{ adapter.drop_relation(this) }}\") }}\n"
        "select {{ var('n', 1) }} as n\n",
    }
    ws = project(tmp_path, pg_server, pg_db, files)
    ws.ok("run")
    ws.ok("run", "--vars", "{n: 2}")
    assert ws.query("select n from main.t1") == [(2,)]


def test_relations_changed_by_on_run_start_hooks_are_seen(tmp_path: Path, pg_server, pg_db: str) -> None:
    """The schemas are listed after on-run-start (dbt-core lists them before, and then fails
    on a relation that a hook dropped)."""
    ws = project(tmp_path, pg_server, pg_db, MODELS)
    ws.ok("run")
    hooks = PROJECT + 'on-run-start:\n  - "drop table if exists main.t1 cascade"\n  - "drop table if exists main.inc"\n'
    (ws.root / "dbt_project.yml").write_text(hooks, encoding="utf-8")
    ws.ok("run", "--vars", "{n: 4}")
    assert ws.query("select n from main.v1") == [(5,)]
    assert ws.query("select n from main.inc") == [(4,)]


def test_a_dependent_view_that_cannot_be_recreated_is_rebuilt_in_the_same_run(
    tmp_path: Path, pg_server, pg_db: str
) -> None:
    """base's swap drops the view that reads a column base no longer has; the cache must not
    go on believing in it when the view's own model is rebuilt later in the run."""
    files = {
        "models/base.sql": "{{ config(materialized='table') }}\nselect 1 as {{ var('col', 'a') }}\n",
        "models/reader.sql": "{{ config(materialized='view') }}\nselect * from {{ ref('base') }}\n",
    }
    ws = project(tmp_path, pg_server, pg_db, files, threads=1)
    ws.ok("run")
    ws.ok("run", "--vars", "{col: b}")
    assert columns(ws, "main.reader") == [("b", "integer")]


def test_a_view_dropped_with_a_column_is_rebuilt_in_the_same_run(tmp_path: Path, pg_server, pg_db: str) -> None:
    """on_schema_change: sync_all_columns re-makes a column whose type changed, dropping the
    old one with CASCADE (dbt's alter_column_type), and the view model reading it goes with
    it; the view's own build later in the run must not trip over the cache still listing it."""
    files = {
        "models/inc.sql": "{{ config(materialized='incremental', on_schema_change='sync_all_columns') }}\n"
        "select 1 as id, 'x'::{{ var('type', 'varchar(5)') }} as extra\n",
        "models/reader.sql": "{{ config(materialized='view') }}\nselect * from {{ ref('inc') }}\n",
    }
    ws = project(tmp_path, pg_server, pg_db, files, threads=1)
    ws.ok("run")
    ws.ok("run", "--vars", "{type: text}")
    assert columns(ws, "main.reader") == [("id", "integer"), ("extra", "text")]


# -------------------------------------------------------------------------------------------
# varchar(n) widening (dbt-postgres' expand_target_column_types)

WIDEN = {
    "models/inc.sql": "{{ config(materialized='incremental') }}\n"
    "select id, code, note from main.src\n"
    "{% if is_incremental() %}where id > (select max(id) from {{ this }}){% endif %}\n",
    "models/inc_merge.sql": "{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge') }}\n"
    "select id, code, note, code::text as t from main.src\n",
    "snapshots/snap.sql": "{% snapshot snap %}"
    "{{ config(target_schema='main', unique_key='id', strategy='check', check_cols=['code']) }}\n"
    "select id, code, note from main.src\n{% endsnapshot %}\n",
}


def test_incremental_and_snapshot_targets_widen_varchar_columns(tmp_path: Path, pg_server, pg_db: str) -> None:
    ws = project(tmp_path, pg_server, pg_db, WIDEN)
    ws.query(
        "create schema main; create table main.src (id int, code varchar(3), note varchar(4));"
        "insert into main.src values (1, 'abc', 'n1')"
    )
    ws.ok("run")
    ws.ok("snapshot")
    assert columns(ws, "main.inc") == [
        ("id", "integer"),
        ("code", "character varying(3)"),
        ("note", "character varying(4)"),
    ]
    ws.query("create view main.dep as select id, code from main.inc")
    # the source's column grows; the new rows need 10 characters
    ws.query(
        "alter table main.src alter column code type varchar(10);"
        "insert into main.src values (2, 'abcdefghij', 'n2'); update main.src set code = 'xyzxyzxyz' where id = 1"
    )
    ws.ok("run")
    ws.ok("snapshot")
    # the widened column is re-made, so it moves last, as with dbt-postgres
    assert columns(ws, "main.inc") == [
        ("id", "integer"),
        ("note", "character varying(4)"),
        ("code", "character varying(10)"),
    ]
    assert ws.query("select id, note, code from main.inc order by id") == [(1, "n1", "abc"), (2, "n2", "abcdefghij")]
    assert columns(ws, "main.inc_merge") == [
        ("id", "integer"),
        ("note", "character varying(4)"),
        ("t", "text"),
        ("code", "character varying(10)"),
    ]
    assert ws.query("select id, code, t from main.inc_merge order by id") == [
        (1, "xyzxyzxyz", "xyzxyzxyz"),
        (2, "abcdefghij", "abcdefghij"),
    ]
    assert columns(ws, "main.snap")[-1] == ("code", "character varying(10)")
    assert ws.query("select id, code, dbt_valid_to is null from main.snap order by id, code") == [
        (1, "abc", False),
        (1, "xyzxyzxyz", True),
        (2, "abcdefghij", True),
    ]
    # the view on the widened table is still there (dbt-postgres drops it with the column)
    assert ws.query("select id, code from main.dep order by id") == [(1, "abc"), (2, "abcdefghij")]
    assert ws.temp_relations() == []


def test_a_text_target_column_is_not_narrowed(tmp_path: Path, pg_server, pg_db: str) -> None:
    files = {
        "models/inc.sql": "{{ config(materialized='incremental') }}\n"
        "{% if is_incremental() %}select repeat('x', 300)::varchar(300) as v"
        "{% else %}select repeat('y', 400)::text as v{% endif %}\n",
    }
    ws = project(tmp_path, pg_server, pg_db, files)
    ws.ok("run")
    ws.ok("run")
    assert columns(ws, "main.inc") == [("v", "text")]
    assert ws.query("select length(v) from main.inc order by 1") == [(300,), (400,)]


# -------------------------------------------------------------------------------------------
# api.Column


def test_columns_in_templates_have_dbt_postgres_types(tmp_path: Path, pg_server, pg_db: str) -> None:
    macro = (
        "{% macro show_cols() %}"
        "{% for c in adapter.get_columns_in_relation(api.Relation.create(schema='main', identifier='typed')) %}"
        "{% do log('col ' ~ c.name ~ '|' ~ c.data_type ~ '|' ~ c.char_size ~ '|' ~ c.is_string(), info=True) %}"
        "{% endfor %}"
        "{% set missing = adapter.get_columns_in_relation(api.Relation.create(schema='main', identifier='nope')) %}"
        "{% do log('missing ' ~ missing | length, info=True) %}"
        "{% do log('api ' ~ api.Column('x', 'text').data_type ~ ',' ~ api.Column('x', 'character varying').data_type"
        " ~ ',' ~ api.Column('x', 'character varying', 5).data_type, info=True) %}"
        "{% endmacro %}"
    )
    ws = project(tmp_path, pg_server, pg_db, {"macros/cols.sql": macro})
    ws.query(
        "create schema main; create table main.typed (a text, b varchar(5), c varchar, d numeric(10,2), "
        "e integer, f numeric, g char(3), h double precision, j int[])"
    )
    out = ws.ok("run-operation", "show_cols").stdout
    logged = [found.group(1) for found in re.finditer(r"^\S+\s+((?:col|missing|api) .*)$", out, re.MULTILINE)]
    assert logged == [
        "col a|text|None|True",
        "col b|character varying(5)|5|True",
        "col c|character varying|None|True",
        "col d|numeric(10,2)|None|False",
        "col e|integer|None|False",
        "col f|numeric|None|False",
        "col g|character varying(3)|3|True",
        "col h|double precision|None|False",
        "col j|ARRAY|None|False",
        "missing 0",
        "api text,character varying,character varying(5)",
    ]
