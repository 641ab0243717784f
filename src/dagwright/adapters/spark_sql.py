"""Spark's SQL, as dbt-spark writes it: names, DDL with table options, and the statements of
incremental models and seeds.

- Relations render as ``schema.identifier``: no database, no quotes (dbt-spark's quote
  policy is off); backticks where the project's ``quoting:`` asks for them.
- Tables: ``create table ... using <format> partitioned by (...) clustered by (...) into N
  buckets location '...'`` from the model's config (``table_options``). A build under the
  temporary name gets a folder of its own under ``location_root``.
- No transactions: ``begin``/``commit``/``rollback`` are empty statements, not sent.
- Incremental models: dbt-spark's strategies (``append``, ``insert_overwrite`` with dynamic
  partition overwrite, ``merge`` on delta/iceberg/hudi, ``microbatch``: each batch an
  ``insert_overwrite`` of the partitions its rows fall in), checked on every build; the new rows
  are staged in a temporary view, and an insert lists the target's columns (Spark inserts
  by position). ``on_schema_change``: columns are added with one ``add columns``; dropping or
  re-typing them needs delta.
- Snapshots need a format with ``merge``; dagwright does not run them on Spark yet.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from dagwright.adapters.base import NODE_DESCRIPTION, TMP_SUFFIX, VIEW_COLUMNS, Relation, RelationKind
from dagwright.adapters.catalog_effects_sql import SparkGrantSQL
from dagwright.adapters.sql import SQLDialect
from dagwright.errors import CompilationError

#: table formats with MERGE INTO, snapshots and CREATE OR REPLACE TABLE
ACID_FORMATS = ("delta", "iceberg", "hudi")
#: dbt-spark's incremental strategies
INCREMENTAL_STRATEGIES = ("append", "insert_overwrite", "merge", "microbatch")

#: the types dbt-spark declares for inferred seed columns (its convert_*_type)
SEED_TYPES = {
    "INTEGER": "bigint",
    "DOUBLE": "double",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "BOOLEAN": "boolean",
    "VARCHAR": "string",
}


def describe_columns(rows: Sequence[Sequence[Any]]) -> list[tuple[str, str]]:
    """(name, type) from DESCRIBE TABLE rows: the columns end at the first blank or ``#`` row
    (partition information and table details follow)."""
    out = []
    for row in rows:
        name = str(row[0] or "")
        if not name.strip() or name.startswith("#"):
            break
        out.append((name, str(row[1] or "")))
    return out


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def string_literal(text: str) -> str:
    """A Spark SQL string literal: backslashes and quotes escaped."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def comment_clause(config: Mapping[str, Any]) -> str:
    """dbt-spark's ``comment '...'`` of a table or view under ``persist_docs: {relation: true}``
    (the node's description, even empty; handed over by the publication under
    ``NODE_DESCRIPTION``)."""
    persist = config.get("persist_docs")
    if not isinstance(persist, Mapping) or not persist.get("relation") or NODE_DESCRIPTION not in config:
        return ""
    return "comment " + string_literal(str(config[NODE_DESCRIPTION] or ""))


class SparkSQL(SparkGrantSQL, SQLDialect):
    quote_char: ClassVar[str] = "`"
    default_quote_policy: ClassVar[tuple[bool, bool, bool]] = (False, False, False)
    quote_policy: tuple[bool, bool, bool] = (False, False, False)
    #: the profile's defaults for a model's table (set by the adapter)
    file_format: str = "parquet"
    location_root: Any = None
    #: a view's DDL reads the node's config (its ``persist_docs`` comment)
    views_take_config: ClassVar[bool] = True
    #: seeds: dbt-spark's declared type for each inferred column type
    seed_types: ClassVar[Mapping[str, str]] = SEED_TYPES
    #: incremental models: dbt-spark validates the strategy on every build, its inserts are by
    #: position (they list the target's columns, read after the schema change), and column
    #: names compare in lower case
    strategy_checked_on_every_build: ClassVar[bool] = True
    inserts_by_position: ClassVar[bool] = True
    #: a microbatch batch replaces the partitions of its rows (dbt-spark's ``insert_overwrite``)
    microbatch_overwrites_partitions: ClassVar[bool] = True
    column_names_case_sensitive: ClassVar[bool] = False
    #: contracts: the YAML's data_type is compared as written (dbt-spark's Column translates
    #: no type label), and a contracted table is created from its query, its columns in the
    #: YAML's order, with no column list; the constraints follow (``persists_constraints``)
    contract_type_labels: ClassVar[Mapping[str, str]] = {}
    contract_table_from_query: ClassVar[bool] = True
    #: the profile's ``file_format`` when it names one (set by the adapter)
    profile_file_format: str | None = None

    def render(self, relation: Relation) -> str:
        # schema.identifier, never a database, and unquoted unless the project's quoting:
        # asks for it (dbt-spark's quote policy is off), so `{{ this }}` and ref() read the
        # same in compiled SQL and in manifest.json
        _, schema, identifier = self.quote_policy if relation.quote_policy is None else self.policy(relation)
        parts = ((relation.schema, schema), (relation.identifier, identifier))
        return ".".join(self.quote(p) if q else p for p, q in parts if p)

    def create_schema_sql(self, relation: Relation) -> str:
        return f"create schema if not exists {self.quote(relation.schema)}"

    def drop_sql(self, relation: Relation, kind: RelationKind) -> str:
        return f"drop {kind} if exists {self.render(relation)}"

    def rename_sql(self, relation: Relation, kind: RelationKind, new_identifier: str) -> str:
        return f"alter {kind} {self.render(relation)} rename to {self.render(relation.with_identifier(new_identifier))}"

    def table_options(self, config: Mapping[str, Any] | None = None, identifier: str | None = None) -> str:
        """``using <format> partitioned by (...) clustered by (...) into N buckets location '...'``
        for a model's config (dbt-spark's file_format, partition_by, clustered_by, buckets,
        location_root), the profile's file_format and location_root as defaults."""
        config = config or {}
        parts = [f"using {config.get('file_format') or self.file_format}"]
        partition_by = config.get("partition_by")
        if partition_by:
            cols = [partition_by] if isinstance(partition_by, str) else list(partition_by)
            parts.append(f"partitioned by ({', '.join(str(c) for c in cols)})")
        clustered_by = config.get("clustered_by")
        buckets = config.get("buckets")
        if clustered_by and buckets is not None:
            cols = [clustered_by] if isinstance(clustered_by, str) else list(clustered_by)
            parts.append(f"clustered by ({', '.join(str(c) for c in cols)}) into {int(buckets)} buckets")
        root = config.get("location_root") or self.location_root
        if root and identifier:
            location = f"{str(root).rstrip('/')}/{identifier}"
            if identifier.endswith(TMP_SUFFIX):
                # a build to be renamed into place: a folder of its own under the model's,
                # so it never meets the files of the table it replaces
                location = f"{str(root).rstrip('/')}/{identifier[: -len(TMP_SUFFIX)]}/build-{uuid.uuid4().hex[:12]}"
            parts.append("location '" + location.replace("\\", "\\\\").replace("'", "\\'") + "'")
        comment = comment_clause(config)
        if comment:
            parts.append(comment)
        return "\n".join(parts)

    def create_table_as_sql(self, relation: Relation, select_sql: str, config: Mapping[str, Any] | None = None) -> str:
        options = self.table_options(config, relation.identifier)
        return f"create table {self.render(relation)}\n{options}\nas\n{select_sql}"

    def create_table_sql(self, relation: Relation, column_ddl: str, config: Mapping[str, Any] | None = None) -> str:
        options = self.table_options(config, relation.identifier)
        return f"create table {self.render(relation)} ({column_ddl})\n{options}"

    def recover_partitions_sql(self, relation: Relation) -> str:
        # sync: partitions whose folder is gone (moved by a rename) are dropped, then found again
        return f"msck repair table {self.render(relation)} sync partitions"

    def create_view_as_sql(self, relation: Relation, select_sql: str, config: Mapping[str, Any] | None = None) -> str:
        config = config or {}
        head = f"create or replace view {self.render(relation)}"
        columns = config.get(VIEW_COLUMNS)
        if columns:
            head += f" ({columns})"
        comment = comment_clause(config)
        if comment:
            head += f" {comment}"
        return f"{head} as\n{select_sql}"

    def view_columns_sql(self, columns: Sequence[tuple[str, str]]) -> str:
        """A view's column list under ``persist_docs: {columns: true}``, as dbt-spark writes it:
        every column of its query, quoted, with ``comment '...'`` where it is documented."""
        return ", ".join(
            self.quote(name) + (f" comment {string_literal(text)}" if text else "") for name, text in columns
        )

    def temp_relation(self, relation: Relation) -> Relation:
        # a temporary view: session-scoped, named without a schema (as dbt-spark stages rows)
        return Relation(None, "", relation.identifier)

    def create_temp_table_as_sql(self, relation: Relation, select_sql: str) -> str:
        return f"create or replace temporary view {self.quote(relation.identifier)} as\n{select_sql}"

    def drop_temp_sql(self, relation: Relation) -> str:
        return f"drop view if exists {self.render(relation)}"

    # -- persist_docs: a table's column comments --------------------------------------------------
    #: column comments go on tables after they are built; a view's are in its DDL
    #: (``view_columns_sql``)
    column_comment_kinds: ClassVar[tuple[str, ...]] = ("table",)

    def column_comment_sql(self, relation: Relation, column: str, text: str) -> str:
        """A column's comment (Spark 4 sets it on any table, parquet included; dbt-spark sends
        it only on delta, hudi and iceberg). ``column`` as it goes into SQL."""
        return f"alter table {self.render(relation)} alter column {column} comment {string_literal(text)}"

    # -- contracts: dbt-spark's ------------------------------------------------------------------
    def contract_columns(self, conn: Any, sql: str) -> list[tuple[str, str]]:
        """A query's columns as Spark types them (``int``, ``decimal(10,2)``, ``array<int>``,
        ``struct<a:int>``: the names dbt-spark compares), from the analysed query: no job."""
        return describe_columns(conn.execute(f"describe query {sql}").rows)

    def persists_constraints(self, config: Mapping[str, Any]) -> bool:
        """dbt-spark adds an enforced contract's constraints to a table whose model's
        ``file_format`` is delta, and takes a model that names none as delta (dagwright: the
        profile's ``file_format`` first, where it names one)."""
        return str(config.get("file_format") or self.profile_file_format or "delta") == "delta"

    def add_check_constraint_sql(self, relation: Relation, name: str, expression: str) -> str:
        return f"alter table {self.render(relation)} add constraint {name} check ({expression})"

    def set_not_null_sql(self, relation: Relation, column: str, expression: str) -> str:
        return f"alter table {self.render(relation)} change column {column} set not null {expression}".rstrip()

    def columns_sql(self, relation: Relation) -> str:
        return f"describe table {self.render(relation)}"

    def columns_from_rows(self, rows: Sequence[Sequence[Any]]) -> list[tuple[str, str]]:
        return describe_columns(rows)

    def truncate_sql(self, relation: Relation) -> str:
        return f"truncate table {self.render(relation)}"

    def begin_sql(self) -> str:
        return ""

    def commit_sql(self) -> str:
        return ""

    def rollback_sql(self) -> str:
        return ""

    # -- incremental models: dbt-spark's ----------------------------------------------------------
    def model_file_format(self, config: Mapping[str, Any]) -> str:
        return str(config.get("file_format") or self.file_format or "parquet")

    def incremental_strategy(self, config: Mapping[str, Any], project_name: str, project_macros: Any) -> str:
        """dbt-spark's validation of ``incremental_strategy`` (default ``append``) against the
        table format: MERGE INTO needs a format that has it."""
        strategy = str(config.get("incremental_strategy") or "append")
        if strategy not in INCREMENTAL_STRATEGIES:
            raise CompilationError(
                f"Invalid incremental strategy provided: {strategy}\n"
                "    Expected one of: 'append', 'merge', 'insert_overwrite', 'microbatch'"
            )
        file_format = self.model_file_format(config)
        if strategy == "merge" and file_format not in ACID_FORMATS:
            raise CompilationError(
                f"Invalid incremental strategy provided: {strategy}\n"
                "    You can only choose this strategy when file_format is set to 'delta' or 'iceberg' or 'hudi'"
                f" (this model's file_format is '{file_format}')"
            )
        return strategy

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
        cols = ", ".join(self.quote(c.name) for c in dest_columns)
        if strategy == "append":
            return [f"insert into table {target}\nselect {cols} from {source}"]
        if strategy == "insert_overwrite":
            partition_by = config.get("partition_by")
            partition = [partition_by] if isinstance(partition_by, str) else list(partition_by or ())
            return [
                # Spark's session setting (dbt-spark sets it the same way): overwrite only the
                # partitions the new rows fall in
                "set spark.sql.sources.partitionOverwriteMode = DYNAMIC",
                f"insert overwrite table {target}\npartition ({', '.join(str(p) for p in partition)})\n"
                f"select {cols} from {source}",
            ]
        return [self.merge_sql(config, target, source)]

    def merge_sql(self, config: Mapping[str, Any], target: str, source: str) -> str:
        """dbt-spark's ``merge into``: ``update set *`` / ``insert *``, the unique key(s) and
        ``incremental_predicates`` as the condition."""
        keys = config.get("unique_key")
        predicates = list(config.get("incremental_predicates") or [])
        if keys:
            for key in keys if _is_list(keys) else [keys]:
                predicates.append(f"DBT_INTERNAL_SOURCE.{key} = DBT_INTERNAL_DEST.{key}")
        else:
            predicates.append("FALSE")
        include, exclude = config.get("merge_update_columns"), config.get("merge_exclude_columns")
        if include and exclude:
            raise CompilationError(
                "Model cannot specify merge_update_columns and merge_exclude_columns. "
                "Please update model to use only one config"
            )
        # as dbt-spark: the columns named (a string is iterated as Jinja iterates it), else all
        update = [str(c) for c in include] if include else []
        assignments = ", ".join(f"{c} = DBT_INTERNAL_SOURCE.{c}" for c in update) if update else "*"
        return (
            f"merge into {target} as DBT_INTERNAL_DEST\n"
            f"using {source} as DBT_INTERNAL_SOURCE\n"
            f"on {' and '.join(predicates)}\n"
            f"when matched then update set {assignments}\n"
            "when not matched then insert *"
        )

    def add_columns_sql(self, relation: Relation, columns: Sequence[tuple[str, str]]) -> list[str]:
        if not columns:
            return []
        listed = ", ".join(f"{self.quote(name)} {data_type}" for name, data_type in columns)
        return [f"alter table {self.render(relation)} add columns ({listed})"]

    def sync_columns_sql(
        self,
        relation: Relation,
        removed: Sequence[str],
        retyped: Sequence[tuple[str, str]],
        config: Mapping[str, Any],
    ) -> list[str]:
        file_format = self.model_file_format(config)
        if (removed or retyped) and file_format != "delta":
            raise CompilationError(
                f"on_schema_change 'sync_all_columns' would drop or retype columns of "
                f"{self.render(relation)}, which file_format '{file_format}' cannot do; "
                "run with --full-refresh, or use file_format 'delta'"
            )
        return []

    # -- snapshots ----------------------------------------------------------------------------------
    def snapshot_unsupported(self, config: Mapping[str, Any]) -> str:
        """Why a snapshot does not run here: dbt-spark's message where the format has no
        ``merge``, else dagwright's (it does not run snapshots on Spark yet)."""
        file_format = self.model_file_format(config)
        if file_format not in ACID_FORMATS:
            return (
                f"Invalid file format: {file_format}\n"
                "Snapshot functionality requires file_format be set to 'delta', 'iceberg' or 'hudi'"
            )
        return f"snapshots on spark (file_format {file_format}) are not supported by dagwright yet"
