"""``view``: a new view from the model's query, published by the engine's strategy (created under
a temporary name, which checks the SQL, and swapped in; or ``create or replace view`` inside
the transaction on DuckDB)."""

from __future__ import annotations

from dagwright.materialize.materialization import StrategyMaterialization
from dagwright.materialize.publishing.base import NewRelation, WorkSource


class ViewMaterialization(StrategyMaterialization):
    def work(self) -> WorkSource:
        return NewRelation("view", select_sql=self.job.sql)
