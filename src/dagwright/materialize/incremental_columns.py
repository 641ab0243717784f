"""Columns of an incremental model's target and of its new rows, compared as dbt compares them,
and ``on_schema_change`` applied to the target.

Columns are read as dbt-duckdb's ``DuckDBColumn`` sees them (names and type text from the
adapter's ``columns_sql``, no sizes); PostgreSQL keeps ``text`` and unsized ``varchar`` as
they are (``unsized_strings_kept``) and Spark compares names in lower case
(``column_names_case_sensitive``). The SQL that adds, drops or re-types columns is the
adapter's (``add_columns_sql``, ``sync_columns_sql``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dagwright.adapters.base import Adapter, Relation
from dagwright.errors import CompilationError
from dagwright.guard import GuardedConnection

#: the values ``on_schema_change`` takes; anything else is ``ignore``
ON_SCHEMA_CHANGE = ("sync_all_columns", "append_new_columns", "fail", "ignore")

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
    rows = conn.execute(adapter.columns_sql(relation)).rows
    return [DbtColumn(name, dtype, kept) for name, dtype in adapter.columns_from_rows(rows)]


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


def on_schema_change(config_value: Any) -> str:
    return config_value if config_value in ON_SCHEMA_CHANGE else "ignore"


def apply_schema_changes(
    conn: GuardedConnection,
    adapter: Adapter,
    target: Relation,
    staged: Relation,
    mode: str,
    config: Any,
    applied: list[str] | None = None,
) -> list[DbtColumn]:
    """dbt's ``process_schema_changes`` (``mode`` is not ``ignore``): compares the staged rows'
    columns with the target's, fails or changes the target as ``mode`` says, and returns the
    staged (source) columns. The statements are generated before any runs, so an engine that
    refuses a change (``sync_columns_sql`` raises) has changed nothing. The statements that
    ran are appended to ``applied``."""
    source = relation_columns(conn, adapter, staged)
    existing = relation_columns(conn, adapter, target)
    fold = (lambda name: name) if getattr(adapter, "column_names_case_sensitive", True) else str.lower
    source_names = {fold(c.name) for c in source}
    by_name: dict[str, DbtColumn] = {}
    for column in existing:
        by_name.setdefault(fold(column.name), column)
    added = [c for c in source if fold(c.name) not in by_name]
    removed = [c for c in existing if fold(c.name) not in source_names]
    retyped = [
        {"column_name": by_name[fold(c.name)].name, "new_type": c.data_type}
        for c in source
        if fold(c.name) in by_name and c.data_type != by_name[fold(c.name)].data_type
    ]
    if not (added or removed or retyped):
        return source
    if mode == "fail":
        raise CompilationError(schema_change_fail_message(added, removed, retyped))
    statements = adapter.add_columns_sql(target, [(c.name, c.data_type) for c in added])
    if mode == "sync_all_columns":
        changed = [(str(change["column_name"]), str(change["new_type"])) for change in retyped]
        statements += adapter.sync_columns_sql(target, [c.name for c in removed], changed, config)
    for sql in statements:
        conn.execute(sql)
        if applied is not None:
            applied.append(sql)
    return source
