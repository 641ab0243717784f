"""``table``: a new table from the model's query, published by the engine's strategy (under a
temporary name and swapped in, or replaced in place inside the transaction on DuckDB)."""

from __future__ import annotations

from dagwright.materialize.materialization import StrategyMaterialization
from dagwright.materialize.publishing.base import NewRelation, WorkSource


class TableMaterialization(StrategyMaterialization):
    def work(self) -> WorkSource:
        return NewRelation("table", select_sql=self.job.sql)
