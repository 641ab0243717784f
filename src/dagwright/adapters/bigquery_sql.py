"""BigQuery's SQL, as dbt-bigquery writes it: names, DDL with table options, catalog queries.

- Relations render as ``\\`project\\`.\\`dataset\\`.\\`table\\``` (dbt-bigquery quotes all three
  parts); a backtick inside a name is escaped with a backslash.
- Tables: ``create or replace table ... partition by ... cluster by ... OPTIONS(...) as (...)``
  (bigquery_ddl.py): one job that builds and publishes; views ``create or replace view``.
- No transactions between jobs: ``begin``/``commit``/``rollback`` are empty statements, not
  sent; a change that must be atomic runs as one ``BEGIN TRANSACTION ... COMMIT TRANSACTION``
  script (``transaction_script``).
- Staging tables live beside the target as ``<name>__dbt_tmp`` with a 12-hour expiration, as
  dbt-bigquery's incremental models make them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from dagwright.adapters.base import TMP_SUFFIX, Relation, RelationKind
from dagwright.adapters.bigquery_contract import (
    CONSTRAINT_SUPPORT,
    TYPE_LABELS,
    contract_columns_of,
    nested_columns,
    struct_select_expression,
)
from dagwright.adapters.bigquery_ddl import (
    check_supported,
    cluster_columns,
    options_clause,
    parse_partition_by,
    string_literal,
    table_clauses,
    view_options,
)
from dagwright.adapters.bigquery_incremental import BigQueryIncrementalSQL
from dagwright.adapters.catalog_effects_sql import BigQueryGrantSQL

#: the types dbt-bigquery declares for inferred seed columns (its convert_*_type)
SEED_TYPES = {
    "INTEGER": "INT64",
    "BIGINT": "INT64",
    "DOUBLE": "FLOAT64",
    "DATE": "DATE",
    "TIMESTAMP": "DATETIME",
    "BOOLEAN": "BOOL",
    "VARCHAR": "STRING",
    "TIME": "TIME",
}


class BigQuerySQL(BigQueryGrantSQL, BigQueryIncrementalSQL):
    quote_char: ClassVar[str] = "`"
    default_quote_policy: ClassVar[tuple[bool, bool, bool]] = (True, True, True)
    quote_policy: tuple[bool, bool, bool] = (True, True, True)
    seed_types: ClassVar[Mapping[str, str]] = SEED_TYPES
    #: the dataset location from the profile (set by the adapter)
    location: str | None = None
    #: contracts (bigquery_contract.py): the type labels, each constraint type's support
    contract_type_labels: ClassVar[Mapping[str, str]] = TYPE_LABELS
    constraint_support: ClassVar[Mapping[str, str]] = CONSTRAINT_SUPPORT
    not_enforced_clause: ClassVar[str] = "not enforced"
    #: a replaced table keeps its grants (dbt-bigquery's copy_grants): they are compared with
    #: the config and the others revoked, as for a table changed in place
    replacement_keeps_grants: ClassVar[bool] = True

    def quote(self, identifier: str) -> str:
        return "`" + identifier.replace("\\", "\\\\").replace("`", "\\`") + "`"

    def create_schema_sql(self, relation: Relation) -> str:
        dataset = self.render(relation.with_identifier(""))
        options = f" OPTIONS(location={string_literal(self.location)})" if self.location else ""
        return f"create schema if not exists {dataset}{options}"

    def drop_sql(self, relation: Relation, kind: RelationKind) -> str:
        return f"drop {kind} if exists {self.render(relation)}"

    def rename_sql(self, relation: Relation, kind: RelationKind, new_identifier: str) -> str:
        return f"alter {kind} {self.render(relation)} rename to {self.quote(new_identifier)}"

    def create_table_as_sql(self, relation: Relation, select_sql: str, config: Mapping[str, Any] | None = None) -> str:
        clauses = table_clauses(config, temporary=relation.identifier.endswith(TMP_SUFFIX))
        head = "\n".join([f"create or replace table {self.render(relation)}", *clauses])
        return f"{head}\nas (\n{select_sql}\n);"

    def create_table_sql(self, relation: Relation, column_ddl: str, config: Mapping[str, Any] | None = None) -> str:
        clauses = table_clauses(config, temporary=relation.identifier.endswith(TMP_SUFFIX))
        return "\n".join([f"create or replace table {self.render(relation)} ({column_ddl})", *clauses])

    def contracted_table_as_sql(
        self, relation: Relation, column_ddl: str, select_sql: str, config: Mapping[str, Any] | None = None
    ) -> str:
        """A contracted table in one job: its columns and constraints, then its rows."""
        clauses = table_clauses(config, temporary=relation.identifier.endswith(TMP_SUFFIX))
        head = "\n".join([f"create or replace table {self.render(relation)} ({column_ddl})", *clauses])
        return f"{head}\nas (\n{select_sql}\n);"

    def contract_columns(self, conn: Any, sql: str) -> list[tuple[str, str]]:
        """A contracted query's columns as dbt-bigquery reads them: its result's schema."""
        return contract_columns_of(conn.execute(sql).column_types)

    def nest_contract_columns(self, columns: Sequence[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
        """A contract's columns as dbt-bigquery declares them: dotted names nested into STRUCTs."""
        return nested_columns(columns)

    def contract_select_expression(self, column: str, data_type: str) -> str:
        """A contracted column in the table's query: a STRUCT's fields in its declared order."""
        return struct_select_expression(column, data_type)

    def create_view_as_sql(self, relation: Relation, select_sql: str, config: Mapping[str, Any] | None = None) -> str:
        options = options_clause(view_options(config or {}))
        head = f"create or replace view {self.render(relation)}" + (f"\n{options}" if options else "")
        return f"{head}\nas {select_sql};"

    def copy_table_sql(self, source: Relation, target: Relation, config: Mapping[str, Any] | None = None) -> str:
        """One job replacing ``target`` with ``source``'s rows and columns (a seed's publish)."""
        return self.create_table_as_sql(target, f"select * from {self.render(source)}", config)

    def temp_relation(self, relation: Relation) -> Relation:
        return relation.with_identifier(relation.identifier + TMP_SUFFIX)

    def create_temp_table_as_sql(self, relation: Relation, select_sql: str) -> str:
        return self.create_table_as_sql(relation, select_sql)

    def drop_temp_sql(self, relation: Relation) -> str:
        return self.drop_sql(relation, "table")

    def columns_sql(self, relation: Relation) -> str:
        dataset = self.render(relation.with_identifier(""))
        name = string_literal(relation.identifier)
        return (
            f"select column_name, data_type from {dataset}.INFORMATION_SCHEMA.COLUMNS "
            f"where table_name = {name} order by ordinal_position"
        )

    def add_columns_sql(self, relation: Relation, columns: Sequence[tuple[str, str]]) -> list[str]:
        if not columns:
            return []
        adds = ", ".join(f"add column {self.quote(name)} {data_type}" for name, data_type in columns)
        return [f"alter table {self.render(relation)} {adds}"]

    def sync_columns_sql(
        self,
        relation: Relation,
        removed: Sequence[str],
        retyped: Sequence[tuple[str, str]],
        config: Mapping[str, Any],
    ) -> list[str]:
        statements = []
        if removed:
            drops = ", ".join(f"drop column {self.quote(name)}" for name in removed)
            statements.append(f"alter table {self.render(relation)} {drops}")
        if retyped:
            # dbt-bigquery re-types by replacing the table with its rows cast (ALTER COLUMN
            # only widens); partitioned and clustered as the model says
            casts = ", ".join(f"cast({self.quote(n)} as {t}) as {self.quote(n)}" for n, t in retyped)
            statements.append(
                self.create_table_as_sql(relation, f"select * replace ({casts})\nfrom {self.render(relation)}", config)
            )
        return statements

    def truncate_sql(self, relation: Relation) -> str:
        return f"truncate table {self.render(relation)}"

    def begin_sql(self) -> str:
        return ""

    def commit_sql(self) -> str:
        return ""

    def rollback_sql(self) -> str:
        return ""

    def transaction_script(self, statements: Sequence[str]) -> str:
        """Several DML statements as one job, applied together or not at all."""
        body = "".join(f"{s.strip().rstrip(';')};\n" for s in statements)
        return f"BEGIN TRANSACTION;\n{body}COMMIT TRANSACTION;"

    # -- what a replacement needs ------------------------------------------------------------------
    def layout(self, config: Mapping[str, Any] | None) -> tuple[str | None, tuple[str, ...]]:
        """The partitioning clause and clustering columns a table built from ``config`` has."""
        config = config or {}
        check_supported(config)
        partitioning = parse_partition_by(config.get("partition_by"))
        columns = tuple(c.lower() for c in cluster_columns(config.get("cluster_by")))
        return (partitioning.clause() if partitioning else None), columns
