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


# -- BigQuery: the dataset's INFORMATION_SCHEMA and __TABLES__ -----------------------------------
# As dbt-bigquery reads a dataset: date-sharded tables (``name20240101``...) are one entry
# ``name*`` (the latest shard's columns; shard count, first and last in the stats); nested
# fields are columns of their own (``a.b``), numbered in order of position then path; a
# column's comment is its description or ""; the row count and size (tables only), the
# partitioning column and clustering columns are stats.
_BIGQUERY_STATS = (
    # id, label, value expression, description, include expression
    ("date_shards", "Shard count", "s.shard_count", "The number of date shards in this table", "t.is_date_shard"),
    ("date_shard_min", "Shard (min)", "s.shard_min", "The first date shard in this table", "t.is_date_shard"),
    ("date_shard_max", "Shard (max)", "s.shard_max", "The last date shard in this table", "t.is_date_shard"),
    ("num_rows", "# Rows", "s.row_count", "Approximate count of rows in this table", "t.is_table"),
    (
        "num_bytes",
        "Approximate Size",
        "s.size_bytes",
        "Approximate size of table as reported by BigQuery",
        "t.is_table",
    ),
    (
        "partitioning_type",
        "Partitioned By",
        "cs.partition_column",
        "The partitioning column for this table",
        "cs.is_partitioned",
    ),
    (
        "clustering_fields",
        "Clustered By",
        "cs.clustering_columns",
        "The clustering columns for this table",
        "cs.is_clustered",
    ),
)


def bigquery_catalog_sql(project: str, dataset: str) -> str:
    """One dataset's catalog rows (``stats__<id>__<field>`` columns: see ``renamed_stats``).
    The names are identifiers, quoted; BigQuery's names cannot hold a backtick."""
    where = f"`{project}`.`{dataset}`"
    stats = ",\n  ".join(
        f"'{label}' as stats__{stat}__label, {value} as stats__{stat}__value, "
        f"'{text}' as stats__{stat}__description, {include} as stats__{stat}__include"
        for stat, label, value, text, include in _BIGQUERY_STATS
    )
    return f"""
with shards as (
  select tb.project_id as table_catalog, tb.dataset_id as table_schema,
    coalesce(regexp_extract(tb.table_id, r'^(.+)[0-9]{{8}}$'), tb.table_id) as table_name,
    tb.table_id as shard_name, regexp_extract(tb.table_id, r'^.+([0-9]{{8}})$') as shard_index,
    regexp_contains(tb.table_id, r'^.+[0-9]{{8}}$') and tb.type = 1 as is_date_shard,
    case when mv.table_name is not null then 'materialized view' when tb.type = 1 then 'table'
      when tb.type = 2 then 'view' else 'external' end as table_type,
    tb.type = 1 as is_table, json_value(opt.option_value) as table_comment, tb.size_bytes, tb.row_count
  from {where}.__TABLES__ tb
  left join {where}.INFORMATION_SCHEMA.MATERIALIZED_VIEWS mv
    on mv.table_schema = tb.dataset_id and mv.table_name = tb.table_id
  left join {where}.INFORMATION_SCHEMA.TABLE_OPTIONS opt
    on opt.table_schema = tb.dataset_id and opt.table_name = tb.table_id and opt.option_name = 'description'
),
tables as (
  select distinct table_catalog, table_schema, table_name, is_date_shard, table_type, is_table, table_comment
  from shards
),
table_stats as (
  select table_catalog, table_schema, table_name, max(shard_name) as latest_shard, min(shard_index) as shard_min,
    max(shard_index) as shard_max, count(shard_index) as shard_count, sum(size_bytes) as size_bytes,
    sum(row_count) as row_count
  from shards group by 1, 2, 3
),
columns as (
  select c.table_catalog, c.table_schema, c.table_name as shard_name,
    coalesce(p.field_path, '<unknown>') as column_name,
    row_number() over (partition by c.table_catalog, c.table_schema, c.table_name
                       order by c.ordinal_position, p.field_path) as column_index,
    coalesce(p.data_type, '<unknown>') as column_type, p.description as column_comment,
    c.is_partitioning_column = 'YES' as partitions,
    case when c.is_partitioning_column = 'YES' then p.field_path end as partition_column,
    c.clustering_ordinal_position is not null as clusters,
    case when c.clustering_ordinal_position is not null then p.field_path end as cluster_column,
    c.clustering_ordinal_position
  from {where}.INFORMATION_SCHEMA.COLUMNS c
  join {where}.INFORMATION_SCHEMA.COLUMN_FIELD_PATHS p
    on p.table_schema = c.table_schema and p.table_name = c.table_name and p.column_name = c.column_name
  where c.ordinal_position is not null
),
column_stats as (
  select table_catalog, table_schema, shard_name, logical_or(partitions) as is_partitioned,
    max(partition_column) as partition_column, logical_or(clusters) as is_clustered,
    array_to_string(array_agg(cluster_column ignore nulls order by clustering_ordinal_position), ', ')
      as clustering_columns
  from columns group by 1, 2, 3
)
select t.table_catalog as table_database, t.table_schema,
  case when t.is_date_shard then concat(t.table_name, '*') else t.table_name end as table_name,
  t.table_type, t.table_comment,
  coalesce(c.column_name, '<unknown>') as column_name, coalesce(c.column_index, 1) as column_index,
  coalesce(c.column_type, '<unknown>') as column_type, coalesce(c.column_comment, '') as column_comment,
  cast(null as string) as table_owner,
  {stats}
from tables t
join table_stats s on s.table_schema = t.table_schema and s.table_name = t.table_name
left join column_stats cs on cs.table_schema = t.table_schema and cs.shard_name = s.latest_shard
left join columns c on c.table_schema = t.table_schema and c.shard_name = s.latest_shard
order by t.table_schema, t.table_name, c.column_index
"""


def renamed_stats(names: Sequence[str]) -> list[str]:
    """Column names as catalog rows carry them: ``stats__<id>__<field>`` -> ``stats:<id>:<field>``."""
    out = []
    for name in names:
        if name.startswith("stats__"):
            stat, _, field = name[len("stats__") :].rpartition("__")
            name = f"stats:{stat}:{field}"
        out.append(name)
    return out
