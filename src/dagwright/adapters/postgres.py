"""PostgreSQL, through psycopg 3 (``pip install 'dagwright[postgres]'``).

One server connection per worker thread (a shared psycopg connection serialises its
users), in autocommit mode so that the materializations' explicit ``begin``/``commit``
delimit the transactions. A cancel is ``cancel_safe()`` on the worker's connection, sent
from the canceller thread of the statement registry; the server answers the cancelled
statement with SQLSTATE 57014 (``QueryCanceled``), which becomes ``StatementCancelled``.

DDL is transactional, so a relation is built under ``<name>__dbt_tmp`` and swapped in
inside one transaction, as on DuckDB. One PostgreSQL difference is handled here: views
bind to the relations they read by OID, not by name, so after the swap they would read
the backup, and dropping the backup (CASCADE) drops them. ``dependents`` captures the
definitions of the views (and materialized views) that depend on a relation before the
swap, and ``recreate_dependents`` re-creates them, by name, in the same transaction.

Which relations exist comes from the run's relation cache (``PostgresRelationCache``): the
schemas a run builds into are listed in one catalog query at its start, not looked up three
times per node. Before inserting, incremental models and snapshots widen the target's
``varchar(n)`` columns (``expand_target_column_types``), as dbt-postgres does.

Where dbt-postgres writes other SQL than dbt-duckdb, the materializations ask the adapter
(optional capabilities, looked up with ``getattr``): ``merge_sql`` and ``delete_insert_sql``
(dbt-core's default incremental SQL), ``snapshot_merge_sql`` and ``snapshot_get_time``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

try:
    import psycopg
    import psycopg.errors
except ImportError as exc:  # pragma: no cover - depends on the installation
    from dagwright.errors import ProfileError

    raise ProfileError(
        "the PostgreSQL adapter needs psycopg 3, which is not installed",
        hint="pip install 'dagwright[postgres]'  (or: pip install 'psycopg[binary]')",
    ) from exc

from dagwright.adapters.base import (
    Column,
    DatabaseError,
    ExecResult,
    Relation,
    RelationKind,
    StatementCancelled,
)
from dagwright.adapters.cache import UNKNOWN, RelationCache
from dagwright.adapters.sql import SQLDialect
from dagwright.errors import CompilationError, ProfileError

if TYPE_CHECKING:
    from dagwright.guard import GuardedConnection
    from dagwright.project.profile import Target

#: pg_advisory_xact_lock key that serialises swaps of relations with dependent views, so two
#: workers re-creating the same view (one that reads both of their tables) cannot deadlock.
_DEPENDENTS_LOCK = 0x64_77_5F_64  # "dw_d"

#: the types dbt-core declares for inferred seed columns (what dbt-postgres creates)
SEED_TYPES = {
    "INTEGER": "integer",
    "DOUBLE": "float8",
    "DATE": "date",
    "TIMESTAMP": "timestamp without time zone",
    "BOOLEAN": "boolean",
    "VARCHAR": "text",
}


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _pyformat(sql: str) -> str:
    """The protocol's qmark placeholders (``?``) as psycopg's ``%s``; literal ``%`` doubled.

    ``?`` inside string literals, quoted identifiers and comments is left alone.
    """
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in ("'", '"'):
            end = i + 1
            while end < n:
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif ch == "?":
            out.append("%s")
            i += 1
        elif ch == "%":
            out.append("%%")
            i += 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _message(exc: BaseException) -> str:
    text = str(exc).strip()
    return text or type(exc).__name__


#: the relation kinds a run sees as tables or views (dbt-postgres lists pg_tables, pg_views and
#: pg_matviews); the same filter for the cached listing and for the look-up of one relation
_RELKINDS = "c.relkind in ('r', 'p', 'f', 'v', 'm')"


def _relation_kind(relkind: Any) -> RelationKind:
    return "view" if relkind in ("v", "m") else "table"


class PostgresRelationCache(RelationCache):
    """``RelationCache`` keyed by schema and name only: a PostgreSQL connection sees one
    database, and relations reach the cache both with it (a node's relation) and without it
    (``api.Relation``, the Jinja adapter). Names are case-sensitive, as PostgreSQL compares
    quoted identifiers, and dbt-postgres quotes them all.

    ``forget`` marks one relation as unknown: its next look-up asks the server. That is what
    a change whose outcome the run cannot see does (a dependent view that could not be
    re-created, a relation dropped or renamed from a template)."""

    def __init__(self, catalog: Callable[[Relation], Relation] = lambda relation: relation) -> None:
        super().__init__(case_sensitive=True)
        self._forgotten: set[tuple[str, str, str]] = set()
        #: a relation as the catalog names it (see PostgresAdapter.catalog_relation)
        self._catalog = catalog

    def _key(self, relation: Relation) -> tuple[str, str, str]:
        relation = self._catalog(relation)
        return ("", relation.schema, relation.identifier)

    def add_schema(self, database: str | None, schema: str, relations: Iterable[tuple[str, RelationKind]]) -> None:
        with self._lock:
            self._forgotten = {key for key in self._forgotten if key[1] != schema}
        super().add_schema(None, schema, relations)

    def lookup(self, relation: Relation) -> RelationKind | object | None:
        with self._lock:
            if self._key(relation) in self._forgotten:
                return UNKNOWN
        return super().lookup(relation)

    def set(self, relation: Relation, kind: RelationKind | None) -> None:
        with self._lock:
            self._forgotten.discard(self._key(relation))
        super().set(relation, kind)

    def forget(self, relation: Relation) -> None:
        with self._lock:
            self._forgotten.add(self._key(relation))


class PostgresConnection:
    """One worker's server session."""

    def __init__(self, conn: psycopg.Connection[Any], adapter: PostgresAdapter | None = None) -> None:
        self._conn = conn
        self._closed = False
        #: for the adapter's hooks that templates reach through the connection (expand_target_column_types)
        self.adapter = adapter
        self._cache = adapter.relations if adapter is not None else None
        self._catalog = adapter.catalog_relation if adapter is not None else (lambda relation: relation)

    @property
    def pid(self) -> int:
        return int(self._conn.info.backend_pid)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> ExecResult:
        cur = self._conn.cursor()
        try:
            if params is None:
                cur.execute(sql)  # not parsed for placeholders: '%' stays as written
            else:
                cur.execute(_pyformat(sql), list(params))
            while cur.nextset():  # several statements in one text: the last one's result
                pass
            description = cur.description
            rows = cur.fetchall() if description else []
            status = cur.statusmessage or "OK"
            rowcount = cur.rowcount
        except psycopg.errors.QueryCanceled as exc:
            raise StatementCancelled(_message(exc)) from None
        except psycopg.Error as exc:
            raise DatabaseError(_message(exc)) from None
        finally:
            cur.close()
        names = [d.name for d in description] if description else []
        return ExecResult(
            message=status,
            code=" ".join(p for p in status.split() if not p.isdigit()) or None,
            rows_affected=rowcount if rowcount is not None and rowcount >= 0 else None,
            rows=rows,
            column_names=names,
        )

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> ExecResult:
        """``COPY ... FROM STDIN``: the rows go through psycopg's copy protocol, as values;
        any other statement runs once per row."""
        cur = self._conn.cursor()
        try:
            if sql.lstrip()[:4].lower() == "copy":
                with cur.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cur.executemany(_pyformat(sql), [list(r) for r in rows])
            status = cur.statusmessage or "OK"
        except psycopg.errors.QueryCanceled as exc:
            raise StatementCancelled(_message(exc)) from None
        except psycopg.Error as exc:
            raise DatabaseError(_message(exc)) from None
        finally:
            cur.close()
        return ExecResult(message=status, code=status.split()[0] if status else None, rows_affected=len(rows))

    def cancel(self) -> None:
        if self._closed:
            return
        try:
            self._conn.cancel_safe(timeout=5.0)
        except (psycopg.Error, OSError):
            pass

    def relation_kind(self, relation: Relation) -> RelationKind | None:
        if self._cache is not None:
            known = self._cache.lookup(relation)
            if known is not UNKNOWN:
                return known  # type: ignore[return-value]
        relation = self._catalog(relation)
        result = self.execute(
            "select c.relkind from pg_catalog.pg_class c "
            "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
            f"where {_schema_match(relation.schema)} and c.relname = ? and {_RELKINDS}",
            [relation.identifier],
        )
        if not result.rows:
            return None
        return _relation_kind(result.rows[0][0])

    def forget(self, relation: Relation) -> None:
        """The relation may have changed in a way the run cannot follow: ask the server next time."""
        if self._cache is not None:
            self._cache.forget(relation)

    def columns(self, relation: Relation) -> list[Column]:
        relation = self._catalog(relation)
        result = self.execute(
            "select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) "
            "from pg_catalog.pg_attribute a "
            "join pg_catalog.pg_class c on c.oid = a.attrelid "
            "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
            f"where {_schema_match(relation.schema)} and c.relname = ? and a.attnum > 0 and not a.attisdropped "
            "order by a.attnum",
            [relation.identifier],
        )
        return [Column(str(r[0]), str(r[1])) for r in result.rows]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._conn.close()
        except psycopg.Error:
            pass


@dataclass(frozen=True)
class DependentView:
    """A view or materialized view that reads a relation about to be replaced."""

    schema: str
    name: str
    materialized: bool
    definition: str
    options: tuple[str, ...]
    comment: str | None


# the views (and materialized views) that depend on a relation, directly or through other
# views, deepest last, so that re-creating them in this order satisfies their dependencies
_DEPENDENTS_SQL = """
with recursive deps(oid, depth) as (
    select r.ev_class, 1
    from pg_catalog.pg_depend d
    join pg_catalog.pg_rewrite r on r.oid = d.objid
    where d.classid = 'pg_catalog.pg_rewrite'::regclass
      and d.refclassid = 'pg_catalog.pg_class'::regclass
      and d.refobjid = to_regclass(?)
      and r.ev_class <> d.refobjid
    union
    select r.ev_class, deps.depth + 1
    from deps
    join pg_catalog.pg_depend d on d.refobjid = deps.oid
    join pg_catalog.pg_rewrite r on r.oid = d.objid
    where d.classid = 'pg_catalog.pg_rewrite'::regclass
      and d.refclassid = 'pg_catalog.pg_class'::regclass
      and r.ev_class <> deps.oid
      and deps.depth < 100
)
select n.nspname, c.relname, c.relkind, pg_catalog.pg_get_viewdef(c.oid),
       coalesce(c.reloptions, '{}'), pg_catalog.obj_description(c.oid, 'pg_class'), max(deps.depth)
from deps
join pg_catalog.pg_class c on c.oid = deps.oid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('v', 'm')
group by c.oid, n.nspname, c.relname, c.relkind, c.reloptions
order by max(deps.depth), n.nspname, c.relname
"""


_ANY_DEPENDENT_SQL = """
select 1
from pg_catalog.pg_depend d
join pg_catalog.pg_rewrite r on r.oid = d.objid
where d.classid = 'pg_catalog.pg_rewrite'::regclass
  and d.refclassid = 'pg_catalog.pg_class'::regclass
  and d.refobjid = to_regclass(?)
  and r.ev_class <> d.refobjid
limit 1
"""


class PostgresAdapter(SQLDialect):
    type: ClassVar[str] = "postgres"
    transactional_ddl: ClassVar[bool] = True
    #: several statements in one ``execute`` (simple query protocol; see execute)
    runs_scripts: ClassVar[bool] = True
    #: incremental models: dbt-core's default materialization resolves the strategy on every
    #: build, and dbt-postgres' columns keep ``text`` / unsized ``character varying`` as they are
    strategy_checked_on_every_build: ClassVar[bool] = True
    unsized_strings_kept: ClassVar[bool] = True

    def __init__(self, target: Target) -> None:
        creds = target.credentials
        self._target = target
        self._database = target.database
        self._schema = target.schema
        self._host = str(creds.get("host") or "")
        self._port = creds.get("port")
        self._user = str(creds.get("user") or "")
        where = f"target '{target.target_name}' of profile '{target.profile_name}'"
        missing = [k for k in ("host", "port", "user") if creds.get(k) in (None, "")]
        if not self._database:
            missing.append("dbname")
        if creds.get("password") is None and creds.get("pass") is None:
            missing.append("password")
        if missing:
            raise ProfileError(
                f"{where} (type postgres) is missing: {', '.join(missing)}",
                path=target.profiles_path,
                hint="dbt-postgres profiles need host, port, user, password, dbname and schema",
            )
        if not isinstance(self._port, int) or not 0 < self._port < 65536:
            raise ProfileError(f"{where}: `port` must be a number from 1 to 65535", path=target.profiles_path)
        self._lock = threading.Lock()
        self._connections: list[PostgresConnection] = []
        #: what the run's schemas hold, listed once at its start (see cache_schemas)
        self.relations = PostgresRelationCache(self.catalog_relation)

    def catalog_relation(self, relation: Relation) -> Relation:
        """``relation`` as the catalog names it: PostgreSQL folds an unquoted name to lower
        case (the project's ``quoting:`` may leave parts unquoted, as dbt then writes them)."""
        if relation.quote_policy is None and self.quote_policy[1] and self.quote_policy[2]:
            return relation
        _, schema_quoted, identifier_quoted = self.policy(relation)
        return Relation(
            relation.database,
            relation.schema if schema_quoted else fold_name(relation.schema),
            relation.identifier if identifier_quoted else fold_name(relation.identifier),
        )

    def cache_schemas(self, conn: PostgresConnection, schemas: list[tuple[str | None, str]]) -> None:
        """List the tables and views of every schema the run builds into, in one query; the
        materializations then look their relations up here, and record what they publish
        (adapters.cache). The listing is made anew for each run."""
        names = sorted({self.catalog_relation(Relation(None, schema, "")).schema for _database, schema in schemas})
        rows = conn.execute(
            "select n.nspname, c.relname, c.relkind from pg_catalog.pg_class c "
            "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
            f"where n.nspname = any(?) and {_RELKINDS}",
            [names],
        ).rows
        by_schema: dict[str, list[tuple[str, RelationKind]]] = {name: [] for name in names}
        for schema, name, relkind in rows:
            by_schema[str(schema)].append((str(name), _relation_kind(relkind)))
        for schema, listing in by_schema.items():
            self.relations.add_schema(None, schema, listing)

    # -- connections ---------------------------------------------------------------------------
    def _connect_kwargs(self) -> dict[str, Any]:
        creds = self._target.credentials
        password = creds.get("password")
        if password is None:
            password = creds.get("pass")
        kwargs: dict[str, Any] = {
            "host": self._host,
            "port": self._port,
            "user": self._user,
            "password": "" if password is None else str(password),
            "dbname": self._database,
            "connect_timeout": int(creds.get("connect_timeout") or 10),
            "application_name": str(creds.get("application_name") or "dagwright"),
        }
        if creds.get("keepalives_idle"):  # 0: the system's default (libpq rejects 0 here)
            kwargs["keepalives_idle"] = int(creds["keepalives_idle"])
        for key in ("sslmode", "sslcert", "sslkey", "sslrootcert"):
            if creds.get(key):
                kwargs[key] = str(creds[key])
        search_path = creds.get("search_path")
        if search_path:
            kwargs["options"] = "-c search_path={}".format(str(search_path).replace(" ", "\\ "))
        return kwargs

    def where(self) -> str:
        """host:port, user and database, for messages (never the password)."""
        return f"{self._host}:{self._port} as user '{self._user}', database '{self._database}'"

    def _scrub(self, text: str) -> str:
        for secret in sorted(self._target.secret_values(), key=len, reverse=True):
            if len(secret) >= 3:
                text = text.replace(secret, "****")
        return text

    def open(self, worker: str) -> PostgresConnection:
        try:
            raw = psycopg.connect(autocommit=True, prepare_threshold=None, **self._connect_kwargs())
        except psycopg.Error as exc:
            reason = self._scrub(_message(exc))
            for prefix in ("connection failed: ",):
                if reason.startswith(prefix):
                    reason = reason[len(prefix) :]
            raise ProfileError(
                f"cannot connect to PostgreSQL at {self.where()}: {reason}",
                path=self._target.profiles_path,
                hint=_connect_hint(reason),
            ) from None
        conn = PostgresConnection(raw, self)
        role = self._target.credentials.get("role")
        if role:
            try:
                conn.execute(f"set role {role}")  # unquoted, as dbt-postgres sends it
            except (DatabaseError, StatementCancelled) as exc:
                conn.close()
                reason = self._scrub(str(exc))
                raise ProfileError(
                    f"cannot connect to PostgreSQL at {self.where()}: set role '{role}' failed: {reason}",
                    path=self._target.profiles_path,
                    hint="check `role:` in the profile: the role must exist and be granted to the user",
                ) from None
        with self._lock:
            self._connections.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()

    # -- SQL text ------------------------------------------------------------------------------
    def create_schema_sql(self, relation: Relation) -> str:
        return f"create schema if not exists {self.quote_part(relation.schema, 1, relation)}"

    def rename_sql(self, relation: Relation, kind: RelationKind, new_identifier: str) -> str:
        # ``if exists``: the run's cache may still list a relation that a CASCADE took with it
        # (a view on a column that on_schema_change re-made); renaming nothing away is right then
        new_name = self.quote_part(new_identifier, 2, relation)
        return f"alter {kind} if exists {self.render(relation)} rename to {new_name}"

    def temp_relation(self, relation: Relation) -> Relation:
        # the session's own temporary schema (pg_temp_N): private to the worker's connection,
        # gone with a ROLLBACK of the transaction that created it, or when the session ends
        return Relation(None, "pg_temp", relation.identifier)

    def create_temp_table_as_sql(self, relation: Relation, select_sql: str) -> str:
        rel = self.render(relation)
        return f"drop table if exists {rel};\ncreate temporary table {rel} as (\n{select_sql}\n)"

    def columns_sql(self, relation: Relation) -> str:
        # format_type: the type text dbt-postgres reports ("character varying(10)", "numeric(4,2)")
        relation = self.catalog_relation(relation)
        return (
            "select a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) "
            "from pg_catalog.pg_attribute a "
            "join pg_catalog.pg_class c on c.oid = a.attrelid "
            "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
            f"where {_schema_match(relation.schema)} and c.relname = {_literal(relation.identifier)} "
            "and a.attnum > 0 and not a.attisdropped order by a.attnum"
        )

    def describe(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "host": self._host,
            "port": self._port,
            "user": self._user,
            "database": self._database,
            "schema": self._schema,
        }

    # -- views bound by OID: keep them across a swap ---------------------------------------------
    def dependents(self, conn: GuardedConnection, relation: Relation) -> list[DependentView]:
        """The views that read ``relation`` (directly or through other views), with their
        definitions, captured before it is renamed away. When there are any, the swap takes
        a transaction-level advisory lock first, so that concurrent swaps re-creating the
        same views take turns instead of deadlocking."""
        relation = self.catalog_relation(relation)
        target = ".".join(_quote(p) for p in (relation.schema, relation.identifier))
        # first whether there are any, from the catalog only: pg_get_viewdef locks each view
        # it reads until the end of the transaction, which must not happen before the
        # advisory lock is held (two swaps would then wait for each other)
        found = conn.execute(_ANY_DEPENDENT_SQL, [target])
        if not found.rows:
            return []
        # definitions with every name schema-qualified (an empty search_path for the read),
        # read after the lock (another swap may just have re-created one of them). Scripts,
        # each answering with its last statement's rows: three round trips instead of five.
        previous = conn.execute(
            f"select pg_catalog.pg_advisory_xact_lock({_DEPENDENTS_LOCK});\n"
            "select pg_catalog.current_setting('search_path')"
        ).rows[0][0]
        rows = conn.execute(
            "select pg_catalog.set_config('search_path', '', true);\n"
            + _DEPENDENTS_SQL.replace("to_regclass(?)", f"to_regclass({_literal(target)})")
        ).rows
        # transaction-local: a failure above rolls the whole transaction (and the setting) back
        conn.execute(f"select pg_catalog.set_config('search_path', {_literal(str(previous))}, true)")
        return [
            DependentView(
                schema=str(schema),
                name=str(name),
                materialized=kind == "m",
                definition=str(definition).strip().rstrip(";"),
                options=tuple(str(o) for o in options or ()),
                comment=None if comment is None else str(comment),
            )
            for schema, name, kind, definition, options, comment, _depth in rows
        ]

    def recreate_dependents(self, conn: GuardedConnection, views: Sequence[DependentView]) -> list[str]:
        """Re-create the captured views after the swap (the old ones went with the backup's
        CASCADE drop). A view whose definition no longer fits the new relation (a column it
        reads is gone) stays dropped, as dbt leaves it; its name is returned."""
        lost: list[str] = []
        for view in views:
            name = f"{_quote(view.schema)}.{_quote(view.name)}"
            kind = "materialized view" if view.materialized else "view"
            with_options = f" with ({', '.join(view.options)})" if view.options else ""
            # one script per view (a failing statement ends it, and the transaction is then
            # taken back to the savepoint): one round trip instead of four
            script = [
                "savepoint dagwright_dependent",
                f"drop {kind} if exists {name} cascade",
                f"create {kind} {name}{with_options} as\n{view.definition}",
            ]
            if view.comment is not None:
                script.append(f"comment on {kind} {name} is {_literal(view.comment)}")
            try:
                conn.execute(";\n".join([*script, "release savepoint dagwright_dependent"]))
            except DatabaseError:
                conn.execute("rollback to savepoint dagwright_dependent;\nrelease savepoint dagwright_dependent")
                lost.append(f"{view.schema}.{view.name}")
                # gone if the transaction commits, still there if it rolls back
                self.relations.forget(Relation(None, view.schema, view.name))
        return lost

    # -- varchar widening: dbt-postgres' expand_target_column_types ------------------------------
    def expand_target_column_types(
        self, conn: GuardedConnection, from_relation: Relation, to_relation: Relation
    ) -> None:
        """Widen the string columns of ``to_relation`` that ``from_relation`` (the staged new
        rows of an incremental model or snapshot) holds in a larger type, as dbt-postgres does
        before it inserts: ``varchar(3)`` becomes ``varchar(10)`` (``text`` or an unsized
        ``varchar`` in the new rows count as 256, dbt's size for them). The column is re-made
        as dbt's ``alter_column_type`` does (added under a new name, filled, the old one
        dropped, renamed), so it moves to the end of the table, as with dbt-postgres.

        Two differences, both on the safe side: a target column without a size limit (``text``,
        ``varchar``) is never narrowed to a sized one (dbt-postgres would turn ``text`` into
        ``varchar(300)`` for new rows of that type, and fail on longer existing values), and
        the views that read the target are re-created rather than dropped with the column."""
        columns = conn.execute(
            "select a.attrelid = to_regclass(?), a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) "
            "from pg_catalog.pg_attribute a "
            "where a.attrelid in (to_regclass(?), to_regclass(?)) and a.attnum > 0 and not a.attisdropped "
            "order by a.attnum",
            [
                _regclass_name(self.catalog_relation(to_relation)),
                _regclass_name(self.catalog_relation(from_relation)),
                _regclass_name(self.catalog_relation(to_relation)),
            ],
        ).rows
        target = {str(name): str(type_text) for is_target, name, type_text in columns if is_target}
        widen: list[tuple[str, int]] = []
        for is_target, name, type_text in columns:
            if is_target or str(name) not in target:
                continue
            new_size = _string_size(str(type_text))
            old_size = _string_size(target[str(name)])
            if new_size is None or old_size is None or old_size == _UNBOUNDED:
                continue
            new_size = 256 if new_size == _UNBOUNDED else new_size  # dbt's size of a limitless string
            if new_size > old_size:
                widen.append((str(name), new_size))
        if not widen:
            return
        kept = self.dependents(conn, to_relation)
        rendered = self.render(to_relation)
        for name, size in widen:
            column, scratch = _quote(name), _quote(name + "__dbt_alter")
            conn.execute(
                f"alter table {rendered} add column {scratch} character varying({size});\n"
                f"update {rendered} set {scratch} = {column};\n"
                f"alter table {rendered} drop column {column} cascade;\n"
                f"alter table {rendered} rename column {scratch} to {column}"
            )
        if kept:
            self.recreate_dependents(conn, kept)

    # -- incremental: dbt-core's default SQL, as dbt-postgres runs it ------------------------------
    def merge_sql(
        self,
        config: Mapping[str, Any],
        target: str,
        source: str,
        unique_key: Any,
        dest_columns: Sequence[Any],
        predicates: Any,
    ) -> str:
        """``MERGE`` (PostgreSQL 15+) with explicit column lists, as dbt-core's default merge
        writes it for dbt-postgres: ``merge_update_columns`` / ``merge_exclude_columns`` pick
        the updated columns, ``incremental_predicates`` and the unique key(s) make the ON
        condition. dbt-duckdb's own ``merge_*`` configs mean nothing to dbt-postgres, and are
        ignored here as well."""
        conditions = _predicate_list(predicates)
        if unique_key:
            keys = list(unique_key) if isinstance(unique_key, (list, tuple)) else [unique_key]
            conditions += [f"DBT_INTERNAL_SOURCE.{key} = DBT_INTERNAL_DEST.{key}" for key in keys]
        else:
            conditions.append("FALSE")
        all_columns = ", ".join(self.quote(c.name) for c in dest_columns)
        parts = []
        header = config.get("sql_header")
        if header is not None:
            parts.append(str(header))
        parts.append(
            f"merge into {target} as DBT_INTERNAL_DEST\n    using {source} as DBT_INTERNAL_SOURCE\n"
            f"    on ({') and ('.join(conditions)})"
        )
        if unique_key:
            updated = _merge_update_columns(
                config.get("merge_update_columns"), config.get("merge_exclude_columns"), dest_columns, self.quote
            )
            assignments = ", ".join(f"{column} = DBT_INTERNAL_SOURCE.{column}" for column in updated)
            parts.append(f"when matched then update set {assignments}")
        parts.append(f"when not matched then insert ({all_columns})\nvalues ({all_columns})")
        return "\n".join(parts)

    def delete_insert_sql(
        self, target: str, source: str, unique_key: Any, dest_columns: Sequence[Any], predicates: Any
    ) -> list[str]:
        """dbt-core's default delete+insert, which dbt-postgres uses: the target is aliased
        ``DBT_INTERNAL_DEST`` (``incremental_predicates`` may name it) and the keys are
        matched as a row, ``(a, b) in (select distinct a, b from <staged>)``."""
        all_columns = ", ".join(self.quote(c.name) for c in dest_columns)
        statements = []
        if unique_key:
            keys = ", ".join(str(k) for k in unique_key) if isinstance(unique_key, (list, tuple)) else str(unique_key)
            extra = "".join(f"\n    and {p}" for p in _predicate_list(predicates))
            statements.append(
                f"delete from {target} as DBT_INTERNAL_DEST\nwhere ({keys}) in (\n"
                f"    select distinct {keys}\n    from {source} as DBT_INTERNAL_SOURCE\n){extra}"
            )
        statements.append(f"insert into {target} ({all_columns})\n(\n    select {all_columns}\n    from {source}\n)")
        return statements

    # -- snapshots: dbt-postgres' snapshot_get_time and snapshot_merge_sql ------------------------
    snapshot_get_time: ClassVar[str] = "now()::timestamp without time zone"

    def snapshot_merge_sql(
        self, target: str, staging: str, insert_cols: Sequence[str], columns: Mapping[str, str], current: Any
    ) -> list[str]:
        """Close the versions the staged rows update or delete, then insert the new versions:
        an ``UPDATE ... FROM`` naming the target itself (no alias), as dbt-postgres does.
        ``columns`` are the (possibly renamed) meta columns; ``current`` is
        ``dbt_valid_to_current``, when set."""
        valid_to = columns["dbt_valid_to"]
        scd_id = columns["dbt_scd_id"]
        if current:
            still_current = f"({target}.{valid_to} = {current} or {target}.{valid_to} is null)"
        else:
            still_current = f"{target}.{valid_to} is null"
        update = (
            f"update {target}\n"
            f"set {valid_to} = DBT_INTERNAL_SOURCE.{valid_to}\n"
            f"from {staging} as DBT_INTERNAL_SOURCE\n"
            f"where DBT_INTERNAL_SOURCE.{scd_id}::text = {target}.{scd_id}::text\n"
            "  and DBT_INTERNAL_SOURCE.dbt_change_type::text in ('update'::text, 'delete'::text)\n"
            f"  and {still_current}"
        )
        insert = (
            f"insert into {target} ({', '.join(insert_cols)})\n"
            f"select {', '.join('DBT_INTERNAL_SOURCE.' + column for column in insert_cols)}\n"
            f"from {staging} as DBT_INTERNAL_SOURCE\n"
            "where DBT_INTERNAL_SOURCE.dbt_change_type::text = 'insert'::text"
        )
        return [update, insert]

    # -- seeds -----------------------------------------------------------------------------------
    #: dbt-core's declared type for each inferred seed column type
    seed_types: ClassVar[Mapping[str, str]] = SEED_TYPES

    def load_rows(
        self, conn: GuardedConnection, relation: Relation, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> ExecResult:
        """Load ``rows`` with ``COPY ... FROM STDIN``: values travel in the copy protocol,
        never in SQL text. ``columns`` are the column names as SQL (already quoted or not).

        dbt-postgres binds the values agate read from the file, and agate reads ``null``
        (any case, surrounding blanks ignored) and blank fields as NULL in every column,
        text columns included; so does this.
        """
        sql = f"copy {self.render(relation)} ({', '.join(columns)}) from stdin"
        return conn.executemany(sql, [tuple(_agate_null(v) for v in row) for row in rows])


def _predicate_list(predicates: Any) -> list[str]:
    """``incremental_predicates`` as a list of SQL conditions (one string is one condition)."""
    if not predicates:
        return []
    if isinstance(predicates, str):
        return [predicates]
    return [str(p) for p in predicates]


def _merge_update_columns(include: Any, exclude: Any, dest_columns: Sequence[Any], quote: Any) -> list[str]:
    """dbt's ``default__get_merge_update_columns``: ``merge_update_columns`` as written, else
    every destination column (quoted) but the excluded ones, compared case-insensitively."""
    if include and exclude:
        raise CompilationError(
            "Model cannot specify merge_update_columns and merge_exclude_columns. "
            "Please update model to use only one config"
        )
    if include:
        return [str(c) for c in ([include] if isinstance(include, str) else include)]
    excluded = {str(c).lower() for c in ([exclude] if isinstance(exclude, str) else exclude or ())}
    return [quote(c.name) for c in dest_columns if c.name.lower() not in excluded]


def _agate_null(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in ("", "null"):
        return None
    return value


#: a string column without a size limit (``text``, ``character varying``)
_UNBOUNDED = -1
_STRING_TYPE = re.compile(r"(character varying|character|bpchar|text)(?:\((\d+)\))?")


def _string_size(type_text: str) -> int | None:
    """A string column's size as dbt's ``Column.string_size`` counts it (256 without a
    limit), ``_UNBOUNDED`` for a target column that has none; None for other types."""
    match = _STRING_TYPE.fullmatch(type_text.strip().lower())
    if match is None:
        return None
    if match.group(2) is not None:
        return int(match.group(2))
    return _UNBOUNDED if match.group(1) in ("text", "character varying") else 256


def _regclass_name(relation: Relation) -> str:
    """The relation as ``to_regclass`` takes it (no database; a schema-less name resolves
    through the search path, which starts with the session's temporary schema)."""
    if not relation.schema:
        return _quote(relation.identifier)
    schema = "pg_temp" if relation.schema == "pg_temp" else _quote(relation.schema)
    return f"{schema}.{_quote(relation.identifier)}"


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold_name(name: str) -> str:
    """An unquoted identifier as PostgreSQL stores it (its ASCII letters in lower case)."""
    return name.translate(_ASCII_LOWER)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _schema_match(schema: str) -> str:
    """SQL matching ``n`` (pg_namespace) to a schema; ``pg_temp`` is the session's own."""
    if schema == "pg_temp":
        return "n.oid = pg_catalog.pg_my_temp_schema()"
    return f"n.nspname = {_literal(schema)}"


def _connect_hint(reason: str) -> str:
    lowered = reason.lower()
    if "password authentication failed" in lowered:
        return "check `user` and `password` in the profile (the role may also not exist)"
    if "does not exist" in lowered and "database" in lowered:
        return "check `dbname` in the profile, or create the database"
    if "does not exist" in lowered and "role" in lowered:
        return "check `user` in the profile, or create the role"
    if "refused" in lowered or "timeout" in lowered or "could not translate host name" in lowered:
        return "check `host` and `port` in the profile, and that the server is running and reachable"
    return "check the connection settings in the profile"
