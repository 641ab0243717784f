"""The stop of a run and the registry of in-flight statements.

This sits below both the scheduler and the materializations: a materialization only gets
a ``GuardedConnection``, which checks the ``Stop`` immediately before each statement is
submitted and registers the statement so that a stop can cancel it. A cancel that reaches
an idle connection is lost on every engine, so the canceller re-sends until each worker
that had a statement in flight has returned from it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from dagwright.adapters.base import Column, Connection, CsvRows, ExecResult, Relation, RelationKind, StatementCancelled

T = TypeVar("T")


class Stopped(Exception):
    """Raised instead of submitting a statement once the run has stopped, or when the stop
    cancelled the statement (``adapter_response``: what the engine says it cancelled, if anything)."""

    def __init__(self, trigger: str, adapter_response: dict[str, Any] | None = None) -> None:
        super().__init__(trigger)
        self.trigger = trigger
        self.adapter_response: dict[str, Any] = adapter_response or {}


class Stop:
    """Set once, with its trigger; every later ``trigger`` call is ignored."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self.trigger_text: str | None = None
        self.kind: str | None = None  # "fail-fast", "SIGINT", "SIGTERM", "cancel"
        self.at: float | None = None  # time.time() of the stop
        self._listeners: list[Callable[[], None]] = []

    def is_set(self) -> bool:
        return self._event.is_set()

    def add_listener(self, listener: Callable[[], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def trigger(self, kind: str, text: str) -> bool:
        """Stop the run. Returns False if it had already stopped."""
        with self._lock:
            if self._event.is_set():
                return False
            self.kind = kind
            self.trigger_text = text
            self.at = time.time()
            self._event.set()
            listeners = list(self._listeners)
        for listener in listeners:
            listener()
        return True

    def check(self) -> None:
        if self._event.is_set():
            raise Stopped(self.trigger_text or "stopped")


@dataclass
class _InFlight:
    node_id: str
    connection: Connection
    started: float
    #: a publishing COMMIT: gated on the stop like any statement, but once sent never
    #: cancelled (``GuardedConnection.commit``)
    final: bool = False


class QueryComments(Protocol):
    """The ``query-comment`` of a run (rendering/query_comment.py): the comment of the
    connection opened for ``node_id``, whether it goes after the statement, and whether it
    labels the jobs too (BigQuery's ``job-label``)."""

    append: bool
    job_label: bool

    def text_for(self, node_id: str) -> str: ...


def with_comment(sql: str, comment: str, append: bool) -> str:
    """``sql`` with ``/* comment */`` on a line before it, or after it (before a final ``;``)."""
    if not comment or not sql.strip():  # nothing to send (Spark's and BigQuery's ``begin``)
        return sql
    if not append:
        return f"/* {comment} */\n{sql}"
    body = sql.rstrip()
    if body.endswith(";"):
        return f"{body[:-1]}\n/* {comment} */;"
    return f"{body}\n/* {comment} */"


class StatementRegistry:
    """Which statement is in flight on which worker; cancels them all on a stop."""

    #: how long to wait between re-sent cancels
    RESEND_INTERVAL = 0.01

    def __init__(self, stop: Stop) -> None:
        self._stop = stop
        self._lock = threading.Condition(threading.Lock())
        self._in_flight: dict[str, _InFlight] = {}
        self.cancel_finished_at: float | None = None
        #: the run's ``query-comment``, put on every statement of its guarded connections
        self.comments: QueryComments | None = None
        self._canceller: threading.Thread | None = None
        #: the canceller is started and published under this lock: the stop may come on any
        #: thread (a worker's fail-fast, the signal handlers' stop thread) while another waits
        self._canceller_lock = threading.Lock()
        stop.add_listener(self._start_canceller)

    def enter(self, worker: str, node_id: str, connection: Connection, final: bool = False) -> None:
        """Register a statement about to be submitted, or raise Stopped.

        The stop check and the registration happen under one lock, so a stop either sees
        this statement (and cancels it, unless it is ``final``) or this call sees the stop
        (and nothing runs).
        """
        with self._lock:
            self._stop.check()
            self._in_flight[worker] = _InFlight(node_id, connection, time.perf_counter(), final)

    def leave(self, worker: str) -> None:
        with self._lock:
            self._in_flight.pop(worker, None)
            self._lock.notify_all()

    def in_flight(self) -> dict[str, str]:
        with self._lock:
            return {w: f.node_id for w, f in self._in_flight.items()}

    def _start_canceller(self) -> None:
        with self._canceller_lock:
            thread = threading.Thread(target=self._cancel_all, name="dagwright-canceller", daemon=True)
            thread.start()
            self._canceller = thread

    def _cancel_all(self) -> None:
        # Re-send until every statement in flight at (or after) the stop has returned: a
        # cancel that lands just before the engine starts the query is lost.
        with self._lock:
            while self._in_flight:
                for flight in list(self._in_flight.values()):
                    if not flight.final:
                        flight.connection.cancel()
                self._lock.wait(self.RESEND_INTERVAL)
            self.cancel_finished_at = time.time()

    def wait_cancelled(self, timeout: float | None = None) -> bool:
        with self._canceller_lock:
            thread = self._canceller
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()


class GuardedConnection:
    """A worker's connection as a materialization sees it: every statement is guarded."""

    def __init__(
        self, connection: Connection, registry: StatementRegistry, worker: str, node_id: str, stop: Stop
    ) -> None:
        self.raw = connection
        self._registry = registry
        self._worker = worker
        self.node_id = node_id
        self._stop = stop
        self.statements: list[str] = []
        self.last_result: ExecResult | None = None
        #: this connection's query comment, rendered at its first statement
        self._comment: str | None = None
        #: the node's main statements as submitted (without the query comment): what built or
        #: changed its relation, or a test's query; written to target/run (execute/run_sql.py)
        self.main_sql: list[str] = []
        self._in_main = False
        #: a new main block began: its first statement replaces what earlier blocks kept
        self._new_block = False
        #: statements to send in one submission with the next one (send_ahead)
        self._ahead: list[str] = []

    @contextmanager
    def main_statements(self) -> Iterator[None]:
        """The statements submitted inside are the node's main ones (``main_sql``): dbt's
        ``statement('main')``, whose SQL dbt writes to target/run. Only statements that passed
        the guard are kept: one the stop kept from being sent is not. The last block that sent
        anything wins, as dbt's file holds its last ``main`` statement (a test storing its
        failures: the query counting them, not the table built first)."""
        outer, self._in_main = self._in_main, True
        self._new_block = self._new_block or not outer
        try:
            yield
        finally:
            self._in_main = outer

    def commented(self, sql: str) -> str:
        """``sql`` as it is sent: with the run's query comment, if any (``statements`` keeps
        it without, as dbt's target/run files do)."""
        comments = self._registry.comments
        if comments is None:
            return sql
        if self._comment is None:
            self._comment = comments.text_for(self.node_id)
        if comments.job_label:  # BigQuery's job labels from the comment (a connection's capability)
            label = getattr(self.raw, "use_query_comment", None)
            if label is not None:
                label(self._comment)
        return with_comment(sql, self._comment, comments.append)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def check_stop(self) -> None:
        """Raise ``Stopped`` if the run has stopped: the check every statement gets, made
        between statements too (the publish gate, materialize/publishing/base.py)."""
        self._stop.check()

    def send_ahead(self, statements: Sequence[str]) -> None:
        """Statements of dagwright's own (a ``begin``) that go in one submission with the next
        statement sent without parameters (adapters that ``runs_scripts``): a round trip
        fewer. Anything else that writes (a bulk load, a parameterised statement, user code,
        the COMMIT) sends them first; reads of the catalog need not, since nothing the
        statements ahead begin has changed anything yet."""
        self._ahead.extend(statements)

    def _flush_ahead(self) -> None:
        if self._ahead:
            ahead, self._ahead = self._ahead, []
            self._submit(";\n".join(ahead), None, lambda _: ";\n".join(map(self.commented, ahead)), ())

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> ExecResult:
        if self._ahead and params is None:
            return self.execute_script([sql])
        self._flush_ahead()
        return self._submit(sql, params, self.commented, sql if self._in_main else ())

    def execute_script(self, statements: Sequence[str], main: Sequence[str] = ()) -> ExecResult:
        """Several statements of dagwright's own in one submission (adapters that
        ``runs_scripts``), each with the query comment, as if sent one by one; ``main``: those
        of them that are the node's main statements (``main_sql``)."""
        main = main or (statements if self._in_main else ())
        statements, self._ahead = [*self._ahead, *statements], []
        script = ";\n".join(statements)
        return self._submit(script, None, lambda _: ";\n".join(map(self.commented, statements)), main)

    def commit(self, statements: Sequence[str]) -> ExecResult:
        """The statements that publish, ending with COMMIT: gated on the stop like any, but
        once sent they are not cancelled. A cancel landing in a COMMIT could leave it done and
        yet raised as cancelled (DuckDB does, now and then), so the node would be reported
        cancelled with its relation published; they take milliseconds, and a stop that comes
        while they run finds the node published (``success``), as docs/execution.md says."""
        statements, self._ahead = [*self._ahead, *statements], []
        script = ";\n".join(statements)
        self._registry.enter(self._worker, self.node_id, self.raw, final=True)
        try:
            self.statements.append(script)
            if len(statements) == 1:
                result = self.raw.execute(self.commented(script), None)
            else:
                result = self.raw.execute(";\n".join(map(self.commented, statements)), None)
        except StatementCancelled as exc:  # not by the stop, which leaves these alone
            raise Stopped(self._stop.trigger_text or "cancelled", exc.adapter_response) from None
        finally:
            self._registry.leave(self._worker)
        self.last_result = result
        return result

    def _submit(
        self, sql: str, params: Sequence[Any] | None, sent: Callable[[str], str], main: str | Sequence[str]
    ) -> ExecResult:
        self._registry.enter(self._worker, self.node_id, self.raw)
        try:
            self.statements.append(sql)
            if main:
                self._note_main(main)
            result = self.raw.execute(sent(sql), params)
        except StatementCancelled as exc:
            raise Stopped(self._stop.trigger_text or "cancelled", exc.adapter_response) from None
        finally:
            self._registry.leave(self._worker)
        self.last_result = result
        return result

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]] | CsvRows) -> ExecResult:
        """A bulk load (a seed's COPY, load job or batched insert): sent without the query
        comment, which the adapters' loaders would not recognise the statement under."""
        self._registry.enter(self._worker, self.node_id, self.raw)
        try:
            self.statements.append(sql)
            if self._in_main:
                self._note_main(sql)
            return self.raw.executemany(sql, rows)
        except StatementCancelled as exc:
            raise Stopped(self._stop.trigger_text or "cancelled", exc.adapter_response) from None
        finally:
            self._registry.leave(self._worker)

    def write_main(self, sql: str) -> None:
        """A project's ``{% materialization %}`` block's ``statement('main')`` (dbt's ``write``,
        called before the statement is sent, as in dbt): it replaces what was kept."""
        self.main_sql = [sql]
        self._new_block = False

    def _note_main(self, main: str | Sequence[str]) -> None:
        if self._new_block:
            self._new_block = False
            self.main_sql = []
        if isinstance(main, str):
            self.main_sql.append(main)
        else:
            self.main_sql.extend(main)

    def execute_unguarded(self, sql: str) -> ExecResult:
        """For clean-up after a stop (ROLLBACK, dropping a temporary relation): never blocked.
        Statements still waiting to go ahead of another are dropped: nothing they began ran."""
        self._ahead = []
        try:
            sql = self.commented(sql)
        except Exception:  # a comment that cannot render never blocks a clean-up
            pass
        return self.raw.execute(sql)

    def relation_kind(self, relation: Relation) -> RelationKind | None:
        self._registry.enter(self._worker, self.node_id, self.raw)
        try:
            return self.raw.relation_kind(relation)
        except StatementCancelled as exc:
            raise Stopped(self._stop.trigger_text or "cancelled", exc.adapter_response) from None
        finally:
            self._registry.leave(self._worker)

    def columns(self, relation: Relation) -> list[Column]:
        self._registry.enter(self._worker, self.node_id, self.raw)
        try:
            return self.raw.columns(relation)
        except StatementCancelled as exc:
            raise Stopped(self._stop.trigger_text or "cancelled", exc.adapter_response) from None
        finally:
            self._registry.leave(self._worker)

    def run_code(self, what: str, code: Callable[[], T]) -> T:
        """Run user code that uses this connection directly (a Python model), registered as
        the worker's statement in flight: a stop before it raises ``Stopped`` and runs
        nothing, a stop during it cancels the queries the code sends through the connection
        (pure Python runs on until it returns). Whatever the code raises once the run has
        stopped (the engine's cancel, caught and re-raised or not) is the stop."""
        self._flush_ahead()
        self._registry.enter(self._worker, self.node_id, self.raw)
        try:
            self.statements.append(what)
            if self._in_main:  # a Python model's code: its file is the compiled code (execute/run_sql.py)
                self._note_main(what)
            return code()
        except StatementCancelled as exc:
            raise Stopped(self._stop.trigger_text or "cancelled", exc.adapter_response) from None
        except Exception:
            if self._stop.is_set():
                raise Stopped(self._stop.trigger_text or "cancelled") from None
            raise
        finally:
            self._registry.leave(self._worker)
