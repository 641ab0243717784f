"""Spark's Jinja ``adapter``: no ``information_schema``, so relations come from the catalog
(through the guarded connection) and columns from ``describe``. No transactions."""

from __future__ import annotations

from typing import Any

from dagwright.adapters.base import Relation
from dagwright.rendering.engines.base import EngineCalls, JinjaEngine
from dagwright.rendering.relation_api import DbColumn


class SparkJinja(JinjaEngine):
    subquery_alias = False  # dbt-spark's relations do not require one (--empty, a batch's filter)

    def find_relation(self, calls: EngineCalls, database: str | None, schema: Any, identifier: Any) -> Any:
        """The catalog's answer; Spark relations have no database."""
        kind = calls.live().connection.relation_kind(Relation(None, schema, identifier))
        return None if kind is None else calls.make(Relation(None, schema, identifier), kind)

    def drop_relation_sql(self, relation: str, kind: str) -> str:
        # Spark's DROP TABLE / DROP VIEW take no CASCADE (dbt-spark's drop_relation)
        return f"drop {kind} if exists {relation}"

    def columns(self, calls: EngineCalls, relation: Relation) -> list[DbColumn]:
        """DESCRIBE TABLE: the columns end at the first blank or '#' row."""
        from dagwright.adapters.spark_sql import describe_columns  # the Spark SQL module only where Spark runs

        schema, identifier = relation.schema, relation.identifier
        if calls.live().connection.relation_kind(Relation(None, schema, identifier)) is None:
            return []  # as dbt: a relation that does not exist has no columns
        described = calls.query(f"describe table {calls.quote(schema)}.{calls.quote(identifier)}", [])
        return [DbColumn(name, dtype) for name, dtype in describe_columns(described.rows)]

    def query_columns(self, calls: EngineCalls, sql: str) -> list[DbColumn]:
        result = calls.live().execute(f"describe query {sql}")
        return [DbColumn(str(row[0]), str(row[1])) for row in result.rows]

    def schemas(self, calls: EngineCalls, database: str | None) -> list[str]:
        """``show databases``, as dbt-spark lists schemas (Spark has no catalogs of schemas)."""
        return [str(row[0]) for row in calls.query("show databases", []).rows]

    def schema_exists(self, calls: EngineCalls, database: str | None, schema: str) -> bool:
        """As dbt-spark: the name is among ``show databases``' rows, compared as written."""
        return schema in self.schemas(calls, database)

    def relations(self, calls: EngineCalls, database: str | None, schema: Any) -> list[Any]:
        """The schema's tables and views (temporary views left out); none for a schema that
        does not exist, as dbt-spark answers."""
        if str(schema) not in self.schemas(calls, database):
            return []
        quoted = calls.quote(str(schema))
        views = {str(row[1]).lower() for row in calls.query(f"show views in {quoted}", []).rows if not row[2]}
        return [
            calls.make(Relation(None, str(schema), str(name)), "view" if str(name).lower() in views else "table")
            for _namespace, name, is_temporary in calls.query(f"show tables in {quoted}", []).rows
            if not is_temporary
        ]
