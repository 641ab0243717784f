"""Grants and ``persist_docs`` where dagwright does not apply them (``parse.unsupported`` rows).

dagwright applies both on PostgreSQL and DuckDB inside the node's transaction, and on Spark
and BigQuery right after the publish, as their dbt adapters do (materialize/catalog_effects.py).
What is left:

- grants on DuckDB are counted in the warning line: DuckDB has no privileges, and dbt-duckdb
  only warns ("Grants for relations are not supported by DuckDB");
- ``persist_docs`` ``columns`` of a Spark view is counted in the warning line (comments
  only: the relation and its rows are the same without them; dbt-spark writes them into the
  view's DDL); a Spark table's column comments and every relation's comment are applied there,
  and all of it on BigQuery (adapters/bigquery_docs.py).
"""

from __future__ import annotations

from collections.abc import Mapping

from dagwright.parse.nodes import Node
from dagwright.parse.unsupported_scope import NODE_KEYS, RUNS, Scope

#: engines whose dbt adapter persists docs that dagwright does not
DOCS_NOT_PERSISTED = ("spark",)
_TYPES = ("model", "seed", "snapshot")

NODE_KEYS.update(("grants", "persist_docs"))


def _with_grants(scope: Scope) -> list[Node]:
    return [
        n
        for n in scope.candidates()
        if n.resource_type in _TYPES and isinstance(grants := n.config.get("grants"), Mapping) and any(grants.values())
    ]


def grants_ignored(scope: Scope) -> str:
    if scope.adapter_type != "duckdb" or scope.command not in RUNS:
        return ""
    count = len(_with_grants(scope))
    if not count:
        return ""
    nodes = "node" if count == 1 else "nodes"
    return f"grants of {count} {nodes} (DuckDB has no privileges; dbt-duckdb ignores them too, with a warning)"


def persist_docs_ignored(scope: Scope) -> str:
    """Spark: the relation's comment is applied (in the statement that builds it, as dbt-spark
    writes it), and a table's column comments (after it is built); a view's column comments
    are not."""
    if scope.adapter_type not in DOCS_NOT_PERSISTED or scope.command not in RUNS:
        return ""
    count = sum(
        1
        for n in scope.candidates()
        if n.resource_type == "model"
        and n.materialized == "view"
        and isinstance(docs := n.config.get("persist_docs"), Mapping)
        and docs.get("columns")
        and n.columns
    )
    if not count:
        return ""
    nodes = "view" if count == 1 else "views"
    return f"persist_docs columns of {count} {nodes} (column comments of views not applied on {scope.adapter_type})"
