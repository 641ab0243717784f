"""``incremental``: a full build the first time (or with --full-refresh), then new rows
merged into the existing table inside one transaction.

Strategies: ``append`` (the default without ``unique_key``) and ``delete+insert`` (the
default with one). The rows are staged in a temporary table first, so a failed or stopped
run leaves the existing table exactly as it was.
"""

from __future__ import annotations

from dagwright.adapters.base import Adapter, ExecResult
from dagwright.errors import CompilationError
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import BuildOutcome, NodeJob, TransactionalSwap

STRATEGIES = ("append", "delete+insert")


def unique_key_columns(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    raise CompilationError(f"unique_key must be a column name or a list of them, got {value!r}")


class IncrementalMaterialization(TransactionalSwap):
    """Falls back to a table swap when the table is absent or a full refresh is asked for."""

    kind = "table"

    def __init__(self, adapter: Adapter, job: NodeJob, existing: str | None) -> None:
        super().__init__(adapter, job)
        self.full = job.full_refresh or existing != "table"
        config = job.node.config
        self.keys = unique_key_columns(config.get("unique_key"))
        self.strategy = str(config.get("incremental_strategy") or ("delete+insert" if self.keys else "append"))
        if self.strategy not in STRATEGIES:
            raise CompilationError(
                f"incremental_strategy '{self.strategy}' is not supported; use one of: {', '.join(STRATEGIES)}"
            )

    def build_temp(self, conn: GuardedConnection) -> ExecResult:
        # Both paths stage the model's rows under the temporary name first.
        return conn.execute(self.adapter.create_table_as_sql(self.temp, self.job.sql))

    def publish(self, conn: GuardedConnection) -> BuildOutcome:
        if self.full:
            return super().publish(conn)
        q = self.adapter.quote
        target = self.adapter.render(self.target)
        temp = self.adapter.render(self.temp)
        columns = [c.name for c in conn.raw.columns(self.temp)]
        if self.keys:
            key_list = ", ".join(q(k) for k in self.keys)
            conn.execute(f"delete from {target} where ({key_list}) in (select {key_list} from {temp})")
        col_list = ", ".join(q(c) for c in columns)
        result = conn.execute(f"insert into {target} ({col_list}) select {col_list} from {temp}")
        conn.execute(self.adapter.drop_sql(self.temp, "table"))
        for hook in self.job.post_hooks:
            conn.execute(hook)
        conn.execute(self.adapter.commit_sql())
        self._in_transaction = False
        self.published("table")
        return BuildOutcome(result, "OK")
