"""One worker's handle on the run's SparkSession, and Spark's errors as dagwright reports them.

Every worker shares the one session and gets its own ``SparkConnection``; statements run in
the worker's own thread. Cancellation: in classic mode the worker sets a job group
(``setJobGroup(..., interruptOnCancel=True)``) in its thread before each statement and
``cancel()`` calls ``cancelJobGroup``; over Connect it adds a tag (``addTag``, per thread)
and ``cancel()`` calls ``interruptTag``. A statement that runs no job (DDL) is not
cancellable; the guard checks the stop right before each statement instead.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from dagwright.adapters.base import Column, DatabaseError, ExecResult, Relation, RelationKind, StatementCancelled
from dagwright.adapters.cache import UNKNOWN, RelationCache

if TYPE_CHECKING:
    from dagwright.adapters.spark_python import SparkPythonRuntime


class SessionOwner(Protocol):
    """What a connection needs of the adapter that owns the session."""

    method: str
    relations: RelationCache

    @property
    def spark(self) -> Any: ...

    def lookup_kind(self, relation: Relation) -> RelationKind | None: ...

    def render(self, relation: Relation) -> str: ...

    def columns_from_rows(self, rows: Sequence[Sequence[Any]]) -> list[tuple[str, str]]: ...

    def scrub(self, text: str) -> str: ...


_CANCELLED_MARKERS = ("SPARK_JOB_CANCELLED", "OPERATION_CANCELED", "OPERATION_CANCELLED", "cancelled job group")


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

    def __init__(self, adapter: SessionOwner, worker: str) -> None:
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

    @contextmanager
    def statement_scope(self) -> Iterator[None]:
        """Code that sends Spark work itself (a Python model) runs as one statement: its jobs
        are in one job group (tag), which ``cancel()`` interrupts."""
        self._begin()
        try:
            yield
        finally:
            self._end()

    def python_runtime(self) -> SparkPythonRuntime:
        """A Python model's session and frames (adapters/spark_python.py)."""
        from dagwright.adapters.spark_python import SparkPythonRuntime

        return SparkPythonRuntime(self._spark, self.statement_scope, self._describe)

    def _describe(self, exc: BaseException) -> str:
        return self._adapter.scrub(short_message(exc))

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
        return [Column(name, dtype) for name, dtype in self._adapter.columns_from_rows(result.rows)]

    def close(self) -> None:
        self._closed = True
