"""What every materialization shares: build under a temporary name, then publish.

A materialization turns a compiled node into statements in two phases. ``build`` does all
the work without changing what readers of the target relation see; ``publish`` makes the
result visible (renames inside the transaction that ``build`` opened, then COMMIT; or, on an
engine that replaces a relation inside a transaction, the COMMIT alone). The runner calls
``publish`` only if the run has not stopped, and ``abort`` on any stop or error so nothing
is left behind under a temporary name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from dagwright.adapters.base import BACKUP_SUFFIX, TMP_SUFFIX, Adapter, ExecResult, Relation, RelationKind
from dagwright.guard import GuardedConnection
from dagwright.parse.nodes import Node


@dataclass
class BuildOutcome:
    """What publish reports: the response of the statement that did the work."""

    result: ExecResult = field(default_factory=ExecResult)
    message: str = "OK"


class Materialization(Protocol):
    def build(self, conn: GuardedConnection) -> None: ...

    def publish(self, conn: GuardedConnection) -> BuildOutcome: ...

    def abort(self, conn: GuardedConnection) -> None: ...


#: a hook as a materialization gets it: its SQL, or a callable that renders it (dbt renders a
#: hook right before it runs: its Jinja sees what the build made so far, and statements it
#: runs go through the same connection, at that moment)
Hook = str | Callable[[], str]


def run_hooks(conn: GuardedConnection, hooks: Sequence[Hook]) -> None:
    """Render each hook and run it, one after the other; a hook rendered empty is not run."""
    for hook in hooks:
        sql = hook if isinstance(hook, str) else hook()
        if sql.strip():
            conn.execute(sql)


@dataclass
class NodeJob:
    """A compiled node ready to materialize."""

    node: Node
    sql: str
    #: hooks that run inside the node's transaction (``transaction: false`` ones: the runner)
    pre_hooks: Sequence[Hook] = ()
    post_hooks: Sequence[Hook] = ()
    full_refresh: bool = False


class NodeRelations:
    """The relations a rebuild touches: the target, ``<name>__dbt_tmp`` where the new one is
    built and ``<name>__dbt_backup`` where the old one waits to be dropped; and the adapter's
    relation cache told what publishing made true."""

    def __init__(self, adapter: Adapter, job: NodeJob) -> None:
        self.adapter = adapter
        self.job = job
        self.target = job.node.relation
        self.temp = self.target.with_identifier(self.target.identifier + TMP_SUFFIX)
        self.backup = self.target.with_identifier(self.target.identifier + BACKUP_SUFFIX)

    def published(self, kind: RelationKind) -> None:
        cache = getattr(self.adapter, "relations", None)
        if cache is not None:
            cache.set(self.target, kind)
            cache.set(self.temp, None)
            cache.set(self.backup, None)


class TransactionalSwap(NodeRelations):
    """Build into ``<name>__dbt_tmp`` in a transaction; publish swaps it in and commits.

    Subclasses say how the temporary relation is built and which kind it is. A subclass
    whose work is one ``create <kind> ... as <the node's select>`` (table, view) sets
    ``one_statement``; on an adapter with ``replace_sql`` (DuckDB) it is then built straight
    into the target inside the transaction: readers see the old relation until COMMIT, as
    with the swap, and a ROLLBACK leaves it as it was, for two submissions per node instead
    of four to six.
    """

    kind: RelationKind = "table"
    one_statement: bool = False

    def __init__(self, adapter: Adapter, job: NodeJob) -> None:
        super().__init__(adapter, job)
        self._in_transaction = False
        self._work: ExecResult | None = None
        #: built in the target itself (no temporary relation to swap in)
        self._replaced_in_place = False

    # subclasses ------------------------------------------------------------------------
    def build_temp(self, conn: GuardedConnection) -> ExecResult:
        raise NotImplementedError

    def success_message(self, result: ExecResult) -> str:
        return "OK"

    # protocol ------------------------------------------------------------------------------
    def build(self, conn: GuardedConnection) -> None:
        replace_sql = getattr(self.adapter, "replace_sql", None)
        if replace_sql is not None and self.one_statement:
            self._build_in_place(conn, replace_sql)
            return
        conn.execute(self.adapter.begin_sql())
        self._in_transaction = True
        run_hooks(conn, self.job.pre_hooks)
        for stale in (self.temp, self.backup):
            kind = conn.relation_kind(stale)
            if kind is not None:
                conn.execute(self.adapter.drop_sql(stale, kind))
        self._work = self.build_temp(conn)

    def _build_in_place(self, conn: GuardedConnection, replace_sql: Callable[..., str]) -> None:
        existing = conn.relation_kind(self.target)
        # Set before the first submission: whatever part of it ran, ``abort`` rolls it back.
        self._in_transaction = True
        self._replaced_in_place = True
        script = [self.adapter.begin_sql()]
        if self.job.pre_hooks:  # user SQL goes alone, so its error is its own
            conn.execute(script.pop())
            run_hooks(conn, self.job.pre_hooks)
        script.append(replace_sql(self.target, self.kind, existing, self.job.sql))
        # one submission: BEGIN and the work (the adapter takes a script; see replace_sql)
        self._work = conn.execute(";\n".join(script))

    def publish(self, conn: GuardedConnection) -> BuildOutcome:
        if self._replaced_in_place:
            run_hooks(conn, self.job.post_hooks)
            conn.execute(self.adapter.commit_sql())
            self._in_transaction = False
            self.published(self.kind)
            result = self._work or ExecResult()
            return BuildOutcome(result, self.success_message(result))
        existing = conn.relation_kind(self.target)
        # views bound to the old relation (not its name) are captured before the swap and
        # re-created after it, where the engine needs that (adapter.dependents; PostgreSQL)
        dependents = getattr(self.adapter, "dependents", None)
        kept = dependents(conn, self.target) if dependents is not None and existing is not None else ()
        swap = [self.adapter.rename_sql(self.temp, self.kind, self.target.identifier)]
        if existing is not None:
            swap.insert(0, self.adapter.rename_sql(self.target, existing, self.backup.identifier))
        drop = [self.adapter.drop_sql(self.backup, existing)] if existing is not None else []
        if getattr(self.adapter, "runs_scripts", False) and not self.job.post_hooks and not kept:
            # catalog statements of our own, after the publish gate: one round trip, not four
            conn.execute(";\n".join([*swap, *drop, self.adapter.commit_sql()]))
        else:
            for sql in swap:
                conn.execute(sql)
            run_hooks(conn, self.job.post_hooks)
            for sql in drop:
                conn.execute(sql)
            if kept:
                self.adapter.recreate_dependents(conn, kept)  # type: ignore[attr-defined]
            conn.execute(self.adapter.commit_sql())
        self._in_transaction = False
        self.published(self.kind)
        result = self._work or ExecResult()
        return BuildOutcome(result, self.success_message(result))

    def abort(self, conn: GuardedConnection) -> None:
        if self._in_transaction:
            self._in_transaction = False
            try:
                conn.execute_unguarded(self.adapter.rollback_sql())
            except Exception:
                pass


def run_all(conn: GuardedConnection, statements: Sequence[str]) -> None:
    for sql in statements:
        conn.execute(sql)


RelationLookup = Callable[[Relation], RelationKind | None]
