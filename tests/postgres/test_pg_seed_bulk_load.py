"""Seeds on PostgreSQL at bulk-load speed (issue 21): DuckDB writes the loaded rows as CSV
(agate's nulls applied, text quoted) and they are streamed to ``COPY ... FROM STDIN (FORMAT
csv)``; the table is exactly the one the earlier load built (each row's values, agate's
nulls applied in Python, sent by psycopg's ``write_row``): types, values, nulls and edge
values alike, on a first load, a re-load into the existing table and a full refresh."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dagwright.materialize.seed_types import read_seed

from .conftest import PROJ_YML as PROJECT
from .conftest import connect
from .conftest import proj_workspace as project

pytestmark = pytest.mark.postgres

#: numbers at the edges of their types, decimals, dates, timestamps (with fractions and a
#: ``T``), booleans in any case, empty and blank fields, ``null`` words (agate's nulls on
#: PostgreSQL, Unicode blanks included), quotes, a quoted line break, a lone backslash-dot,
#: non-ASCII text
TRICKY_SEED = (
    "id,big,ratio,day,at,iso,flag,name,code,note,amount\n"
    '1,9223372036854775807,1.5,2024-01-31,2024-01-31 10:00:00,2024-01-31T10:00:00,true,"it\'s; a ""quote"" %s ?",'
    "007,Zürich 日本語,12.30\n"
    '2,-9223372036854775808,-0.0,1999-12-31,1999-12-31 23:59:59,2024-01-31T10:00:00.123456,false,,010,"  NULL ",'
    "-0.05\n"
    '3,0,1e3,2000-02-29,2000-02-29 00:00:00,,TRUE,"multi\nline",,"\\.",\n'
    '4,,inf,,,,,null,"",  ,1e2\n'
    "5,42,0.1,0001-01-01,9999-12-31 23:59:59,1970-01-01T00:00:00,False,ü,  x  ,\u00a0Null\u3000,0\n"
    '6,1,-inf,2024-01-01,2024-01-01 00:00:00,,,"\\N",",",\\,1\n'
)

COLUMN_TYPES = (
    "seeds:\n  proj:\n    tricky:\n      +column_types:\n"
    "        big: bigint\n        code: varchar(10)\n        amount: numeric(10,2)\n"
)

COLUMNS_SQL = (
    "select column_name, data_type from information_schema.columns "
    "where table_schema = %s and table_name = %s order by ordinal_position"
)


EXISTING_TYPES_SQL = (
    "select attname, format_type(atttypid, atttypmod) from pg_attribute "
    "where attrelid = 'main.tricky'::regclass and attnum > 0 and not attisdropped order by attnum"
)


def _agate_null(value: Any) -> Any:
    return None if isinstance(value, str) and value.strip().lower() in ("", "null") else value


def _written_row_by_row(ws: Any, server: Any, dbname: str, into: list[tuple[str, str]] | None) -> list[tuple[Any, ...]]:
    """The rows as the earlier load stored them: ``read_seed``'s values, agate's nulls
    applied in Python, each row sent by psycopg's ``copy.write_row`` into a table of the
    seed's types."""
    column_types = {"big": "bigint", "code": "varchar(10)", "amount": "numeric(10,2)"}
    table = read_seed(ws.root / "seeds" / "tricky.csv", column_types=column_types, into=into)
    ws.query("drop table if exists main.reference; create table main.reference (like main.tricky)")
    with connect(server, dbname) as con, con.cursor() as cur:
        with cur.copy("copy main.reference from stdin") as copy:
            for row in table.rows:
                copy.write_row(tuple(_agate_null(v) for v in row))
        con.commit()
    return ws.query("select * from main.reference order by id")


def test_csv_streamed_to_copy_builds_the_table_the_bound_values_built(tmp_path: Path, pg_server, pg_db: str) -> None:
    ws = project(
        tmp_path, pg_server, pg_db, {"seeds/tricky.csv": TRICKY_SEED, "dbt_project.yml": PROJECT + COLUMN_TYPES}
    )
    for args, reload in ((("seed",), False), (("seed",), True), (("seed", "--full-refresh"), False)):
        # a re-load reads the values with the existing table's types, as the earlier load did
        into = [(str(n), str(t)) for n, t in ws.query(EXISTING_TYPES_SQL)] if reload else None
        result = ws.run(*args)
        assert result.code == 0, str(result)
        columns = ws.query(COLUMNS_SQL, ["main", "tricky"])
        assert columns == [
            ("id", "integer"),
            ("big", "bigint"),
            ("ratio", "double precision"),
            ("day", "date"),
            ("at", "timestamp without time zone"),
            ("iso", "timestamp without time zone"),
            ("flag", "boolean"),
            ("name", "text"),
            ("code", "character varying"),
            ("note", "text"),
            ("amount", "numeric"),
        ]
        rows = ws.query("select * from main.tricky order by id")
        assert repr(rows) == repr(_written_row_by_row(ws, pg_server, pg_db, into))  # -0.0 and 0.0 told apart
        assert [r[7] for r in rows] == ['it\'s; a "quote" %s ?', None, "multi\nline", None, "ü", "\\N"]
        assert [r[9] for r in rows] == ["Zürich 日本語", None, "\\.", None, None, "\\"]
        assert rows[1][2] == 0.0 and str(rows[1][2]) == "-0.0" and rows[3][2] == float("inf")
    run_file = (ws.root / "target" / "run" / "proj" / "seeds" / "tricky.csv").read_text()
    assert "from stdin (format csv)" in run_file  # the rows went as CSV, not row by row
