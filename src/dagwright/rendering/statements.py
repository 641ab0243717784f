"""Where the statements of a template go: one ``StatementSession`` over a ``GuardedConnection``,
so every statement a template runs (``run_query``, ``statement`` blocks, ``adapter.*``) goes
through the run's guard and is cancelled by a stop like any other statement."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagwright.adapters.base import ExecResult
from dagwright.errors import DagwrightError

if TYPE_CHECKING:
    from dagwright.guard import GuardedConnection


class StatementSession:
    """The connection statements of one rendering scope go to, with dbt's transactions.

    ``transactions=False`` (a model compiling on its worker): every statement commits on
    its own; the model's own transaction starts later, in the materialization.
    ``transactions=True`` (on-run-* hooks, run-operation): like dbt, a statement with
    ``auto_begin`` opens a transaction that lasts until ``adapter.commit()``; whatever is
    still uncommitted when the scope ends is rolled back (``finish``).
    """

    def __init__(
        self,
        connect: Callable[[], GuardedConnection] | GuardedConnection | None,
        *,
        transactions: bool = False,
        sql: Mapping[str, str] | None = None,
    ) -> None:
        self._connect = connect
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
        return conn.execute(sql, params)

    def commit(self) -> None:
        if self.in_transaction:
            self.connection.execute(self._sql["commit"])
            self.in_transaction = False

    def finish(self) -> None:
        """End of the scope: an open transaction is rolled back, as dbt's connection release does."""
        if self.in_transaction and self._conn is not None:
            self.in_transaction = False
            try:
                self._conn.execute_unguarded(self._sql["rollback"])
            except Exception:
                pass
