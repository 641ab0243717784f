"""Where the statements of a template go: one ``StatementSession`` over a ``GuardedConnection``,
so every statement a template runs (``run_query``, ``statement`` blocks, ``adapter.*``) goes
through the run's guard and is cancelled by a stop like any other statement."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagwright.adapters.base import ExecResult
from dagwright.errors import DagwrightError
from dagwright.rendering.engines.registry import jinja_engine

if TYPE_CHECKING:
    from dagwright.guard import GuardedConnection

log = logging.getLogger("dagwright")


class StatementSession:
    """The connection statements of one rendering scope go to, with dbt's transactions.

    ``transactions=False`` (a model compiling on its worker): every statement commits on
    its own; the model's own transaction starts later, in the materialization.
    ``transactions=True`` (on-run-* hooks, run-operation where the engine's dbt adapter
    keeps their transactions, ``operation_session``): as that dbt adapter does, a
    statement with ``auto_begin`` opens a transaction that lasts until ``adapter.commit()``
    (or ``adapter.create_schema``/``drop_schema``, which commit as dbt's do); statements
    without it (``run_query``) commit on their own unless such a transaction is open. What
    is still uncommitted when the scope ends is rolled back (``finish``), with a warning
    that says so: dbt drops it silently.
    """

    def __init__(
        self,
        connect: Callable[[], GuardedConnection] | GuardedConnection | None,
        *,
        transactions: bool = False,
        sql: Mapping[str, str] | None = None,
        scope: str = "",
    ) -> None:
        self._connect = connect
        #: what ends the scope, for the warning about work rolled back ("run-operation X")
        self.scope = scope
        #: statements sent inside the open transaction
        self._uncommitted = 0
        self._conn: GuardedConnection | None = None
        self.transactions = transactions
        self.in_transaction = False
        self._sql = {"begin": "begin transaction", "commit": "commit", "rollback": "rollback", **(sql or {})}
        self.executed: list[str] = []

    @property
    def connection(self) -> GuardedConnection:
        if self._conn is None:
            connect = self._connect
            if connect is None:
                raise DagwrightError("this command has no database connection for statements")
            self._conn = connect() if callable(connect) else connect
        return self._conn

    def execute(self, sql: str, *, auto_begin: bool = False, params: Sequence[Any] | None = None) -> ExecResult:
        conn = self.connection
        if self.transactions and auto_begin and not self.in_transaction:
            conn.execute(self._sql["begin"])
            self.in_transaction = True
        self.executed.append(sql)
        result = conn.execute(sql, params)
        if self.in_transaction:
            self._uncommitted += 1
        return result

    def execute_and_commit(self, sql: str) -> ExecResult:
        """dbt's ``create_schema``/``drop_schema``: the statement (in a transaction if the scope
        has them), then a commit of everything the transaction holds."""
        result = self.execute(sql, auto_begin=True)
        self.commit()
        return result

    def write_main(self, sql: str) -> None:
        """dbt's ``write``: ``sql`` is the node's main statement (its target/run file, written
        by the runner when the node ends), where this session runs a node's statements."""
        conn = self._conn if self._conn is not None else self._connect
        write_main = getattr(conn, "write_main", None)  # a GuardedConnection (not a connect function)
        if write_main is not None:
            write_main(sql)

    def commit(self) -> None:
        if self.in_transaction:
            self.connection.execute(self._sql["commit"])
            self.in_transaction = False
            self._uncommitted = 0

    def finish(self) -> None:
        """End of the scope: an open transaction is rolled back, as dbt's connection release does."""
        if self.in_transaction and self._conn is not None:
            self.in_transaction = False
            lost, self._uncommitted = self._uncommitted, 0
            try:
                self._conn.execute_unguarded(self._sql["rollback"])
            except Exception:
                return
            if lost and self.scope:
                log.warning(
                    f"{self.scope}: {lost} statement(s) rolled back: a statement() block (auto_begin) opened a "
                    "transaction that was never committed; call adapter.commit() to keep its work, or use "
                    "run_query() / statement(..., auto_begin=False), which commit on their own"
                )


def operation_session(adapter: Any, connection: GuardedConnection, scope: str) -> StatementSession:
    """The session of on-run-* hooks and run-operation, with the transactions of the engine's
    dbt adapter as dbt 1.11 runs them: where ``JinjaEngine.operation_transactions`` says so,
    a ``statement`` (auto_begin) stays open until a commit and the rest is rolled back at the
    end; elsewhere every statement is kept (see each engine's module)."""
    if not jinja_engine(getattr(adapter, "type", None)).operation_transactions:
        return StatementSession(connection, scope=scope)
    sql = {"begin": adapter.begin_sql(), "commit": adapter.commit_sql(), "rollback": adapter.rollback_sql()}
    return StatementSession(connection, transactions=True, sql=sql, scope=scope)
