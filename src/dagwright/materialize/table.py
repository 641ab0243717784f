"""``table``: a new table from the model's query, published by the engine's strategy (under a
temporary name and swapped in, or replaced in place inside the transaction on DuckDB). Under
an enforced contract the query's columns are checked first and the table is created with its
columns and constraints, then filled (materialize/contract.py)."""

from __future__ import annotations

from dagwright.materialize.contract import new_relation
from dagwright.materialize.materialization import StrategyMaterialization
from dagwright.materialize.publishing.base import WorkSource


class TableMaterialization(StrategyMaterialization):
    def work(self) -> WorkSource:
        return new_relation(self.adapter, self.job.node, self.job.sql)
