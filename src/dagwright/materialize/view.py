"""``view``: a new view from the model's query, published by the engine's strategy (created under
a temporary name, which checks the SQL, and swapped in; or ``create or replace view`` inside
the transaction on DuckDB). Under an enforced contract the query's columns are checked first,
once the node's transaction is open and its pre-hooks have run (a view has no constraints)."""

from __future__ import annotations

from dagwright.guard import GuardedConnection
from dagwright.materialize.contract import check_contract, contract_enforced
from dagwright.materialize.materialization import StrategyMaterialization
from dagwright.materialize.publishing.base import NewRelation, Work, WorkSource


class ViewMaterialization(StrategyMaterialization):
    def work(self) -> WorkSource:
        view = NewRelation("view", select_sql=self.job.sql)
        if not contract_enforced(self.job.node):
            return view

        def checked(conn: GuardedConnection) -> Work:
            check_contract(conn, self.adapter, self.job.node, self.job.sql)
            return view

        return checked
