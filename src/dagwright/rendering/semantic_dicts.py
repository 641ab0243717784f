"""manifest.json's entries of semantic models, metrics and saved queries (and the ``graph``
variable's, which are the same): dbt's identity fields, ``config``, ``depends_on`` and the
kind's own fields as written in the property file (dbt also spells out every optional field
of a measure, dimension or type_params with its default; dagwright writes what is given)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dagwright.parse.nodes import Manifest, SemanticNode

#: manifest.json's key for each kind
MANIFEST_KEYS = {"semantic_model": "semantic_models", "metric": "metrics", "saved_query": "saved_queries"}


def semantic_dict(
    node: SemanticNode, manifest: Manifest, render_relation: Callable[[Any], str] | None, created_at: float
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": node.name,
        "resource_type": node.resource_type,
        "package_name": node.package_name,
        "path": node.path,
        "original_file_path": node.original_file_path,
        "unique_id": node.unique_id,
        "fqn": list(node.fqn),
        "description": node.description if node.description is not None or node.resource_type != "metric" else "",
        "label": node.label,
        **{k: v for k, v in node.body.items()},
        "config": dict(node.config),
        "unrendered_config": dict(node.unrendered_config),
        "depends_on": {"macros": [], "nodes": list(node.depends_on)},
        "refs": [{"name": r.name, "package": r.package, "version": r.version} for r in node.refs],
        "group": node.config.get("group"),
        "created_at": created_at,
    }
    if node.resource_type == "semantic_model":
        out["node_relation"] = _node_relation(node, manifest, render_relation)
    return out


def _node_relation(
    node: SemanticNode, manifest: Manifest, render_relation: Callable[[Any], str] | None
) -> dict[str, Any] | None:
    model = manifest.nodes.get(node.depends_on[0]) if node.depends_on else None
    return node_relation(model, render_relation)


def node_relation(model: Any, render_relation: Callable[[Any], str] | None) -> dict[str, Any] | None:
    """A semantic model's ``node_relation``: the relation of the model it reads (None without one)."""
    if model is None:
        return None
    relation = model.relation
    return {
        "alias": relation.identifier,
        "schema_name": relation.schema,
        "database": relation.database,
        "relation_name": render_relation(relation) if render_relation is not None else None,
    }


def semantic_sections(
    manifest: Manifest, render_relation: Callable[[Any], str] | None, created_at: float
) -> dict[str, dict[str, Any]]:
    """``{"semantic_models": {...}, "metrics": {...}, "saved_queries": {...}}``."""
    out: dict[str, dict[str, Any]] = {key: {} for key in MANIFEST_KEYS.values()}
    for uid, node in manifest.semantic_nodes.items():
        out[MANIFEST_KEYS[node.resource_type]][uid] = semantic_dict(node, manifest, render_relation, created_at)
    return out
