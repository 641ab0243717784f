"""The interface between materializations and publishing strategies, and the publish gate.

A materialization says *what* to do, once for every engine:

- ``NewRelation``: a whole relation that takes the target's place (a table, a view, a
  rebuilt incremental model, a seed loaded anew, a snapshot's first version);
- ``TableChange``: the existing table changed in place (an incremental run, a seed
  re-loaded, a snapshot's later runs): what it stages, its schema changes, its row changes.

A ``PublishingStrategy`` decides *where* that work is built and *how* it becomes visible,
from what the engine declares (``Adapter.publishing``). Per node it makes a ``Publication``:
``build`` does the work without changing what readers of the target see, ``publish`` makes
it visible, ``abort`` undoes what ``build`` left (on any error or stop). ``Publication.run``
is the one place where build and publish meet, and between them sits the **publish gate**:
the run's stop, checked once more, so nothing is published after a stop. (The guard also
checks the stop right before every statement, so a strategy whose publish is a single
statement or job has its gate there too.)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from dagwright.adapters.base import (
    BACKUP_SUFFIX,
    NODE_DESCRIPTION,
    TMP_SUFFIX,
    VIEW_COLUMNS,
    Adapter,
    DatabaseError,
    ExecResult,
    Relation,
    RelationKind,
    suffixed,
)
from dagwright.errors import DagwrightError
from dagwright.guard import GuardedConnection, Stopped
from dagwright.materialize.base import BuildOutcome, NodeJob, run_hooks
from dagwright.materialize.catalog_effects import apply_catalog_effects, has_catalog_effects


def report_ok(result: ExecResult) -> BuildOutcome:
    """What most builds report: the response of the statement that did the work, and OK."""
    return BuildOutcome(result, "OK")


@dataclass(frozen=True)
class NewRelation:
    """What to build: a relation that takes the target's place."""

    kind: RelationKind
    #: the relation's query, when building it is one ``create <kind> ... as <select_sql>``
    select_sql: str | None = None
    #: otherwise: creates the relation under the name it is given and fills it (a seed)
    fill: Callable[[GuardedConnection, Relation], ExecResult] | None = None
    #: the materialization looked (after the pre-hooks) and found nothing in the target's
    #: place: a strategy may create the relation under its own name, with nothing to swap
    target_absent: bool = False
    #: what success reports, from the result of the statement that built the relation
    report: Callable[[ExecResult], BuildOutcome] = report_ok
    #: checks run once the work is decided, before anything is built (an enforced contract)
    check: Callable[[GuardedConnection], None] | None = None
    #: a table's columns and constraints, created with its rows in one statement (the
    #: adapter's ``contracted_table_as_sql``: a contracted table on BigQuery)
    column_ddl: Callable[[], str] | None = None
    #: run on a new table right after it is created under ``relation``, before it is
    #: published (Spark: an enforced contract's constraints, dbt-spark's persist_constraints)
    then: Callable[[GuardedConnection, Relation], None] | None = None
    #: a view's column list with comments (the adapter's ``view_columns_sql``: Spark under
    #: ``persist_docs: {columns: true}``), handed to its DDL under ``VIEW_COLUMNS``
    view_columns: str = ""

    def view_config(self, config: Mapping[str, Any]) -> Mapping[str, Any]:
        """The config a view's DDL reads: with its column list, where it has one."""
        return {**config, VIEW_COLUMNS: self.view_columns} if self.view_columns else config

    def create_sql(self, adapter: Adapter, relation: Relation, config: Mapping[str, Any]) -> str | None:
        """The one statement that builds the relation under ``relation``, when that is all it
        takes (a table or view from its query, nothing checked before it, nothing run after):
        a strategy may send it with others in one submission. None otherwise."""
        plain = self.fill is None and self.column_ddl is None and self.then is None and self.check is None
        if not plain or self.select_sql is None or self.view_columns or getattr(adapter, "views_take_config", False):
            return None
        if self.kind == "view":
            return adapter.create_view_as_sql(relation, self.select_sql)
        return adapter.create_table_as_sql(relation, self.select_sql, config)

    def create(
        self, conn: GuardedConnection, adapter: Adapter, relation: Relation, config: Mapping[str, Any]
    ) -> ExecResult:
        """Build the relation under ``relation`` (the target's name or a temporary one);
        ``config`` gives the engine's table options (Spark)."""
        if self.fill is not None:
            return self.fill(conn, relation)
        assert self.select_sql is not None
        if self.column_ddl is not None:
            sql = adapter.contracted_table_as_sql(relation, self.column_ddl(), self.select_sql, config)  # type: ignore[attr-defined]
            return conn.execute(sql)
        if self.kind == "view":
            if getattr(adapter, "views_take_config", False):  # its comment (Spark)
                sql = adapter.create_view_as_sql(relation, self.select_sql, self.view_config(config))  # type: ignore[call-arg]
                return conn.execute(sql)
            return conn.execute(adapter.create_view_as_sql(relation, self.select_sql))
        result = conn.execute(adapter.create_table_as_sql(relation, self.select_sql, config))
        if self.then is not None:
            self.then(conn, relation)
        return result


class TableChange(ABC):
    """What to change: the existing table, in place.

    A strategy runs ``stage``, ``alter`` and ``apply`` in this order, then the ``cleanup``
    statements, and reports ``report()``. Where these fall around the publish gate, and
    inside which transaction, is the strategy's decision: ``stage`` must change nothing a
    reader of the target sees; ``alter`` changes the target's columns (DDL, which only some
    engines can roll back); ``apply`` changes its rows (DML)."""

    #: the statements ``alter`` ran that changed the target's columns (where they cannot join
    #: the rows' transaction, the strategy says so)
    schema_changes: Sequence[str] = ()

    def stage(self, conn: GuardedConnection) -> None:  # noqa: B027 - most changes stage nothing
        """Temporary relations, reads and checks."""

    def alter(self, conn: GuardedConnection) -> None:  # noqa: B027 - most changes alter nothing
        """The target's schema changes."""

    @abstractmethod
    def apply(self, conn: GuardedConnection) -> None:
        """The statements that change the target's rows."""

    def cleanup(self) -> list[str]:
        """Statements dropping what ``stage`` made: run after ``apply``, and on abort where
        no transaction takes them back."""
        return []

    def report(self) -> BuildOutcome:
        # dbt-duckdb reports {"_message": "OK"} for an incremental run or a snapshot
        return BuildOutcome(ExecResult(), "OK")


Work = NewRelation | TableChange

#: what a materialization hands its strategy: the work, when it is known before anything
#: runs (a table, a view), else a function deciding it from what exists once the node's
#: transaction (if any) is open and its pre-hooks have run
WorkSource = NewRelation | Callable[[GuardedConnection], Work]


class Publication(ABC):
    """One node's work under one strategy: build, publish, abort."""

    def __init__(self, adapter: Adapter, job: NodeJob, source: WorkSource) -> None:
        self.adapter = adapter
        self.job = job
        self.source = source
        self.target = job.node.relation
        self.temp = suffixed(self.target, TMP_SUFFIX, adapter.max_identifier_length)
        self.backup = suffixed(self.target, BACKUP_SUFFIX, adapter.max_identifier_length)
        self.work: Work | None = None
        #: a ``TableChange`` staged relations that ``abort`` must drop (``drop_staged``)
        self.staged = False
        #: the result of the statement that built a new relation
        self.result: ExecResult | None = None

    @abstractmethod
    def build(self, conn: GuardedConnection) -> None:
        """Do the work; readers of the target still see what they saw."""

    @abstractmethod
    def publish(self, conn: GuardedConnection) -> BuildOutcome:
        """Make the work visible."""

    @abstractmethod
    def abort(self, conn: GuardedConnection) -> None:
        """Undo what ``build`` left; never raises, never blocked by the stop."""

    def run(self, conn: GuardedConnection) -> BuildOutcome:
        """Build, pass the publish gate, publish. On an error or a stop the caller aborts."""
        self.build(conn)
        conn.check_stop()  # the publish gate
        return self.publish(conn)

    def drop_staged(self, conn: GuardedConnection) -> None:
        """Drop what a ``TableChange`` staged (strategies that stage outside a transaction set
        ``staged``); best effort and never blocked by the stop: a leftover is replaced by the
        next build's staging (or expires, on BigQuery)."""
        if self.staged and isinstance(self.work, TableChange):
            self.staged = False
            for sql in self.work.cleanup():
                try:
                    conn.execute_unguarded(sql)
                except Exception:
                    pass

    def left_behind(self) -> str | None:
        """What a build that stopped (or failed) before its publish had already changed in the
        target, for the node's message; None: the target is as it was (every strategy but one
        whose build is several jobs of an engine without transactions for them)."""
        return None

    # shared by the strategies ---------------------------------------------------------------
    def decide(self, conn: GuardedConnection) -> Work:
        source = self.source
        self.work = source if isinstance(source, NewRelation) else source(conn)
        if isinstance(self.work, NewRelation) and self.work.check is not None:
            self.work.check(conn)
        return self.work

    def create(self, conn: GuardedConnection, work: NewRelation, relation: Relation) -> None:
        """Build ``work`` under ``relation``: the node's main statements (target/run)."""
        with conn.main_statements():
            self.result = work.create(conn, self.adapter, relation, self.table_config())

    @staticmethod
    def apply_change(conn: GuardedConnection, work: TableChange) -> None:
        """Change the target's rows: the node's main statements (target/run)."""
        with conn.main_statements():
            work.apply(conn)

    def table_config(self) -> Mapping[str, Any]:
        """The node's config as the adapter's DDL reads it: under ``persist_docs``, with the
        node's description (BigQuery writes it into the relation's OPTIONS, in the job that
        builds it)."""
        config = self.job.node.config
        if not config.get("persist_docs"):
            return config
        return {**config, NODE_DESCRIPTION: self.job.node.description}

    def report(self) -> BuildOutcome:
        work = self.work
        if isinstance(work, TableChange):
            return work.report()
        assert work is not None
        return work.report(self.result or ExecResult())

    @property
    def catalog_effects(self) -> bool:
        """The node has grants or comments to apply once its relation is built."""
        return has_catalog_effects(self.job.node)

    @property
    def catalog_effects_after_post_hooks(self) -> bool:
        """dbt's table materialization applies them after the in-transaction post-hooks; its
        view, incremental, seed and snapshot materializations before them."""
        node = self.job.node
        return node.resource_type == "model" and node.materialized == "table"

    def apply_catalog_effects(self, conn: GuardedConnection) -> None:
        """Grants and comments on the target (under its final name), inside the node's
        transaction before its COMMIT (materialize/catalog_effects.py)."""
        work = self.work
        replaced = isinstance(work, NewRelation)
        kind = work.kind if isinstance(work, NewRelation) else "table"
        apply_catalog_effects(conn, self.adapter, self.job.node, self.target, kind, replaced=replaced)

    def after_publish(self, conn: GuardedConnection, outcome: BuildOutcome) -> BuildOutcome:
        """For strategies whose publish is not a COMMIT (Spark, BigQuery): what follows once the
        relation is public, in dbt's order — grants and comments (before the post-hooks, after
        them for a table model) and the post-hooks. A stop skips what is left (the node stays a
        success and says so); a failure fails the node, saying the relation was published."""
        effects = self.catalog_effects
        after = effects and self.catalog_effects_after_post_hooks
        config = self.job.node.config
        step = effects_step = " and ".join(key for key in ("grants", "persist_docs") if config.get(key))
        try:
            if effects and not after:
                self.apply_catalog_effects(conn)
            step = "post-hook"
            run_hooks(conn, self.job.post_hooks)
            if after:
                step = effects_step
                self.apply_catalog_effects(conn)
        except Stopped as stopped:
            skipped = "post-hooks not run" if step == "post-hook" else f"{step} not applied"
            return BuildOutcome(outcome.result, f"{outcome.message}; {skipped}: {stopped.trigger}")
        except DatabaseError as exc:
            rendered = self.adapter.render(self.target)
            raise DatabaseError(f"{step} failed after {rendered} was published: {str(exc).strip()}") from None
        except DagwrightError as exc:
            exc.message = f"{step} failed after {self.adapter.render(self.target)} was published: {exc.message}"
            raise
        return outcome

    def drop_stale(self, conn: GuardedConnection) -> None:
        """Relations left under the temporary and backup names (another session's, or a
        killed run's where DDL is not transactional)."""
        for stale in (self.temp, self.backup):
            kind = conn.relation_kind(stale)
            if kind is not None:
                conn.execute(self.adapter.drop_sql(stale, kind))

    def published(self, kind: RelationKind) -> None:
        """Tell the run's relation cache what publishing made true."""
        cache = getattr(self.adapter, "relations", None)
        if cache is not None:
            cache.set(self.target, kind)
            cache.set(self.temp, None)
            cache.set(self.backup, None)


class PublishingStrategy(ABC):
    """How relations are built and published on engines with one capability."""

    #: the name an adapter declares in ``publishing``
    name: ClassVar[str]
    #: several statements changing a table become visible together (in one transaction);
    #: without this, a change is one writing statement at most (Spark's insert), and a seed
    #: re-load or a snapshot's merge cannot be published atomically
    atomic_changes: ClassVar[bool]
    #: a table truncated and loaded again (a seed re-load) is one atomic change; where loads
    #: cannot join a transaction (BigQuery), the seed becomes a new relation instead
    atomic_reloads: ClassVar[bool] = True

    def __init__(self, adapter: Adapter) -> None:
        self.adapter = adapter

    @abstractmethod
    def publication(self, job: NodeJob, source: WorkSource) -> Publication:
        """The node's build and publish under this strategy."""
