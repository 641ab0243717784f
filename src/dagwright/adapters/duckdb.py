"""DuckDB: the embedded default engine.

One ``duckdb.connect`` per run (a database file can be held by one process only) and a
``cursor()`` per worker; a cancel is ``interrupt()`` on that worker's cursor (interrupting
the parent connection does not stop a cursor's query). DDL is transactional, so a table
or view is replaced in place inside one transaction (``replace_sql``, the ``transactional
replace`` strategy), visible at COMMIT.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import duckdb

from dagwright.adapters.base import (
    Column,
    DatabaseError,
    ExecResult,
    Publishing,
    Relation,
    RelationKind,
    StatementCancelled,
)
from dagwright.adapters.cache import UNKNOWN, RelationCache
from dagwright.adapters.catalog_effects_sql import CommentSQL
from dagwright.adapters.sql import SQLDialect
from dagwright.errors import ProfileError


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class DuckDBConnection:
    def __init__(self, cursor: duckdb.DuckDBPyConnection, cache: RelationCache) -> None:
        self._cursor = cursor
        self._cache = cache

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> ExecResult:
        cur = self._cursor
        try:
            if params is None:
                cur.execute(sql)
            else:
                cur.execute(sql, params)
            description = cur.description
            rows = cur.fetchall() if description else []
        except duckdb.InterruptException as exc:
            raise StatementCancelled(str(exc)) from None
        except duckdb.Error as exc:
            raise DatabaseError(str(exc)) from None
        names = [d[0] for d in description] if description else []
        rows_affected = None
        if names == ["Count"] and len(rows) == 1:
            rows_affected = int(rows[0][0])
        return ExecResult(message="OK", rows_affected=rows_affected, rows=rows, column_names=names)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> ExecResult:
        try:
            self._cursor.executemany(sql, rows)
        except duckdb.InterruptException as exc:
            raise StatementCancelled(str(exc)) from None
        except duckdb.Error as exc:
            raise DatabaseError(str(exc)) from None
        return ExecResult(message="OK", rows_affected=len(rows))

    def cancel(self) -> None:
        try:
            self._cursor.interrupt()
        except duckdb.Error:
            pass

    def relation_kind(self, relation: Relation) -> RelationKind | None:
        known = self._cache.lookup(relation)
        if known is not UNKNOWN:
            return known  # type: ignore[return-value]
        result = self.execute(
            "select table_type from information_schema.tables "
            "where table_catalog = ? and table_schema = ? and table_name = ?",
            [relation.database, relation.schema, relation.identifier],
        )
        if not result.rows:
            return None
        return "view" if result.rows[0][0] == "VIEW" else "table"

    def columns(self, relation: Relation) -> list[Column]:
        result = self.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
            [relation.database, relation.schema, relation.identifier],
        )
        return [Column(str(r[0]), str(r[1])) for r in result.rows]

    def close(self) -> None:
        try:
            self._cursor.close()
        except duckdb.Error:
            pass


class DuckDBAdapter(CommentSQL, SQLDialect):
    type: ClassVar[str] = "duckdb"
    publishing: ClassVar[Publishing] = "transactional replace"
    #: several statements in one ``execute`` (the last one's result comes back)
    runs_scripts: ClassVar[bool] = True
    #: a foreign key names its target without the database (DuckDB refuses one), as dbt-duckdb
    foreign_key_target_without_database: ClassVar[bool] = True

    def __init__(self, credentials: Mapping[str, Any], database: str) -> None:
        self._path = str(credentials.get("path") or ":memory:")
        self._database = database
        self._extensions = list(credentials.get("extensions") or [])
        self._settings = dict(credentials.get("settings") or {})
        self._lock = threading.Lock()
        self._db: duckdb.DuckDBPyConnection | None = None
        self._connections: list[DuckDBConnection] = []
        self.relations = RelationCache(case_sensitive=False)

    def cache_schemas(self, conn: DuckDBConnection, schemas: list[tuple[str | None, str]]) -> None:
        """List the relations of the schemas a run builds into, once (see adapters.cache)."""
        for database, schema in schemas:
            result = conn.execute(
                "select table_name, table_type from information_schema.tables "
                "where table_catalog = ? and table_schema = ?",
                [database or self._database, schema],
            )
            self.relations.add_schema(
                database, schema, [(str(r[0]), "view" if r[1] == "VIEW" else "table") for r in result.rows]
            )

    def _handle(self) -> duckdb.DuckDBPyConnection:
        with self._lock:
            if self._db is None:
                path = self._path
                if path != ":memory:" and not path.startswith(("md:", "motherduck:")):
                    parent = Path(path).expanduser().parent
                    if not parent.exists():
                        raise ProfileError(f"cannot open DuckDB database '{path}': folder '{parent}' does not exist")
                try:
                    self._db = duckdb.connect(path, config={k: v for k, v in self._settings.items()})
                except duckdb.Error as exc:
                    raise ProfileError(f"cannot open DuckDB database '{path}': {exc}") from None
                for ext in self._extensions:
                    name = ext if isinstance(ext, str) else ext.get("name")
                    self._db.execute(f"LOAD {name}")
            return self._db

    def open(self, worker: str) -> DuckDBConnection:
        conn = DuckDBConnection(self._handle().cursor(), self.relations)
        with self._lock:
            self._connections.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
            if self._db is not None:
                self._db.close()
                self._db = None

    def create_schema_sql(self, relation: Relation) -> str:
        database = self.quote_part(relation.database or self._database, 0, relation)
        return f"create schema if not exists {database}.{self.quote_part(relation.schema, 1, relation)}"

    def temp_relation(self, relation: Relation) -> Relation:
        # DuckDB keeps temporary tables in the catalog "temp", one per connection (each
        # worker's cursor has its own), and drops them on ROLLBACK of their transaction.
        return Relation("temp", "main", relation.identifier)

    def replace_sql(
        self, relation: Relation, kind: RelationKind, existing: RelationKind | None, select_sql: str
    ) -> str:
        """Build a table or view straight into its name, inside the node's transaction.

        DuckDB's catalog is transactional: other connections see the old relation until
        COMMIT, and a ROLLBACK restores it, so the temporary name and the renames of the
        swap buy nothing here. A relation of the other kind is dropped first (``create or
        replace`` does not change a view into a table). The text may hold several
        statements: DuckDB runs a script in one ``execute``, which saves round trips.
        """
        create = f"create or replace {kind} {self.render(relation)} as (\n{select_sql}\n)"
        if existing is not None and existing != kind:
            return f"{self.drop_sql(relation, existing)};\n{create}"
        return create

    def create_temp_table_as_sql(self, relation: Relation, select_sql: str) -> str:
        return f"create or replace temporary table {self.render(relation)} as (\n{select_sql}\n)"

    def columns_sql(self, relation: Relation) -> str:
        # what dbt-duckdb's get_columns_in_relation reads (DESCRIBE: "DECIMAL(10,2)", ...)
        return f"select column_name, column_type from (describe {self.render(relation)})"

    def begin_sql(self) -> str:
        return "begin transaction"

    def describe(self) -> dict[str, Any]:
        return {"type": self.type, "path": self._path, "database": self._database}
