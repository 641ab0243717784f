"""The SQL of an incremental run, as dbt-core 1.11 + dbt-duckdb write it: which strategy a
model's ``incremental_strategy`` names, and the statements of ``append``, ``delete+insert``
(dbt-duckdb's default, also spelled ``default`` and ``delete_insert``) and ``merge``
(DuckDB ``MERGE INTO`` with dbt-duckdb's ``merge_*`` configs). What they do, and the errors
they raise, are dbt's.

An engine whose dbt adapter writes other SQL provides it (``adapter.incremental_statements``:
PostgreSQL's dbt-core defaults, dbt-spark's statements), and may validate the strategy its own
way (``adapter.incremental_strategy``: dbt-spark's).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dagwright.adapters.base import Adapter, DatabaseError
from dagwright.errors import CompilationError
from dagwright.materialize.incremental_columns import DbtColumn

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
    return found  # microbatch: built batch by batch (materialize/microbatch.py)


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


def incremental_statements(
    adapter: Adapter,
    strategy: str,
    target: str,
    source: str,
    unique_key: Any,
    dest_columns: Sequence[DbtColumn],
    predicates: Any,
    config: Mapping[str, Any],
) -> list[str]:
    """The statements that change ``target`` (rendered) with the staged rows in ``source``:
    the engine's own where its adapter has them, else dbt-duckdb's."""
    own = getattr(adapter, "incremental_statements", None)  # optional adapter capability
    if own is not None:
        return list(own(strategy, target, source, unique_key, dest_columns, predicates, config))
    if strategy == "append":
        return [insert_sql(adapter, target, source, dest_columns)]
    if strategy == "delete+insert":
        return delete_insert_sql(adapter, target, source, unique_key, dest_columns, predicates)
    return [merge_sql(adapter, config, target, source, unique_key, dest_columns, predicates)]
