"""``transactional replace``: a transactional swap whose builds go straight into the target's
name (DuckDB).

Where the catalog itself is transactional, other connections see the old relation until
COMMIT and a ROLLBACK restores it, so the temporary name and the renames of a swap buy
nothing. A table or view (work known before the node starts, built by one
``create ... as <select>``) is therefore built by the adapter's ``replace_sql`` inside the
node's transaction, submitted together with ``begin`` (two round trips per node: that
submission and the COMMIT). A table with an enforced contract (created with its constraints,
then filled) is also built under its own name, the old one dropped first in the transaction:

- a table holding a foreign key must never be renamed (DuckDB keeps the name it was created
  under in the referenced table's catalog entry, after which that table can no longer be
  dropped; duckdb/duckdb#24648);
- a table other tables' foreign keys reference cannot be dropped or replaced while they
  exist: as dbt-duckdb, the node copies each referencing table (``<name>__dbt_fk_backup``),
  drops it, builds the target, and renames the copies back, all in its transaction. Their
  rows stay; their constraints come back when the run rebuilds them later, which the job's
  ``check_rebuilt_dependents`` makes sure of before anything is dropped.

Everything else is as in ``transactional swap``; the publish gate is right before the COMMIT,
so the new table and the restored copies are published together, or not at all.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from dagwright.adapters.base import Relation
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import NodeJob, run_hooks
from dagwright.materialize.contract import contract_enforced
from dagwright.materialize.publishing.base import NewRelation, Publication, PublishingStrategy, Work, WorkSource
from dagwright.materialize.publishing.transactional_swap import TransactionalPublication

log = logging.getLogger("dagwright")

#: where a table referencing the rebuilt one keeps its rows meanwhile (dbt-duckdb's name)
FK_BACKUP_SUFFIX = "__dbt_fk_backup"


class ReplacePublication(TransactionalPublication):
    def build(self, conn: GuardedConnection) -> None:
        work = self.source
        if not isinstance(work, NewRelation) or work.select_sql is None:
            super().build(conn)
            return
        self.work = work
        existing = conn.relation_kind(self.target)
        script = [self.adapter.begin_sql()]
        # set before the first submission: whatever part of it ran, abort rolls it back
        self.in_transaction = True
        if self.job.pre_hooks:  # user SQL goes alone, so its error is its own
            conn.execute(script.pop())
            run_hooks(conn, self.job.pre_hooks)
        replace_sql = self.adapter.replace_sql  # type: ignore[attr-defined]
        replace = replace_sql(self.target, work.kind, existing, work.select_sql)
        # one submission: BEGIN and the work (the adapter takes a script; see replace_sql)
        self.result = conn.execute_script([*script, replace], main=[replace])

    def build_work(self, conn: GuardedConnection, work: Work) -> None:
        if isinstance(work, NewRelation) and work.kind == "table" and contract_enforced(self.job.node):
            self.build_in_place(conn, work)
        else:
            super().build_work(conn, work)

    def build_in_place(self, conn: GuardedConnection, work: NewRelation) -> None:
        """The contracted table created under its own name, the old one (and the tables whose
        foreign keys reference it) dropped first, inside the node's transaction."""
        existing = conn.relation_kind(self.target)
        restore = self.set_aside_dependents(conn) if existing == "table" else []
        if existing is not None:
            conn.execute(self.adapter.drop_sql(self.target, existing))
        self.create(conn, work, self.target)
        for backup, table in reversed(restore):
            conn.execute(self.adapter.rename_sql(backup, "table", table))

    def set_aside_dependents(self, conn: GuardedConnection) -> list[tuple[Relation, str]]:
        """Copy and drop the tables whose foreign keys reference the target, deepest first;
        (copy, name) of each, for renaming back once the target is rebuilt."""
        find = getattr(self.adapter, "foreign_key_dependents", None)
        dependents = find(conn, self.target) if find is not None else []
        if not dependents:
            return []
        if self.job.check_rebuilt_dependents is not None:
            self.job.check_rebuilt_dependents(dependents)
        adapter = self.adapter
        kept = []
        for table, _ in dependents:
            dependent = self.target.with_identifier(table)
            backup = self.target.with_identifier(table + FK_BACKUP_SUFFIX)
            conn.execute(adapter.drop_sql(backup, "table"))
            conn.execute(adapter.create_table_as_sql(backup, f"select * from {adapter.render(dependent)}"))
            log.info(
                f"{self.job.node.name}: {adapter.render(dependent)} references {adapter.render(self.target)} "
                "through a foreign key: dropped with it and restored with its rows, without its constraints, "
                "until this run rebuilds it"
            )
            conn.execute(adapter.drop_sql(dependent, "table"))
            kept.append((backup, table))
        return kept


class TransactionalReplace(PublishingStrategy):
    name: ClassVar[str] = "transactional replace"
    atomic_changes: ClassVar[bool] = True

    def publication(self, job: NodeJob, source: WorkSource) -> Publication:
        return ReplacePublication(self.adapter, job, source)
