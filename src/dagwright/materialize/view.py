"""``view``: a new view from the model's query, published by the engine's strategy (created under
a temporary name, which checks the SQL, and swapped in; or ``create or replace view`` inside
the transaction on DuckDB). Under an enforced contract the query's columns are checked first,
once the node's transaction is open and its pre-hooks have run (a view has no constraints).
Where the engine's dbt adapter writes a view's column comments into its DDL (Spark, under
``persist_docs: {columns: true}``), the query's columns are read then too, for that list."""

from __future__ import annotations

from collections.abc import Mapping

from dagwright.guard import GuardedConnection
from dagwright.materialize.contract import check_contract, contract_enforced, query_columns
from dagwright.materialize.materialization import StrategyMaterialization
from dagwright.materialize.publishing.base import NewRelation, Work, WorkSource


class ViewMaterialization(StrategyMaterialization):
    def work(self) -> WorkSource:
        node, sql = self.job.node, self.job.sql
        contracted = contract_enforced(node)
        documented = self.column_comments_in_ddl()
        if not contracted and not documented:
            return NewRelation("view", select_sql=sql)

        def decided(conn: GuardedConnection) -> Work:
            if contracted:
                check_contract(conn, self.adapter, node, sql)
            columns = ""
            if documented:
                docs = {name: column.description for name, column in node.columns.items()}
                names = [name for name, _type in query_columns(conn, self.adapter, sql)]
                columns = self.adapter.view_columns_sql([(n, docs.get(n, "")) for n in names])  # type: ignore[attr-defined]
            return NewRelation("view", select_sql=sql, view_columns=columns)

        return decided

    def column_comments_in_ddl(self) -> bool:
        persist = self.job.node.config.get("persist_docs")
        return (
            hasattr(self.adapter, "view_columns_sql")
            and isinstance(persist, Mapping)
            and bool(persist.get("columns"))
            and bool(self.job.node.columns)
        )
