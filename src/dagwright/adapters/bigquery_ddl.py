"""A BigQuery table's DDL clauses from a model's config, as dbt-bigquery writes them.

- ``partition_by``: dbt-bigquery's dict, ``{field, data_type (date), granularity (day),
  range}``. A ``date`` column by day is ``partition by <field>``; other time types and
  granularities ``partition by <data_type>_trunc(<field>, <granularity>)``; ``int64`` with
  ``range: {start, end, interval}`` is ``partition by range_bucket(<field>,
  generate_array(start, end, interval))``.
- ``cluster_by``: a column or a list of them, ``cluster by a, b``.
- ``OPTIONS(...)``: ``hours_to_expiration`` (an expiration timestamp), ``labels``,
  ``kms_key_name``, ``require_partition_filter`` (with ``partition_by`` only),
  ``partition_expiration_days``; a temporary table gets a 12-hour expiration instead and
  none of the partition options.

Configs of dbt-bigquery that change the table and that dagwright does not implement
(``UNSUPPORTED_TABLE_CONFIGS``) raise a compilation error naming them: never ignored.
String values in OPTIONS are SQL literals, escaped here (DDL takes no query parameters).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dagwright.adapters.base import NODE_DESCRIPTION
from dagwright.errors import CompilationError

#: dbt-bigquery's configs that change what a table is, not implemented by dagwright yet
UNSUPPORTED_TABLE_CONFIGS = {
    "grant_access_to": "dataset access grants",
    "enable_change_history": "the enable_change_history table option",
    "resource_tags": "resource tags",
    "labels_from_meta": "labels taken from meta",
    "catalog_name": "BigLake / Iceberg catalogs",
    "enable_list_inference": "list inference of Python models",
}

_TIME_TYPES = ("date", "datetime", "timestamp")
_GRANULARITIES = ("hour", "day", "month", "year")


def string_literal(value: Any) -> str:
    """A BigQuery string literal: single-quoted, with backslashes, quotes and newlines escaped."""
    text = str(value)
    text = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return f"'{text}'"


@dataclass(frozen=True)
class Partitioning:
    field: str
    data_type: str = "date"
    granularity: str = "day"
    range: tuple[int, int, int] | None = None
    time_ingestion: bool = False

    def clause(self) -> str:
        if self.range is not None:
            start, end, interval = self.range
            return f"partition by range_bucket({self.field}, generate_array({start}, {end}, {interval}))"
        if self.data_type == "date" and self.granularity == "day":
            return f"partition by {self.field}"
        return f"partition by {self.data_type}_trunc({self.field}, {self.granularity})"

    def data_type_for_partition(self) -> str:
        return self.data_type

    def render(self, alias: str | None = None) -> str:
        """The partition column (of ``alias``), truncated to its partition's granularity."""
        column = f"{alias}.{self.field}" if alias else self.field
        if self.data_type == "int64" or (self.data_type == "date" and self.granularity == "day"):
            return column
        return f"{self.data_type}_trunc({column}, {self.granularity})"

    def render_wrapped(self, alias: str | None = None) -> str:
        """The value naming a row's partition, as dbt-bigquery compares partitions: a range
        bucket's start, or the time column cast to its type (truncated where needed)."""
        column = self.render(alias)
        if self.range is not None:
            start, _, interval = self.range
            return f"({column} - MOD({column} - {start}, {interval}))"
        if self.data_type == "date" and self.granularity == "day":
            return f"date({column})"
        return column


def parse_partition_by(raw: Any, node: str | None = None) -> Partitioning | None:
    """dbt-bigquery's ``partition_by`` dict as a ``Partitioning`` (None when unset)."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping) or not isinstance(raw.get("field"), str):
        raise CompilationError(
            f"Invalid partition_by config: got {raw!r}; expected a dictionary with 'field' and 'data_type' keys",
            node=node,
        )
    values = {str(k): (v.lower() if isinstance(v, str) and k != "field" else v) for k, v in raw.items()}
    unknown = set(values) - {
        "field",
        "data_type",
        "granularity",
        "range",
        "time_ingestion_partitioning",
        "copy_partitions",
    }
    if unknown:
        raise CompilationError(f"Could not parse partition config: unknown keys {sorted(unknown)}", node=node)
    if values.get("time_ingestion_partitioning") or values.get("copy_partitions"):
        key = "time_ingestion_partitioning" if values.get("time_ingestion_partitioning") else "copy_partitions"
        raise CompilationError(
            f"partition_by.{key} is not implemented in dagwright yet",
            node=node,
            hint=f"remove `{key}` from partition_by, or run this model with dbt-bigquery",
        )
    data_type = str(values.get("data_type") or "date")
    granularity = str(values.get("granularity") or "day")
    if data_type == "int64":
        bounds = values.get("range")
        if not isinstance(bounds, Mapping) or not all(
            isinstance(bounds.get(k), int) for k in ("start", "end", "interval")
        ):
            raise CompilationError(
                "partition_by with data_type int64 needs range: {start: <int>, end: <int>, interval: <int>}",
                node=node,
            )
        return Partitioning(
            values["field"], data_type, granularity, (bounds["start"], bounds["end"], bounds["interval"])
        )
    if data_type not in _TIME_TYPES or granularity not in _GRANULARITIES:
        raise CompilationError(
            f"Could not parse partition config: data_type {data_type!r}, granularity {granularity!r}",
            node=node,
            hint="data_type is one of date, datetime, timestamp, int64; granularity one of hour, day, month, year",
        )
    return Partitioning(values["field"], data_type, granularity)


def cluster_columns(raw: Any) -> list[str]:
    if raw is None:
        return []
    return [str(raw)] if isinstance(raw, str) else [str(c) for c in raw]


def check_supported(config: Mapping[str, Any], node: str | None = None) -> None:
    used = [key for key in UNSUPPORTED_TABLE_CONFIGS if config.get(key) not in (None, False, [], {})]
    if used:
        what = ", ".join(f"`{key}` ({UNSUPPORTED_TABLE_CONFIGS[key]})" for key in used)
        raise CompilationError(
            f"BigQuery config {what} is not implemented in dagwright yet",
            node=node,
            hint="remove it from the model's config, or --exclude the model",
        )


def relation_description(config: Mapping[str, Any]) -> str | None:
    """The table's or view's description option under ``persist_docs: {relation: true}``, as
    dbt-bigquery writes it (an empty description too)."""
    persist = config.get("persist_docs")
    if not isinstance(persist, Mapping) or not persist.get("relation") or NODE_DESCRIPTION not in config:
        return None
    return str(config[NODE_DESCRIPTION] or "")


def table_options(config: Mapping[str, Any], temporary: bool = False) -> list[tuple[str, str]]:
    """The (name, SQL value) pairs of a table's OPTIONS, in dbt-bigquery's order."""
    opts: list[tuple[str, str]] = []
    hours = config.get("hours_to_expiration")
    if hours is not None and not temporary:
        opts.append(("expiration_timestamp", f"TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL {int(hours)} hour)"))
    description = relation_description(config)
    if description is not None:
        opts.append(("description", string_literal(description)))
    labels = config.get("labels") or {}
    if not isinstance(labels, Mapping):
        raise CompilationError(f"`labels` must be a mapping of label names to values, not {labels!r}")
    if labels:
        pairs = ", ".join(f"({string_literal(k)}, {string_literal(v)})" for k, v in labels.items())
        opts.append(("labels", f"[{pairs}]"))
    if config.get("kms_key_name") is not None:
        opts.append(("kms_key_name", string_literal(config["kms_key_name"])))
    if temporary:
        opts = [o for o in opts if o[0] != "expiration_timestamp"]
        opts.append(("expiration_timestamp", "TIMESTAMP_ADD(CURRENT_TIMESTAMP(), INTERVAL 12 hour)"))
        return opts
    if config.get("require_partition_filter") is not None and config.get("partition_by") is not None:
        opts.append(("require_partition_filter", "true" if config["require_partition_filter"] else "false"))
    if config.get("partition_expiration_days") is not None:
        opts.append(("partition_expiration_days", str(int(config["partition_expiration_days"]))))
    return opts


def view_options(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A view's OPTIONS: dbt-bigquery's common options (expiration, labels)."""
    return [o for o in table_options(config) if o[0] in ("expiration_timestamp", "description", "labels")]


def options_clause(opts: list[tuple[str, str]]) -> str:
    if not opts:
        return ""
    return "OPTIONS(" + ", ".join(f"{name}={value}" for name, value in opts) + ")"


def table_clauses(config: Mapping[str, Any] | None, node: str | None = None, temporary: bool = False) -> list[str]:
    """``partition by``, ``cluster by`` and ``OPTIONS(...)`` of a table built from ``config``."""
    config = config or {}
    check_supported(config, node)
    clauses = []
    partitioning = parse_partition_by(config.get("partition_by"), node)
    if partitioning is not None:
        clauses.append(partitioning.clause())
    columns = cluster_columns(config.get("cluster_by"))
    if columns:
        clauses.append("cluster by " + ", ".join(columns))
    options = options_clause(table_options(config, temporary))
    if options:
        clauses.append(options)
    return clauses
