"""Materializations on PostgreSQL: view, table (with the views that depend on it kept across
the swap), incremental, ephemeral, seeds through COPY, data tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dagwright.adapters.base import Relation
from dagwright.adapters.postgres import PostgresAdapter
from dagwright.adapters.postgres_connection import _pyformat
from dagwright.materialize import incremental_sql as incremental_module

from .conftest import PROJ_YML as PROJECT
from .conftest import proj_workspace as project

pytestmark = pytest.mark.postgres


def test_table_swap_keeps_dependent_views(tmp_path: Path, pg_server, pg_db: str) -> None:
    ws = project(
        tmp_path,
        pg_server,
        pg_db,
        {
            "models/base_t.sql": "{{ config(materialized='table') }}\nselect {{ var('n', 1) }} as n, 'x' as tag\n",
            "models/base_v.sql": "{{ config(materialized='view') }}\nselect n * 10 as n10 from {{ ref('base_t') }}\n",
        },
    )
    ws.ok("run")
    # views outside the project, on the table and on the model view, two levels deep
    ws.query(
        "create view main.report as select n, tag from main.base_t;"
        "create view main.report2 as select n + 1 as m from main.report;"
        "create view main.on_view with (security_barrier) as select n10 from main.base_v;"
        "create materialized view main.mat as select n from main.base_t;"
        "comment on view main.report is 'kept'"
    )
    ws.ok("run", "--vars", "{n: 2}")
    assert ws.query("select n, tag from main.report") == [(2, "x")]
    assert ws.query("select m from main.report2") == [(3,)]
    assert ws.query("select n10 from main.on_view") == [(20,)]
    assert ws.query("select n from main.mat") == [(2,)]
    assert ws.query("select obj_description('main.report'::regclass, 'pg_class')") == [("kept",)]
    assert ws.query("select reloptions from pg_class where relname = 'on_view'") == [(["security_barrier=true"],)]
    assert ws.temp_relations() == []

    # a dependent view that no longer fits the new table is dropped, as dbt's CASCADE does
    (ws.root / "models" / "base_t.sql").write_text("{{ config(materialized='table') }}\nselect 3 as n\n")
    result = ws.run("run", "-s", "base_t")
    assert result.code == 0, str(result)
    relations = ws.relations()
    assert ("main", "report") not in relations and ("main", "report2") not in relations
    assert relations[("main", "mat")] == "materialized view"
    assert ws.query("select n from main.mat") == [(3,)]


def test_concurrent_swaps_with_a_shared_dependent_view(tmp_path: Path, pg_server, pg_db: str) -> None:
    """Two tables rebuilt at once, one view outside the project reading both: the swaps take
    turns (advisory lock) instead of deadlocking, and the view survives every run."""
    ws = project(
        tmp_path,
        pg_server,
        pg_db,
        {
            "models/left_t.sql": "{{ config(materialized='table') }}\nselect 1 as id, {{ var('n', 0) }} as l\n",
            "models/right_t.sql": "{{ config(materialized='table') }}\nselect 1 as id, {{ var('n', 0) }} as r\n",
        },
        threads=2,
    )
    ws.ok("run")
    ws.query("create view main.both_sides as select l, r from main.left_t join main.right_t using (id)")
    for n in range(1, 6):
        result = ws.run("run", "--vars", f"{{n: {n}}}")
        assert result.code == 0, str(result)
        assert ws.query("select l, r from main.both_sides") == [(n, n)]


def test_view_swap_keeps_dependent_views(tmp_path: Path, pg_server, pg_db: str) -> None:
    ws = project(tmp_path, pg_server, pg_db, {"models/v.sql": "select {{ var('n', 1) }} as n\n"})
    ws.ok("run")
    ws.query("create view main.on_v as select n from main.v")
    ws.ok("run", "--vars", "{n: 5}")
    assert ws.relations()[("main", "v")] == "view"
    assert ws.query("select n from main.on_v") == [(5,)]


def test_ephemeral_and_data_tests(tmp_path: Path, pg_server, pg_db: str) -> None:
    ws = project(
        tmp_path,
        pg_server,
        pg_db,
        {
            "models/eph.sql": "{{ config(materialized='ephemeral') }}\nselect 1 as id union all select 2\n",
            "models/final.sql": "{{ config(materialized='table') }}\nselect id, id * 2 as d from {{ ref('eph') }}\n",
            "models/schema.yml": """\
                version: 2
                models:
                  - name: final
                    columns:
                      - name: id
                        data_tests: [unique, not_null]
                      - name: d
                        data_tests:
                          - accepted_values:
                              values: [2]
                              quote: false
                """,
        },
    )
    result = ws.run("build")
    assert result.code == 1, str(result)
    statuses = {r["unique_id"]: r["status"] for r in ws.run_results()["results"]}
    assert statuses["model.proj.final"] == "success"
    assert sorted(s for u, s in statuses.items() if u.startswith("test.")) == ["fail", "pass", "pass"], statuses
    assert ws.query("select id, d from main.final order by id") == [(1, 2), (2, 4)]
    assert ("main", "eph") not in ws.relations()


SEED_CSV = (
    "id,price,name,day,at,flag,code,note\n"
    '1,1.5,Ada,2024-01-31,2024-01-31 10:00:00,true,007,"it\'s; a ""quote"" %s ?"\n'
    "2,2.25,,2024-02-01,2024-02-01 11:30:00,false,010,\n"
)


def test_seed_through_copy(tmp_path: Path, pg_server, pg_db: str) -> None:
    ws = project(
        tmp_path,
        pg_server,
        pg_db,
        {
            "seeds/things.csv": SEED_CSV,
            "dbt_project.yml": PROJECT
            + "seeds:\n  proj:\n    things:\n      +column_types:\n        code: varchar(5)\n",
        },
    )
    for args in (("seed",), ("seed",), ("seed", "--full-refresh")):
        result = ws.run(*args)
        assert result.code == 0, str(result)
        columns = ws.query(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'main' and table_name = 'things' order by ordinal_position"
        )
        assert columns == [
            ("id", "integer"),
            ("price", "double precision"),
            ("name", "text"),
            ("day", "date"),
            ("at", "timestamp without time zone"),
            ("flag", "boolean"),
            ("code", "character varying"),
            ("note", "text"),
        ]
        rows = ws.query("select * from main.things order by id")
        assert rows == [
            (1, 1.5, "Ada", dt.date(2024, 1, 31), dt.datetime(2024, 1, 31, 10), True, "007", 'it\'s; a "quote" %s ?'),
            (2, 2.25, None, dt.date(2024, 2, 1), dt.datetime(2024, 2, 1, 11, 30), False, "010", None),
        ]
    assert ws.temp_relations() == []


class _Recorder:
    """A stand-in for a GuardedConnection that records what the adapter sends."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any]] = []

    def execute(self, sql: str, params: Any = None) -> Any:
        self.calls.append(("execute", sql, params))

    def executemany(self, sql: str, rows: Any) -> Any:
        self.calls.append(("executemany", sql, rows))


def test_load_rows_uses_copy_with_values(pg_server, pg_db: str) -> None:
    from dagwright.project.profile import Credentials, Target

    target = Target(
        "p", "dev", "postgres", 1, "main", pg_db,
        Credentials({"host": "h", "port": 5432, "user": "u", "password": "pw", "dbname": pg_db}),
        Path("profiles.yml"),
    )  # fmt: skip
    adapter = PostgresAdapter(target)
    rec = _Recorder()
    rows = [(1, "x'); drop table y; --"), (2, None), (3, " NULL ")]
    adapter.load_rows(rec, Relation(pg_db, "main", "t"), ['"id"', '"name"'], rows)  # type: ignore[arg-type]
    loaded = [(1, "x'); drop table y; --"), (2, None), (3, None)]  # agate's nulls, as dbt-postgres binds them
    assert rec.calls == [("executemany", f'copy "{pg_db}"."main"."t" ("id", "name") from stdin', loaded)]


def test_qmark_placeholders() -> None:
    assert _pyformat("select ?, '?', \"a?\", 'x%' -- ? %\n, ?") == "select %s, '?', \"a?\", 'x%%' -- ? %%\n, %s"


def _strategies() -> tuple[str, ...]:
    for name in ("BUILTIN_STRATEGIES", "STRATEGIES"):
        if hasattr(incremental_module, name):
            return tuple(getattr(incremental_module, name))
    return ("append", "delete+insert")


@pytest.mark.parametrize("strategy", ["append", "delete+insert", "merge"])
def test_incremental(tmp_path: Path, pg_server, pg_db: str, strategy: str) -> None:
    if strategy not in _strategies():
        pytest.skip(f"incremental_strategy '{strategy}' is not implemented by dagwright yet (engine-agnostic part)")
    key = "" if strategy == "append" else ", unique_key='id'"
    ws = project(
        tmp_path,
        pg_server,
        pg_db,
        {
            "models/inc.sql": (
                f"{{{{ config(materialized='incremental', incremental_strategy='{strategy}'{key}) }}}}\n"
                "select id, 'batch{{ var(\"b\") }}' as label, {{ var('b') }} * 1.5 as amount\n"
                "from (values (1), ({{ var('b') }} + 1)) as v(id)\n"
                "{% if is_incremental() %}where id >= 1{% endif %}\n"
            ),
            "models/on_inc.sql": "select count(*) as n from {{ ref('inc') }}\n",
        },
    )
    ws.ok("run", "--vars", "{b: 1}")
    ws.query("create view main.outside as select id from main.inc")
    ws.ok("run", "--vars", "{b: 2}")
    rows = ws.query("select id, label, amount from main.inc order by id, label")
    if strategy == "append":
        assert rows == [
            (1, "batch1", Decimal("1.5")),
            (1, "batch2", Decimal("3.0")),
            (2, "batch1", Decimal("1.5")),
            (3, "batch2", Decimal("3.0")),
        ]
    else:
        assert rows == [(1, "batch2", Decimal("3.0")), (2, "batch1", Decimal("1.5")), (3, "batch2", Decimal("3.0"))]
    ws.ok("run", "--full-refresh", "--vars", "{b: 3}")
    assert ws.query("select id, label from main.inc order by id") == [(1, "batch3"), (4, "batch3")]
    assert ws.query("select count(*) from main.outside") == [(2,)]
    assert ws.temp_relations() == []


BATCHES = """\
{%- if var('b') == 1 %}
select * from (values (1, 'a', 10), (2, 'a', 20)) as v(id, label, amount)
{%- else %}
select * from (values (1, 'b', 11), (2, 'b', 21), (3, 'b', 31)) as v(id, label, amount)
{%- endif %}
"""


def test_incremental_predicates_name_the_target_as_dbt_postgres_does(tmp_path: Path, pg_server, pg_db: str) -> None:
    """dbt-postgres aliases the target DBT_INTERNAL_DEST in merge and delete+insert, so
    incremental_predicates written for it name that alias; merge_update_columns limits the
    updated columns; a list unique_key matches on every key."""
    ws = project(
        tmp_path,
        pg_server,
        pg_db,
        {
            "models/merged.sql": (
                "{{ config(materialized='incremental', incremental_strategy='merge', unique_key=['id'],\n"
                "   incremental_predicates=['DBT_INTERNAL_DEST.id > 1'], merge_update_columns=['label']) }}\n" + BATCHES
            ),
            "models/replaced.sql": (
                "{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='id',\n"
                "   incremental_predicates=['DBT_INTERNAL_DEST.id > 1']) }}\n" + BATCHES
            ),
        },
    )
    ws.ok("run", "--vars", "{b: 1}")
    ws.ok("run", "--vars", "{b: 2}")
    # id 1 is outside the predicate: not matched (merge) / not deleted (delete+insert), so it
    # is there twice; id 2 is matched: merge updates only its label
    assert ws.query("select id, label, amount from main.merged order by id, label") == [
        (1, "a", 10),
        (1, "b", 11),
        (2, "b", 20),
        (3, "b", 31),
    ]
    assert ws.query("select id, label, amount from main.replaced order by id, label") == [
        (1, "a", 10),
        (1, "b", 11),
        (2, "b", 21),
        (3, "b", 31),
    ]
    assert ws.temp_relations() == []


def test_incremental_as_dbt_postgres_types_and_checks_it(tmp_path: Path, pg_server, pg_db: str) -> None:
    """on_schema_change adds a new text column as ``text`` (dbt-postgres' column type, where
    dbt-duckdb's would be varchar(256)); an unknown strategy fails the first build already
    (dbt-core's default incremental materialization looks it up on every build)."""
    ws = project(
        tmp_path,
        pg_server,
        pg_db,
        {
            "models/grows.sql": (
                "{{ config(materialized='incremental', on_schema_change='append_new_columns') }}\n"
                "select 1 as id{% if var('b') == 2 %}, 'new'::text as note, 'v'::varchar as code{% endif %}\n"
            ),
            "models/unknown.sql": (
                "{{ config(materialized='incremental', incremental_strategy='upsert') }}\nselect 1 as id\n"
            ),
        },
    )
    first = ws.run("run", "--vars", "{b: 1}")
    assert first.code == 1, str(first)
    statuses = {r["unique_id"]: r["status"] for r in ws.run_results()["results"]}
    assert statuses == {"model.proj.grows": "success", "model.proj.unknown": "error"}
    assert 'incremental strategy macro with the name "get_incremental_upsert_sql"' in first.stdout, str(first)
    assert ("main", "unknown") not in ws.relations()
    ws.ok("run", "--vars", "{b: 2}", "-s", "grows")
    columns = ws.query(
        "select column_name, data_type, character_maximum_length from information_schema.columns "
        "where table_schema = 'main' and table_name = 'grows' order by ordinal_position"
    )
    assert columns == [("id", "integer", None), ("note", "text", None), ("code", "character varying", None)]
