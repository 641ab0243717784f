"""``table``: CREATE TABLE AS under a temporary name, swapped in atomically."""

from __future__ import annotations

from dagwright.adapters.base import ExecResult
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import TransactionalSwap


class TableMaterialization(TransactionalSwap):
    kind = "table"

    def build_temp(self, conn: GuardedConnection) -> ExecResult:
        return conn.execute(self.adapter.create_table_as_sql(self.temp, self.job.sql))
