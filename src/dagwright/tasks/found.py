"""dbt's "Found 3 models, 1 seed, ..." line, which every command prints after parsing."""

from __future__ import annotations

from dagwright.session import Session

#: the order dbt's parsers add nodes to its manifest (its line lists kinds in that order):
#: models, snapshots, analyses, singular tests, seeds, hooks; generic tests come from the
#: property files, parsed after them all
_NODE_ORDER = ("model", "snapshot", "analysis", "singular test", "seed", "operation", "test")

#: dbt's plural of a kind; a kind not here adds an "s"
_PLURALS = {"analysis": "analyses", "saved query": "saved queries", "test": "data tests"}


def _counted(count: int, kind: str) -> str:
    return f"{count} {kind if count == 1 else _PLURALS.get(kind, kind + 's')}"


def found_line(session: Session) -> str:
    """dbt's "Found 3 models, 1 seed, ..." line: each kind the project has, none it has not."""
    manifest = session.manifest
    counts: dict[str, int] = {}
    for node in manifest.nodes.values():
        kind = node.resource_type
        if kind == "test" and node.test_metadata is None:
            kind = "singular test"
        counts[kind] = counts.get(kind, 0) + 1
    counts["operation"] = len(manifest.operations)
    ordered = [(kind, counts.get(kind, 0)) for kind in _NODE_ORDER]
    # singular and generic tests are one kind to dbt, listed where the first of them came
    tests = counts.get("singular test", 0) + counts.get("test", 0)
    at = "singular test" if counts.get("singular test") else "test"
    ordered = [(k, tests if k == at else 0) if k in ("singular test", "test") else (k, n) for k, n in ordered]
    semantic: dict[str, int] = {}
    for item in manifest.semantic_nodes.values():
        semantic[item.resource_type] = semantic.get(item.resource_type, 0) + 1
    ordered += [
        ("source", len(manifest.sources)),
        ("exposure", len(manifest.exposures)),
        ("metric", semantic.get("metric", 0)),
        ("macro", len(manifest.macros)),
        ("group", len(manifest.groups)),
        ("semantic model", semantic.get("semantic_model", 0)),
        ("saved query", semantic.get("saved_query", 0)),
        ("unit test", len(manifest.unit_tests)),
    ]
    parts = [_counted(n, "test" if k == "singular test" else k) for k, n in ordered if n]
    return "Found " + ", ".join(parts)
