"""Spark in dagwright's process: PySpark's import, the driver's logging, a Connect URL shown
without its secrets."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from dagwright.errors import ProfileError

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


def import_pyspark() -> Any:
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


def mask_url(url: str) -> str:
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


def is_stopped(spark: Any) -> bool:
    try:
        context = spark.sparkContext
        return context._jsc is None  # type: ignore[no-any-return]
    except Exception:
        return False
