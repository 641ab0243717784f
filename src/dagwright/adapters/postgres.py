"""PostgreSQL, through psycopg 3 (``pip install 'dagwright[postgres]'``): the adapter.

Its profile keys are dbt-postgres' (docs/postgres.md); one server session per worker
(postgres_connection.py). DDL is transactional, so a relation is built under
``<name>__dbt_tmp`` and swapped in inside one transaction (``transactional swap``), with the
views bound to it kept (postgres_catalog.py). Where dbt-postgres writes other SQL than
dbt-duckdb, the adapter provides it (postgres_sql.py).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from dagwright.adapters.base import DatabaseError, Publishing, StatementCancelled
from dagwright.adapters.docs_catalog import POSTGRES_CATALOG_SQL, rows_as_dicts, upper_schemas
from dagwright.adapters.postgres_catalog import PostgresCatalog, PostgresRelationCache
from dagwright.adapters.postgres_connection import DriverError, PostgresConnection, connect_session, message_of
from dagwright.adapters.postgres_types import contract_columns_of
from dagwright.errors import ProfileError

if TYPE_CHECKING:
    from dagwright.project.profile import Target


class PostgresAdapter(PostgresCatalog):
    type: ClassVar[str] = "postgres"
    publishing: ClassVar[Publishing] = "transactional swap"
    max_identifier_length: ClassVar[int | None] = 63  # NAMEDATALEN - 1
    #: docs generate asks for at most 100 selected relations by name, as its dbt adapter does
    catalog_by_relations: ClassVar[bool] = True
    #: several statements in one ``execute`` (simple query protocol; see execute)
    runs_scripts: ClassVar[bool] = True
    #: a node's ``begin`` goes with its next statement (one round trip fewer over a network)
    begin_with_next: ClassVar[bool] = True
    #: a function argument's default_value is written in its DDL (dbt-postgres)
    function_argument_defaults: ClassVar[bool] = True

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

    def contract_columns(self, conn: Any, sql: str) -> list[tuple[str, str]]:
        """A contracted model's columns as dbt-postgres reads them: the cursor's type codes."""
        result = conn.execute(sql)
        return contract_columns_of(result.column_names, result.column_types)

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
            raw = connect_session(self._connect_kwargs())
        except DriverError as exc:
            reason = self._scrub(message_of(exc))
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

    def catalog_rows(self, conn: Any, database: str | None, schemas: Sequence[str]) -> list[dict[str, Any]]:
        """``docs generate``: the tables and views of these schemas, a row per column, from
        pg_catalog as dbt-postgres reads them (the profile's database names them)."""
        result = conn.execute(POSTGRES_CATALOG_SQL, [self._database, upper_schemas(schemas)])
        return rows_as_dicts(result.rows)

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()

    def describe(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "host": self._host,
            "port": self._port,
            "user": self._user,
            "database": self._database,
            "schema": self._schema,
        }


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
