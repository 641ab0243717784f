"""A model's foreign keys with ``to: ref(...)`` / ``source(...)`` compiled as dbt compiles them:
``to`` replaced by the relation it names, rendered by the engine's adapter (dbt-duckdb leaves
the database out: DuckDB refuses a catalog-qualified target). The parse stage made the
relation a parent of the model (parse/foreign_keys.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dagwright.adapters.base import Adapter, Relation
from dagwright.errors import CompilationError
from dagwright.materialize.contract import contract_enforced
from dagwright.parse.foreign_keys import foreign_keys_to, parse_to
from dagwright.parse.nodes import Manifest, Node, RefCall


def _target(manifest: Manifest, node: Node, text: str) -> Relation:
    call = parse_to(text)
    if isinstance(call, RefCall):
        uid = manifest.find_ref(call.name, call.package, node.package_name, call.version)
        found: Any = manifest.nodes.get(uid) if uid else None
    elif call is not None:
        uid = manifest.find_source(call.source_name, call.table_name, node.package_name)
        found = manifest.sources.get(uid) if uid else None
    else:
        found = None
    if found is None:
        raise CompilationError(
            f"Model '{node.unique_id}' depends on a node named '{text}' which was not found "
            "(the 'to' of its foreign key constraint)"
        )
    return found.relation


def _rendered(adapter: Adapter, relation: Relation) -> str:
    if getattr(adapter, "foreign_key_target_without_database", False):
        relation = Relation(None, relation.schema, relation.identifier)
    return adapter.render(relation)


def _compiled(adapter: Adapter, manifest: Manifest, node: Node, constraint: Any) -> Any:
    if constraint.get("type") != "foreign_key" or not constraint.get("to"):
        return constraint
    return {**constraint, "to": _rendered(adapter, _target(manifest, node, str(constraint["to"])))}


def with_foreign_keys_compiled(node: Node, manifest: Manifest, adapter: Adapter) -> Node:
    """``node`` with the ``to`` of each foreign key the relation it names; itself when it has none."""
    if next(foreign_keys_to(node), None) is None:
        return node
    columns = {
        name: replace(column, constraints=tuple(_compiled(adapter, manifest, node, c) for c in column.constraints))
        for name, column in node.columns.items()
    }
    constraints = tuple(_compiled(adapter, manifest, node, c) for c in node.constraints)
    return replace(node, columns=columns, constraints=constraints)


def foreign_key_replace_note(manifest: Manifest, node: Node, error: str) -> str:
    """What to add to an engine's refusal to replace a table that another table's foreign key
    references (DuckDB's dependency error): dbt-duckdb drops and rebuilds the referencing
    tables of a run, dagwright does not (yet). Empty for any other error."""
    if "depend" not in error.lower():
        return ""
    referencing = sorted(
        other.name
        for other in manifest.nodes.values()
        if node.unique_id in other.depends_on
        and contract_enforced(other)  # only then are its constraints built
        and other.materialized in ("table", "incremental")
        and any(_names(manifest, other, str(c["to"])) == node.unique_id for c in foreign_keys_to(other))
    )
    if not referencing:
        return ""
    return (
        f"\n  {node.name} is referenced by the foreign key of {', '.join(referencing)}: replacing a table a "
        "foreign key references is not implemented by dagwright (dbt-duckdb drops and rebuilds the "
        f"referencing tables); drop {', '.join(referencing)} first, or leave {node.name} out (--exclude)"
    )


def _names(manifest: Manifest, node: Node, text: str) -> str | None:
    call = parse_to(text)
    if isinstance(call, RefCall):
        return manifest.find_ref(call.name, call.package, node.package_name, call.version)
    if call is not None:
        return manifest.find_source(call.source_name, call.table_name, node.package_name)
    return None
