"""parse, compile, ls: commands that read the project and touch no table."""

from __future__ import annotations

import json
from collections.abc import Callable

from dagwright.artifacts.files import write_text_if_changed
from dagwright.errors import DagwrightError
from dagwright.parse.nodes import written_file_path
from dagwright.session import RESOURCE_TYPES, Flags, Session, found_line

Echo = Callable[[str], None]


def _write_manifest(session: Session, compiled: dict[str, str] | None = None) -> None:
    session.write_manifest(compiled)


def parse(flags: Flags, echo: Echo) -> int:
    session = Session(flags)
    _ = session.manifest
    _write_manifest(session)
    echo(found_line(session))
    echo(f"Wrote {session.target_dir / 'manifest.json'}")
    return 0


def compile_project(flags: Flags, echo: Echo) -> int:
    from concurrent.futures import Future, ThreadPoolExecutor

    from dagwright.execute.compile import Compiler, MainConnection, renders_incremental
    from dagwright.materialize.incremental import should_full_refresh

    session = Session(flags)
    manifest = session.manifest
    selected = session.select(("model", "snapshot"))
    compiler = Compiler(session.run_context, manifest, session.loader.templates, session.loader.static_parts)
    session.run_context.selected_resources = list(selected)
    # the engine is opened only if a template runs a query or an incremental model needs its table
    compiler.connect = statements = MainConnection(lambda: session.adapter.open("main"))
    compiled: dict[str, str] = {}
    conn = None
    writes: list[Future[None]] = []
    # Writing a file costs more than compiling a static model, and the file system works
    # while Python does not: files are written by a few threads as the models compile.
    writer = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dagwright-write")
    try:
        for uid in selected:
            node = manifest.nodes[uid]
            existing = None
            # a model rebuilt in full never renders as incremental: no need to look for its table
            if node.materialized == "incremental" and not should_full_refresh(node.config, flags.full_refresh):
                conn = conn or session.adapter.open("main")
                existing = conn.relation_kind(node.relation)
            incremental = renders_incremental(node, existing, flags.full_refresh)
            result = compiler.compile(node, is_incremental=lambda inc=incremental: inc)
            compiled[uid] = result.sql
            path = session.target_dir / "compiled" / node.package_name / written_file_path(node)
            writes.append(writer.submit(write_text_if_changed, path, result.sql))
    finally:
        writer.shutdown(wait=True)
        statements.close()
        if conn is not None:
            conn.close()
        if "adapter" in session.__dict__:
            session.adapter.close()
    for write in writes:
        write.result()  # a failed write fails the command
    _write_manifest(session, compiled)
    echo(found_line(session))
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
    nodes = {**manifest.nodes, **manifest.sources, **manifest.exposures}
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
            prefix = f"{node.resource_type}:" if node.resource_type in ("source", "exposure") else ""
            echo(prefix + ".".join(node.fqn))
    return 0
