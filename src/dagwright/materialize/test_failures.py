"""A data test that stores its failing rows (``store_failures``, ``store_failures_as``, the
--store-failures flag): the rows go to a table or view named after the test in its schema
(dbt's audit schema, ``<target schema>_dbt_test__audit`` unless ``schema:`` says otherwise),
replaced on each run, and the test then counts them there.

dbt drops the old relation and creates the new one; here the relation is a ``NewRelation``
published by the engine's strategy like any table or view, so a reader sees the previous
run's rows or this run's, never none. As in dbt the relation is written whatever the
outcome: a passing test leaves it empty.
"""

from __future__ import annotations

from dagwright.adapters.base import Adapter, RelationKind
from dagwright.errors import DagwrightError
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import NodeJob
from dagwright.materialize.materialization import StrategyMaterialization
from dagwright.materialize.publishing.base import NewRelation, PublishingStrategy, WorkSource
from dagwright.materialize.test import TestOutcome, limited, run_test
from dagwright.parse.nodes import Node

_KINDS: tuple[RelationKind, ...] = ("table", "view")


def stored_failures_kind(node: Node, store_failures: bool) -> RelationKind | None:
    """The relation a test keeps its failing rows in (None: it keeps none): its config's
    ``store_failures`` (settled at parse from ``store_failures_as``), else the flag; the kind
    is ``store_failures_as``, a table when unset."""
    configured = node.config.get("store_failures")
    if not (store_failures if configured is None else configured):
        return None
    kind = node.config.get("store_failures_as") or "table"
    if kind not in _KINDS:
        raise DagwrightError(
            f"'{kind}' is not a valid value for `store_failures_as`. "
            "Accepted values are: ['ephemeral', 'table', 'view']",
            node=node.unique_id,
        )
    return kind  # type: ignore[no-any-return]


class StoredFailures(StrategyMaterialization):
    """The test's failing rows (after its ``limit``) as a new relation of ``kind``."""

    def __init__(
        self, adapter: Adapter, job: NodeJob, kind: RelationKind, strategy: PublishingStrategy | None = None
    ) -> None:
        super().__init__(adapter, job, strategy)
        self.kind = kind

    def work(self) -> WorkSource:
        return NewRelation(self.kind, select_sql=limited(self.job.node, self.job.sql))


class StoringTest:
    """A test that stores its failing rows: publish them, then judge the test by the rows stored
    (read back, as dbt does). After a stop or an error, ``left_behind`` says whether the rows
    were already published; ``abort`` undoes an unpublished build."""

    def __init__(
        self,
        adapter: Adapter,
        strategy: PublishingStrategy,
        job: NodeJob,
        kind: RelationKind,
        warn_fails: bool = False,
    ) -> None:
        self.adapter = adapter
        self.job = job
        self.stored = StoredFailures(adapter, job, kind, strategy)
        self.warn_fails = warn_fails
        self.published = False

    def run(self, conn: GuardedConnection) -> TestOutcome:
        self.stored.run(conn)
        self.published = True
        relation = self.adapter.render(self.job.node.relation)
        return run_test(conn, self.job.node, f"select *\nfrom {relation}", limit=False, warn_fails=self.warn_fails)

    def abort(self, conn: GuardedConnection) -> None:
        if not self.published:
            self.stored.abort(conn)

    def left_behind(self) -> str | None:
        if not self.published:
            return self.stored.left_behind()
        return f"its failing rows were stored in {self.adapter.render(self.job.node.relation)}"
