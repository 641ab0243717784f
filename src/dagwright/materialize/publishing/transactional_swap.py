"""``transactional swap``: one transaction per node, published by its COMMIT (PostgreSQL).

The engine's DDL is transactional, so everything a node does happens between ``begin`` and
``commit``, and readers see the previous relation until the COMMIT:

- a new relation is built under ``<name>__dbt_tmp`` (leftovers there and under
  ``<name>__dbt_backup`` dropped first), then swapped in at publish: the old relation is
  renamed to the backup name, the new one into place, the backup dropped; views bound to
  the old relation are re-created where the engine binds them by identity
  (``adapter.keep_dependents_sql``). Where the target does not exist (and the
  materialization looked), the relation is created under its own name instead. On an
  engine that runs scripts, a new relation of a node without hooks takes two round trips:
  ``begin`` with the build, then the swap (views kept) with its ``COMMIT``;
- a change stages, alters and applies inside the transaction;
- in-transaction pre-hooks run after ``begin``, post-hooks before the COMMIT;
- the node's grants and comments (``grants``, ``persist_docs``) are applied on the target
  under its final name inside the transaction, next to the post-hooks: a failed grant rolls
  the node back and the old relation stays, with its old privileges.

The publish gate is right before the swap (and the COMMIT); a failure or a stop rolls the
whole transaction back, temporary relations included.
"""

from __future__ import annotations

from typing import ClassVar

from dagwright.adapters.base import Adapter, ExecResult
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import BuildOutcome, NodeJob, run_hooks
from dagwright.materialize.publishing.base import (
    NewRelation,
    Publication,
    PublishingStrategy,
    TableChange,
    Work,
    WorkSource,
)


class TransactionalPublication(Publication):
    def __init__(self, adapter: Adapter, job: NodeJob, source: WorkSource) -> None:
        super().__init__(adapter, job, source)
        #: a transaction is open: abort rolls it back
        self.in_transaction = False
        #: the new relation was built under the temporary name: publish swaps it in
        self.swap = False
        #: a network between us and the engine: ``begin`` goes with the work's first
        #: statement, a change's cleanup with the COMMIT (``begin_with_next``; PostgreSQL)
        self.remote = bool(getattr(adapter, "begin_with_next", False))
        #: statements dropping what a change staged, sent with the COMMIT
        self.cleanup: list[str] = []

    def begin(self, conn: GuardedConnection) -> None:
        # set before the statement: whatever part of a submission ran, abort rolls it back
        self.in_transaction = True
        if self.remote and not self.job.pre_hooks:
            conn.send_ahead([self.adapter.begin_sql()])  # with the first statement of the work
        else:
            conn.execute(self.adapter.begin_sql())

    def build(self, conn: GuardedConnection) -> None:
        if self.build_in_one_script(conn):
            return
        self.begin(conn)
        run_hooks(conn, self.job.pre_hooks)
        self.build_work(conn, self.decide(conn))

    def build_in_one_script(self, conn: GuardedConnection) -> bool:
        """``begin`` and the statement building a new relation in one submission (one round
        trip), where the engine runs scripts, the node has no pre-hooks and the relation is
        one ``create ... as`` known before anything runs, with nothing stale to drop first."""
        work = self.source
        if not getattr(self.adapter, "runs_scripts", False) or self.job.pre_hooks or not isinstance(work, NewRelation):
            return False
        relation = self.target if work.target_absent else self.temp
        sql = work.create_sql(self.adapter, relation, self.table_config())
        if sql is None or (not work.target_absent and any(conn.relation_kind(r) for r in (self.temp, self.backup))):
            return False
        self.work = work
        self.swap = not work.target_absent
        self.in_transaction = True  # before the submission: whatever part of it ran, abort rolls back
        with conn.main_statements():
            self.result = conn.execute_script([self.adapter.begin_sql(), sql], main=[sql])
        return True

    def build_work(self, conn: GuardedConnection, work: Work) -> None:
        if isinstance(work, TableChange):
            work.stage(conn)
            work.alter(conn)
            self.apply_change(conn, work)
            if self.remote:  # with the COMMIT (the rollback of an abort drops them too)
                self.cleanup = work.cleanup()
            else:
                for sql in work.cleanup():
                    conn.execute(sql)
        elif work.target_absent:
            self.create(conn, work, self.target)
        else:
            self.drop_stale(conn)
            self.swap = True
            self.create(conn, work, self.temp)

    def publish(self, conn: GuardedConnection) -> BuildOutcome:
        if self.swap:
            self.swap_in(conn)
        else:
            self.post_hooks_and_effects(conn)
            conn.commit([*self.cleanup, self.adapter.commit_sql()])
        self.in_transaction = False
        work = self.work
        self.published(work.kind if isinstance(work, NewRelation) else "table")
        return self.report()

    def swap_in(self, conn: GuardedConnection) -> None:
        """Rename the new relation into place, run the post-hooks, drop the old one, COMMIT."""
        adapter = self.adapter
        assert isinstance(self.work, NewRelation)
        kind = self.work.kind
        existing = conn.relation_kind(self.target)
        # views bound to the old relation (not its name) are captured before the swap and
        # re-created after it, where the engine needs that (PostgreSQL: postgres_dependents.py)
        keep = getattr(adapter, "keep_dependents_sql", None)
        capture: list[str] = keep(self.target) if keep is not None and existing is not None else []
        restore: list[str] = adapter.recreate_dependents_sql() if capture else []  # type: ignore[attr-defined]
        lost: list[str] = [adapter.lost_views_sql()] if capture else []  # type: ignore[attr-defined]
        swap = [adapter.rename_sql(self.temp, kind, self.target.identifier)]
        if existing is not None:
            swap.insert(0, adapter.rename_sql(self.target, existing, self.backup.identifier))
        drop = [adapter.drop_sql(self.backup, existing)] if existing is not None else []
        if getattr(adapter, "runs_scripts", False) and not self.job.post_hooks and not self.catalog_effects:
            # statements of our own, after the publish gate: one round trip
            result = conn.commit([*capture, *swap, *drop, *restore, adapter.commit_sql(), *lost])
            if lost:
                adapter.forget_lost_views(result.rows)  # type: ignore[attr-defined]
            return
        self.send(conn, [*capture, *swap])
        self.post_hooks_and_effects(conn)
        result = self.send(conn, [*drop, *restore, *lost])
        if lost:
            adapter.forget_lost_views(result.rows)  # type: ignore[attr-defined]
        conn.commit([adapter.commit_sql()])

    def send(self, conn: GuardedConnection, statements: list[str]) -> ExecResult:
        """Statements of our own: one submission where the engine runs scripts; the result of
        the last one."""
        if not statements:
            return ExecResult()
        if getattr(self.adapter, "runs_scripts", False):
            return conn.execute_script(statements)
        for sql in statements:
            result = conn.execute(sql)
        return result

    def post_hooks_and_effects(self, conn: GuardedConnection) -> None:
        """The in-transaction post-hooks and the grants and comments, in dbt's order."""
        effects = self.catalog_effects
        after = effects and self.catalog_effects_after_post_hooks
        if effects and not after:
            self.apply_catalog_effects(conn)
        run_hooks(conn, self.job.post_hooks)
        if after:
            self.apply_catalog_effects(conn)

    def abort(self, conn: GuardedConnection) -> None:
        if self.in_transaction:
            self.in_transaction = False
            try:
                conn.execute_unguarded(self.adapter.rollback_sql())
            except Exception:
                pass


class TransactionalSwap(PublishingStrategy):
    name: ClassVar[str] = "transactional swap"
    atomic_changes: ClassVar[bool] = True

    def publication(self, job: NodeJob, source: WorkSource) -> Publication:
        return TransactionalPublication(self.adapter, job, source)
