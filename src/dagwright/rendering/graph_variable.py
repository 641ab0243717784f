"""``graph``: dbt's flat graph of the project, as templates read it, built on first use.

Nodes (run hooks among them), sources, exposures and groups as manifest.json lists them
(``rendering.node_dicts``), and dbt's empty kinds dagwright does not have.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dagwright.adapters.base import Relation
from dagwright.parse.nodes import Manifest


class LazyGraph(Mapping[str, Any]):
    """``graph``: dbt's flat graph (nodes and sources as in manifest.json), built on first use."""

    def __init__(self, render_relation: Callable[[Relation], str], created_at: float, manifest: Manifest) -> None:
        self.render_relation = render_relation
        self.created_at = created_at
        self.manifest = manifest
        self._data: dict[str, Any] | None = None

    def _build(self) -> dict[str, Any]:
        if self._data is None:
            from dagwright.rendering.node_dicts import graph_members, node_dict, source_dict

            render, created = self.render_relation, self.created_at
            nodes = {
                uid: node_dict(node, render(node.relation) if node.is_relational else None, None, "", "target", created)
                for uid, node in self.manifest.nodes.items()
            }
            sources = {
                uid: source_dict(s, s.relation_name(render), created) for uid, s in self.manifest.sources.items()
            }
            members = graph_members(self.manifest, created)
            from dagwright.rendering.semantic_dicts import semantic_sections

            semantic = semantic_sections(self.manifest, render, created)
            functions = {uid: nodes.pop(uid) for uid in list(nodes) if uid.startswith("function.")}
            nodes.update(members.pop("operations"))
            self._data = {
                "nodes": nodes,
                "sources": sources,
                **members,
                **semantic,
                "unit_tests": {},
                "functions": functions,
            }
        return self._data

    def __getitem__(self, key: str) -> Any:
        return self._build()[key]

    def __iter__(self) -> Any:
        return iter(self._build())

    def __len__(self) -> int:
        return len(self._build())
