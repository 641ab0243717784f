"""Grants where dagwright does not apply them (a ``parse.unsupported`` row).

dagwright applies grants and ``persist_docs`` on PostgreSQL and DuckDB inside the node's
transaction, and on Spark and BigQuery right after the publish, as their dbt adapters do
(materialize/catalog_effects.py; Spark's relation comment and a view's column comments are in
the DDL that builds the relation). What is left: grants on DuckDB are counted in the warning
line: DuckDB has no privileges, and dbt-duckdb only warns ("Grants for relations are not
supported by DuckDB").
"""

from __future__ import annotations

from collections.abc import Mapping

from dagwright.parse.nodes import Node
from dagwright.parse.unsupported_scope import NODE_KEYS, RUNS, Scope

_TYPES = ("model", "seed", "snapshot")

NODE_KEYS.update(("grants",))


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
