"""The base of every materialization that builds a relation: it says what to build or change
(``work``), and its engine's publishing strategy builds and publishes that."""

from __future__ import annotations

from abc import ABC, abstractmethod

from dagwright.adapters.base import Adapter
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import BuildOutcome, NodeJob
from dagwright.materialize.publishing.base import Publication, PublishingStrategy, WorkSource
from dagwright.materialize.publishing.choose import strategy_for


class StrategyMaterialization(ABC):
    """``build`` / ``publish`` / ``abort`` / ``run`` of one node, through its strategy.

    ``strategy`` is the run's (chosen once from the adapter); without it, the adapter's."""

    def __init__(self, adapter: Adapter, job: NodeJob, strategy: PublishingStrategy | None = None) -> None:
        self.adapter = adapter
        self.job = job
        self.target = job.node.relation
        self.strategy = strategy if strategy is not None else strategy_for(adapter)
        self._publication: Publication | None = None

    @abstractmethod
    def work(self) -> WorkSource:
        """What to build or change (or how to decide it, once the node's transaction is open)."""

    @property
    def publication(self) -> Publication:
        if self._publication is None:
            self._publication = self.strategy.publication(self.job, self.work())
        return self._publication

    def build(self, conn: GuardedConnection) -> None:
        self.publication.build(conn)

    def publish(self, conn: GuardedConnection) -> BuildOutcome:
        return self.publication.publish(conn)

    def abort(self, conn: GuardedConnection) -> None:
        if self._publication is not None:
            self._publication.abort(conn)

    def run(self, conn: GuardedConnection) -> BuildOutcome:
        return self.publication.run(conn)

    def left_behind(self) -> str | None:
        """See ``Publication.left_behind``."""
        return None if self._publication is None else self._publication.left_behind()
