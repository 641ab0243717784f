"""``incremental``, statement for statement as dbt-core 1.11 + dbt-duckdb build it.

- **No table yet**: ``create table <target> as (<sql>)``.
- **Full refresh** (``--full-refresh`` or ``config(full_refresh=true)``; ``full_refresh=false``
  wins over the flag), or a view in the model's place: built under ``<name>__dbt_tmp``
  and swapped in, like a table.
- **Incremental run**: the model's rows are staged in a temporary table (private to the
  worker's connection), ``on_schema_change`` is applied to the target (``ignore``,
  ``fail``, ``append_new_columns``, ``sync_all_columns``; anything else is ``ignore``),
  then the strategy's statements run: ``append``, ``delete+insert`` (dbt-duckdb's
  default, also spelled ``default`` and ``delete_insert``) or ``merge`` (DuckDB ``MERGE
  INTO`` with dbt-duckdb's ``merge_*`` configs). The SQL is dbt-duckdb's, so what it
  does — and the errors it raises — are the same.

Everything happens inside one transaction; the runner commits it only if the run has not
stopped, and rolls it back on any error or stop, so the existing table is left exactly as
it was and no staging table survives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dagwright.adapters.base import TMP_SUFFIX, Adapter, DatabaseError, ExecResult, Relation
from dagwright.errors import CompilationError
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import BuildOutcome, NodeJob, TransactionalSwap, run_hooks
from dagwright.materialize.rename_swap import RenameSwap

ON_SCHEMA_CHANGE = ("sync_all_columns", "append_new_columns", "fail", "ignore")
#: dbt-adapters' builtin strategies, and those dbt-duckdb declares valid (DuckDB >= 1.4)
BUILTIN_STRATEGIES = ("append", "delete+insert", "merge", "insert_overwrite", "microbatch")
VALID_STRATEGIES = ("append", "delete+insert", "merge", "microbatch", "default")
#: the strategy macros dbt-core + dbt-duckdb ship, by name, and what they do on DuckDB
STRATEGY_MACROS = {
    "get_incremental_append_sql": "append",
    "get_incremental_delete_insert_sql": "delete+insert",
    "get_incremental_default_sql": "delete+insert",
    "get_incremental_merge_sql": "merge",
    "get_incremental_microbatch_sql": "microbatch",
    "get_incremental_insert_overwrite_sql": "insert_overwrite",
}


def should_full_refresh(config: Mapping[str, Any], flag: bool) -> bool:
    """dbt's ``should_full_refresh()``: the ``full_refresh`` config when it is set (so
    ``full_refresh=false`` protects a model from ``--full-refresh``), else the flag."""
    value = config.get("full_refresh")
    return bool(flag if value is None else value)


# --------------------------------------------------------------------------- columns


_STRING_TYPES = ("text", "character varying", "character", "varchar")


@dataclass(frozen=True)
class DbtColumn:
    """A column as dbt-duckdb's ``DuckDBColumn`` sees it (from DESCRIBE: no sizes)."""

    name: str
    dtype: str
    #: dbt-postgres' PostgresColumn: ``text`` and unsized ``character varying`` keep their type
    unsized_strings_kept: bool = False

    def is_string(self) -> bool:
        return self.dtype.lower() in _STRING_TYPES

    @property
    def data_type(self) -> str:
        if self.unsized_strings_kept and self.dtype.lower() in ("text", "character varying"):
            return self.dtype
        # dbt's Column.data_type: a string column without a size is varchar(256)
        return "character varying(256)" if self.is_string() else self.dtype

    def __repr__(self) -> str:
        fields = ", ".join(repr(f) for f in _struct_fields(self.dtype))
        return (
            f"DuckDBColumn(column={self.name!r}, dtype={self.dtype!r}, char_size=None, "
            f"numeric_precision=None, numeric_scale=None, fields=[{fields}])"
        )


def _struct_fields(dtype: str) -> list[DbtColumn]:
    match = re.match(r"STRUCT\((.*)\)", dtype, re.IGNORECASE)
    if not match:
        return []
    fields, depth, current = [], 0, ""
    for char in match.group(1):
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            fields.append(current.strip())
            current = ""
        else:
            current += char
    fields.append(current.strip())
    out = []
    for field in fields:
        name, _, sql_type = field.partition(" ")
        out.append(DbtColumn(name, sql_type))
    return out


def relation_columns(conn: GuardedConnection, adapter: Adapter, relation: Relation) -> list[DbtColumn]:
    kept = bool(getattr(adapter, "unsized_strings_kept", False))  # optional adapter capability
    return [DbtColumn(str(name), str(dtype), kept) for name, dtype in conn.execute(adapter.columns_sql(relation)).rows]


# --------------------------------------------------------------------------- strategies


def resolve_strategy(name: Any, project_name: str, project_macros: Mapping[str, str]) -> str:
    """What dbt's ``adapter.get_incremental_strategy_macro`` finds for this config value,
    as one of ``append``, ``delete+insert``, ``merge``; raises its errors otherwise.
    ``project_macros`` maps the project's macro names to their files."""
    strategy = str(name) if name else "default"
    if strategy in BUILTIN_STRATEGIES and strategy not in VALID_STRATEGIES:
        raise DatabaseError(f"The incremental strategy '{strategy}' is not valid for this adapter")
    macro = f"get_incremental_{strategy.replace('+', '_')}_sql"
    if macro in project_macros:
        raise CompilationError(
            f"incremental_strategy '{strategy}' runs the project's macro {macro} "
            f"({project_macros[macro]}); dagwright does not run custom incremental strategy macros yet"
        )
    found = STRATEGY_MACROS.get(macro)
    if found is None:
        raise DatabaseError(
            f'dbt could not find an incremental strategy macro with the name "{macro}" in {project_name}'
        )
    if found == "microbatch":
        raise CompilationError("incremental_strategy 'microbatch' is not supported by dagwright yet")
    return found


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def _quoted_csv(adapter: Adapter, columns: Iterable[DbtColumn]) -> str:
    return ", ".join(adapter.quote(c.name) for c in columns)


def insert_sql(adapter: Adapter, target: str, source: str, dest_columns: Sequence[DbtColumn]) -> str:
    cols = _quoted_csv(adapter, dest_columns)
    return f"insert into {target} ({cols})\n(\n    select {cols}\n    from {source}\n)"


def delete_insert_sql(
    adapter: Adapter,
    target: str,
    source: str,
    unique_key: Any,
    dest_columns: Sequence[DbtColumn],
    predicates: Any,
) -> list[str]:
    """dbt-duckdb's ``duckdb__get_delete_insert_merge_sql``: unique_key and predicates are
    SQL text, pasted as dbt pastes them."""
    statements = []
    if unique_key:
        extra = "".join(f"\n    and {p}" for p in predicates) if predicates else ""
        if _is_list(unique_key):
            matches = "\n    and ".join(f"{source}.{key} = DBT_INCREMENTAL_TARGET.{key}" for key in unique_key)
            statements.append(
                f"delete from {target} as DBT_INCREMENTAL_TARGET\nusing {source}\nwhere (\n    {matches}{extra}\n)"
            )
        else:
            statements.append(
                f"delete from {target}\nwhere (\n    {unique_key}) in (\n    select ({unique_key})\n"
                f"    from {source}\n){extra}"
            )
    statements.append(insert_sql(adapter, target, source, dest_columns))
    return statements


# ---- merge


def normalize_string_or_list(raw: Any, field_name: str) -> list[Any]:
    if raw is None:
        return []
    if isinstance(raw, Mapping) or not isinstance(raw, (str, list, tuple)):
        raise CompilationError(f"{field_name} must be a list of strings or a string")
    result = [raw] if isinstance(raw, str) else list(raw)
    if any(not isinstance(item, str) for item in result):
        raise CompilationError(f"{field_name} list values must be non-empty strings")
    return result


_MERGE_FIELDS = {
    "merge_update_condition": "string",
    "merge_insert_condition": "string",
    "merge_on_using_columns": "sequence",
    "merge_update_columns": "sequence",
    "merge_update_set_expressions": "mapping",
    "merge_exclude_columns": "sequence",
    "merge_returning_columns": "sequence",
}


def _jinja_str(value: Any) -> str:
    """How Jinja prints a value inside an error message (Python's str of it)."""
    return str(value)


def validate_merge_config(config: Mapping[str, Any]) -> None:
    """dbt-duckdb's ``validate_merge_config`` (DuckLake restrictions aside)."""
    errors: list[str] = []
    for name, kind in _MERGE_FIELDS.items():
        value = config.get(name)
        if value is None:
            continue
        if kind == "string" and not isinstance(value, str):
            errors.append(f"{name} must be a string, found: {_jinja_str(value)}")
        elif kind == "sequence":
            if not isinstance(value, (list, tuple)):
                errors.append(f"{name} must be a list")
            else:
                errors.extend(
                    f"{name} must contain only string values, found: {_jinja_str(item)}"
                    for item in value
                    if not isinstance(item, str)
                )
        elif kind == "mapping" and not isinstance(value, Mapping):
            errors.append(f"{name} must be a dictionary, found: {_jinja_str(value)}")
    clauses = config.get("merge_clauses")
    if clauses is not None:
        if not isinstance(clauses, Mapping):
            errors.append(f"merge_clauses must be a dictionary, found: {_jinja_str(clauses)}")
        else:
            if "when_matched" not in clauses and "when_not_matched" not in clauses:
                errors.append("merge_clauses must contain at least one of 'when_matched' or 'when_not_matched' keys")
            for clause_type in ("when_matched", "when_not_matched"):
                if clause_type not in clauses:
                    continue
                items = clauses.get(clause_type)
                if not isinstance(items, (list, tuple)):
                    errors.append(f"merge_clauses.{clause_type} must be a list")
                elif not items:
                    errors.append(f"merge_clauses.{clause_type} must contain at least one element")
                else:
                    errors.extend(
                        f"merge_clauses.{clause_type} elements must be dictionaries, found: {_jinja_str(item)}"
                        for item in items
                        if not isinstance(item, Mapping)
                    )
            conflicting = []
            for name, kind in _MERGE_FIELDS.items():
                if name in ("merge_on_using_columns", "merge_returning_columns"):
                    continue
                value = config.get(name)
                if value is None:
                    continue
                if kind in ("sequence", "mapping"):
                    if len(value) > 0:
                        conflicting.append(name)
                else:
                    conflicting.append(name)
            if conflicting:
                errors.append(
                    "When merge_clauses is specified, the following basic merge configurations will be ignored "
                    f"and should be removed: {', '.join(conflicting)}. Define your merge behavior within "
                    "merge_clauses instead."
                )
    if errors:
        raise CompilationError("MERGE configuration errors:\n  " + "\n  ".join(errors))


def merge_update_columns(include: Any, exclude: Any, dest_columns: Sequence[DbtColumn], adapter: Adapter) -> list[str]:
    """dbt's ``default__get_merge_update_columns``: include as written, else the quoted
    destination columns less the excluded ones (case-insensitive)."""
    if include and exclude:
        raise CompilationError(
            "Model cannot specify merge_update_columns and merge_exclude_columns. "
            "Please update model to use only one config"
        )
    if include:
        return [str(c) for c in include]
    excluded = {str(c).lower() for c in exclude or ()}
    return [adapter.quote(c.name) for c in dest_columns if c.name.lower() not in excluded]


def _condition(clause: Mapping[str, Any]) -> str:
    condition = clause.get("condition")
    if not condition:
        return ""
    if isinstance(condition, str):
        return f" AND {condition}"
    return " AND (" + ") AND (".join(str(c) for c in condition) + ")"


def _error_action(clause: Mapping[str, Any]) -> str:
    message = clause.get("error_message")
    return "ERROR" + (" '" + str(message).replace("'", "''") + "'" if message else "")


def _when_matched(clause: Mapping[str, Any], dest_columns: Sequence[DbtColumn], adapter: Adapter) -> str:
    action = clause.get("action")
    text = ""
    if action == "update":
        mode = clause.get("mode")
        if mode == "by_name":
            text = "UPDATE BY NAME"
        elif mode == "by_position":
            text = "UPDATE BY POSITION"
        elif mode == "star":
            text = "UPDATE SET *"
        elif mode == "explicit":
            update = clause.get("update") or {}
            set_expressions = update.get("set_expressions") or {}
            columns = merge_update_columns(
                update.get("include") or [], update.get("exclude") or [], dest_columns, adapter
            )
            remaining = [c for c in columns if c.replace('"', "").replace("'", "") not in set_expressions]
            assignments = [f"{column} = {expression}" for column, expression in set_expressions.items()]
            assignments += [f"{column} = DBT_INTERNAL_SOURCE.{column}" for column in remaining]
            text = "UPDATE SET\n            " + ", ".join(assignments)
    elif action == "delete":
        text = "DELETE"
    elif action == "do_nothing":
        text = "DO NOTHING"
    elif action == "error":
        text = _error_action(clause)
    return f"\n    WHEN MATCHED{_condition(clause)}\n    THEN\n        {text}"


def _when_not_matched(clause: Mapping[str, Any]) -> str:
    action = clause.get("action")
    by = f"BY {str(clause['by']).upper()} " if clause.get("by") else ""
    text = ""
    if action == "update":
        set_expressions = clause.get("set_expressions") or {}
        text = "UPDATE SET\n            " + ", ".join(f"{c} = {e}" for c, e in set_expressions.items())
    elif action == "insert":
        mode = clause.get("mode")
        if mode == "by_name":
            text = "INSERT BY NAME"
        elif mode == "by_position":
            text = "INSERT BY POSITION"
        elif mode == "star":
            text = "INSERT *"
        elif mode == "explicit":
            insert = clause.get("insert") or {}
            columns = ", ".join(str(c) for c in insert.get("columns") or [])
            values = ", ".join(str(v) for v in insert.get("values") or [])
            text = f"INSERT\n            ({columns})\n            VALUES ({values})"
    elif action == "delete":
        text = "DELETE"
    elif action == "do_nothing":
        text = "DO NOTHING"
    elif action == "error":
        text = _error_action(clause)
    return f"\n    WHEN NOT MATCHED\n        {by}{_condition(clause).lstrip()}\n    THEN\n        {text}"


def merge_sql(
    adapter: Adapter,
    config: Mapping[str, Any],
    target: str,
    source: str,
    unique_key: Any,
    dest_columns: Sequence[DbtColumn],
    predicates: Any,
) -> str:
    """dbt-duckdb's ``duckdb__get_merge_sql``."""
    filters = normalize_string_or_list(predicates, "incremental_predicates")
    validate_merge_config(config)

    def get(name: str, default: Any) -> Any:
        value = config.get(name)
        return default if value is None else value

    using = get("merge_on_using_columns", [])
    include = get("merge_update_columns", [])
    exclude = get("merge_exclude_columns", [])
    set_expressions = get("merge_update_set_expressions", {})
    returning = get("merge_returning_columns", [])
    clauses = get("merge_clauses", {})
    explicit = bool(len(include) or len(exclude) or len(set_expressions))
    update_default = {
        "action": "update",
        "condition": config.get("merge_update_condition"),
        "mode": "explicit" if explicit else "by_name",
        "update": {"include": include, "exclude": exclude, "set_expressions": set_expressions},
    }
    insert_default = {"action": "insert", "condition": config.get("merge_insert_condition"), "mode": "by_name"}
    when_matched = clauses.get("when_matched", [update_default])
    when_not_matched = clauses.get("when_not_matched", [insert_default])

    if using:
        join = f"USING ({', '.join(str(c) for c in using)})"
        if filters:
            join += "\n        ON (" + ") AND (".join(filters) + ")"
    else:
        if unique_key:
            keys = unique_key if _is_list(unique_key) else [unique_key]
            conditions = [f"DBT_INTERNAL_SOURCE.{k} = DBT_INTERNAL_DEST.{k}" for k in keys]
        else:
            conditions = ["FALSE"]
        join = "ON (" + ") AND (".join(conditions + filters) + ")"

    parts = []
    header = config.get("sql_header")
    if header is not None:
        parts.append(str(header))
    parts.append(f"MERGE INTO {target} AS DBT_INTERNAL_DEST\n    USING {source} AS DBT_INTERNAL_SOURCE\n    {join}")
    body = "".join(_when_matched(c, dest_columns, adapter) for c in when_matched)
    body += "".join(_when_not_matched(c) for c in when_not_matched)
    if returning:
        body += "\n    RETURNING " + (returning if isinstance(returning, str) else ", ".join(returning))
    return "\n".join(parts) + body


# --------------------------------------------------------------------------- schema changes


def schema_change_fail_message(added: Sequence[DbtColumn], removed: Sequence[DbtColumn], retyped: Sequence[Any]) -> str:
    """dbt's message for ``on_schema_change='fail'``, lines indented as dbt prints them."""
    lines = [
        "",
        "The source and target schemas on this incremental model are out of sync!",
        "They can be reconciled in several ways:",
        "  - set the `on_schema_change` config to either append_new_columns or sync_all_columns, "
        "depending on your situation.",
        "  - Re-run the incremental model with `full_refresh: True` to update the target schema.",
        "  - update the schema manually and re-run the process.",
        "",
        "Additional troubleshooting context:",
        f"   Source columns not in target: {list(added)!r}",
        f"   Target columns not in source: {list(removed)!r}",
        f"   New column types: {list(retyped)!r}",
    ]
    return "\n  ".join(lines)


# --------------------------------------------------------------------------- the materialization


class IncrementalMaterialization(TransactionalSwap):
    kind = "table"

    def __init__(
        self,
        adapter: Adapter,
        job: NodeJob,
        existing: str | None,
        *,
        project_name: str = "",
        project_macros: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(adapter, job)
        self.existing = existing
        self.full = job.full_refresh or existing != "table"
        config = job.node.config
        self.unique_key = config.get("unique_key")
        self.project_name = project_name
        self.project_macros = dict(project_macros or {})
        if str(config.get("incremental_strategy") or "") == "microbatch":
            raise CompilationError("incremental_strategy 'microbatch' is not supported by dagwright yet")
        #: built in the target itself (first build, or an incremental run): publish = COMMIT
        self._in_place = False

    def build(self, conn: GuardedConnection) -> None:
        if getattr(self.adapter, "strategy_checked_on_every_build", False):
            # dbt-core's default incremental materialization (dbt-postgres) looks the strategy up
            # on every build, first and full-refresh ones included; dbt-duckdb's only when merging
            resolve_strategy(self.job.node.config.get("incremental_strategy"), self.project_name, self.project_macros)
        if self.full and self.existing is not None:
            super().build(conn)  # a rebuild under the temporary name, swapped in by publish
            return
        conn.execute(self.adapter.begin_sql())
        self._in_transaction = True
        self._in_place = True
        run_hooks(conn, self.job.pre_hooks)
        if self.existing is None:
            conn.execute(self.adapter.create_table_as_sql(self.target, self.job.sql))
        else:
            self._merge_new_rows(conn)

    def build_temp(self, conn: GuardedConnection) -> ExecResult:
        return conn.execute(self.adapter.create_table_as_sql(self.temp, self.job.sql))

    def _merge_new_rows(self, conn: GuardedConnection) -> None:
        adapter = self.adapter
        config = self.job.node.config
        staged = adapter.temp_relation(self.target.with_identifier(self.target.identifier + TMP_SUFFIX))
        conn.execute(adapter.create_temp_table_as_sql(staged, self.job.sql))
        expand = getattr(adapter, "expand_target_column_types", None)  # PostgreSQL: widen varchar(n)
        if expand is not None:
            expand(conn, staged, self.target)
        on_schema_change = config.get("on_schema_change")
        if on_schema_change not in ON_SCHEMA_CHANGE:
            on_schema_change = "ignore"
        if on_schema_change == "ignore":
            dest_columns = relation_columns(conn, adapter, self.target)
        else:
            dest_columns = self._process_schema_changes(conn, on_schema_change, staged)

        strategy = resolve_strategy(config.get("incremental_strategy"), self.project_name, self.project_macros)
        predicates = config.get("predicates") or config.get("incremental_predicates")
        target = adapter.render(self.target)
        source = adapter.render(staged)
        if strategy == "append":
            statements = [insert_sql(adapter, target, source, dest_columns)]
        elif strategy == "delete+insert":
            # optional adapter capability, like merge_sql: the engine's dbt adapter's own form
            render_delete_insert = getattr(adapter, "delete_insert_sql", None)
            if render_delete_insert is not None:
                statements = render_delete_insert(target, source, self.unique_key, dest_columns, predicates)
            else:
                statements = delete_insert_sql(adapter, target, source, self.unique_key, dest_columns, predicates)
        else:
            # optional adapter capability: the engine's own MERGE (merge_sql), else dbt-duckdb's
            render_merge = getattr(adapter, "merge_sql", None)
            if render_merge is not None:
                statements = [render_merge(config, target, source, self.unique_key, dest_columns, predicates)]
            else:
                statements = [merge_sql(adapter, config, target, source, self.unique_key, dest_columns, predicates)]
        for sql in statements:
            conn.execute(sql)
        conn.execute(adapter.drop_sql(staged, "table"))

    def _process_schema_changes(
        self, conn: GuardedConnection, on_schema_change: str, staged: Relation
    ) -> list[DbtColumn]:
        """dbt's ``process_schema_changes``: returns the staged (source) columns."""
        source = relation_columns(conn, self.adapter, staged)
        target = relation_columns(conn, self.adapter, self.target)
        source_names = {c.name for c in source}
        target_by_name: dict[str, DbtColumn] = {}
        for column in target:
            target_by_name.setdefault(column.name, column)
        added = [c for c in source if c.name not in target_by_name]
        removed = [c for c in target if c.name not in source_names]
        retyped = [
            {"column_name": target_by_name[c.name].name, "new_type": c.data_type}
            for c in source
            if c.name in target_by_name and c.data_type != target_by_name[c.name].data_type
        ]
        if not (added or removed or retyped):
            return source
        if on_schema_change == "fail":
            raise CompilationError(schema_change_fail_message(added, removed, retyped))
        rendered = self.adapter.render(self.target)
        quote = self.adapter.quote
        for column in added:
            conn.execute(f"alter table {rendered} add column {quote(column.name)} {column.data_type}")
        if on_schema_change == "sync_all_columns":
            for column in removed:
                conn.execute(f"alter table {rendered} drop column {quote(column.name)}")
            for change in retyped:
                # dbt's alter_column_type: a new column, filled, swapped in (it moves last)
                name = change["column_name"]
                tmp = quote(name + "__dbt_alter")
                conn.execute(f"alter table {rendered} add column {tmp} {change['new_type']}")
                conn.execute(f"update {rendered} set {tmp} = {quote(name)}")
                conn.execute(f"alter table {rendered} drop column {quote(name)} cascade")
                conn.execute(f"alter table {rendered} rename column {tmp} to {quote(name)}")
        return source

    def publish(self, conn: GuardedConnection) -> BuildOutcome:
        if not self._in_place:
            super().publish(conn)
            return BuildOutcome(ExecResult(), "OK")
        run_hooks(conn, self.job.post_hooks)
        conn.execute(self.adapter.commit_sql())
        self._in_transaction = False
        self.published("table")  # a first build created the target in place
        # dbt-duckdb reports {"_message": "OK"} for every incremental build
        return BuildOutcome(ExecResult(), "OK")


# --------------------------------------------------------------------------- without transactions (Spark)

#: dbt-spark's strategies
SPARK_STRATEGIES = ("append", "insert_overwrite", "merge")


def spark_strategy(config: Mapping[str, Any], file_format: str) -> str:
    """dbt-spark's validation of ``incremental_strategy`` (default ``append``) against the
    table format: MERGE INTO needs a format that has it."""
    strategy = str(config.get("incremental_strategy") or "append")
    if strategy == "microbatch":
        raise CompilationError("incremental_strategy 'microbatch' is not supported by dagwright yet")
    if strategy not in SPARK_STRATEGIES:
        raise CompilationError(
            f"Invalid incremental strategy provided: {strategy}\n"
            "    Expected one of: 'append', 'merge', 'insert_overwrite'"
        )
    if strategy == "merge" and file_format not in ("delta", "iceberg", "hudi"):
        raise CompilationError(
            f"Invalid incremental strategy provided: {strategy}\n"
            "    You can only choose this strategy when file_format is set to 'delta' or 'iceberg' or 'hudi'"
            f" (this model's file_format is '{file_format}')"
        )
    return strategy


def described_columns(conn: GuardedConnection, adapter: Adapter, relation: Relation) -> list[DbtColumn]:
    """The columns of a relation from ``describe table`` (Spark: the columns end at the first
    blank or ``#`` row, where partition information and table details follow)."""
    out = []
    for row in conn.execute(adapter.columns_sql(relation)).rows:
        name = str(row[0] or "")
        if not name.strip() or name.startswith("#"):
            break
        out.append(DbtColumn(name, str(row[1])))
    return out


class NonTransactionalIncremental(RenameSwap):
    """``incremental`` on Spark, as dbt-spark builds it, without transactions.

    - No table yet, a view in its place, ``--full-refresh``, or ``insert_overwrite`` without
      ``partition_by`` (the whole table is replaced): built as a table under
      ``<name>__dbt_tmp`` and renamed into place.
    - Otherwise ``build`` stages the model's query as a temporary view (no job runs) and
      applies ``on_schema_change``; ``publish`` runs the one statement that changes the
      table: ``insert into`` (append), ``insert overwrite ... partition (...)`` with dynamic
      partition overwrite (insert_overwrite), or ``merge into`` (delta/iceberg/hudi). Spark
      commits a write job's files only when the job succeeds, so a stop or a failure in
      that statement leaves the table as it was.
    """

    kind = "table"

    def __init__(
        self,
        adapter: Adapter,
        job: NodeJob,
        existing: str | None,
        *,
        project_name: str = "",
        project_macros: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(adapter, job)
        config = job.node.config
        self.config = config
        self.file_format = str(config.get("file_format") or getattr(adapter, "file_format", "parquet"))
        self.strategy = spark_strategy(config, self.file_format)
        self.existing = existing
        self.partition_by = config.get("partition_by")
        replace_all = self.strategy == "insert_overwrite" and not self.partition_by
        self.rebuild = job.full_refresh or existing != "table" or replace_all
        self.staged = adapter.temp_relation(self.target.with_identifier(self.target.identifier + TMP_SUFFIX))
        self._staged_view = False
        self._dest_columns: list[DbtColumn] = []

    def build(self, conn: GuardedConnection) -> None:
        if self.rebuild:
            super().build(conn)
            return
        run_hooks(conn, self.job.pre_hooks)
        self.drop_stale(conn)
        adapter = self.adapter
        self._staged_view = True
        conn.execute(adapter.create_temp_table_as_sql(self.staged, self.job.sql))
        on_schema_change = self.config.get("on_schema_change")
        if on_schema_change not in ON_SCHEMA_CHANGE:
            on_schema_change = "ignore"
        target_columns = described_columns(conn, adapter, self.target)
        if on_schema_change != "ignore":
            self._schema_changes(conn, on_schema_change, target_columns)
            target_columns = described_columns(conn, adapter, self.target)
        self._dest_columns = target_columns

    def build_temp(self, conn: GuardedConnection) -> ExecResult:
        from dagwright.materialize.rename_swap import create_table_as

        return conn.execute(create_table_as(self.adapter, self.temp, self.job.sql, self.config))

    def _schema_changes(self, conn: GuardedConnection, on_schema_change: str, target: list[DbtColumn]) -> None:
        source = described_columns(conn, self.adapter, self.staged)
        target_names = {c.name.lower(): c for c in target}
        source_names = {c.name.lower() for c in source}
        added = [c for c in source if c.name.lower() not in target_names]
        removed = [c for c in target if c.name.lower() not in source_names]
        retyped = [
            {"column_name": target_names[c.name.lower()].name, "new_type": c.dtype}
            for c in source
            if c.name.lower() in target_names and c.dtype != target_names[c.name.lower()].dtype
        ]
        if not (added or removed or retyped):
            return
        if on_schema_change == "fail":
            raise CompilationError(schema_change_fail_message(added, removed, retyped))
        if on_schema_change == "sync_all_columns" and (removed or retyped) and self.file_format not in ("delta",):
            raise CompilationError(
                f"on_schema_change 'sync_all_columns' would drop or retype columns of "
                f"{self.adapter.render(self.target)}, which file_format '{self.file_format}' cannot do; "
                "run with --full-refresh, or use file_format 'delta'"
            )
        if added:
            quote = self.adapter.quote
            columns = ", ".join(f"{quote(c.name)} {c.dtype}" for c in added)
            conn.execute(f"alter table {self.adapter.render(self.target)} add columns ({columns})")

    def _statements(self) -> list[str]:
        adapter = self.adapter
        target = adapter.render(self.target)
        source = adapter.render(self.staged)
        cols = ", ".join(adapter.quote(c.name) for c in self._dest_columns)
        if self.strategy == "append":
            return [f"insert into table {target}\nselect {cols} from {source}"]
        if self.strategy == "insert_overwrite":
            partition = [self.partition_by] if isinstance(self.partition_by, str) else list(self.partition_by)
            return [
                # Spark's session setting (dbt-spark sets it the same way): overwrite only the
                # partitions the new rows fall in
                "set spark.sql.sources.partitionOverwriteMode = DYNAMIC",
                f"insert overwrite table {target}\npartition ({', '.join(str(p) for p in partition)})\n"
                f"select {cols} from {source}",
            ]
        return [self._merge_sql(target, source)]

    def _merge_sql(self, target: str, source: str) -> str:
        keys = self.config.get("unique_key")
        predicates = list(self.config.get("incremental_predicates") or [])
        if keys:
            for key in keys if _is_list(keys) else [keys]:
                predicates.append(f"DBT_INTERNAL_SOURCE.{key} = DBT_INTERNAL_DEST.{key}")
        else:
            predicates.append("FALSE")
        update = merge_update_columns(
            self.config.get("merge_update_columns"), self.config.get("merge_exclude_columns"), [], self.adapter
        )
        assignments = ", ".join(f"{c} = DBT_INTERNAL_SOURCE.{c}" for c in update) if update else "*"
        return (
            f"merge into {target} as DBT_INTERNAL_DEST\n"
            f"using {source} as DBT_INTERNAL_SOURCE\n"
            f"on {' and '.join(predicates)}\n"
            f"when matched then update set {assignments}\n"
            "when not matched then insert *"
        )

    def publish(self, conn: GuardedConnection) -> BuildOutcome:
        if self.rebuild:
            outcome = super().publish(conn)  # post-hooks ran there
            return BuildOutcome(ExecResult(), outcome.message)
        for sql in self._statements():
            conn.execute(sql)
        self._drop_staged(conn)
        self.published("table")
        return self.after_publish(conn, BuildOutcome(ExecResult(), "OK"))

    def _drop_staged(self, conn: GuardedConnection) -> None:
        if self._staged_view:
            self._staged_view = False
            try:
                conn.execute_unguarded(f"drop view if exists {self.adapter.render(self.staged)}")
            except DatabaseError:
                pass

    def abort(self, conn: GuardedConnection) -> None:
        self._drop_staged(conn)
        super().abort(conn)
