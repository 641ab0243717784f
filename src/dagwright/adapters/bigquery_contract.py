"""Model contracts on BigQuery, as dbt-bigquery checks and builds them.

- A query's columns are read from its result's schema (the query scans nothing: it is wrapped
  in ``where false limit 0``), named as dbt-bigquery's ``BigQueryColumn`` names them: the API's
  legacy names translated (``INTEGER`` is ``INT64``, ``FLOAT`` is ``FLOAT64``), a repeated field
  ``ARRAY<...>``, a record ``STRUCT<...>``; a non-repeated record is flattened into its leaves,
  named ``parent.child``.
- The YAML's ``data_type`` goes through the same labels when the contract aliases types
  (``integer`` is written ``INT64``; ``string`` stays as written).
- Constraints: ``not_null`` is enforced (the column is REQUIRED); ``primary_key`` and
  ``foreign_key`` are written into the DDL with ``not enforced`` (BigQuery keeps them as
  metadata only) and warned about; ``check`` and ``unique`` are left out with a warning.
- Dotted names (``info.a``, ``info.b``) are fields of one STRUCT column ``info``: the typed nulls
  the query is compared with, the DDL (``info struct<a int64 not null, b string>``, a field's
  constraints inside the struct) and the query (the struct rebuilt in the declared field order)
  all use the nested column, as dbt-bigquery's ``nest_column_data_types`` builds it; a parent
  column listed too gives its constraints (and ``array``) to the struct.
- The table is one job: ``create or replace table t (columns and constraints) ... as (select
  <columns> from (<query>) as model_subq)``, so publishing stays atomic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: dbt-bigquery's ``BigQueryColumn.TYPE_LABELS``: the names a type label is translated to
TYPE_LABELS: Mapping[str, str] = {"TEXT": "STRING", "FLOAT": "FLOAT64", "INTEGER": "INT64"}

#: how dbt-bigquery supports each constraint type
CONSTRAINT_SUPPORT: Mapping[str, str] = {
    "check": "not_supported",
    "not_null": "enforced",
    "unique": "not_supported",
    "primary_key": "not_enforced",
    "foreign_key": "not_enforced",
}


def translate_type(name: str) -> str:
    return TYPE_LABELS.get(name.upper(), name)


def field_type(field: Any) -> str:
    """A schema field's type as ``BigQueryColumn.data_type`` spells it."""
    kind = translate_type(str(field.field_type))
    if kind.upper() in ("RECORD", "STRUCT"):
        kind = "STRUCT<" + ", ".join(f"`{f.name}` {field_type(f)}" for f in field.fields) + ">"
    return f"ARRAY<{kind}>" if str(field.mode or "").upper() == "REPEATED" else kind


def _flattened(field: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    name = f"{prefix}{field.name}"
    is_record = str(field.field_type).upper() in ("RECORD", "STRUCT")
    if not is_record or str(field.mode or "").upper() == "REPEATED":
        yield name, field_type(field)
        return
    for child in field.fields:
        yield from _flattened(child, f"{name}.")


def contract_columns_of(fields: Sequence[Any]) -> list[tuple[str, str]]:
    """(name, type) of a query's result schema, as dbt-bigquery compares a contract's columns."""
    return [column for field in fields for column in _flattened(field)]


# -- dotted column names: the STRUCT columns dbt-bigquery builds from them -------------------------


@dataclass
class _Struct:
    """A STRUCT column being assembled from dotted names: its fields in the YAML's order, and the
    type (and constraints) its parent column gave itself, if it was listed (``array`` makes it
    ``ARRAY<STRUCT<...>>``)."""

    fields: dict[str, str | _Struct | None] = field(default_factory=dict)
    parent: str | None = None


def _place(tree: dict[str, str | _Struct | None], parts: Sequence[str], typed: str | None) -> None:
    head, rest = parts[0], parts[1:]
    found = tree.get(head)
    if not rest:
        if isinstance(found, _Struct):
            found.parent = typed  # the struct's own column, listed after its fields
        else:
            tree[head] = typed
        return
    if not isinstance(found, _Struct):
        found = _Struct(parent=found)  # a parent listed before its fields keeps its type
        tree[head] = found
    _place(found.fields, rest, typed)


def _spelled(value: str | _Struct | None) -> str | None:
    if not isinstance(value, _Struct):
        return value
    inner = ", ".join(f"{name} {_spelled(typed) or ''}".strip() for name, typed in value.fields.items())
    spelled = f"struct<{inner}>"
    parent_type, *parent_constraints = (value.parent or "").split() or [None]
    if parent_type and parent_type.lower() == "array":
        spelled = f"array<{spelled}>"
    return " ".join([spelled, *parent_constraints])


def nested_columns(columns: Sequence[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """dbt-bigquery's ``nest_column_data_types``: the YAML's (name, data type and rendered
    constraints) with each dotted name ``a.b`` made a field ``b`` of a STRUCT column ``a``,
    in the order each column first appears (``[("a.b", "string not null"), ("a.c", "int64")]``
    is ``[("a", "struct<b string not null, c int64>")]``)."""
    tree: dict[str, str | _Struct | None] = {}
    for name, typed in columns:
        _place(tree, name.split("."), typed)
    return [(name, _spelled(typed)) for name, typed in tree.items()]


def struct_fields(data_type: str) -> list[tuple[str, str]] | None:
    """The (name, type) fields of a ``struct<...>`` type (trailing constraints ignored); None for
    any other type or an unbalanced one."""
    text = data_type.strip()
    if not text.lower().startswith("struct<"):
        return None
    depth, parens, parts, current = 1, 0, [], []
    for index, char in enumerate(text[len("struct<") :], start=len("struct<")):
        if char == "(":
            parens += 1
        elif char == ")":
            parens -= 1
        elif char == "<":
            depth += 1
        elif char == ">" and parens == 0:
            depth -= 1
            if depth == 0:
                rest = text[index + 1 :]
                if rest and not rest[0].isspace():
                    return None
                break
        elif char == "," and depth == 1 and parens == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    else:
        return None  # no closing '>'
    if parens != 0:
        return None
    parts.append("".join(current).strip())
    fields = []
    for part in filter(None, parts):
        name, *typed = part.split(None, 1)
        fields.append((name, typed[0] if typed else ""))
    return fields


def struct_select_expression(column: str, data_type: str) -> str:
    """dbt-bigquery's ``get_struct_select_expression``: a STRUCT column rebuilt field by field in
    its declared order (a query may give them in another), a null struct kept null; any other
    column as it is."""
    fields = struct_fields(data_type)
    if fields is None:
        return column
    return f"IF({column} IS NULL, NULL, STRUCT({', '.join(_field_expressions(column, fields))})) AS {column}"


def _field_expressions(path: str, fields: Sequence[tuple[str, str]]) -> list[str]:
    expressions = []
    for name, typed in fields:
        inner = struct_fields(typed)
        if inner is None:
            expressions.append(f"{path}.{name} AS {name}")
        else:
            nested = ", ".join(_field_expressions(f"{path}.{name}", inner))
            expressions.append(f"IF({path}.{name} IS NULL, NULL, STRUCT({nested})) AS {name}")
    return expressions
