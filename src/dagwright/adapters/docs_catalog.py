"""What ``docs generate`` reads of an engine's catalog.

Each engine answers one question, for one database and some of its schemas: which tables
and views are there, with which columns. The answer is rows in the shape dbt's adapters give
their ``get_catalog`` macros' results, one row per column (``CATALOG_COLUMNS``, then any
``stats:<id>:<label|value|include|description>`` columns an engine measures), so that
catalog.json is built from them as dbt builds it (``dagwright.artifacts.catalog``).

An engine provides ``catalog_rows(conn, database, schemas)`` on its adapter (the optional
capability ``catalog_rows`` of ``adapters/base.py``); schemas match case-insensitively, as in
dbt's adapters. The queries are read-only and pass the run's guard like any statement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

#: the columns every engine's catalog rows carry, in this order
CATALOG_COLUMNS = (
    "table_database",
    "table_schema",
    "table_name",
    "table_type",
    "table_comment",
    "column_name",
    "column_index",
    "column_type",
    "column_comment",
    "table_owner",
)

DUCKDB_CATALOG_SQL = """
with tables as (
    select database_name, schema_name, table_name, 'BASE TABLE' as table_type, comment
    from duckdb_tables()
    union all
    select database_name, schema_name, view_name, 'VIEW', comment
    from duckdb_views()
)
select t.database_name, t.schema_name, t.table_name, t.table_type, t.comment,
       c.column_name, c.column_index, c.data_type, c.comment, null
from tables t
join duckdb_columns() c
  on c.database_name = t.database_name and c.schema_name = t.schema_name and c.table_name = t.table_name
where upper(t.database_name) = upper(?) and list_contains(?, upper(t.schema_name))
order by t.schema_name, t.table_name, c.column_index
"""

# relkinds: ordinary and partitioned tables, views, materialized views, foreign tables;
# permanent or unlogged only (not another session's temporary tables); no system or dropped columns
POSTGRES_CATALOG_SQL = """
select ?::text, sch.nspname, tbl.relname,
       case tbl.relkind when 'v' then 'VIEW' when 'm' then 'MATERIALIZED VIEW' else 'BASE TABLE' end,
       tbl_desc.description, col.attname, col.attnum,
       pg_catalog.format_type(col.atttypid, col.atttypmod), col_desc.description,
       pg_get_userbyid(tbl.relowner)
from pg_catalog.pg_namespace sch
join pg_catalog.pg_class tbl on tbl.relnamespace = sch.oid
join pg_catalog.pg_attribute col on col.attrelid = tbl.oid
left join pg_catalog.pg_description tbl_desc on tbl_desc.objoid = tbl.oid and tbl_desc.objsubid = 0
left join pg_catalog.pg_description col_desc on col_desc.objoid = tbl.oid and col_desc.objsubid = col.attnum
where upper(sch.nspname) = any(?)
  and not pg_is_other_temp_schema(sch.oid)
  and tbl.relpersistence in ('p', 'u')
  and tbl.relkind in ('r', 'v', 'f', 'p', 'm')
  and col.attnum > 0
  and not col.attisdropped
order by sch.nspname, tbl.relname, col.attnum
"""


def upper_schemas(schemas: Sequence[str]) -> list[str]:
    return sorted({schema.upper() for schema in schemas})


def rows_as_dicts(rows: Sequence[Sequence[Any]], names: Sequence[str] = CATALOG_COLUMNS) -> list[dict[str, Any]]:
    return [dict(zip(names, row, strict=False)) for row in rows]


# -- Spark: ``show table extended`` -------------------------------------------------------------
# dbt-spark reads a relation's catalog entry from the ``information`` text of ``show table
# extended in <schema> like '*'``: the top-level lines of its schema tree (columns, indexed
# from 0), ``Owner:`` and ``Statistics: <n> bytes, <m> rows``; the table and column comments
# there are not read (null in dbt's catalog), and the type is ``view`` or ``table``.
_SPARK_COLUMN = re.compile(r"^ \|-- (.*): (.*) \(nullable = (.*)\b", re.MULTILINE)
_SPARK_OWNER = re.compile(r"^Owner: (.*)$", re.MULTILINE)
_SPARK_STATISTICS = re.compile(r"^Statistics: (.*)$", re.MULTILINE)


def spark_catalog_rows(schema: str, name: str, information: str) -> list[dict[str, Any]]:
    """The catalog rows of one relation from its ``show table extended`` information."""
    owner = next(iter(_SPARK_OWNER.findall(information)), None)
    stats: dict[str, Any] = {}
    raw = next(iter(_SPARK_STATISTICS.findall(information)), None)
    for part in (raw or "").split(", "):
        value, _, key = part.partition(" ")
        if key and value.isdigit():
            stats.update(
                {
                    f"stats:{key}:label": key,
                    f"stats:{key}:value": int(value),
                    f"stats:{key}:description": "",
                    f"stats:{key}:include": True,
                }
            )
    kind = "view" if "Type: VIEW" in information else "table"
    rows = []
    for index, match in enumerate(_SPARK_COLUMN.finditer(information)):
        column, column_type, _nullable = match.groups()
        rows.append(
            {
                "table_database": None,
                "table_schema": schema,
                "table_name": name,
                "table_type": kind,
                "table_comment": None,
                "column_name": column,
                "column_index": index,
                "column_type": column_type,
                "column_comment": None,
                "table_owner": owner,
                **stats,
            }
        )
    return rows
