"""DuckDB's Jinja ``adapter``, as dbt-duckdb's: the shared ``information_schema`` operations,
with a catalog named None holding nothing, schemas named with their catalog, and the
transactions of its on-run-* hooks and run-operation: a ``statement`` (auto_begin) stays
open until a commit, and what is left uncommitted is rolled back at the end."""

from __future__ import annotations

from dagwright.rendering.engines.base import JinjaEngine


class DuckDBJinja(JinjaEngine):
    none_database_is_empty = True
    operation_transactions = True
    subquery_alias = False  # dbt-duckdb's relations do not require one

    def schema_name(self, database: str, schema: str) -> str:
        return f"{database}.{schema}"
