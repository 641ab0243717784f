"""Incremental models and snapshots on BigQuery, with dbt-bigquery's SQL and rules.

- **Strategies**: ``merge`` (the default), ``insert_overwrite`` and ``microbatch`` (each batch an
  ``insert_overwrite`` of its partitions, which must have the batch's size); dbt-bigquery rejects any
  other name (``append``, ``delete+insert``, a project's own strategy macro), and so does
  dagwright, before anything runs (parse/unsupported_bigquery.py) and again here.
- ``merge``: one MERGE of the staged rows into the target, on the unique key(s) and
  ``incremental_predicates`` (no unique key: ``on FALSE``, every row inserted);
  ``merge_update_columns`` / ``merge_exclude_columns`` pick the updated columns.
- ``insert_overwrite``: the partitions of ``partition_by`` the new rows replace. With static
  ``partitions`` (SQL literals) one MERGE ``on FALSE`` deletes the rows of those partitions
  (``when not matched by source and <partition> in (...)``) and inserts the new rows. Without,
  the partitions are those of the staged rows: dbt-bigquery computes them with
  ``set (x) = (select as struct array_agg(...))``, which the emulator rejects; dagwright
  writes ``set x = (select array_agg(...))`` (a scalar array subquery, the same value, which
  both accept) in a script ``declare; set; merge``. The MERGE is the script's only write, so
  the target changes in that one statement.
- The staged rows are ``<name>__dbt_tmp`` (12-hour expiration); where the model's SQL names
  ``_dbt_max_partition`` the staging job declares it first, as dbt-bigquery does.
- **Snapshots**: dbt-bigquery's hash (``to_hex(md5(concat(...)))``), ``current_timestamp()``
  as the snapshot time, and dbt's default snapshot MERGE: one statement closes the changed
  versions and inserts the new ones.

No statement here is DDL inside a transaction: the target's rows change in one MERGE (or one
script whose only write is a MERGE); ``on_schema_change``'s ALTER TABLE runs before it, as its
own job (BigQuery allows no DDL in a transaction), so a column change is not atomic with the rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from dagwright.adapters.base import TMP_SUFFIX, Relation
from dagwright.adapters.bigquery_ddl import Partitioning, parse_partition_by
from dagwright.adapters.sql import SQLDialect
from dagwright.errors import CompilationError

#: the strategies dbt-bigquery accepts
BIGQUERY_STRATEGIES = ("merge", "insert_overwrite", "microbatch")
#: the variable dbt-bigquery declares for models whose SQL names it
MAX_PARTITION = "_dbt_max_partition"


def invalid_strategy_message(strategy: str) -> str:
    return (
        f"Invalid incremental strategy provided: {strategy}\n"
        "    Expected one of: 'merge', 'insert_overwrite', 'microbatch'"
    )


def check_microbatch_partitioning(config: Mapping[str, Any]) -> None:
    """dbt-bigquery's microbatch overwrites a batch's partitions: the model must be partitioned,
    by partitions of its ``batch_size`` (``partition_by`` naming that ``granularity``)."""
    partition_by = config.get("partition_by")
    if partition_by is None:
        raise CompilationError("incremental_strategy 'microbatch' on BigQuery needs a `partition_by` config")
    granularity = partition_by.get("granularity") if isinstance(partition_by, Mapping) else None
    if granularity != config.get("batch_size"):
        raise CompilationError(
            "incremental_strategy 'microbatch' on BigQuery needs a `partition_by` whose `granularity` is the "
            f"model's `batch_size`; got `batch_size`: {config.get('batch_size')}, `partition_by.granularity`: "
            f"{granularity}"
        )


def bigquery_strategy(config: Mapping[str, Any]) -> str:
    return str(config.get("incremental_strategy") or "merge")


def _predicate_list(predicates: Any) -> list[str]:
    if not predicates:
        return []
    return [predicates] if isinstance(predicates, str) else [str(p) for p in predicates]


def _keys(unique_key: Any) -> list[str]:
    return [str(k) for k in unique_key] if isinstance(unique_key, (list, tuple)) else [str(unique_key)]


class BigQueryIncrementalSQL(SQLDialect):
    """The adapter capabilities of incremental models and snapshots (adapters/base.py);
    ``BigQuerySQL`` (bigquery_sql.py) builds on it."""

    strategy_checked_on_every_build: ClassVar[bool] = True
    #: a microbatch batch replaces the partitions of its rows (``insert_overwrite``)
    microbatch_overwrites_partitions: ClassVar[bool] = True
    #: ``insert_overwrite`` without ``partition_by`` is an error on an incremental run
    #: (dbt-bigquery), not a rebuild of the whole table (dbt-spark)
    insert_overwrite_replaces_all: ClassVar[bool] = False
    snapshot_get_time: ClassVar[str] = "current_timestamp()"

    # -- the strategy ------------------------------------------------------------------------------
    def incremental_strategy(self, config: Mapping[str, Any], project_name: str, project_macros: Any) -> str:
        strategy = bigquery_strategy(config)
        if strategy == "microbatch":
            check_microbatch_partitioning(config)
        if strategy not in BIGQUERY_STRATEGIES:
            raise CompilationError(invalid_strategy_message(strategy))
        return strategy

    # -- staging -----------------------------------------------------------------------------------
    def declare_max_partition(self, target: Relation, config: Mapping[str, Any], sql: str) -> str:
        """dbt-bigquery's ``declare _dbt_max_partition`` for SQL that names it ("" otherwise)."""
        partitioning = parse_partition_by(config.get("partition_by"))
        if partitioning is None or MAX_PARTITION not in sql:
            return ""
        return (
            f"declare {MAX_PARTITION} {partitioning.data_type_for_partition()} default (\n"
            f"  select max({partitioning.field}) from {self.render(target)}\n"
            f"  where {partitioning.field} is not null\n);\n"
        )

    def incremental_stage_sql(self, staged: Relation, target: Relation, sql: str, config: Mapping[str, Any]) -> str:
        """The job staging an incremental run's new rows: partitioned and clustered as the
        target (dbt-bigquery), expiring in 12 hours."""
        assert staged.identifier.endswith(TMP_SUFFIX)
        return self.declare_max_partition(target, config, sql) + self.create_table_as_sql(staged, sql, config)

    # -- the statements ----------------------------------------------------------------------------
    def incremental_statements(
        self,
        strategy: str,
        target: str,
        source: str,
        unique_key: Any,
        dest_columns: Sequence[Any],
        predicates: Any,
        config: Mapping[str, Any],
    ) -> list[str]:
        """One statement (a MERGE, or a script whose only write is one): the collector of
        ``single-job replace`` submits it as one job, with no transaction around it."""
        staged = f"(\n  select * from {source}\n)"
        if strategy == "insert_overwrite":
            return [self.insert_overwrite_sql(target, source, staged, dest_columns, config)]
        return [self.merge_sql(target, staged, unique_key, dest_columns, predicates, config)]

    def _require_partition_filter_predicate(self, config: Mapping[str, Any]) -> str | None:
        """dbt-bigquery's always-true filter on the partition column, for tables whose
        queries must filter on it (``require_partition_filter``)."""
        partitioning = parse_partition_by(config.get("partition_by"))
        if partitioning is None or not config.get("require_partition_filter"):
            return None
        column = f"`DBT_INTERNAL_DEST`.`{partitioning.field}`"
        return f"({column} is null or {column} is not null)"

    def merge_sql(
        self,
        target: str,
        source: str,
        unique_key: Any,
        dest_columns: Sequence[Any],
        predicates: Any,
        config: Mapping[str, Any],
    ) -> str:
        """dbt's default MERGE as dbt-bigquery runs it."""
        conditions = _predicate_list(predicates)
        avoid = self._require_partition_filter_predicate(config)
        if avoid is not None:
            conditions.append(avoid)
        if unique_key:
            conditions += [f"DBT_INTERNAL_SOURCE.{k} = DBT_INTERNAL_DEST.{k}" for k in _keys(unique_key)]
        else:
            conditions.append("FALSE")
        columns = ", ".join(self.quote(c.name) for c in dest_columns)
        parts = []
        header = config.get("sql_header")
        if header is not None:
            parts.append(str(header))
        parts.append(
            f"merge into {target} as DBT_INTERNAL_DEST\n    using {source} as DBT_INTERNAL_SOURCE\n"
            f"    on ({') and ('.join(conditions)})"
        )
        if unique_key:
            updated = self._update_columns(config, dest_columns)
            assignments = ",\n        ".join(f"{c} = DBT_INTERNAL_SOURCE.{c}" for c in updated)
            parts.append(f"when matched then update set\n        {assignments}")
        parts.append(f"when not matched then insert\n    ({columns})\nvalues\n    ({columns})")
        return "\n".join(parts)

    def _update_columns(self, config: Mapping[str, Any], dest_columns: Sequence[Any]) -> list[str]:
        include, exclude = config.get("merge_update_columns"), config.get("merge_exclude_columns")
        if include and exclude:
            raise CompilationError(
                "Model cannot specify merge_update_columns and merge_exclude_columns. "
                "Please update model to use only one config"
            )
        if include:
            return [str(c) for c in ([include] if isinstance(include, str) else include)]
        excluded = {str(c).lower() for c in ([exclude] if isinstance(exclude, str) else exclude or ())}
        return [self.quote(c.name) for c in dest_columns if c.name.lower() not in excluded]

    def _overwrite_merge(self, target: str, source: str, dest_columns: Sequence[Any], predicate: str) -> str:
        """dbt's ``get_insert_overwrite_merge_sql``: delete the target's rows the predicate
        selects, insert every staged row."""
        columns = ", ".join(self.quote(c.name) for c in dest_columns)
        return (
            f"merge into {target} as DBT_INTERNAL_DEST\n    using {source} as DBT_INTERNAL_SOURCE\n    on FALSE\n"
            f"when not matched by source\n    and {predicate}\n    then delete\n"
            f"when not matched then insert\n    ({columns})\nvalues\n    ({columns})"
        )

    def insert_overwrite_sql(
        self, target: str, staged_table: str, source: str, dest_columns: Sequence[Any], config: Mapping[str, Any]
    ) -> str:
        partitioning: Partitioning | None = parse_partition_by(config.get("partition_by"))
        if partitioning is None:
            raise CompilationError("The 'insert_overwrite' strategy requires the `partition_by` config.")
        partitions = config.get("partitions")
        if partitions:
            listed = [partitions] if isinstance(partitions, str) else [str(p) for p in partitions]
            predicate = f"{partitioning.render_wrapped('DBT_INTERNAL_DEST')} in (\n        {', '.join(listed)}\n    )"
            return self._overwrite_merge(target, source, dest_columns, predicate)
        variable = "dbt_partitions_for_replacement"
        predicate = f"{partitioning.render_wrapped('DBT_INTERNAL_DEST')} in unnest({variable})"
        return (
            f"declare {variable} array<{partitioning.data_type_for_partition()}>;\n"
            f"set {variable} = (\n"
            f"  select array_agg(distinct {partitioning.render_wrapped()} ignore nulls)\n"
            f"  from {staged_table}\n);\n" + self._overwrite_merge(target, source, dest_columns, predicate)
        )

    # -- snapshots ---------------------------------------------------------------------------------
    def snapshot_hash_arguments(self, args: Sequence[str]) -> str:
        """dbt-bigquery's ``snapshot_hash_arguments``: hex md5 of the arguments as strings, '|'-joined."""
        joined = ", '|', ".join(f"coalesce(cast({arg} as string), '')" for arg in args)
        return f"to_hex(md5(concat({joined})))"

    def snapshot_merge_sql(
        self, target: str, staging: str, insert_cols: Sequence[str], columns: Mapping[str, str], current: Any
    ) -> list[str]:
        """dbt's default snapshot MERGE: one statement closes the versions the staged rows
        update or delete and inserts the new versions."""
        valid_to, scd_id = columns["dbt_valid_to"], columns["dbt_scd_id"]
        if current:
            still_current = f"(DBT_INTERNAL_DEST.{valid_to} = {current} or DBT_INTERNAL_DEST.{valid_to} is null)"
        else:
            still_current = f"DBT_INTERNAL_DEST.{valid_to} is null"
        listed = ", ".join(insert_cols)
        return [
            f"merge into {target} as DBT_INTERNAL_DEST\n"
            f"using {staging} as DBT_INTERNAL_SOURCE\n"
            f"on DBT_INTERNAL_SOURCE.{scd_id} = DBT_INTERNAL_DEST.{scd_id}\n"
            f"when matched\n  and {still_current}\n"
            "  and DBT_INTERNAL_SOURCE.dbt_change_type in ('update', 'delete')\n"
            f"  then update set {valid_to} = DBT_INTERNAL_SOURCE.{valid_to}\n"
            "when not matched\n  and DBT_INTERNAL_SOURCE.dbt_change_type = 'insert'\n"
            f"  then insert ({listed})\n  values ({listed})"
        ]
