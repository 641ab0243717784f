"""``incremental``, statement for statement as dbt-core 1.11 and the engine's dbt adapter build it.

- **No table yet**, a view in the model's place, or a **full refresh** (``--full-refresh`` or
  ``config(full_refresh=true)``; ``full_refresh=false`` wins over the flag): a new table
  from the model's query, like ``table`` (created under its own name where nothing was
  there). So is ``insert_overwrite`` without ``partition_by`` (dbt-spark: the whole table
  is replaced).
- **Incremental run**: a change of the existing table. The model's rows are staged in a
  temporary relation private to the worker's connection; the target's ``varchar(n)``
  columns are widened where the engine needs it (PostgreSQL); ``on_schema_change`` is
  applied (``ignore``, ``fail``, ``append_new_columns``, ``sync_all_columns``; anything
  else is ``ignore``); then the strategy's statements run (``append``, ``delete+insert``,
  ``merge``, ``insert_overwrite`` where the engine has it; incremental_sql.py) and the
  staging relation is dropped.

Where that happens and how it is published is the engine's strategy: on DuckDB and
PostgreSQL all of it inside one transaction committed only if the run has not stopped (a
failure or a stop rolls back: the table keeps its rows and columns); on Spark the write is
the one statement after the publish gate; on BigQuery the one job after it (the schema change
runs before, as jobs of its own, and the outcome says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagwright.adapters.base import TMP_SUFFIX, Adapter, ExecResult, RelationKind, suffixed
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import BuildOutcome, NodeJob
from dagwright.materialize.contract import check_contract, contract_enforced, new_relation
from dagwright.materialize.incremental_columns import (
    DbtColumn,
    apply_schema_changes,
    on_schema_change,
    relation_columns,
)
from dagwright.materialize.incremental_sql import incremental_statements, resolve_strategy
from dagwright.materialize.materialization import StrategyMaterialization
from dagwright.materialize.microbatch import microbatch_statements
from dagwright.materialize.publishing.base import PublishingStrategy, TableChange, Work, WorkSource
from dagwright.rendering.event_time import BatchWindow


def should_full_refresh(config: Mapping[str, Any], flag: bool) -> bool:
    """dbt's ``should_full_refresh()``: the ``full_refresh`` config when it is set (so
    ``full_refresh=false`` protects a model from ``--full-refresh``), else the flag."""
    value = config.get("full_refresh")
    return bool(flag if value is None else value)


def _rebuilt(result: ExecResult) -> BuildOutcome:
    # dbt-duckdb reports {"_message": "OK"} for every incremental build
    return BuildOutcome(ExecResult(), "OK")


class IncrementalMaterialization(StrategyMaterialization):
    def __init__(
        self,
        adapter: Adapter,
        job: NodeJob,
        existing: RelationKind | str | None,
        *,
        project_name: str = "",
        project_macros: Mapping[str, str] | None = None,
        strategy: PublishingStrategy | None = None,
        batch: BatchWindow | None = None,
    ) -> None:
        super().__init__(adapter, job, strategy)
        #: the batch this build is, for a microbatch model (execute/microbatch.py)
        self.batch = batch
        config = job.node.config
        self.config = config
        self.existing = existing
        self.project_name = project_name
        self.project_macros = project_macros or {}
        #: the strategy, where it is looked up on every build (dbt-core's default incremental
        #: materialization, which dbt-postgres uses, and dbt-spark's); dbt-duckdb's only when
        #: it changes the table
        self.incremental_strategy: str | None = None
        if getattr(adapter, "strategy_checked_on_every_build", False):
            self.incremental_strategy = self.resolve_strategy()
        replaces_all = (
            self.incremental_strategy == "insert_overwrite"
            and not config.get("partition_by")
            and getattr(adapter, "insert_overwrite_replaces_all", True)  # dbt-spark's; not dbt-bigquery's
        )
        self.rebuild = job.full_refresh or existing != "table" or replaces_all

    def resolve_strategy(self) -> str:
        own = getattr(self.adapter, "incremental_strategy", None)  # optional: the engine's rules (Spark)
        if own is not None:
            return str(own(self.config, self.project_name, self.project_macros))
        return resolve_strategy(self.config.get("incremental_strategy"), self.project_name, self.project_macros)

    def work(self) -> WorkSource:
        return self.decide

    def decide(self, conn: GuardedConnection) -> Work:
        if self.rebuild:
            return new_relation(
                self.adapter, self.job.node, self.job.sql, target_absent=self.existing is None, report=_rebuilt
            )
        return IncrementalRun(self)


class IncrementalRun(TableChange):
    """An incremental run: the existing table changed with the model's new rows."""

    def __init__(self, model: IncrementalMaterialization) -> None:
        self.model = model
        self.adapter = adapter = model.adapter
        target = model.target
        self.target = target
        self.staged = adapter.temp_relation(suffixed(target, TMP_SUFFIX, adapter.max_identifier_length))
        self.dest_columns: list[DbtColumn] = []
        self.schema_changes: list[str] = []
        self.contracted = contract_enforced(model.job.node)

    def stage(self, conn: GuardedConnection) -> None:
        if self.contracted:  # dbt checks the contract when it stages the new rows too
            check_contract(conn, self.adapter, self.model.job.node, self.model.job.sql)
        own = getattr(self.adapter, "incremental_stage_sql", None)  # optional: BigQuery's staging job
        if own is not None:
            conn.execute(own(self.staged, self.target, self.model.job.sql, self.model.config))
        else:
            conn.execute(self.adapter.create_temp_table_as_sql(self.staged, self.model.job.sql))

    def alter(self, conn: GuardedConnection) -> None:
        adapter = self.adapter
        expand = getattr(adapter, "expand_target_column_types", None)  # PostgreSQL: widen varchar(n)
        if expand is not None and not self.contracted:  # dbt-core keeps a contract's types
            expand(conn, self.staged, self.target)
        mode = on_schema_change(self.model.config.get("on_schema_change"))
        if mode != "ignore":
            self.dest_columns = apply_schema_changes(
                conn, adapter, self.target, self.staged, mode, self.model.config, self.schema_changes
            )
        if mode == "ignore" or getattr(adapter, "inserts_by_position", False):
            # Spark inserts by position: the target's columns, as they are after the change
            self.dest_columns = relation_columns(conn, adapter, self.target)

    def apply(self, conn: GuardedConnection) -> None:
        model = self.model
        config = model.config
        strategy = model.incremental_strategy or model.resolve_strategy()
        predicates = config.get("predicates") or config.get("incremental_predicates")
        if strategy == "microbatch":
            target, staged = self.adapter.render(self.target), self.adapter.render(self.staged)
            batch = microbatch_statements(
                self.adapter, config, target, staged, self.dest_columns, predicates, model.batch
            )
            for sql in batch:
                conn.execute(sql)
            return
        statements = incremental_statements(
            self.adapter,
            strategy,
            self.adapter.render(self.target),
            self.adapter.render(self.staged),
            config.get("unique_key"),
            self.dest_columns,
            predicates,
            config,
        )
        for sql in statements:
            conn.execute(sql)

    def cleanup(self) -> list[str]:
        return [self.adapter.drop_temp_sql(self.staged)]
