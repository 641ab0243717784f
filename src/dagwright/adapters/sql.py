"""SQL text shared by the engines: quoting, naming and the DDL the materializations emit.

``SQLDialect`` holds the ANSI forms (double-quoted identifiers, ``create table ... as``,
``alter ... rename to``, transactions); an engine's adapter inherits it and overrides only
where its SQL differs (Spark quotes with backticks and has no transactions, PostgreSQL
names no catalog in ``create schema``).

Relation names are quoted part by part as dbt's adapter quotes them: its default quote
policy (``default_quote_policy``: DuckDB and PostgreSQL quote all three parts, Spark none),
overridden by the project's ``quoting:`` (``configure_quoting``), overridden by a
relation's own ``quote_policy`` where it has one. An unquoted name is folded by the engine
(PostgreSQL: to lower case), so every statement dagwright writes names relations this way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from dagwright.adapters.base import QuotePolicy, Relation, RelationKind

QUOTING_KEYS = ("database", "schema", "identifier")


def quote_policy_of(quoting: Mapping[str, Any] | None) -> QuotePolicy:
    """A ``quoting:`` mapping (a project's, a source's) as a policy; keys it does not set
    (or sets to something other than a boolean) are None."""
    quoting = quoting or {}
    values = [quoting.get(key) for key in QUOTING_KEYS]
    return (
        values[0] if isinstance(values[0], bool) else None,
        values[1] if isinstance(values[1], bool) else None,
        values[2] if isinstance(values[2], bool) else None,
    )


def over(policy: QuotePolicy | None, base: tuple[bool, bool, bool]) -> tuple[bool, bool, bool]:
    """``policy``'s set parts over ``base``."""
    if policy is None:
        return base
    return (
        base[0] if policy[0] is None else policy[0],
        base[1] if policy[1] is None else policy[1],
        base[2] if policy[2] is None else policy[2],
    )


class SQLDialect:
    quote_char: ClassVar[str] = '"'
    #: what dbt's adapter quotes when the project says nothing
    default_quote_policy: ClassVar[tuple[bool, bool, bool]] = (True, True, True)
    #: the default policy with the project's ``quoting:`` over it (``configure_quoting``)
    quote_policy: tuple[bool, bool, bool] = (True, True, True)
    #: seeds: the column type the engine's dbt adapter declares for each type a seed column
    #: is inferred to have (INTEGER, DOUBLE, DATE, TIMESTAMP, BOOLEAN, VARCHAR: DuckDB's
    #: names, which are used where the map has no entry)
    seed_types: ClassVar[Mapping[str, str]] = {}

    def configure_quoting(self, quoting: Mapping[str, Any] | None) -> None:
        """Apply the project's ``quoting:`` (dbt_project.yml) to every relation name."""
        self.quote_policy = over(quote_policy_of(quoting), self.default_quote_policy)

    def quote(self, identifier: str) -> str:
        q = self.quote_char
        return q + identifier.replace(q, q + q) + q

    def policy(self, relation: Relation) -> tuple[bool, bool, bool]:
        """Which parts of ``relation`` are quoted."""
        return over(relation.quote_policy, self.quote_policy)

    def quote_part(self, value: str, index: int, relation: Relation | None = None) -> str:
        """One part of a relation name (0 database, 1 schema, 2 identifier), quoted or not."""
        policy = self.quote_policy if relation is None else self.policy(relation)
        return self.quote(value) if policy[index] else value

    def render(self, relation: Relation) -> str:
        policy = self.quote_policy if relation.quote_policy is None else self.policy(relation)
        parts = (relation.database, relation.schema, relation.identifier)
        return ".".join(self.quote(p) if q else p for p, q in zip(parts, policy) if p)

    def create_schema_sql(self, relation: Relation) -> str:
        return f"create schema if not exists {self.render(relation.with_identifier(''))}"

    def drop_sql(self, relation: Relation, kind: RelationKind) -> str:
        return f"drop {kind} if exists {self.render(relation)} cascade"

    def rename_sql(self, relation: Relation, kind: RelationKind, new_identifier: str) -> str:
        return f"alter {kind} {self.render(relation)} rename to {self.quote_part(new_identifier, 2, relation)}"

    def create_table_as_sql(self, relation: Relation, select_sql: str, config: Mapping[str, Any] | None = None) -> str:
        return f"create table {self.render(relation)} as (\n{select_sql}\n)"

    def create_table_sql(self, relation: Relation, column_ddl: str, config: Mapping[str, Any] | None = None) -> str:
        return f"create table {self.render(relation)} ({column_ddl})"

    def create_view_as_sql(self, relation: Relation, select_sql: str) -> str:
        return f"create view {self.render(relation)} as (\n{select_sql}\n)"

    def drop_temp_sql(self, relation: Relation) -> str:
        return self.drop_sql(relation, "table")

    def columns_from_rows(self, rows: Sequence[Sequence[Any]]) -> list[tuple[str, str]]:
        return [(str(row[0]), str(row[1])) for row in rows]

    def add_columns_sql(self, relation: Relation, columns: Sequence[tuple[str, str]]) -> list[str]:
        rendered = self.render(relation)
        return [f"alter table {rendered} add column {self.quote(name)} {data_type}" for name, data_type in columns]

    def sync_columns_sql(
        self,
        relation: Relation,
        removed: Sequence[str],
        retyped: Sequence[tuple[str, str]],
        config: Mapping[str, Any],
    ) -> list[str]:
        rendered = self.render(relation)
        quote = self.quote
        statements = [f"alter table {rendered} drop column {quote(name)}" for name in removed]
        for name, new_type in retyped:
            # dbt's alter_column_type: a new column, filled, swapped in (it moves last)
            scratch = quote(name + "__dbt_alter")
            statements += [
                f"alter table {rendered} add column {scratch} {new_type}",
                f"update {rendered} set {scratch} = {quote(name)}",
                f"alter table {rendered} drop column {quote(name)} cascade",
                f"alter table {rendered} rename column {scratch} to {quote(name)}",
            ]
        return statements

    def truncate_sql(self, relation: Relation) -> str:
        return f"truncate table {self.render(relation)}"

    def begin_sql(self) -> str:
        return "begin"

    def commit_sql(self) -> str:
        return "commit"

    def rollback_sql(self) -> str:
        return "rollback"
