"""Apache Spark, through PySpark (``pip install 'dagwright[spark]'``).

Two ways to reach Spark, as the profile's ``method`` says:

- ``session``: dagwright builds a SparkSession in its own process (``master``, default
  ``local[*]``; ``spark_conf``; ``warehouse_dir``). A session already active in the
  process (a test suite's, a notebook's) is reused instead, and left running.
- ``connect``: Spark Connect, how users reach a real cluster (``host: sc://host:15002``
  or ``connect_url``).

Every worker shares the one session and gets its own ``SparkConnection``; statements run
in the worker's own thread. Cancellation: in classic mode the worker sets a job group
(``setJobGroup(..., interruptOnCancel=True)``) in its thread before each statement and
``cancel()`` calls ``cancelJobGroup``; over Connect it adds a tag (``addTag``, per
thread) and ``cancel()`` calls ``interruptTag``. A statement that runs no job (DDL) is
not cancellable; the guard checks the stop right before each statement instead.

Spark has no transactions: ``transactional_ddl`` is False and the materializations in
``dagwright.materialize.rename_swap`` build under a temporary name and publish with
renames (see docs/spark.md for what is and is not atomic).
"""

from __future__ import annotations

import logging
import os
import re
import socket
import tempfile
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from dagwright.adapters.base import (
    TMP_SUFFIX,
    Column,
    DatabaseError,
    ExecResult,
    Relation,
    RelationKind,
    StatementCancelled,
)
from dagwright.adapters.cache import UNKNOWN, RelationCache
from dagwright.adapters.sql import SQLDialect
from dagwright.errors import ProfileError

if TYPE_CHECKING:
    from dagwright.project.profile import Target

METHODS = ("session", "connect")
#: what dbt-spark accepts as ``file_format``
FILE_FORMATS = ("text", "csv", "json", "jdbc", "parquet", "orc", "hive", "delta", "iceberg", "hudi", "libsvm")
#: table formats with MERGE INTO, snapshots and CREATE OR REPLACE TABLE
ACID_FORMATS = ("delta", "iceberg", "hudi")

#: the types dbt-spark declares for inferred seed columns (its convert_*_type)
SEED_TYPES = {
    "INTEGER": "bigint",
    "DOUBLE": "double",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "BOOLEAN": "boolean",
    "VARCHAR": "string",
}

#: error classes Spark gives a statement stopped by cancelJobGroup / interruptTag
_CANCELLED_MARKERS = ("SPARK_JOB_CANCELLED", "OPERATION_CANCELED", "OPERATION_CANCELLED", "cancelled job group")

# Spark's JVM logs every failed task with its stack trace on stderr; the error reaches the
# node's message anyway, so only the driver's own errors are printed.
_LOG4J2 = """\
rootLogger.level = {level}
rootLogger.appenderRef.stderr.ref = stderr
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = %d{{yy/MM/dd HH:mm:ss}} %p %c{{1}}: %m%n%ex
logger.executor.name = org.apache.spark.executor.Executor
logger.executor.level = off
logger.tasks.name = org.apache.spark.scheduler.TaskSetManager
logger.tasks.level = off
logger.native.name = org.apache.hadoop.util.NativeCodeLoader
logger.native.level = off
logger.hive.name = org.apache.hadoop.hive
logger.hive.level = off
logger.datanucleus.name = DataNucleus
logger.datanucleus.level = off
"""


def _import_pyspark() -> Any:
    try:
        import pyspark.sql
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise ProfileError(
            "the Spark adapter needs PySpark, which is not installed",
            hint="pip install 'dagwright[spark]'  (or: pip install 'pyspark[connect]')",
        ) from exc
    return pyspark.sql


def log4j_file(level: str = "error") -> str:
    """A log4j2 configuration for the driver JVM (``-Dlog4j2.configurationFile``): ``level``
    for Spark's own messages, failed tasks' stack traces muted."""
    level = level.lower() if level.lower() in ("off", "fatal", "error", "warn", "info", "debug") else "error"
    folder = Path(tempfile.gettempdir()) / "dagwright"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"spark-log4j2-{level}.properties"
    text = _LOG4J2.format(level=level)
    if not path.exists() or path.read_text() != text:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
    return str(path)


def quiet_python_loggers() -> None:
    """PySpark logs each failed query with the JVM's whole stack trace (as JSON) on stderr;
    the failure is raised to dagwright anyway."""
    try:
        from pyspark.logger import PySparkLogger
    except ImportError:  # pragma: no cover - older PySpark
        return
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        # created as a PySparkLogger (its .exception takes extra keywords), then muted
        PySparkLogger.getLogger(name).disabled = True
    logging.getLogger("py4j").setLevel(logging.ERROR)


# --------------------------------------------------------------------------- errors

_CONDITION_RE = re.compile(r"\[([A-Z][A-Z0-9_.]+)\]")


def is_cancellation(text: str) -> bool:
    return any(marker in text for marker in _CANCELLED_MARKERS)


def short_message(exc: BaseException) -> str:
    """The first meaningful lines of a Spark error: its message without the JVM stack
    trace, the analyzed plan or PySpark's wrapping."""
    text = str(exc) if str(exc).strip() else type(exc).__name__
    lines: list[str] = []
    for raw in text.strip().splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if stripped.startswith(("at ", "JVM stacktrace:", "Caused by:", "\tat ")) or stripped.startswith("'"):
            break
        if stripped.startswith(("+-", ":-", "== Physical Plan", "== Analyzed", "== Parsed")):
            break
        if stripped.startswith("An error occurred while calling"):
            continue
        lines.append(line)
        if len(lines) >= 8:
            break
    message = "\n".join(lines).strip()
    # "...; line 1 pos 14;" ends the first line of analysis errors: keep up to it
    message = re.sub(r";\s*$", "", message)
    return message or type(exc).__name__


# --------------------------------------------------------------------------- connections


def _py_value(value: Any) -> Any:
    # pyspark Row values are plain Python values already; Rows in arrays/maps become tuples
    if hasattr(value, "asDict"):
        return tuple(value)
    return value


def _param(value: Any) -> Any:
    """A statement parameter as Spark binds it. Dates, times and decimals travel as text
    and are cast in SQL (``cast(? as timestamp)``): binding a Python datetime converts it
    through the client's time zone."""
    import datetime as _dt
    from decimal import Decimal

    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, _dt.datetime) else value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class SparkConnection:
    """One worker's handle on the shared SparkSession; used by one thread."""

    def __init__(self, adapter: SparkAdapter, worker: str) -> None:
        self._adapter = adapter
        self._spark = adapter.spark
        self._connect = adapter.method == "connect"
        # a job group (classic) or tag (Connect) of this worker; new for each statement so
        # a late cancel of a finished statement cannot touch the next one
        self._prefix = f"dagwright-{re.sub(r'[^A-Za-z0-9_-]', '_', worker)}-{uuid.uuid4().hex[:8]}"
        self._lock = threading.Lock()
        self._current: str | None = None
        self._count = 0
        self._closed = False

    # -- statements ------------------------------------------------------------------------------
    def _begin(self) -> str:
        with self._lock:
            self._count += 1
            group = f"{self._prefix}-{self._count}"
            self._current = group
        if self._connect:
            self._spark.clearTags()
            self._spark.addTag(group)
        else:
            self._spark.sparkContext.setJobGroup(group, "dagwright", interruptOnCancel=True)
        return group

    def _end(self) -> None:
        with self._lock:
            self._current = None

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> ExecResult:
        if not sql.strip():  # begin/commit/rollback: Spark has no transactions
            return ExecResult(message="OK")
        self._begin()
        try:
            frame = self._spark.sql(sql, args=[_param(p) for p in params]) if params else self._spark.sql(sql)
            names = list(frame.columns)
            rows = [tuple(_py_value(v) for v in row) for row in frame.collect()] if names else []
        except Exception as exc:  # PySpark raises many classes (captured, connect, py4j)
            raise self._error(exc) from None
        finally:
            self._end()
        return ExecResult(message="OK", rows=rows, column_names=names)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> ExecResult:
        for row in rows:
            self.execute(sql, row)
        return ExecResult(message="OK", rows_affected=len(rows))

    def _error(self, exc: BaseException) -> Exception:
        text = str(exc)
        if is_cancellation(text) or type(exc).__name__ in ("KeyboardInterrupt",):
            return StatementCancelled(short_message(exc))
        return DatabaseError(self._adapter.scrub(short_message(exc)))

    def cancel(self) -> None:
        with self._lock:
            group = self._current
        if group is None or self._closed:
            return
        try:
            if self._connect:
                self._spark.interruptTag(group)
            else:
                self._spark.sparkContext.cancelJobGroup(group)
        except Exception:
            pass

    # -- catalog -----------------------------------------------------------------------------------
    def relation_kind(self, relation: Relation) -> RelationKind | None:
        known = self._adapter.relations.lookup(relation)
        if known is not UNKNOWN:
            return known  # type: ignore[return-value]
        return self._adapter.lookup_kind(relation)

    def columns(self, relation: Relation) -> list[Column]:
        result = self.execute(f"describe table {self._adapter.render(relation)}")
        return [Column(name, dtype) for name, dtype in describe_columns(result.rows)]

    def close(self) -> None:
        self._closed = True


def describe_columns(rows: Iterable[Sequence[Any]]) -> list[tuple[str, str]]:
    """(name, type) from DESCRIBE TABLE rows: the columns end at the first blank or ``#`` row
    (partition information and table details follow)."""
    out = []
    for row in rows:
        name = str(row[0] or "")
        if not name.strip() or name.startswith("#"):
            break
        out.append((name, str(row[1] or "")))
    return out


# --------------------------------------------------------------------------- the adapter


def _mask_url(url: str) -> str:
    """A Spark Connect URL without secrets: ``sc://host:port/;token=...`` keeps its host."""
    if not url:
        return url
    head, sep, params = url.partition(";")
    try:
        parts = urlsplit(head)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = "****@" + netloc.rsplit("@", 1)[1]
        head = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    except ValueError:
        head = "sc://****"
    if not sep:
        return head
    kept = []
    for param in params.split(";"):
        key, eq, value = param.partition("=")
        if not eq:
            kept.append(param)
        elif any(word in key.lower() for word in ("token", "secret", "password", "key")):
            kept.append(f"{key}=****")
        else:
            kept.append(f"{key}={value}")
    return head + ";" + ";".join(kept)


class SparkAdapter(SQLDialect):
    type: ClassVar[str] = "spark"
    transactional_ddl: ClassVar[bool] = False
    quote_char: ClassVar[str] = "`"
    default_quote_policy: ClassVar[tuple[bool, bool, bool]] = (False, False, False)
    quote_policy: tuple[bool, bool, bool] = (False, False, False)

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
        self._lock = threading.Lock()
        self._spark: Any = None
        self._owned = False
        self._connections: list[SparkConnection] = []
        self.relations = RelationCache(case_sensitive=False)

    # -- secrets -----------------------------------------------------------------------------------
    def scrub(self, text: str) -> str:
        for secret in sorted(self._target.secret_values(), key=len, reverse=True):
            if len(secret) >= 3:
                text = text.replace(secret, "****")
        if self.connect_url and self.connect_url in text:
            text = text.replace(self.connect_url, _mask_url(self.connect_url))
        return text

    # -- the session -------------------------------------------------------------------------------
    @property
    def spark(self) -> Any:
        with self._lock:
            if self._spark is None:
                self._spark = self._start()
            return self._spark

    def _start(self) -> Any:
        sql = _import_pyspark()
        quiet_python_loggers()
        if self.method == "connect":
            return self._start_connect()
        active = sql.SparkSession.getActiveSession() or getattr(sql.SparkSession, "_instantiatedSession", None)
        if active is not None and not _is_stopped(active):
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

    def _check_reachable(self) -> None:
        """Fail fast on a server that does not answer: the Connect client itself retries a
        refused connection for minutes."""
        parts = urlsplit(self.connect_url.partition(";")[0])
        host, port = parts.hostname or "localhost", parts.port or 15002
        try:
            socket.create_connection((host, port), timeout=10).close()
        except OSError as exc:
            raise ProfileError(
                f"cannot connect to Spark Connect at {_mask_url(self.connect_url)} for {self.where}: "
                f"{exc.strerror or exc}",
                path=self._target.profiles_path,
                hint="check `host` (sc://HOST:PORT) and that the Spark Connect server is running and reachable",
            ) from None

    def _start_connect(self) -> Any:
        from pyspark.sql import SparkSession

        self._check_reachable()
        try:
            builder = SparkSession.builder.remote(self.connect_url)
            for key, value in self.spark_conf.items():
                builder = builder.config(key, value)
            spark = builder.getOrCreate()
            spark.sql("select 1").collect()  # the server answers
        except Exception as exc:
            raise ProfileError(
                f"cannot connect to Spark Connect at {_mask_url(self.connect_url)} for {self.where}: "
                f"{self.scrub(short_message(exc))}",
                path=self._target.profiles_path,
                hint="check `host` (sc://HOST:PORT) and that the Spark Connect server is running and reachable",
            ) from None
        self._owned = True
        return spark

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

    # -- SQL text ----------------------------------------------------------------------------------
    def render(self, relation: Relation) -> str:
        # schema.identifier, never a database, and unquoted unless the project's quoting:
        # asks for it (dbt-spark's quote policy is off), so `{{ this }}` and ref() read the
        # same in compiled SQL and in manifest.json
        _, schema, identifier = self.quote_policy if relation.quote_policy is None else self.policy(relation)
        parts = ((relation.schema, schema), (relation.identifier, identifier))
        return ".".join(self.quote(p) if q else p for p, q in parts if p)

    def create_schema_sql(self, relation: Relation) -> str:
        return f"create schema if not exists {self.quote(relation.schema)}"

    def drop_sql(self, relation: Relation, kind: RelationKind) -> str:
        return f"drop {kind} if exists {self.render(relation)}"

    def rename_sql(self, relation: Relation, kind: RelationKind, new_identifier: str) -> str:
        return f"alter {kind} {self.render(relation)} rename to {self.render(relation.with_identifier(new_identifier))}"

    def table_options(self, config: Mapping[str, Any] | None = None, identifier: str | None = None) -> str:
        """``using <format> partitioned by (...) clustered by (...) into N buckets location '...'``
        for a model's config (dbt-spark's file_format, partition_by, clustered_by, buckets,
        location_root), the profile's file_format and location_root as defaults."""
        config = config or {}
        parts = [f"using {config.get('file_format') or self.file_format}"]
        partition_by = config.get("partition_by")
        if partition_by:
            cols = [partition_by] if isinstance(partition_by, str) else list(partition_by)
            parts.append(f"partitioned by ({', '.join(str(c) for c in cols)})")
        clustered_by = config.get("clustered_by")
        buckets = config.get("buckets")
        if clustered_by and buckets is not None:
            cols = [clustered_by] if isinstance(clustered_by, str) else list(clustered_by)
            parts.append(f"clustered by ({', '.join(str(c) for c in cols)}) into {int(buckets)} buckets")
        root = config.get("location_root") or self.location_root
        if root and identifier:
            location = f"{str(root).rstrip('/')}/{identifier}"
            if identifier.endswith(TMP_SUFFIX):
                # a build to be renamed into place: a folder of its own under the model's,
                # so it never meets the files of the table it replaces
                location = f"{str(root).rstrip('/')}/{identifier[: -len(TMP_SUFFIX)]}/build-{uuid.uuid4().hex[:12]}"
            parts.append("location '" + location.replace("\\", "\\\\").replace("'", "\\'") + "'")
        return "\n".join(parts)

    def create_table_as_sql(self, relation: Relation, select_sql: str, config: Mapping[str, Any] | None = None) -> str:
        options = self.table_options(config, relation.identifier)
        return f"create table {self.render(relation)}\n{options}\nas\n{select_sql}"

    def recover_partitions_sql(self, relation: Relation) -> str:
        return f"alter table {self.render(relation)} recover partitions"

    def create_view_as_sql(self, relation: Relation, select_sql: str) -> str:
        return f"create or replace view {self.render(relation)} as\n{select_sql}"

    def temp_relation(self, relation: Relation) -> Relation:
        # a temporary view: session-scoped, named without a schema (as dbt-spark stages rows)
        return Relation(None, "", relation.identifier)

    def create_temp_table_as_sql(self, relation: Relation, select_sql: str) -> str:
        return f"create or replace temporary view {self.quote(relation.identifier)} as\n{select_sql}"

    def columns_sql(self, relation: Relation) -> str:
        return f"describe table {self.render(relation)}"

    def truncate_sql(self, relation: Relation) -> str:
        return f"truncate table {self.render(relation)}"

    def begin_sql(self) -> str:
        return ""

    def commit_sql(self) -> str:
        return ""

    def rollback_sql(self) -> str:
        return ""

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "method": self.method, "schema": self.schema}
        if self.method == "connect":
            out["host"] = _mask_url(self.connect_url)
        else:
            out["master"] = self.master
            out["catalog_implementation"] = self.catalog_implementation
            out["warehouse_dir"] = self.warehouse_dir
        out["file_format"] = self.file_format
        if self.location_root:
            out["location_root"] = str(self.location_root)
        return out

    #: seeds: dbt-spark's declared type for each inferred column type
    seed_types: ClassVar[Mapping[str, str]] = SEED_TYPES


def _is_stopped(spark: Any) -> bool:
    try:
        context = spark.sparkContext
        return context._jsc is None  # type: ignore[no-any-return]
    except Exception:
        return False
