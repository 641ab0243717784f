"""Seeds: a CSV loaded into a table built under a temporary name and swapped in.

Values travel only as statement parameters, never inside SQL text.
"""

from __future__ import annotations

from pathlib import Path

from dagwright.adapters.base import Adapter, ExecResult
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import NodeJob, TransactionalSwap
from dagwright.materialize.seed_types import SeedTable, read_seed

#: rows per INSERT statement; a bound on parameters per statement
_BATCH_PARAMETERS = 20_000


class SeedMaterialization(TransactionalSwap):
    kind = "table"

    def __init__(self, adapter: Adapter, job: NodeJob, csv_path: Path) -> None:
        super().__init__(adapter, job)
        config = job.node.config
        self.table: SeedTable = read_seed(
            csv_path,
            delimiter=str(config.get("delimiter") or ","),
            column_types=dict(config.get("column_types") or {}),
        )
        self.quote_columns = config.get("quote_columns")

    def _column(self, name: str) -> str:
        # dbt-duckdb quotes seed column names unless quote_columns is false
        return name if self.quote_columns is False else self.adapter.quote(name)

    def build_temp(self, conn: GuardedConnection) -> ExecResult:
        columns = self.table.columns
        ddl = ", ".join(f"{self._column(c.name)} {c.sql_type}" for c in columns)
        conn.execute(f"create table {self.adapter.render(self.temp)} ({ddl})")
        rows = self.table.rows
        if rows and columns:
            placeholders = "(" + ", ".join(f"cast(? as {c.sql_type})" for c in columns) + ")"
            per_batch = max(1, _BATCH_PARAMETERS // len(columns))
            target = self.adapter.render(self.temp)
            for start in range(0, len(rows), per_batch):
                batch = rows[start : start + per_batch]
                sql = f"insert into {target} values " + ", ".join([placeholders] * len(batch))
                conn.execute(sql, [value for row in batch for value in row])
        return ExecResult(message=f"INSERT {len(rows)}", code="INSERT", rows_affected=len(rows))

    def success_message(self, result: ExecResult) -> str:
        return f"INSERT {len(self.table.rows)}"
