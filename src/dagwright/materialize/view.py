"""``view``: created under a temporary name (which checks the SQL), swapped in atomically (on
DuckDB: ``create or replace view`` inside the transaction, which binds the SQL too)."""

from __future__ import annotations

from dagwright.adapters.base import ExecResult
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import TransactionalSwap


class ViewMaterialization(TransactionalSwap):
    kind = "view"
    one_statement = True

    def build_temp(self, conn: GuardedConnection) -> ExecResult:
        return conn.execute(self.adapter.create_view_as_sql(self.temp, self.job.sql))
