"""Foreign key constraints that name their relation with ``to: ref('...')`` or
``to: source('...', '...')`` (dbt 1.9+, with ``to_columns``): as dbt does when it parses a
model, each ``to`` becomes one of the model's refs or sources, so the referenced relation is a
parent of the model (built before it; ``depends_on``). The relation it names is rendered into
the table's DDL when the model runs (execute/foreign_keys.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from dagwright.errors import ProjectError
from dagwright.parse.nodes import Node, RefCall, SourceCall
from dagwright.parse.static import _expression, _NotStatic


def foreign_keys_to(node: Node) -> Iterator[Mapping[str, Any]]:
    """The model's foreign keys with ``to`` (model-level first, then its columns', as dbt)."""
    every = [*node.constraints, *(c for column in node.columns.values() for c in column.constraints)]
    return (c for c in every if c.get("type") == "foreign_key" and c.get("to"))


def parse_to(text: str) -> RefCall | SourceCall | None:
    """``ref('m')``, ``ref('pkg', 'm', v=1)`` or ``source('s', 't')`` (optionally in ``{{ }}``);
    None when ``text`` is neither."""
    inner = text.strip()
    if inner.startswith("{{") and inner.endswith("}}"):
        inner = inner[2:-2].strip()
    try:
        expr = _expression(inner, 1)
    except _NotStatic:
        return None
    if expr.kind == "ref" and 1 <= len(expr.args) <= 2 and all(isinstance(a, str) for a in expr.args):
        kwargs = dict(expr.kwargs)
        version = kwargs.get("version", kwargs.get("v"))
        package = expr.args[0] if len(expr.args) == 2 else None
        return RefCall(expr.args[-1], package, version)
    if expr.kind == "source" and len(expr.args) == 2 and all(isinstance(a, str) for a in expr.args):
        return SourceCall(expr.args[0], expr.args[1])
    return None


def foreign_key_calls(node: Node, path: str) -> tuple[list[RefCall], list[SourceCall]]:
    """The refs and sources the model's foreign keys name with ``to``."""
    refs: list[RefCall] = []
    sources: list[SourceCall] = []
    for constraint in foreign_keys_to(node):
        call = parse_to(str(constraint["to"]))
        if call is None:
            raise ProjectError(
                f"Invalid 'ref' or 'source' syntax on foreign key constraint 'to' on model {node.name}: "
                f"{constraint['to']}.",
                path=path,
                node=node.unique_id,
                hint="write it as to: ref('model') or to: source('source', 'table')",
            )
        (refs if isinstance(call, RefCall) else sources).append(call)
    return refs, sources
