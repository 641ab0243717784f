"""``JinjaEngine``: what the Jinja ``adapter`` object does differently on each engine, with
the shared default (an engine with an ``information_schema`` that names its catalogs, as
DuckDB's does).

The facade (``rendering/adapter_facade.py``) holds what every engine shares: checking its
arguments, the parse-time answers, quoting, transactions. It asks its engine, chosen once,
for the rest, so a new engine is a new module here and never a branch in the facade."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from dagwright.adapters.base import ExecResult, Relation
from dagwright.rendering.relation_api import DbColumn, RelationFactory
from dagwright.rendering.relation_lookup import find_relation

if TYPE_CHECKING:
    from dagwright.guard import GuardedConnection


class TemplateStatements(Protocol):
    """Where a template's statements go (``rendering.statements.StatementSession``)."""

    @property
    def connection(self) -> GuardedConnection: ...

    def execute(self, sql: str, *, auto_begin: bool = False, params: Sequence[Any] | None = None) -> ExecResult: ...


@dataclass(frozen=True)
class EngineCalls:
    """What an engine's part of ``adapter`` works with, handed over by the facade: its
    statements (``live`` raises where a template has no connection), the relation objects
    templates see, the engine's quoting and the target's database."""

    live: Callable[[], TemplateStatements]
    make: RelationFactory
    quote: Callable[[str], str]
    default_database: str | None

    def query(self, sql: str, params: Sequence[Any] | None = None) -> ExecResult:
        return self.live().execute(sql, params=params)

    def database(self, database: str | None) -> str | None:
        return database or self.default_database


class JinjaEngine:
    """The per-engine operations of the Jinja ``adapter``; each default is the
    ``information_schema`` one, which an engine overrides where its dbt adapter differs.
    Instances hold no state: one serves every template of a run."""

    #: ``api.Column`` / ``adapter.Column`` of the engine's dbt adapter
    column: type[DbColumn] = DbColumn
    #: a database of None names nothing (its dbt adapter looks in a catalog named None)
    none_database_is_empty: bool = False
    #: on-run-* hooks and run-operation keep a ``statement`` (auto_begin) transaction open
    #: until a commit and roll back the rest at the end; otherwise every statement is kept
    operation_transactions: bool = False
    #: a subquery in place of a relation (a microbatch input's filter) gets dbt's alias
    subquery_alias: bool = True
    #: the type an input's event_time column is cast to in a batch's filter (dbt-bigquery's
    #: ``timestamp``, so a DATE column compares with the window's bounds); None: as it is
    event_time_cast: str | None = None

    def find_relation(self, calls: EngineCalls, database: str | None, schema: Any, identifier: Any) -> Any:
        """``adapter.get_relation``: the relation named so (a template relation), or None."""
        if database is None and self.none_database_is_empty:
            return None
        return find_relation(calls.query, calls.make, calls.database(database), str(schema), str(identifier))

    def columns(self, calls: EngineCalls, relation: Relation) -> list[DbColumn]:
        """``adapter.get_columns_in_relation``: ``information_schema``'s columns, none for a
        relation that does not exist. ``relation`` has its database filled in."""
        result = calls.query(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
            [relation.database, relation.schema, relation.identifier],
        )
        return [self.column(str(name), str(dtype)) for name, dtype in result.rows]

    def query_columns(self, calls: EngineCalls, sql: str) -> list[DbColumn]:
        """``adapter.get_column_schema_from_query``: the columns ``describe`` gives."""
        result = calls.live().execute(f"describe ({sql})")
        return [self.column(str(row[0]), str(row[1])) for row in result.rows]

    def schema_exists(self, calls: EngineCalls, database: str | None, schema: str) -> bool:
        """``adapter.check_schema_exists``."""
        if database is None and self.none_database_is_empty:
            return False
        result = calls.query(
            "select 1 from information_schema.schemata where catalog_name = ? and schema_name = ?",
            [calls.database(database), schema],
        )
        return bool(result.rows)

    def schemas(self, calls: EngineCalls, database: str | None) -> list[str]:
        """``adapter.list_schemas``."""
        result = calls.query(
            "select schema_name from information_schema.schemata where catalog_name = ?", [calls.database(database)]
        )
        return [str(r[0]) for r in result.rows]

    def relations(self, calls: EngineCalls, database: str | None, schema: Any) -> list[Any]:
        """``adapter.list_relations_without_caching``: the relations of a schema, each named
        with the database it was asked with (None stays None)."""
        result = calls.query(
            "select table_schema, table_name, table_type from information_schema.tables "
            "where table_catalog = ? and table_schema = ?",
            [calls.database(database), schema],
        )
        return [
            calls.make(Relation(database, str(s), str(n)), "view" if str(k).upper() == "VIEW" else "table")
            for s, n, k in result.rows
        ]

    def drop_relation_sql(self, relation: str, kind: str) -> str:
        """``adapter.drop_relation``'s statement (``relation`` rendered)."""
        return f"drop {kind} if exists {relation} cascade"

    def truncate_relation_sql(self, relation: str) -> str:
        """``adapter.truncate_relation``'s statement (``relation`` rendered)."""
        return f"truncate table {relation}"

    def schema_name(self, database: str, schema: str) -> str:
        """A schema as ``create schema`` / ``drop schema`` name it, from the quoted parts."""
        return schema

    def expand_column_types(self, calls: EngineCalls, from_relation: Relation, to_relation: Relation) -> None:
        """``adapter.expand_target_column_types``: widen ``to_relation``'s string columns that
        ``from_relation`` holds in a larger type. The default engine's types need no widening."""
