"""target/catalog.json: what the warehouse holds for the project's relations (``docs generate``).

Built as dbt builds it from its adapters' catalog rows (``adapters/docs_catalog.py``): one
table per (database, schema, name), its columns keyed by name, the ``stats`` an engine measures
(``stats:<id>:<field>`` columns, kept where ``include`` is true) plus the ``has_stats`` entry
dbt always adds; then each table is matched to the nodes and sources whose relation it is,
by lower-cased database, schema and identifier (a table nothing names is left out). With a
selection, only the selected nodes and sources are kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from dagwright.artifacts.files import write_json_atomic
from dagwright.artifacts.run_results import iso
from dagwright.errors import DagwrightError

CATALOG_SCHEMA = "https://schemas.getdbt.com/dbt/catalog/v1.json"
_STAT_FIELDS = ("label", "value", "description", "include")

Key = tuple[str | None, str, str]


def _key(database: Any, schema: Any, name: Any) -> Key:
    return (None if database is None else str(database).lower(), str(schema).lower(), str(name).lower())


def _plain(value: Any) -> Any:
    """Values as dbt writes them: decimals as numbers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _stats(row: Mapping[str, Any]) -> dict[str, Any]:
    found = {name[len("stats:") :].split(":", 1)[0] for name in row if name.startswith("stats:")}
    stats: dict[str, Any] = {}
    for stat in sorted(found):
        item: dict[str, Any] = {"id": stat}
        for field in _STAT_FIELDS:
            item[field] = _plain(row.get(f"stats:{stat}:{field}"))
        if item["include"] is True and isinstance(item["label"], str):
            stats[stat] = item
    stats["has_stats"] = {
        "id": "has_stats",
        "label": "Has Stats?",
        "value": bool(stats),
        "include": False,
        "description": "Indicates whether there are statistics for this table",
    }
    return stats


def catalog_tables(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[Any, Any, Any], dict[str, Any]]:
    """The tables of the catalog rows (a row per column), in the rows' order."""
    tables: dict[tuple[Any, Any, Any], dict[str, Any]] = {}
    for row in rows:
        database = row.get("table_database")
        if "table_schema" not in row or "table_name" not in row:
            raise DagwrightError(f"catalog row without table_schema or table_name: {sorted(row)}")
        ident = (None if database is None else str(database), str(row["table_schema"]), str(row["table_name"]))
        table = tables.get(ident)
        if table is None:
            table = {
                "metadata": {
                    "type": row.get("table_type"),
                    "schema": ident[1],
                    "name": ident[2],
                    "database": ident[0],
                    "comment": row.get("table_comment"),
                    "owner": row.get("table_owner"),
                },
                "columns": {},
                "stats": _stats(row),
                "unique_id": None,
            }
            tables[ident] = table
        name = str(row["column_name"])
        table["columns"][name] = {
            "type": row.get("column_type"),
            "index": int(row["column_index"]),
            "name": name,
            "comment": row.get("column_comment"),
        }
    return tables


def catalog_dict(
    tables: Mapping[tuple[Any, Any, Any], dict[str, Any]],
    node_keys: Mapping[str, Key],
    source_keys: Mapping[str, Key],
    *,
    selected: Collection[str] | None,
    invocation_id: str,
    started_at: dt.datetime,
    errors: list[str] | None = None,
) -> dict[str, Any]:
    """catalog.json. ``node_keys``/``source_keys``: each node's and source's relation, as a
    lower-cased key (manifest order: where two nodes name one relation the last one wins, as
    in dbt); ``selected``: the unique_ids to keep, None for all."""
    node_map: dict[Key, str] = {}
    for unique_id, key in node_keys.items():
        node_map[key] = unique_id
    source_map: dict[Key, list[str]] = {}
    for unique_id, key in source_keys.items():
        source_map.setdefault(key, []).append(unique_id)
    nodes: dict[str, Any] = {}
    sources: dict[str, Any] = {}
    for ident, table in tables.items():
        key = _key(*ident)
        unique_id = node_map.get(key)
        if unique_id is not None and (selected is None or unique_id in selected):
            nodes[unique_id] = {**table, "unique_id": unique_id}
        for source_id in source_map.get(key, ()):
            if selected is None or source_id in selected:
                sources[source_id] = {**table, "unique_id": source_id}
    return {
        "metadata": {
            "dbt_schema_version": CATALOG_SCHEMA,
            "dbt_version": "1.11.0",
            "generated_at": iso(dt.datetime.now(dt.timezone.utc)),
            "invocation_id": invocation_id,
            "invocation_started_at": iso(started_at),
            "env": {},
        },
        "nodes": nodes,
        "sources": sources,
        "errors": errors,
    }


def write_catalog(path: Path, data: dict[str, Any]) -> None:
    write_json_atomic(path, data)


def relation_key(database: str | None, schema: str, identifier: str) -> Key:
    return _key(database, schema, identifier)
