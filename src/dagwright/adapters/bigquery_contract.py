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
- The table is one job: ``create or replace table t (columns and constraints) ... as (select
  <columns> from (<query>) as model_subq)``, so publishing stays atomic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
