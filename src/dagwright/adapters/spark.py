"""Apache Spark, through PySpark (``pip install 'dagwright[spark]'``): the adapter.

Two ways to reach Spark, as the profile's ``method`` says:

- ``session``: dagwright builds a SparkSession in its own process (``master``, default
  ``local[*]``; ``spark_conf``; ``warehouse_dir``). A session already active in the
  process (a test suite's, a notebook's) is reused instead, and left running.
- ``connect``: Spark Connect, how users reach a real cluster (``host: sc://host:15002``
  or ``connect_url``).

Each worker gets a ``SparkConnection`` on the shared session (spark_connection.py); the SQL
is dbt-spark's (spark_sql.py). Spark has no transactions: relations are built under a
temporary name and published by renames (``rename swap``; see docs/spark.md for what is and
is not atomic).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from dagwright.adapters.base import DatabaseError, Publishing, Relation, RelationKind, StatementCancelled
from dagwright.adapters.cache import RelationCache
from dagwright.adapters.docs_catalog import spark_catalog_rows
from dagwright.adapters.spark_connect import (
    PROBE_TIMEOUT_S,
    SessionStart,
    SessionTimeout,
    address,
    close_channels,
    probe,
    remote_builder,
    uses_tls,
)
from dagwright.adapters.spark_connection import SparkConnection, short_message
from dagwright.adapters.spark_session import (
    import_pyspark,
    is_stopped,
    log4j_file,
    mask_url,
    quiet_python_loggers,
)
from dagwright.adapters.spark_sql import SparkSQL
from dagwright.errors import ProfileError

if TYPE_CHECKING:
    from dagwright.project.profile import Target

METHODS = ("session", "connect")
#: what dbt-spark accepts as ``file_format``
FILE_FORMATS = ("text", "csv", "json", "jdbc", "parquet", "orc", "hive", "delta", "iceberg", "hudi", "libsvm")


class SparkAdapter(SparkSQL):
    type: ClassVar[str] = "spark"
    publishing: ClassVar[Publishing] = "rename swap"
    max_identifier_length: ClassVar[int | None] = None

    def __init__(self, target: Target) -> None:
        self._target = target
        creds = target.credentials
        where = f"target '{target.target_name}' of profile '{target.profile_name}'"
        self.where = where
        method = str(creds.get("method") or "session").strip().lower()
        if method not in METHODS:
            raise ProfileError(
                f"{where}: spark `method` {method!r} is not supported; dagwright supports: {', '.join(METHODS)}",
                path=target.profiles_path,
                hint="use `method: session` (a SparkSession in dagwright's process) or "
                "`method: connect` with `host: sc://HOST:15002` (Spark Connect)",
            )
        self.method = method
        self.schema = target.schema
        self.master = str(creds.get("master") or "local[*]")
        conf = creds.get("spark_conf") or creds.get("server_side_parameters") or {}
        if not isinstance(conf, Mapping):
            raise ProfileError(f"{where}: `spark_conf` must be a mapping of Spark settings", path=target.profiles_path)
        # dbt-spark turns ANSI mode off on every connection (Spark 3 semantics: an invalid cast
        # is NULL, not an error); the same default here builds the same tables, and a profile
        # may still turn it on
        self.spark_conf = {"spark.sql.ansi.enabled": "false"} | {str(k): str(v) for k, v in conf.items()}
        # Spark's own default folder; the catalog beside it (hive, an embedded Derby metastore)
        # so that tables built by one run are still known to the next
        self.warehouse_dir = str(creds.get("warehouse_dir") or "spark-warehouse")
        catalog = str(creds.get("catalog_implementation") or "hive")
        if catalog not in ("hive", "in-memory"):
            raise ProfileError(
                f"{where}: `catalog_implementation` must be 'hive' or 'in-memory', not {catalog!r}",
                path=target.profiles_path,
            )
        self.catalog_implementation = catalog
        self.file_format = str(creds.get("file_format") or "parquet")
        self.profile_file_format = str(creds["file_format"]) if creds.get("file_format") else None
        if self.file_format not in FILE_FORMATS:
            raise ProfileError(
                f"{where}: `file_format` {self.file_format!r} is not one Spark tables use",
                path=target.profiles_path,
                hint=f"one of: {', '.join(FILE_FORMATS)}",
            )
        self.location_root = creds.get("location_root")
        self.log_level = str(creds.get("log_level") or "error").lower()
        self.connect_url = ""
        if method == "connect":
            url = str(creds.get("connect_url") or creds.get("host") or "").strip()
            if not url:
                raise ProfileError(
                    f"{where} (type spark, method connect) has no `host`",
                    path=target.profiles_path,
                    hint="set `host: sc://HOST:15002` (the Spark Connect endpoint; a token goes in "
                    "`token:` or in the URL as `;token=...`)",
                )
            if not url.startswith("sc://"):
                port = creds.get("port") or 15002
                url = f"sc://{url}:{port}" if ":" not in url else f"sc://{url}"
            token = creds.get("token")
            if token:
                url = f"{url};token={token}" if ";" in url else f"{url.rstrip('/')}/;token={token}"
            self.connect_url = url
        #: how long each step of the endpoint's probe waits (spark_connect.py)
        self.connect_timeout = float(creds.get("connect_timeout") or PROBE_TIMEOUT_S)
        self._lock = threading.Lock()
        self._spark: Any = None
        self._owned = False
        #: a stop gave up the Spark Connect session being started (``abandon_connecting``)
        self._abandoned = False
        self._connections: list[SparkConnection] = []
        self.relations = RelationCache(case_sensitive=False)

    # -- secrets -----------------------------------------------------------------------------------
    def scrub(self, text: str) -> str:
        for secret in sorted(self._target.secret_values(), key=len, reverse=True):
            if len(secret) >= 3:
                text = text.replace(secret, "****")
        if self.connect_url and self.connect_url in text:
            text = text.replace(self.connect_url, mask_url(self.connect_url))
        return text

    # -- the session -------------------------------------------------------------------------------
    @property
    def spark(self) -> Any:
        with self._lock:
            if self._spark is None:
                self._spark = self._start()
            return self._spark

    def _start(self) -> Any:
        sql = import_pyspark()
        quiet_python_loggers()
        if self.method == "connect":
            return self._start_connect()
        active = sql.SparkSession.getActiveSession() or getattr(sql.SparkSession, "_instantiatedSession", None)
        if active is not None and not is_stopped(active):
            # a session the caller owns (tests, notebooks): its SparkContext and catalog are
            # reused and left running, through a session of our own (own SQL settings and
            # temporary views, no stale file listings of tables another session replaced)
            spark = active.newSession()
            for key, value in self.spark_conf.items():
                try:
                    spark.conf.set(key, value)
                except Exception:
                    pass  # a static setting: the caller's session already fixed it
            return spark
        builder = sql.SparkSession.builder.master(self.master).appName("dagwright")
        options = self._session_conf()
        for key, value in options.items():
            builder = builder.config(key, value)
        if self.catalog_implementation == "hive":
            builder = builder.enableHiveSupport()
        try:
            spark = builder.getOrCreate()
        except Exception as exc:
            raise ProfileError(
                f"cannot start Spark for {self.where} (master {self.master}): {self.scrub(short_message(exc))}",
                path=self._target.profiles_path,
                hint="Spark needs a Java runtime (17 or later) on PATH or in JAVA_HOME",
            ) from None
        self._owned = True
        try:
            spark.sparkContext.setLogLevel(self.log_level.upper())
        except Exception:
            pass
        return spark

    def _session_conf(self) -> dict[str, str]:
        options = {
            "spark.ui.showConsoleProgress": "false",
            "spark.ui.enabled": "false",
            "spark.sql.catalogImplementation": self.catalog_implementation,
        }
        java_options = [f"-Dlog4j2.configurationFile=file:{log4j_file(self.log_level)}"]
        if self.warehouse_dir and "://" not in self.warehouse_dir:
            warehouse = Path(self.warehouse_dir).expanduser().absolute()
            warehouse.mkdir(parents=True, exist_ok=True)
            options["spark.sql.warehouse.dir"] = str(warehouse)
            if self.catalog_implementation == "hive":
                # an embedded Derby metastore beside the tables: the catalog outlives the
                # process, so the next run finds its tables (and does not trip over their
                # files with LOCATION_ALREADY_EXISTS)
                metastore = warehouse / "metastore_db"
                options["spark.hadoop.javax.jdo.option.ConnectionURL"] = (
                    f"jdbc:derby:;databaseName={metastore};create=true"
                )
                java_options.append(f"-Dderby.system.home={warehouse}")
        elif self.warehouse_dir:
            options["spark.sql.warehouse.dir"] = self.warehouse_dir  # hdfs://, s3a://: the metastore is spark_conf's
        user_java = self.spark_conf.get("spark.driver.extraJavaOptions")
        if user_java:
            java_options.append(user_java)
        options["spark.driver.extraJavaOptions"] = " ".join(java_options)
        for key, value in self.spark_conf.items():
            if key != "spark.driver.extraJavaOptions":
                options[key] = value
        return options

    def _start_connect(self) -> Any:
        hint = "check `host` (sc://HOST:PORT) and that the Spark Connect server is running and reachable"
        host, port = address(self.connect_url)
        shown = mask_url(self.connect_url)
        where = f"{host}:{port}" + ("" if shown == f"sc://{host}:{port}" else f" ({shown})")

        def start() -> Any:  # all of it on the start's thread: importing the client takes seconds too
            problem = probe(host, port, uses_tls(self.connect_url), self.connect_timeout)
            if problem is not None:
                raise ProfileError(
                    f"cannot connect to Spark Connect at {where} for {self.where}: {problem}; "
                    "expected a Spark Connect (gRPC) server",
                    path=self._target.profiles_path,
                    hint=hint,
                )
            builder = remote_builder(self.connect_url, channels)
            for key, value in self.spark_conf.items():
                builder = builder.config(key, value)
            spark = builder.getOrCreate()
            spark.sql("select 1").collect()  # the server answers
            return spark

        if self._abandoned:
            raise StatementCancelled("the run stopped before the Spark Connect session started")
        channels: list[Any] = []
        starting = SessionStart(start, on_abandon=lambda: close_channels(channels))
        try:
            spark = starting.wait(abandoned=lambda: self._abandoned)
        except (StatementCancelled, ProfileError):
            raise
        except SessionTimeout as exc:
            raise ProfileError(
                f"cannot connect to Spark Connect at {where} for {self.where}: it speaks HTTP/2 but "
                f"gave {exc}; expected a Spark Connect (gRPC) server",
                path=self._target.profiles_path,
                hint=hint,
            ) from None
        except Exception as exc:
            raise ProfileError(
                f"cannot connect to Spark Connect at {where} for {self.where}: {self.scrub(short_message(exc))}",
                path=self._target.profiles_path,
                hint=hint,
            ) from None
        self._owned = True
        return spark

    def abandon_connecting(self) -> None:
        """A stop: a Spark Connect session still starting is left behind (its thread ends
        with the process), and none is started after. No lock: a signal handler may call it."""
        self._abandoned = True

    def open(self, worker: str) -> SparkConnection:
        self.spark  # noqa: B018 - start (or reuse) the session in the caller's thread
        conn = SparkConnection(self, worker)
        with self._lock:
            self._connections.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
            spark, self._spark = self._spark, None
            owned, self._owned = self._owned, False
        for conn in connections:
            conn.close()
        if spark is not None and owned:
            try:
                spark.stop()
            except Exception:
                pass

    # -- catalog -----------------------------------------------------------------------------------
    def lookup_kind(self, relation: Relation) -> RelationKind | None:
        """Table, view or absent, from the catalog (a metadata call: runs no job)."""
        try:
            table = self.spark.catalog.getTable(self.render(relation))
        except Exception as exc:
            text = str(exc)
            if "NOT_FOUND" in text or "not found" in text.lower() or "cannot be found" in text:
                return None
            raise DatabaseError(self.scrub(short_message(exc))) from None
        return "view" if str(table.tableType).upper() == "VIEW" else "table"

    def cache_schemas(self, conn: SparkConnection, schemas: list[tuple[str | None, str]]) -> None:
        """List the tables and views of the schemas a run builds into, once (adapters.cache)."""
        for database, schema in schemas:
            quoted = self.quote(schema)
            tables = conn.execute(f"show tables in {quoted}").rows
            views = {str(r[1]).lower() for r in conn.execute(f"show views in {quoted}").rows if not r[2]}
            listing: list[tuple[str, RelationKind]] = []
            for _namespace, name, is_temporary in tables:
                if is_temporary:
                    continue
                listing.append((str(name), "view" if str(name).lower() in views else "table"))
            self.relations.add_schema(database, schema, listing)

    def catalog_rows(self, conn: Any, database: str | None, schemas: Sequence[str]) -> list[dict[str, Any]]:
        """``docs generate``: every relation of these schemas, a row per column, from ``show
        table extended`` as dbt-spark reads it (a schema that does not exist has none)."""
        rows: list[dict[str, Any]] = []
        for schema in schemas:
            try:
                listed = conn.execute(f"show table extended in {self.quote(schema)} like '*'").rows
            except DatabaseError as exc:
                if "not found" in str(exc).lower() or "SCHEMA_NOT_FOUND" in str(exc):
                    continue
                raise
            for namespace, name, is_temporary, information in listed:
                if not is_temporary:
                    rows.extend(spark_catalog_rows(str(namespace), str(name), str(information or "")))
        return rows

    def external_location(self, relation: Relation) -> str | None:
        """Where an EXTERNAL table's files are (dropping it leaves them), None for a managed one."""
        try:
            rows = self.spark.sql(f"describe formatted {self.render(relation)}").collect()
        except Exception:
            return None
        info = {str(r[0]).strip(): str(r[1] or "").strip() for r in rows}
        return info.get("Location") if info.get("Type", "").upper() == "EXTERNAL" else None

    def delete_location(self, location: str) -> None:
        """Remove a dropped external table's files (classic Spark: through Hadoop's file
        system; a Connect client has no access to the cluster's files, and leaves them)."""
        if self.method == "connect":
            return
        context = self.spark.sparkContext
        path = context._jvm.org.apache.hadoop.fs.Path(location)
        path.getFileSystem(context._jsc.hadoopConfiguration()).delete(path, True)

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "method": self.method, "schema": self.schema}
        if self.method == "connect":
            out["host"] = mask_url(self.connect_url)
        else:
            out["master"] = self.master
            out["catalog_implementation"] = self.catalog_implementation
            out["warehouse_dir"] = self.warehouse_dir
        out["file_format"] = self.file_format
        if self.location_root:
            out["location_root"] = str(self.location_root)
        return out
