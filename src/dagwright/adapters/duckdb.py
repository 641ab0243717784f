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
    Connection,
    DatabaseError,
    ExecResult,
    Publishing,
    Relation,
    RelationKind,
    StatementCancelled,
)
from dagwright.adapters.cache import UNKNOWN, RelationCache
from dagwright.adapters.catalog_effects_sql import CommentSQL
from dagwright.adapters.docs_catalog import DUCKDB_CATALOG_SQL, rows_as_dicts, upper_schemas
from dagwright.adapters.duckdb_checkpoint import checkpoint_before_close
from dagwright.adapters.duckdb_foreign_keys import foreign_key_dependents
from dagwright.adapters.duckdb_python import DuckDBPythonRuntime
from dagwright.adapters.duckdb_setup import attach_statement, load_extensions, setting_statements
from dagwright.adapters.sql import SQLDialect
from dagwright.errors import ProfileError


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


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

    def python_runtime(self) -> DuckDBPythonRuntime:
        """A Python model's session (as dbt-duckdb hands it: this worker's cursor, so what the
        model reads and the table it makes are in the node's transaction) and frames."""
        return DuckDBPythonRuntime(self._cursor)

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
    max_identifier_length: ClassVar[int | None] = None
    #: dbt-duckdb 1.11 sends dbt-core's CREATE FUNCTION statement, which DuckDB does not parse
    function_failure_note: ClassVar[str] = (
        "DuckDB has no CREATE FUNCTION ... RETURNS: dbt-duckdb 1.11 cannot create dbt functions either; "
        "a DuckDB macro (CREATE MACRO) in an on-run-start hook does the same work"
    )
    #: docs generate asks for at most 100 selected relations by name, as its dbt adapter does
    catalog_by_relations: ClassVar[bool] = True
    #: several statements in one ``execute`` (the last one's result comes back)
    runs_scripts: ClassVar[bool] = True
    #: a foreign key names its target without the database (DuckDB refuses one), as dbt-duckdb
    foreign_key_target_without_database: ClassVar[bool] = True

    def __init__(self, credentials: Mapping[str, Any], database: str) -> None:
        self._path = str(credentials.get("path") or ":memory:")
        self._database = database
        self._extensions = list(credentials.get("extensions") or [])
        self._config_options = dict(credentials.get("config_options") or {})
        settings = dict(credentials.get("settings") or {})
        if credentials.get("motherduck_token"):  # dbt-duckdb sets it as a setting
            settings.setdefault("motherduck_token", credentials["motherduck_token"])
        #: (name, statement): the statement holds the value, which may be a secret: never shown
        self._set_settings = list(zip(settings.items(), setting_statements(settings)))
        self._attach = [attach_statement(a) for a in credentials.get("attach") or []]
        #: where ``external`` models write their files unless they set ``location`` (dbt-duckdb's default)
        self.external_root = str(credentials.get("external_root") or ".")
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
                    db = duckdb.connect(path, config=dict(self._config_options))
                except duckdb.Error as exc:
                    raise ProfileError(f"cannot open DuckDB database '{path}': {exc}") from None
                try:
                    load_extensions(db, self._extensions)
                    for number, sql in enumerate(self._attach, 1):
                        try:
                            db.execute(sql)
                        except duckdb.Error as exc:
                            raise ProfileError(
                                f"cannot attach database {number} of the target's `attach`: {exc}"
                            ) from None
                except BaseException:
                    db.close()
                    raise
                self._db = db
            return self._db

    def open(self, worker: str) -> DuckDBConnection:
        cursor = self._handle().cursor()
        for (name, value), sql in self._set_settings:  # per cursor, as dbt-duckdb sets them
            try:
                cursor.execute(sql)
            except duckdb.Error as exc:
                cursor.close()
                message = str(exc).replace(str(value), "****") if str(value) else str(exc)
                raise ProfileError(f"cannot apply the setting `{name}` of the target: {message}") from None
        conn = DuckDBConnection(cursor, self.relations)
        with self._lock:
            self._connections.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
            if self._db is not None:
                checkpoint_before_close(self._db, self._path)
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

    def foreign_key_dependents(self, conn: Any, relation: Relation) -> list[tuple[str, list[str]]]:
        """The tables whose foreign keys reference ``relation``, deepest first (duckdb_foreign_keys.py)."""
        return foreign_key_dependents(conn, relation, self._database)

    def create_temp_table_as_sql(self, relation: Relation, select_sql: str) -> str:
        return f"create or replace temporary table {self.render(relation)} as (\n{select_sql}\n)"

    def columns_sql(self, relation: Relation) -> str:
        # what dbt-duckdb's get_columns_in_relation reads (DESCRIBE: "DECIMAL(10,2)", ...)
        return f"select column_name, column_type from (describe {self.render(relation)})"

    def begin_sql(self) -> str:
        return "begin transaction"

    def load_csv_sql(self, relation: Relation, path: Path, delimiter: str) -> str:
        """A seed's rows, as dbt-duckdb loads them: the file ``COPY``ed into the table by
        position, each field converted by DuckDB's CSV reader (no value passes through
        Python). The path and delimiter are SQL string literals, not values of the seed."""
        options = f"format csv, header true, delimiter {_literal(delimiter)}"
        return f"copy {self.render(relation)} from {_literal(str(path.resolve()))} ({options})"

    def catalog_rows(self, conn: Connection, database: str | None, schemas: Sequence[str]) -> list[dict[str, Any]]:
        """``docs generate``: the tables and views of these schemas, a row per column (as
        dbt-duckdb's catalog reads them from duckdb_tables/views/columns)."""
        result = conn.execute(DUCKDB_CATALOG_SQL, [database or self._database, upper_schemas(schemas)])
        return rows_as_dicts(result.rows)

    def describe(self) -> dict[str, Any]:
        return {"type": self.type, "path": self._path, "database": self._database}
