"""``persist_docs`` on BigQuery, as dbt-bigquery applies it.

- The relation's description goes into the OPTIONS of the job that builds a table or view
  (bigquery_ddl.py, ``relation_description``): published with it, in one job.
- After that job (and for a table changed in place, where no DDL runs), dbt-bigquery sets the
  descriptions through the tables API: the relation's (when not empty) and each documented
  column's. A column is matched by name without regard to case unless the YAML quotes it; a
  record's fields by their dotted path (``parent.child``); documented columns the relation does
  not have are returned, for the warning dbt gives. One metadata call reads the table, one
  updates it: not a job, not atomic with the build.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagwright.adapters.base import DatabaseError, Relation

#: seconds a metadata call may take
_TIMEOUT = 60


def _paths(fields: Any, parent: str = "") -> list[str]:
    found: list[str] = []
    for field in fields:
        path = f"{parent}{field.name}"
        found.append(path)
        found += _paths(field.fields or (), f"{path}.")
    return found


def _described(field: dict[str, Any], descriptions: Mapping[str, str], parent: str = "") -> dict[str, Any]:
    path = f"{parent}{field['name']}"
    if path in descriptions:
        field["description"] = descriptions[path]
    if field.get("fields"):
        field["fields"] = [_described(child, descriptions, f"{path}.") for child in field["fields"]]
    return field


def set_descriptions(
    adapter: Any,  # the BigQueryAdapter (its client, get_table, render, scrub)
    relation: Relation,
    description: str | None,
    columns: Mapping[str, tuple[str, bool]],
) -> list[str]:
    """Set the relation's ``description`` (unless None) and its columns' (``columns``: the YAML
    name -> (description, quoted)); return the documented columns it does not have."""
    from google.api_core import exceptions as api_errors
    from google.cloud import bigquery

    table = adapter.get_table(relation)
    if table is None:
        raise DatabaseError(f"{adapter.render(relation)} is not there to describe")
    paths = _paths(table.schema or ())
    by_lower = {p.lower(): p for p in paths}
    matched: dict[str, str] = {}
    missing: list[str] = []
    for name, (text, quoted) in columns.items():
        path = name if quoted and name in paths else None if quoted else by_lower.get(name.lower())
        if path is None:
            missing.append(name)
        elif path == name:  # dbt-bigquery sets the description of the column named exactly so
            matched[path] = text
    fields = ["description"] if description is not None else []
    if description is not None:
        table.description = description
    if matched:
        schema = [_described(field.to_api_repr(), matched) for field in table.schema]
        table.schema = [bigquery.SchemaField.from_api_repr(field) for field in schema]
        fields.append("schema")
    if fields:
        try:
            adapter.client.update_table(table, fields, timeout=_TIMEOUT)
        except api_errors.GoogleAPICallError as exc:
            raise DatabaseError(adapter.scrub(getattr(exc, "message", None) or str(exc))) from None
    return missing
