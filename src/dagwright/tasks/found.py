"""dbt's "Found 3 models, 1 seed, ..." line, which every command prints after parsing."""

from __future__ import annotations

from dagwright.session import Session


def found_line(session: Session) -> str:
    """dbt's "Found 3 models, 1 seed, ..." line."""
    counts: dict[str, int] = {}
    for node in session.manifest.nodes.values():
        counts[node.resource_type] = counts.get(node.resource_type, 0) + 1
    snapshots = counts.get("snapshot", 0)
    parts = [
        f"{counts.get('model', 0)} models",
        f"{counts.get('seed', 0)} seeds",
        *([f"{snapshots} snapshots"] if snapshots else []),
        *([f"{counts['analysis']} analyses"] if counts.get("analysis") else []),
        f"{counts.get('test', 0)} data tests",
        f"{len(session.manifest.sources)} sources",
        f"{len(session.manifest.macros)} macros",
    ]
    semantic: dict[str, int] = {}
    for item in session.manifest.semantic_nodes.values():
        semantic[item.resource_type] = semantic.get(item.resource_type, 0) + 1
    for kind, one, many in _SEMANTIC_WORDS:
        if semantic.get(kind):
            parts.append(f"{semantic[kind]} {one if semantic[kind] == 1 else many}")
    return "Found " + ", ".join(parts)


_SEMANTIC_WORDS = (
    ("metric", "metric", "metrics"),
    ("semantic_model", "semantic model", "semantic models"),
    ("saved_query", "saved query", "saved queries"),
)
