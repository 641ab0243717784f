"""``table``: CREATE TABLE AS under a temporary name, swapped in atomically (on DuckDB:
``create or replace table`` inside the transaction, visible at COMMIT)."""

from __future__ import annotations

from dagwright.adapters.base import ExecResult
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import TransactionalSwap


class TableMaterialization(TransactionalSwap):
    kind = "table"
    one_statement = True

    def build_temp(self, conn: GuardedConnection) -> ExecResult:
        return conn.execute(self.adapter.create_table_as_sql(self.temp, self.job.sql))
