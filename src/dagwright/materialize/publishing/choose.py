"""The publishing strategy of an engine: the one its adapter declares in ``publishing``."""

from __future__ import annotations

from dagwright.adapters.base import Adapter
from dagwright.errors import DagwrightError
from dagwright.materialize.publishing.base import PublishingStrategy
from dagwright.materialize.publishing.rename_swap import RenameSwap
from dagwright.materialize.publishing.single_job_replace import SingleJobReplace
from dagwright.materialize.publishing.transactional_replace import TransactionalReplace
from dagwright.materialize.publishing.transactional_swap import TransactionalSwap

STRATEGIES: dict[str, type[PublishingStrategy]] = {
    strategy.name: strategy for strategy in (TransactionalSwap, TransactionalReplace, RenameSwap, SingleJobReplace)
}


def strategy_for(adapter: Adapter) -> PublishingStrategy:
    name = adapter.publishing
    strategy = STRATEGIES.get(name)
    if strategy is None:
        raise DagwrightError(
            f"the {adapter.type} adapter publishes by '{name}', which dagwright has no strategy for",
            hint=f"strategies: {', '.join(STRATEGIES)}",
        )
    return strategy(adapter)
