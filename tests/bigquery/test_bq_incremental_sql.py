"""The text of BigQuery's incremental and snapshot SQL (BigQuery is stricter than the emulator:
DECLARE only at a script's start, no DDL in transactions, no SELECT AS STRUCT needed)."""

from __future__ import annotations

from typing import Any

import pytest

from dagwright.adapters.base import Relation
from dagwright.adapters.bigquery_sql import BigQuerySQL
from dagwright.errors import CompilationError
from dagwright.materialize.incremental_columns import DbtColumn

SQL = BigQuerySQL()
COLS = [DbtColumn("id", "INT64"), DbtColumn("d", "DATE")]
TARGET, STAGED = "`p`.`ds`.`m`", "`p`.`ds`.`m__dbt_tmp`"


def statements(strategy: str, config: dict[str, Any], unique_key: Any = None, predicates: Any = None) -> list[str]:
    return SQL.incremental_statements(strategy, TARGET, STAGED, unique_key, COLS, predicates, config)


def test_merge_text() -> None:
    (sql,) = statements("merge", {"partition_by": {"field": "d"}, "require_partition_filter": True}, ["id", "d"])
    assert sql.startswith(f"merge into {TARGET} as DBT_INTERNAL_DEST\n    using (\n  select * from {STAGED}\n)")
    assert (
        "on ((`DBT_INTERNAL_DEST`.`d` is null or `DBT_INTERNAL_DEST`.`d` is not null)) and "
        "(DBT_INTERNAL_SOURCE.id = DBT_INTERNAL_DEST.id) and (DBT_INTERNAL_SOURCE.d = DBT_INTERNAL_DEST.d)"
    ) in sql
    assert "when matched then update set\n        `id` = DBT_INTERNAL_SOURCE.`id`" in sql
    (plain,) = statements("merge", {})
    assert "on (FALSE)" in plain and "when matched" not in plain


def test_insert_overwrite_text() -> None:
    config = {"partition_by": {"field": "ts", "data_type": "timestamp"}}
    (dynamic,) = statements("insert_overwrite", config)
    assert dynamic.startswith("declare dbt_partitions_for_replacement array<timestamp>;\n")
    assert "set dbt_partitions_for_replacement = (\n  select array_agg(distinct timestamp_trunc(ts, day)" in dynamic
    assert "timestamp_trunc(DBT_INTERNAL_DEST.ts, day) in unnest(dbt_partitions_for_replacement)" in dynamic
    assert "as struct" not in dynamic.lower() and "transaction" not in dynamic.lower()
    (static,) = statements("insert_overwrite", {"partition_by": {"field": "d"}, "partitions": ["'2024-01-01'"]})
    assert "when not matched by source\n    and date(DBT_INTERNAL_DEST.d) in (\n        '2024-01-01'\n    )" in static
    ranged = {"partition_by": {"field": "id", "data_type": "int64", "range": {"start": 0, "end": 100, "interval": 10}}}
    assert "(id - MOD(id - 0, 10))" in statements("insert_overwrite", ranged)[0]
    with pytest.raises(CompilationError, match="requires the `partition_by` config"):
        statements("insert_overwrite", {})


def test_strategies() -> None:
    assert SQL.incremental_strategy({}, "p", {}) == "merge"
    assert SQL.incremental_strategy({"incremental_strategy": "insert_overwrite"}, "p", {}) == "insert_overwrite"
    for rejected in ("append", "delete+insert", "custom"):
        with pytest.raises(CompilationError, match="Invalid incremental strategy provided"):
            SQL.incremental_strategy({"incremental_strategy": rejected}, "p", {})


def test_max_partition_declared_first() -> None:
    staged = Relation("p", "ds", "m__dbt_tmp")
    target = Relation("p", "ds", "m")
    config = {"partition_by": {"field": "d"}}
    sql = SQL.incremental_stage_sql(staged, target, "select * from x where d > _dbt_max_partition", config)
    assert sql.startswith("declare _dbt_max_partition date default (\n  select max(d) from `p`.`ds`.`m`")
    assert "create or replace table `p`.`ds`.`m__dbt_tmp`\npartition by d\n" in sql
    assert "declare" not in SQL.incremental_stage_sql(staged, target, "select 1", config)


def test_snapshot_sql() -> None:
    assert SQL.snapshot_hash_arguments(["id", "ts"]) == (
        "to_hex(md5(concat(coalesce(cast(id as string), ''), '|', coalesce(cast(ts as string), ''))))"
    )
    columns = {"dbt_valid_to": "dbt_valid_to", "dbt_scd_id": "dbt_scd_id"}
    (merge,) = SQL.snapshot_merge_sql(TARGET, STAGED, ["`id`", "`dbt_scd_id`"], columns, None)
    assert merge.startswith(f"merge into {TARGET} as DBT_INTERNAL_DEST\nusing {STAGED} as DBT_INTERNAL_SOURCE")
    assert "and DBT_INTERNAL_DEST.dbt_valid_to is null" in merge
    assert "then insert (`id`, `dbt_scd_id`)" in merge


def test_retype_replaces_the_table() -> None:
    (sql,) = SQL.sync_columns_sql(Relation("p", "ds", "m"), [], [("id", "STRING")], {"partition_by": {"field": "d"}})
    assert sql.startswith("create or replace table `p`.`ds`.`m`\npartition by d\n")
    assert "select * replace (cast(`id` as STRING) as `id`)\nfrom `p`.`ds`.`m`" in sql
