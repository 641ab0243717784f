"""``transactional replace``: a transactional swap whose one-statement builds go straight into
the target's name (DuckDB).

Where the catalog itself is transactional, other connections see the old relation until
COMMIT and a ROLLBACK restores it, so the temporary name and the renames of a swap buy
nothing. A table or view (work known before the node starts, built by one
``create ... as <select>``) is therefore built by the adapter's ``replace_sql`` inside the
node's transaction, submitted together with ``begin`` (two round trips per node: that
submission and the COMMIT). Everything else is as in ``transactional swap``; the publish gate
is right before the COMMIT.
"""

from __future__ import annotations

from typing import ClassVar

from dagwright.guard import GuardedConnection
from dagwright.materialize.base import NodeJob, run_hooks
from dagwright.materialize.publishing.base import NewRelation, Publication, PublishingStrategy, WorkSource
from dagwright.materialize.publishing.transactional_swap import TransactionalPublication


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


class TransactionalReplace(PublishingStrategy):
    name: ClassVar[str] = "transactional replace"
    atomic_changes: ClassVar[bool] = True

    def publication(self, job: NodeJob, source: WorkSource) -> Publication:
        return ReplacePublication(self.adapter, job, source)
