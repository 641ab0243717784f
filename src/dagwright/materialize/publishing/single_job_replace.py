"""``single-job replace``: one job builds and publishes (BigQuery).

BigQuery has no transactions across jobs, but a job's writes are atomic: they happen only if
the job completes. So everything a reader of the target would see changes in one job, submitted
after the publish gate (the guard's stop check right before each submission is that gate):

- a **table** or **view** with a query: ``create or replace table|view ... as`` — built and
  published by the same job. Where BigQuery cannot replace in place (a table whose partitioning
  or clustering changes, ``adapter.needs_drop``; a view where a table is, or the reverse) the old
  relation is dropped first: DROP + CREATE, two jobs, and the node's message says it was not atomic;
- a **seed**: its file is loaded (one load job, explicit schema) into ``<name>__dbt_tmp``, which
  readers do not see, then one job replaces the target with it (``copy_table_sql``); the
  temporary table is dropped after;
- a **change** (an incremental run): ``stage`` (the new rows in ``<name>__dbt_tmp``) and
  ``alter`` (``on_schema_change``: DDL, which BigQuery does not allow inside a transaction,
  so it is applied before the gate and is not rolled back) at build; ``apply``'s DML is
  collected and submitted as one job — one statement alone, several inside ``BEGIN
  TRANSACTION ... COMMIT TRANSACTION``.

Pre-hooks run at build, post-hooks after the publishing job: a stop skips them (the node stays
a success and says so), a failing one fails the node, saying the relation was published.
``grants`` and ``persist_docs`` as dbt-bigquery applies them: the relation's description in the
OPTIONS of the publishing job itself; then, right after that job (before the post-hooks, or
after them for a table model, in dbt's order), the grants as DCL jobs and the descriptions
through the tables API. A failure there fails the node the same way, saying the relation was
published (not atomic: BigQuery cannot join DCL to the job that builds the relation).

A cancelled job may still complete (BigQuery's cancel is best effort): the adapter's connection
waits for each job's final state, and raises ``StatementCancelled`` only when the job did not
complete. A publishing job that completed although the run stopped while it ran is reported
``success``, with a message saying it finished before the cancel took effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from dagwright.adapters.base import Adapter, DatabaseError, ExecResult, RelationKind
from dagwright.errors import DagwrightError
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import BuildOutcome, NodeJob, run_hooks
from dagwright.materialize.catalog_effects import apply_catalog_effects
from dagwright.materialize.publishing.base import (
    NewRelation,
    Publication,
    PublishingStrategy,
    TableChange,
    WorkSource,
)


class _Collector:
    """What ``TableChange.apply`` sees when its statements are to run as one job: it records them."""

    def __init__(self, conn: GuardedConnection) -> None:
        self.conn = conn
        self.statements: list[str] = []

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> ExecResult:
        if params:
            raise DagwrightError("a statement with parameters cannot be part of a BigQuery transaction script")
        if sql.strip():
            self.statements.append(sql)
        return ExecResult()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


class SingleJobPublication(Publication):
    def __init__(self, adapter: Adapter, job: NodeJob, source: WorkSource) -> None:
        super().__init__(adapter, job, source)
        #: what is under the temporary name (abort drops it)
        self.temp_kind: RelationKind | None = None
        #: why the target is dropped before the publishing job (not atomic), or None
        self.drop_reason: str | None = None
        self.existing: RelationKind | None = None
        #: DDL jobs that changed the target before its publishing job (left if that never runs)
        self.altered = False
        self.dropped = False

    def build(self, conn: GuardedConnection) -> None:
        run_hooks(conn, self.job.pre_hooks)
        work = self.decide(conn)
        if isinstance(work, TableChange):
            self.staged = True
            work.stage(conn)
            work.alter(conn)
            self.altered = bool(work.schema_changes)
            return
        self.existing = conn.relation_kind(self.target)
        if work.kind == "view" and self.existing == "table" and not self.full_refresh():
            # dbt-bigquery's view materialization drops a table for a view on a full refresh only
            raise DagwrightError(
                f"{self.target} is a table: a view replaces it only on a full refresh, as in dbt-bigquery",
                hint="drop the table, or run with --full-refresh to have it dropped",
            )
        needs_drop = getattr(self.adapter, "needs_drop", None)
        # a table's layout may change; a "view" may be a materialized view, which no job replaces
        if needs_drop is not None and (self.existing == "view" or self.existing == work.kind == "table"):
            self.drop_reason = needs_drop(self.target, self.job.node.config)
        if self.drop_reason is None and self.existing is not None and self.existing != work.kind:
            self.drop_reason = f"a {self.existing} held its name"
        if work.fill is not None:
            self.temp_kind = "table"  # from here on, abort drops it
            self.create(conn, work, self.temp)

    def full_refresh(self) -> bool:
        """dbt's should_full_refresh(): the model's ``full_refresh`` config where set, else the flag."""
        configured = self.job.node.config.get("full_refresh")
        return self.job.full_refresh if configured is None else bool(configured)

    def publish(self, conn: GuardedConnection) -> BuildOutcome:
        work = self.work
        if isinstance(work, TableChange):
            result = self.apply(conn, work)
            self.drop_staged(conn)
            self.published("table")
            outcome = work.report()
            if result is not None and not outcome.result.extra:  # dbt-bigquery reports the job's message
                outcome = BuildOutcome(result, result.message or outcome.message)
            if work.schema_changes:
                outcome = BuildOutcome(outcome.result, f"{outcome.message}; {self.columns_changed(work)}")
        else:
            assert work is not None
            outcome = self.replace(conn, work)
        if conn.stopped:
            outcome = BuildOutcome(
                outcome.result, f"{outcome.message}; published: the job finished before the cancel took effect"
            )
        return self.after_publish(conn, outcome)

    def replace(self, conn: GuardedConnection, work: NewRelation) -> BuildOutcome:
        adapter = self.adapter
        config = self.table_config()
        if self.drop_reason is not None:
            assert self.existing is not None
            conn.execute(adapter.drop_sql(self.target, self.existing))
            self.dropped = True
            self.published(None)
        if work.fill is not None:
            with conn.main_statements():
                job = conn.execute(adapter.copy_table_sql(self.temp, self.target, config))  # type: ignore[attr-defined]
            filled = self.result or ExecResult()
            self.result = ExecResult(
                filled.message, filled.code, filled.rows_affected, extra={**filled.extra, **job.extra}
            )
            self.drop_temp(conn)
        elif work.kind == "view":
            assert work.select_sql is not None
            with conn.main_statements():
                self.result = conn.execute(adapter.create_view_as_sql(self.target, work.select_sql, config))  # type: ignore[call-arg]
        else:
            self.create(conn, work, self.target)
        self.published(work.kind)
        outcome = self.report()
        if work.fill is None and self.result is not None:  # dbt-bigquery reports the job's message
            outcome = BuildOutcome(self.result, self.result.message)
        if self.drop_reason is not None:
            rendered = adapter.render(self.target)
            outcome = BuildOutcome(
                outcome.result,
                f"{outcome.message}; replaced by DROP then CREATE because {self.drop_reason}: not atomic "
                f"({rendered} did not exist in between)",
            )
        return outcome

    def apply(self, conn: GuardedConnection, work: TableChange) -> ExecResult | None:
        collector = _Collector(conn)
        work.apply(collector)  # type: ignore[arg-type]
        statements = collector.statements
        if not statements:
            return None
        sql = statements[0] if len(statements) == 1 else self.adapter.transaction_script(statements)  # type: ignore[attr-defined]
        try:
            with conn.main_statements():
                return conn.execute(sql)
        except DatabaseError as exc:
            if not work.schema_changes:
                raise
            raise DatabaseError(f"{str(exc).strip()}\n({self.columns_changed(work, failed=True)})") from None

    def left_behind(self) -> str | None:
        if self.dropped:
            return (
                f"{self.adapter.render(self.target)} was dropped (DROP then CREATE because "
                f"{self.drop_reason}) and not created again"
            )
        if self.altered and isinstance(self.work, TableChange):
            return self.columns_changed(self.work, failed=True)
        return None

    def columns_changed(self, work: TableChange, failed: bool = False) -> str:
        """What success or failure says when ``alter`` changed the target's columns: BigQuery
        runs DDL as jobs of their own, outside the job that changes the rows."""
        jobs = f"{len(work.schema_changes)} DDL job{'s' if len(work.schema_changes) > 1 else ''}"
        target = self.adapter.render(self.target)
        if failed:
            return f"the columns of {target} were changed before, by {jobs}, and stay changed: not rolled back"
        return f"the columns of {target} were changed first, by {jobs}: not atomic with the rows"

    def apply_catalog_effects(self, conn: GuardedConnection) -> None:
        """Grants and descriptions on the published target, right after its job. Where a
        replaced relation keeps its grants (the adapter's ``replacement_keeps_grants``:
        dbt-bigquery's copy_grants), one that was there before has them compared with the
        config, as a table changed in place does."""
        work = self.work
        kind = work.kind if isinstance(work, NewRelation) else "table"
        new = isinstance(work, NewRelation)
        if new and getattr(self.adapter, "replacement_keeps_grants", False):
            new = self.existing is None or self.dropped
        apply_catalog_effects(conn, self.adapter, self.job.node, self.target, kind, replaced=new)

    def published(self, kind: RelationKind | None) -> None:  # type: ignore[override]
        cache = getattr(self.adapter, "relations", None)
        if cache is not None:
            cache.set(self.target, kind)
            cache.set(self.temp, None)

    def drop_temp(self, conn: GuardedConnection) -> None:
        kind, self.temp_kind = self.temp_kind, None
        if kind is not None:
            try:
                conn.execute_unguarded(self.adapter.drop_sql(self.temp, kind))
            except Exception:
                pass  # it expires; the next build replaces it

    def abort(self, conn: GuardedConnection) -> None:
        self.drop_staged(conn)
        self.drop_temp(conn)


class SingleJobReplace(PublishingStrategy):
    name: ClassVar[str] = "single-job replace"
    atomic_changes: ClassVar[bool] = True
    #: a seed re-load is a new table (loaded aside, then one job), not a truncate and insert:
    #: a load job cannot run inside a BigQuery transaction
    atomic_reloads: ClassVar[bool] = False

    def publication(self, job: NodeJob, source: WorkSource) -> Publication:
        return SingleJobPublication(self.adapter, job, source)
