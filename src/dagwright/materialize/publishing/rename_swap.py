"""``rename swap``: for engines without transactions (Spark).

Nothing can be built and swapped in atomically, so the expensive, cancellable work never
touches what readers see, and publishing is a few catalog operations:

- a new **table** is built as ``<name>__dbt_tmp`` (leftovers of a killed run under the
  temporary and backup names are dropped first; a stop or a failure drops the temporary
  table). Publishing renames the old table to ``<name>__dbt_backup``, the new one into place,
  and drops the backup. Between the two renames (milliseconds: catalog calls, no job) the
  name resolves to nothing: a reader gets "table not found", never partial rows. If the
  second rename fails, the backup is renamed back;
- a new **view** is created under the temporary name (which checks its SQL); publishing is
  one ``create or replace view`` (atomic in the catalog), or, where a table held the name,
  the renames of a table;
- a **change** stages and alters at build (Spark's ``alter table add columns``: DDL, done
  before the gate) and publishes with its one writing statement (``insert into``, ``insert
  overwrite``, ``merge into``), which Spark commits only when its job succeeds. A change
  that needs several writes to be atomic cannot be published this way
  (``atomic_changes``): a seed re-load is a new table, a snapshot an error.

The publish gate is right before the first publishing statement. Once that has run, the
remaining ones are not interrupted by a stop (catalog calls of a few milliseconds): a stop
arriving then finds the node published, and it says so, rather than leaving the name empty.
Post-hooks run after publishing: a stop skips them (the node stays a success and says so),
a failing one fails the node, saying the relation was published.
"""

from __future__ import annotations

from typing import ClassVar

from dagwright.adapters.base import Adapter, DatabaseError, Relation, RelationKind
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import BuildOutcome, NodeJob, run_hooks
from dagwright.materialize.publishing.base import (
    NewRelation,
    Publication,
    PublishingStrategy,
    TableChange,
    WorkSource,
)


class RenameSwapPublication(Publication):
    def __init__(self, adapter: Adapter, job: NodeJob, source: WorkSource) -> None:
        super().__init__(adapter, job, source)
        #: what is under the temporary name (abort drops it)
        self.temp_kind: RelationKind | None = None

    def build(self, conn: GuardedConnection) -> None:
        run_hooks(conn, self.job.pre_hooks)
        work = self.decide(conn)
        self.drop_stale(conn)
        if isinstance(work, TableChange):
            self.staged = True
            work.stage(conn)
            work.alter(conn)
            return
        self.temp_kind = work.kind  # from here on, abort drops it
        self.create(conn, work, self.temp)

    def publish(self, conn: GuardedConnection) -> BuildOutcome:
        work = self.work
        if isinstance(work, TableChange):
            self.apply_change(conn, work)
            self.drop_staged(conn)
            self.published("table")
        else:
            assert work is not None
            existing = conn.relation_kind(self.target)
            if work.kind == "view" and existing != "table":
                self.replace_view(conn, work)
            else:
                self.swap_in(conn, work.kind, existing)
        return self.after_publish(conn, self.report())

    def replace_view(self, conn: GuardedConnection, work: NewRelation) -> None:
        assert work.select_sql is not None
        adapter = self.adapter
        if getattr(adapter, "views_take_config", False):  # its comment
            config = work.view_config(self.table_config())
            sql = adapter.create_view_as_sql(self.target, work.select_sql, config)  # type: ignore[call-arg]
        else:
            sql = adapter.create_view_as_sql(self.target, work.select_sql)
        with conn.main_statements():
            self.result = conn.execute(sql)
        self.published("view")
        try:
            conn.execute_unguarded(self.adapter.drop_sql(self.temp, "view"))
            self.temp_kind = None
        except DatabaseError:
            pass

    def swap_in(self, conn: GuardedConnection, kind: RelationKind, existing: RelationKind | None) -> None:
        """Rename the temporary relation into place. The first statement is guarded (a stop
        before it leaves everything as it was); the rest always run."""
        adapter = self.adapter
        if existing is None:
            conn.execute(adapter.rename_sql(self.temp, kind, self.target.identifier))
            self.recover_partitions(conn, kind)
        else:
            conn.execute(adapter.rename_sql(self.target, existing, self.backup.identifier))
            try:
                # the backup's partitions still name the old folders, which the new table's
                # take next: moved to the backup's before its drop deletes them (an error: the
                # old table has no partitions, as when partition_by is new)
                self.recover_partitions(conn, existing, self.backup)
            except DatabaseError:
                pass
            try:
                conn.execute_unguarded(adapter.rename_sql(self.temp, kind, self.target.identifier))
            except DatabaseError:
                # put the old relation back: the node fails, readers keep what they had
                conn.execute_unguarded(adapter.rename_sql(self.backup, existing, self.target.identifier))
                try:
                    self.recover_partitions(conn, existing)
                except DatabaseError:
                    pass
                raise
            self.recover_partitions(conn, kind)
            # an external table's files stay when it is dropped (Spark with location_root)
            locate = getattr(adapter, "external_location", None)
            external = self.job.node.config.get("location_root") or getattr(adapter, "location_root", None)
            old_files = locate(self.backup) if locate is not None and existing == "table" and external else None
            try:
                conn.execute_unguarded(adapter.drop_sql(self.backup, existing))
                if old_files:
                    adapter.delete_location(old_files)  # type: ignore[attr-defined]
            except Exception:
                pass  # a stale backup is dropped by the next build
        self.temp_kind = None
        self.published(kind)

    def recover_partitions(self, conn: GuardedConnection, kind: RelationKind, relation: Relation | None = None) -> None:
        """Spark's catalog keeps a renamed partitioned table's partitions where they were
        before the rename: they are listed again from the table's files (``relation``: the
        target by default)."""
        recover = getattr(self.adapter, "recover_partitions_sql", None)
        if recover is not None and kind == "table" and self.job.node.config.get("partition_by"):
            conn.execute_unguarded(recover(relation or self.target))

    def abort(self, conn: GuardedConnection) -> None:
        self.drop_staged(conn)
        kind, self.temp_kind = self.temp_kind, None
        if kind is not None:
            try:
                conn.execute_unguarded(self.adapter.drop_sql(self.temp, kind))
            except Exception:
                pass
            cache = getattr(self.adapter, "relations", None)
            if cache is not None:
                cache.set(self.temp, None)


class RenameSwap(PublishingStrategy):
    name: ClassVar[str] = "rename swap"
    atomic_changes: ClassVar[bool] = False

    def publication(self, job: NodeJob, source: WorkSource) -> Publication:
        return RenameSwapPublication(self.adapter, job, source)
