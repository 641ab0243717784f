"""A contracted table's columns and constraints, as its engine's dbt adapter writes them.

Each engine's dbt adapter says how it supports each constraint type (``constraint_support`` on
the adapter; every type is enforced where it says nothing, as on DuckDB and PostgreSQL):

- ``enforced``: written into the DDL;
- ``not_enforced``: written, followed by the adapter's ``not_enforced_clause`` where it has one
  (BigQuery's ``not enforced``), with a warning that it guarantees nothing about the rows;
- ``not_supported``: left out, with a warning.

The warnings are dbt's ConstraintNotEnforced and ConstraintNotSupported; a constraint's
``warn_unenforced: false`` / ``warn_unsupported: false`` silences its own. A ``custom``
constraint is always written as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from dagwright.adapters.base import Adapter
from dagwright.parse.nodes import ColumnInfo, Node

log = logging.getLogger("dagwright")


def column_name(adapter: Adapter, column: ColumnInfo) -> str:
    return adapter.quote(column.name) if column.quote else column.name


def data_type(adapter: Adapter, node: Node, column: ColumnInfo) -> str:
    """A column's YAML ``data_type`` as dbt hands it to the SQL: with the contract's
    ``alias_types`` (the default), a type label becomes the engine's name for it, as its dbt
    adapter's ``Column`` translates it (dbt-core's ``string`` is ``text``; dbt-bigquery's
    ``integer`` is ``INT64``)."""
    written = str(column.data_type)
    contract = node.config.get("contract") or {}
    if contract.get("alias_types", True) is False:
        return written
    labels: Mapping[str, str] = getattr(adapter, "contract_type_labels", {"STRING": "TEXT"})
    return labels.get(written.upper(), written)


def _supported(adapter: Adapter, node: Node, constraint: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether the constraint is written, and the clause that follows it; warns as dbt does."""
    kind = str(constraint.get("type"))
    if kind == "custom":
        return True, ""
    support = getattr(adapter, "constraint_support", {}).get(kind, "enforced")
    engine = getattr(adapter, "type", "this engine")
    if support == "not_supported":
        if constraint.get("warn_unsupported", True) is not False:
            log.warning(
                f"model '{node.name}': constraint '{kind}' is not supported on {engine}; it is left out of "
                "the table's DDL (set warn_unsupported: false on the constraint to silence this)"
            )
        return False, ""
    if support == "not_enforced":
        if constraint.get("warn_unenforced", True) is not False:
            log.warning(
                f"model '{node.name}': constraint '{kind}' is not enforced on {engine}; it is written into the "
                "table's DDL but guarantees nothing about its rows (set warn_unenforced: false on the "
                "constraint to silence this)"
            )
        return True, str(getattr(adapter, "not_enforced_clause", ""))
    return True, ""


def _suffixed(rendered: str | None, clause: str) -> str | None:
    return f"{rendered} {clause}" if rendered and clause else rendered


def column_constraint(adapter: Adapter, node: Node, constraint: Mapping[str, Any]) -> str | None:
    written, clause = _supported(adapter, node, constraint)
    if not written:
        return None
    kind = constraint.get("type")
    expression = str(constraint.get("expression") or "")
    rendered: str | None = None
    if kind == "check":
        rendered = f"check ({expression})" if expression else None
    elif kind in ("not_null", "unique", "primary_key"):
        rendered = f"{str(kind).replace('_', ' ')} {expression}".strip()
    elif kind == "foreign_key":
        # ``to`` is the relation its ref/source names by now (execute/foreign_keys.py)
        if constraint.get("to") and constraint.get("to_columns"):
            rendered = f"references {constraint['to']} ({', '.join(map(str, constraint['to_columns']))})"
        else:
            rendered = f"references {expression}" if expression else None
    elif kind == "custom":
        rendered = expression or None
    return _suffixed(rendered, clause)


def model_constraint(adapter: Adapter, node: Node, constraint: Mapping[str, Any]) -> str | None:
    written, clause = _supported(adapter, node, constraint)
    if not written:
        return None
    kind = constraint.get("type")
    name = constraint.get("name")
    prefix = f"constraint {name} " if name else ""
    columns = ", ".join(str(c) for c in constraint.get("columns") or ())
    expression = constraint.get("expression")
    rendered: str | None = None
    if kind == "check":
        rendered = f"{prefix}check ({expression})" if expression else None
    elif kind in ("unique", "primary_key"):
        spelled = "primary key" if kind == "primary_key" else "unique"
        rendered = f"{prefix}{spelled}{f' {expression}' if expression else ''} ({columns})"
    elif kind == "foreign_key":
        if constraint.get("to") and constraint.get("to_columns"):
            target = f"{constraint['to']} ({', '.join(map(str, constraint['to_columns']))})"
            rendered = f"{prefix}foreign key ({columns}) references {target}"
        else:
            rendered = f"{prefix}foreign key ({columns}) references {expression}" if expression else None
    elif kind == "custom":
        rendered = f"{prefix}{expression}" if expression else None
    return _suffixed(rendered, clause)


def _declared_columns(adapter: Adapter, node: Node, *, constrained: bool) -> list[tuple[str, str]]:
    """(name as written in SQL, data type [and column constraints]) of the contract's columns;
    where the engine's dbt adapter builds STRUCT columns from dotted names (BigQuery's
    ``nest_contract_columns``), the nested columns, a quoted name kept only where the column
    is listed under it."""
    typed: list[tuple[str, str]] = []
    for column in node.columns.values():
        parts = [data_type(adapter, node, column)]
        if constrained:
            parts += [c for c in (column_constraint(adapter, node, x) for x in column.constraints) if c]
        typed.append((column.name, " ".join(parts)))
    nest = getattr(adapter, "nest_contract_columns", None)
    if nest is None:
        return [(column_name(adapter, c), t) for c, (_, t) in zip(node.columns.values(), typed, strict=True)]
    by_name = {c.name: c for c in node.columns.values()}
    return [
        (column_name(adapter, by_name[name]) if name in by_name else name, str(declared))
        for name, declared in nest(typed)
    ]


def table_definition(adapter: Adapter, node: Node) -> str:
    """dbt's ``table_columns_and_constraints`` without its parentheses: ``col type constraints,
    ..., model constraints``."""
    items = [f"{name} {declared}" for name, declared in _declared_columns(adapter, node, constrained=True)]
    items += [c for c in (model_constraint(adapter, node, x) for x in node.constraints) if c]
    return "\n    " + ",\n    ".join(items) + "\n"


def typed_columns(adapter: Adapter, node: Node) -> list[tuple[str, str]]:
    """(name, data type) of the contract's columns as the table declares them (nested on BigQuery)."""
    return _declared_columns(adapter, node, constrained=False)


def column_list(adapter: Adapter, node: Node) -> str:
    """The contract's column names, as an insert lists them."""
    return ", ".join(name for name, _ in typed_columns(adapter, node))


def select_list(adapter: Adapter, node: Node) -> str:
    """The contract's columns as the table's query selects them from the model's: each by name,
    or as the engine rebuilds it (a BigQuery STRUCT, its fields in the declared order)."""
    rebuild = getattr(adapter, "contract_select_expression", None)
    columns = typed_columns(adapter, node)
    if rebuild is None:
        return ", ".join(name for name, _ in columns)
    return ", ".join(rebuild(name, declared) for name, declared in columns)
