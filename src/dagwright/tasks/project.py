"""parse, compile, ls: commands that read the project and touch no table."""

from __future__ import annotations

import json
from collections.abc import Callable

from dagwright.artifacts.files import write_text_atomic
from dagwright.errors import DagwrightError
from dagwright.execute.compile import Compiler, MainConnection
from dagwright.session import RESOURCE_TYPES, Flags, Session
from dagwright.tasks.run import _found_line

Echo = Callable[[str], None]


def _write_manifest(session: Session, compiled: dict[str, str] | None = None) -> None:
    session.write_manifest(compiled)


def parse(flags: Flags, echo: Echo) -> int:
    session = Session(flags)
    _ = session.manifest
    _write_manifest(session)
    echo(_found_line(session))
    echo(f"Wrote {session.target_dir / 'manifest.json'}")
    return 0


def compile_project(flags: Flags, echo: Echo) -> int:
    session = Session(flags)
    manifest = session.manifest
    selected = session.select(("model", "snapshot"))
    compiler = Compiler(session.run_context, manifest, session.loader.templates, session.loader.static_parts)
    adapter = session.adapter
    session.run_context.selected_resources = list(selected)
    compiler.connect = statements = MainConnection(adapter)  # run_query & co. at compile time
    compiled: dict[str, str] = {}
    conn = None
    try:
        for uid in selected:
            node = manifest.nodes[uid]
            existing = None
            if node.materialized == "incremental":
                conn = conn or adapter.open("main")
                existing = conn.relation_kind(node.relation)
            incremental = node.materialized == "incremental" and existing == "table" and not flags.full_refresh
            result = compiler.compile(node, is_incremental=lambda inc=incremental: inc)
            compiled[uid] = result.sql
            path = session.target_dir / "compiled" / node.package_name / node.original_file_path
            write_text_atomic(path, result.sql)
    finally:
        statements.close()
        if conn is not None:
            conn.close()
        adapter.close()
    _write_manifest(session, compiled)
    echo(_found_line(session))
    if len(selected) == 1:
        node = manifest.nodes[selected[0]]
        echo(f"Compiled node '{node.name}' is:")
        echo(compiled[selected[0]])
    else:
        echo(f"Compiled {len(compiled)} models into {session.target_dir / 'compiled'}")
    return 0


def list_nodes(flags: Flags, echo: Echo) -> int:
    session = Session(flags)
    types = list(flags.resource_types) or ["all"]
    session.check_resource_types(types)
    if "all" in types or "default" in types:
        types = list(RESOURCE_TYPES)
    manifest = session.manifest
    chosen = set(session.select(types, include_empty=True))
    nodes = {**manifest.nodes, **manifest.sources}
    output = flags.output
    if output not in ("selector", "name", "path", "json"):
        raise DagwrightError(f"unknown --output '{output}'; use one of: selector, name, path, json")
    for uid in sorted(chosen):
        node = nodes[uid]
        if output == "name":
            # dbt's search_name: sources are listed as source_name.table_name
            echo(f"{node.source_name}.{node.name}" if node.resource_type == "source" else node.name)
        elif output == "path":
            echo(node.original_file_path)
        elif output == "json":
            depends = list(getattr(node, "depends_on", ()))
            item = {
                "name": node.name,
                "resource_type": node.resource_type,
                "package_name": node.package_name,
                "original_file_path": node.original_file_path,
                "unique_id": uid,
                "alias": getattr(node, "alias", node.name),
                "config": dict(node.config),
                "tags": list(node.tags),
                "depends_on": {"nodes": depends, "macros": []},
            }
            if node.resource_type == "source":
                item["source_name"] = node.source_name
            echo(json.dumps(item, default=str))
        else:
            prefix = "source:" if node.resource_type == "source" else ""
            echo(prefix + ".".join(node.fqn))
    return 0
