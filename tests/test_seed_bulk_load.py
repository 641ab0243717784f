"""Seeds on DuckDB at bulk-load speed (issue 21): the engine ``COPY``s the file itself, as
dbt-duckdb does, and the table is exactly the one the earlier load built (values read by
the same ``COPY`` into a scratch table, then bound one by one as ``cast(? as type)``):
types, values, nulls and edge values alike, on a first load, a re-load into the existing
table, and a full refresh. A value that does not convert still fails as before."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import duckdb

from conftest import DEFAULT_PROJECT_YML, Project
from dagwright.materialize.seed_export import WHITESPACE
from dagwright.materialize.seed_types import read_seed

#: numbers at the edges of their types, decimals, dates, timestamps (with fractions and a
#: ``T``), booleans in any case, empty and blank fields, ``null`` words, quotes, a quoted
#: line break, a lone backslash-dot, non-ASCII text
TRICKY_SEED = (
    "id,big,ratio,day,at,iso,flag,name,code,note,amount,wait\n"
    '1,9223372036854775807,1.5,2024-01-31,2024-01-31 10:00:00,2024-01-31T10:00:00,true,"it\'s; a ""quote"" %s ?",'
    "007,Zürich 日本語,12.30,1 day\n"
    '2,-9223372036854775808,-0.0,1999-12-31,1999-12-31 23:59:59,2024-01-31T10:00:00.123456,false,,010,"  NULL ",'
    "-0.05,2 hours\n"
    '3,0,1e3,2000-02-29,2000-02-29 00:00:00,,TRUE,"multi\nline",,"\\.",,\n'
    '4,,inf,,,,,null,"",  ,1e2,\n'
    "5,42,0.1,0001-01-01,9999-12-31 23:59:59,1970-01-01T00:00:00,False,ü,  x  ,null,0,00:00:01\n"
)

COLUMN_TYPES = (
    "seeds:\n  proj:\n    tricky:\n      +column_types:\n"
    "        big: bigint\n        code: varchar\n        amount: decimal(10,2)\n        wait: interval\n"
)


def _table(project: Project, name: str) -> tuple[list[tuple[str, str]], list[tuple[Any, ...]]]:
    columns = [(r[0], r[1]) for r in project.query(f'describe "main"."{name}"')]
    rows = project.query(f'select * from "main"."{name}" order by id')
    return columns, rows


def _bound_one_by_one(csv_path: Path, columns: list[tuple[str, str]], into: bool) -> list[tuple[Any, ...]]:
    """The rows as the earlier load stored them: ``read_seed``'s values, bound as
    parameters of ``insert ... values (cast(? as type), ...)`` into a table of these types."""
    column_types = {"big": "bigint", "code": "varchar", "amount": "decimal(10,2)", "wait": "interval"}
    table = read_seed(csv_path, column_types=column_types, into=columns if into else None)
    con = duckdb.connect(":memory:")
    con.execute("create table t (" + ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns) + ")")
    placeholders = ", ".join(f"cast(? as {sql_type})" for _, sql_type in columns)
    con.executemany(f"insert into t values ({placeholders})", table.rows)
    return con.execute("select * from t order by id").fetchall()


def test_the_engines_copy_builds_the_table_the_bound_values_built(make_project: Any) -> None:
    project = make_project({"seeds/tricky.csv": TRICKY_SEED, "dbt_project.yml": DEFAULT_PROJECT_YML + COLUMN_TYPES})
    csv_path = project.root / "seeds" / "tricky.csv"
    for args, into in ((("seed",), False), (("seed",), True), (("seed", "--full-refresh"), False)):
        project.ok(*args)
        columns, rows = _table(project, "tricky")
        assert columns == [
            ("id", "INTEGER"),
            ("big", "BIGINT"),
            ("ratio", "DOUBLE"),
            ("day", "DATE"),
            ("at", "TIMESTAMP"),
            ("iso", "TIMESTAMP"),
            ("flag", "BOOLEAN"),
            ("name", "VARCHAR"),
            ("code", "VARCHAR"),
            ("note", "VARCHAR"),
            ("amount", "DECIMAL(10,2)"),
            ("wait", "INTERVAL"),
        ]
        assert repr(rows) == repr(_bound_one_by_one(csv_path, columns, into))  # -0.0 and 0.0 told apart
        assert len(rows) == 5 and rows[3][7] == "null" and rows[1][7] is None  # dbt-duckdb keeps "null" text
        result = next(r for r in project.run_results()["results"] if r["unique_id"] == "seed.proj.tricky")
        assert result["adapter_response"]["rows_affected"] == 5
    run_file = (project.target / "run" / "proj" / "seeds" / "tricky.csv").read_text()
    assert "tricky__dbt_tmp\" from '" in run_file and "(format csv, header true" in run_file  # the engine read it


def test_a_value_the_copy_refuses_is_worded_as_before(make_project: Any) -> None:
    """The engine's COPY fails; the seed's error names the column, type and line, as the
    scratch load words it, and the previous table is left as it was."""
    project = make_project({"seeds/s.csv": "id,n\n1,2\n"})
    project.ok("seed")
    (project.root / "seeds" / "s.csv").write_text("id,n\n1,2\n2,x\n", encoding="utf-8")
    result = project.run("seed")
    assert result.code == 1
    message = next(r for r in project.run_results()["results"])["message"]
    assert "Could not convert string \"x\" to 'INTEGER'" in message, message
    assert '(column "n", type INTEGER)' in message and "(line 3)" in message, message
    assert project.query('select * from "main"."s"') == [(1, 2)]


def test_agates_nulls_strip_the_whitespace_python_strips() -> None:
    """PostgreSQL's seed CSV applies agate's null rule in DuckDB: its whitespace class is
    exactly what ``str.strip()`` removes."""
    assert "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()) == WHITESPACE
