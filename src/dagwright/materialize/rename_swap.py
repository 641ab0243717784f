"""Materializations for engines without transactional DDL (Spark).

Without a transaction nothing can be built and swapped in atomically, so each
materialization splits its work so that the expensive, cancellable part never touches
what readers see, and publishing is a few catalog operations:

- ``table``: ``build`` runs ``create table <name>__dbt_tmp as ...`` (the job; a stop or a
  failure cancels it and drops the temporary table). ``publish`` renames the old table to
  ``<name>__dbt_backup``, renames the new one into place and drops the backup. Between the
  two renames (milliseconds: catalog calls, no job) the name resolves to nothing; a reader
  then gets "table not found", never partial rows. If the second rename fails, the backup
  is renamed back.
- ``view``: ``build`` creates the view under the temporary name (which checks the SQL);
  ``publish`` is one ``create or replace view`` (atomic in the catalog), or, where a table
  held the name, drop it and rename the checked view in.

Once the first publishing statement has run, the remaining ones are not interrupted by a
stop (they are catalog calls of a few milliseconds): a stop arriving then finds the node
published, and it says so, rather than leaving the name empty.

``non_transactional`` picks the class for a node; seeds and incrementals have their own
(``seed.NonTransactionalSeed``, ``incremental.NonTransactionalIncremental``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagwright.adapters.base import Adapter, DatabaseError, ExecResult, RelationKind
from dagwright.errors import CompilationError, DagwrightError
from dagwright.guard import GuardedConnection, Stopped
from dagwright.materialize.base import BuildOutcome, Materialization, NodeJob, NodeRelations, run_hooks
from dagwright.parse.nodes import Node


class RenameSwap(NodeRelations):
    """Build into ``<name>__dbt_tmp``; publish by renaming it into place."""

    kind: RelationKind = "table"

    def __init__(self, adapter: Adapter, job: NodeJob) -> None:
        super().__init__(adapter, job)
        self._temp_kind: RelationKind | None = None
        self._work: ExecResult | None = None

    # subclasses ------------------------------------------------------------------------------
    def build_temp(self, conn: GuardedConnection) -> ExecResult:
        raise NotImplementedError

    def success_message(self, result: ExecResult) -> str:
        return "OK"

    # protocol ----------------------------------------------------------------------------------
    def build(self, conn: GuardedConnection) -> None:
        run_hooks(conn, self.job.pre_hooks)
        self.drop_stale(conn)
        self._temp_kind = self.kind  # from here on, abort drops it
        self._work = self.build_temp(conn)

    def drop_stale(self, conn: GuardedConnection) -> None:
        """Leftovers of an earlier run that was killed mid-way."""
        for stale in (self.temp, self.backup):
            kind = conn.relation_kind(stale)
            if kind is not None:
                conn.execute(self.adapter.drop_sql(stale, kind))

    def publish(self, conn: GuardedConnection) -> BuildOutcome:
        self.swap_in(conn, conn.relation_kind(self.target))
        result = self._work or ExecResult()
        return self.after_publish(conn, BuildOutcome(result, self.success_message(result)))

    def swap_in(self, conn: GuardedConnection, existing: RelationKind | None) -> None:
        """Rename the temporary relation into place. The first statement is guarded (a stop
        before it leaves everything as it was); the rest always run."""
        adapter = self.adapter
        if existing is None:
            conn.execute(adapter.rename_sql(self.temp, self.kind, self.target.identifier))
            self._recover_partitions(conn)
        else:
            conn.execute(adapter.rename_sql(self.target, existing, self.backup.identifier))
            try:
                conn.execute_unguarded(adapter.rename_sql(self.temp, self.kind, self.target.identifier))
            except DatabaseError:
                # put the old relation back: the node fails, readers keep what they had
                conn.execute_unguarded(adapter.rename_sql(self.backup, existing, self.target.identifier))
                raise
            self._recover_partitions(conn)
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
        self._temp_kind = None
        self.published(self.kind)

    def _recover_partitions(self, conn: GuardedConnection) -> None:
        """Spark's catalog keeps a renamed partitioned table's partitions where they were
        before the rename: they are listed again from the table's files."""
        recover = getattr(self.adapter, "recover_partitions_sql", None)
        if recover is not None and self.kind == "table" and self.job.node.config.get("partition_by"):
            conn.execute_unguarded(recover(self.target))

    def after_publish(self, conn: GuardedConnection, outcome: BuildOutcome) -> BuildOutcome:
        """Post-hooks, after the relation is public: a stop skips them (the node stays a
        success and says so); a failing one fails the node, saying it was published."""
        try:
            run_hooks(conn, self.job.post_hooks)
        except Stopped as stopped:
            return BuildOutcome(outcome.result, f"{outcome.message}; post-hooks not run: {stopped.trigger}")
        except DatabaseError as exc:
            rendered = self.adapter.render(self.target)
            raise DatabaseError(f"post-hook failed after {rendered} was published: {str(exc).strip()}") from None
        except DagwrightError as exc:  # the hook's Jinja failed as it was rendered
            exc.message = f"post-hook failed after {self.adapter.render(self.target)} was published: {exc.message}"
            raise
        return outcome

    def abort(self, conn: GuardedConnection) -> None:
        kind, self._temp_kind = self._temp_kind, None
        if kind is not None:
            try:
                conn.execute_unguarded(self.adapter.drop_sql(self.temp, kind))
            except Exception:
                pass
            cache = getattr(self.adapter, "relations", None)
            if cache is not None:
                cache.set(self.temp, None)


class RenameSwapTable(RenameSwap):
    kind = "table"

    def build_temp(self, conn: GuardedConnection) -> ExecResult:
        return conn.execute(create_table_as(self.adapter, self.temp, self.job.sql, self.job.node.config))


class ReplaceView(RenameSwap):
    """A view: checked under the temporary name, then ``create or replace view``."""

    kind = "view"

    def build_temp(self, conn: GuardedConnection) -> ExecResult:
        return conn.execute(self.adapter.create_view_as_sql(self.temp, self.job.sql))

    def publish(self, conn: GuardedConnection) -> BuildOutcome:
        existing = conn.relation_kind(self.target)
        if existing == "table":
            self.swap_in(conn, existing)
        else:
            result = conn.execute(self.adapter.create_view_as_sql(self.target, self.job.sql))
            self._work = result
            self.published("view")
            try:
                conn.execute_unguarded(self.adapter.drop_sql(self.temp, "view"))
                self._temp_kind = None
            except DatabaseError:
                pass
        return self.after_publish(conn, BuildOutcome(self._work or ExecResult(), "OK"))


def create_table_as(adapter: Adapter, relation: Any, sql: str, config: Mapping[str, Any]) -> str:
    """CREATE TABLE AS with the engine's table options from the model's config, when the
    adapter takes them (Spark: ``using``, ``partitioned by``, ``location``...)."""
    try:
        return adapter.create_table_as_sql(relation, sql, config)  # type: ignore[call-arg]
    except TypeError:
        return adapter.create_table_as_sql(relation, sql)


def snapshot_unsupported(adapter: Adapter, node: Node) -> CompilationError:
    file_format = str(node.config.get("file_format") or getattr(adapter, "file_format", "") or "parquet")
    if file_format not in ("delta", "iceberg", "hudi"):
        return CompilationError(
            f"Invalid file format: {file_format}\n"
            "Snapshot functionality requires file_format be set to 'delta', 'iceberg' or 'hudi'"
        )
    return CompilationError(
        f"snapshots on {adapter.type} (file_format {file_format}) are not supported by dagwright yet"
    )


def non_transactional(
    adapter: Adapter,
    job: NodeJob,
    existing: str | None,
    *,
    csv_path: Path | None = None,
    project_name: str = "",
    project_macros: Mapping[str, str] | None = None,
) -> Materialization:
    """The materialization of a node on an engine whose DDL is not transactional."""
    node = job.node
    if node.resource_type == "seed":
        from dagwright.materialize.seed import NonTransactionalSeed

        assert csv_path is not None
        return NonTransactionalSeed(adapter, job, csv_path)
    if node.resource_type == "snapshot":
        raise snapshot_unsupported(adapter, node)
    kind = node.materialized
    if kind == "table":
        return RenameSwapTable(adapter, job)
    if kind == "view":
        return ReplaceView(adapter, job)
    if kind == "incremental":
        from dagwright.materialize.incremental import NonTransactionalIncremental

        return NonTransactionalIncremental(
            adapter, job, existing, project_name=project_name, project_macros=project_macros
        )
    raise CompilationError(f"materialization '{kind}' is not supported on {adapter.type} yet")
