"""PostgreSQL's Jinja ``adapter``, as dbt-postgres': its ``api.Column``, columns with size,
precision and scale (a temporary relation's in the session's own schema), a query's columns
through a temporary view, and varchar widening by the engine adapter. In on-run-* hooks and
run-operation every statement is kept (dbt-postgres' connection ends up committing each)."""

from __future__ import annotations

import uuid
from typing import Any

from dagwright.adapters.base import Relation
from dagwright.rendering.engines.base import EngineCalls, JinjaEngine
from dagwright.rendering.relation_api import DbColumn


class PostgresDbColumn(DbColumn):
    """dbt-postgres' ``PostgresColumn``: ``text`` and a ``character varying`` without a size
    keep their type, where dbt's base column says ``character varying(256)``."""

    @property
    def data_type(self) -> str:
        dtype = self.dtype.lower()
        if dtype == "text" or (dtype == "character varying" and self.char_size is None):
            return self.dtype
        return super().data_type


class PostgresJinja(JinjaEngine):
    column = PostgresDbColumn

    def columns(self, calls: EngineCalls, relation: Relation) -> list[DbColumn]:
        return self._columns(calls, relation.schema, relation.identifier)

    def _columns(self, calls: EngineCalls, schema: str, identifier: str) -> list[DbColumn]:
        """What dbt-postgres' get_columns_in_relation reads: type, size, precision and scale
        from information_schema.columns, each row made an ``api.Column``; a relation that
        does not exist has no columns (no error)."""
        where_schema = "table_schema = ?"
        params: list[Any] = [identifier]
        if schema in ("", "pg_temp"):  # the session's own temporary schema (pg_temp_N)
            where_schema = (
                "table_schema = (select nspname from pg_catalog.pg_namespace where oid = pg_my_temp_schema())"
            )
        else:
            params.append(schema)
        result = calls.query(
            "select column_name, data_type, character_maximum_length, numeric_precision, numeric_scale "
            f"from information_schema.columns where table_name = ? and {where_schema} order by ordinal_position",
            params,
        )
        return [PostgresDbColumn(str(row[0]), str(row[1]), *row[2:]) for row in result.rows]

    def query_columns(self, calls: EngineCalls, sql: str) -> list[DbColumn]:
        """The columns of a temporary view over the query."""
        view = f"dagwright_query_columns_{uuid.uuid4().hex[:12]}"
        calls.live().execute(f"create temporary view {calls.quote(view)} as (\n{sql}\n)")
        try:
            return list(self._columns(calls, "pg_temp", view))
        finally:
            calls.live().execute(f"drop view if exists {calls.quote(view)}")

    def expand_column_types(self, calls: EngineCalls, from_relation: Relation, to_relation: Relation) -> None:
        """PostgreSQL's ``varchar(n)`` are widened by its engine adapter (adapters/postgres_catalog.py)."""
        conn = calls.live().connection
        adapter = getattr(conn.raw, "adapter", None)
        expand = getattr(adapter, "expand_target_column_types", None)
        if expand is not None:
            expand(conn, from_relation, to_relation)
