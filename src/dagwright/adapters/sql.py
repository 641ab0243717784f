"""SQL text shared by the engines: quoting, naming and the DDL the materializations emit.

``SQLDialect`` holds the ANSI forms (double-quoted identifiers, ``create table ... as``,
``alter ... rename to``, transactions); an engine's adapter inherits it and overrides only
where its SQL differs (Spark quotes with backticks and has no transactions, PostgreSQL
names no catalog in ``create schema``).
"""

from __future__ import annotations

from typing import ClassVar

from dagwright.adapters.base import Relation, RelationKind


class SQLDialect:
    quote_char: ClassVar[str] = '"'

    def quote(self, identifier: str) -> str:
        q = self.quote_char
        return q + identifier.replace(q, q + q) + q

    def render(self, relation: Relation) -> str:
        parts = (relation.database, relation.schema, relation.identifier)
        return ".".join(self.quote(p) for p in parts if p)

    def create_schema_sql(self, relation: Relation) -> str:
        return f"create schema if not exists {self.render(relation.with_identifier(''))}"

    def drop_sql(self, relation: Relation, kind: RelationKind) -> str:
        return f"drop {kind} if exists {self.render(relation)} cascade"

    def rename_sql(self, relation: Relation, kind: RelationKind, new_identifier: str) -> str:
        return f"alter {kind} {self.render(relation)} rename to {self.quote(new_identifier)}"

    def create_table_as_sql(self, relation: Relation, select_sql: str) -> str:
        return f"create table {self.render(relation)} as (\n{select_sql}\n)"

    def create_view_as_sql(self, relation: Relation, select_sql: str) -> str:
        return f"create view {self.render(relation)} as (\n{select_sql}\n)"

    def truncate_sql(self, relation: Relation) -> str:
        return f"truncate table {self.render(relation)}"

    def begin_sql(self) -> str:
        return "begin"

    def commit_sql(self) -> str:
        return "commit"

    def rollback_sql(self) -> str:
        return "rollback"
