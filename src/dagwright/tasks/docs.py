"""docs generate: target/catalog.json, as dbt's command writes it.

As dbt: the selected nodes are compiled first (``--no-compile`` skips it; a node that fails
to compile stops the command, exit 2, with no catalog written), which writes
target/compiled, manifest.json and run_results.json (``which: generate``); then one
read-only query per database asks the engine for the tables and views of the schemas the
project's relations and sources live in (``catalog_rows`` of the adapter), and each table is
matched to the node or source whose relation it is. With ``--select``, only the selected
nodes and sources are kept; ``--empty-catalog`` writes a catalog with none, without asking
the engine. Where dbt copies its documentation site into target/index.html, dagwright writes
its own (``report/docs_site.py``: one self-contained page from manifest.json, catalog.json and
run_results.json; ``--static`` also writes it as static_index.html, as dbt's one-file site).

docs serve: that page, rebuilt from the artifacts in target/, served from target/ on
localhost (``--host``, ``--port``) until Ctrl-C, so the run timeline beside it opens too.
"""

from __future__ import annotations

import functools
import http.server
import webbrowser
from collections.abc import Callable
from typing import Any

from dagwright.artifacts.catalog import catalog_dict, catalog_tables, relation_key, write_catalog
from dagwright.errors import DagwrightError
from dagwright.execute.results import utcnow
from dagwright.report.command_log import say
from dagwright.report.docs_site import is_stale, previous_run, write_docs_site
from dagwright.session import Flags, Session, target_dir_of
from dagwright.tasks.command_output import attach_log
from dagwright.tasks.compile_command import compile_session
from dagwright.tasks.found import found_line

Echo = Callable[[str], None]

#: what dbt's docs generate selects (its compile's types)
CATALOGED_TYPES = ("model", "snapshot", "seed", "test", "analysis", "source")


def generate_docs(flags: Flags, echo: Echo) -> int:
    session = Session(flags)
    attach_log(session, echo)
    started_at = utcnow()
    try:
        return _generate(session, flags, echo, started_at)
    finally:
        if "adapter" in session.__dict__:
            session.adapter.close()


def _generate(session: Session, flags: Flags, echo: Echo, started_at: Any) -> int:
    manifest = session.manifest
    if not flags.extra.get("empty_catalog") and not hasattr(session.adapter, "catalog_rows"):
        # before anything is compiled or written
        raise DagwrightError(
            f"docs generate does not read the catalog of {session.target.type} yet",
            hint="--empty-catalog writes a catalog with no tables",
        )
    last_run = previous_run(session.target_dir)  # before compile's run_results.json replaces it
    compiled = bool(flags.extra.get("compile", True))
    if compiled:
        compile_session(session, flags, echo, summary_line=False)
    else:
        echo(found_line(session))
        session.write_manifest()
    # as dbt: the selection (what compile ran, and the sources it selects) applies only when
    # compile ran; with --no-compile every node and source is cataloged
    selected = set(session.select(CATALOGED_TYPES)) if compiled else None
    node_keys = {
        uid: relation_key(node.database, node.schema, node.alias)
        for uid, node in manifest.nodes.items()
        if node.resource_type not in ("operation", "unit_test")
    }
    source_keys = {
        uid: relation_key(source.database, source.schema, source.identifier) for uid, source in manifest.sources.items()
    }
    rows: list[dict[str, Any]] = []
    if flags.extra.get("empty_catalog"):
        selected = set()
    else:
        say(echo, "BuildingCatalog", "Building catalog")
        rows = _catalog_rows(session, selected)
        keys = {**node_keys, **source_keys}
        relations = {keys[uid] for uid in selected or () if uid in keys}
        if selected is not None and getattr(session.adapter, "catalog_by_relations", False) and len(relations) <= 100:
            rows = _on_relations(rows, relations, getattr(session.adapter, "catalog_shard_suffix", None))
    data = catalog_dict(
        catalog_tables(rows),
        node_keys,
        source_keys,
        selected=selected,
        invocation_id=session.invocation_id,
        started_at=started_at,
    )
    path = session.target_dir / "catalog.json"
    write_catalog(path, data)
    say(echo, "CatalogWritten", f"Catalog written to {path.resolve()}", {"path": str(path.resolve())})
    page = write_docs_site(session.target_dir, static_copy=bool(flags.extra.get("static")), run_results=last_run)
    echo(f"Documentation site written to {page.resolve()} (open it, or run `dagwright docs serve`)")
    return 0


def serve_docs(flags: Flags, echo: Echo) -> int:
    """Serve target/ (the site rebuilt from its artifacts) until interrupted."""
    target = target_dir_of(flags)
    # the page docs generate wrote knows the run before it; rebuilt when an artifact is newer
    page = write_docs_site(target) if is_stale(target) else target / "index.html"
    host = str(flags.extra.get("host") or "127.0.0.1")
    given = flags.extra.get("port")
    port = 8080 if given is None or given == "" else int(given)  # 0: any free port
    handler = functools.partial(_QuietHandler, directory=str(target))
    try:
        server = http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise DagwrightError(
            f"cannot serve the docs on {host}:{port}: {exc.strerror or exc}", hint="choose another --port"
        ) from None
    address = f"http://{host}:{server.server_address[1]}/{page.name}"
    echo(f"Serving docs at {address} (from {target}); press Ctrl+C to stop")
    if flags.extra.get("browser", True):
        webbrowser.open(address)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        echo("Stopped serving the docs.")
    finally:
        server.server_close()
    return 0


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # the requests are not news
        pass


def _on_relations(
    rows: list[dict[str, Any]], relations: set[tuple[str | None, str, str]], shard_suffix: str | None
) -> list[dict[str, Any]]:
    """The rows of the selected relations only. dbt asks an engine that can (DuckDB,
    PostgreSQL, BigQuery) for at most 100 selected relations by name instead of whole schemas;
    on BigQuery that asks for a date-sharded table (listed as ``name*``) by its shards' common
    name, which no relation has, so dbt's catalog leaves it out: so does this."""
    kept = []
    for row in rows:
        name = str(row["table_name"])
        if shard_suffix and name.endswith(shard_suffix):
            name = name[: -len(shard_suffix)]
        database = row.get("table_database")
        key = relation_key(None if database is None else str(database), str(row["table_schema"]), name)
        if key in relations or (key[0] is None and any(r[1:] == key[1:] for r in relations)):
            kept.append(row)
    return kept


def _catalog_rows(session: Session, selected: set[str] | None) -> list[dict[str, Any]]:
    """The engine's rows for every schema a cataloged relation lives in, by database."""
    manifest = session.manifest
    adapter = session.adapter
    read = adapter.catalog_rows  # type: ignore[attr-defined]
    by_database: dict[str | None, set[str]] = {}
    for uid, node in manifest.nodes.items():
        if node.is_relational and (selected is None or uid in selected):
            by_database.setdefault(node.database, set()).add(node.schema)
    for uid, source in manifest.sources.items():
        if selected is None or uid in selected:
            by_database.setdefault(source.database, set()).add(source.schema)
    # databases that differ only in case are one database to the engine
    merged: dict[str | None, set[str]] = {}
    for database, schemas in by_database.items():
        key = next((d for d in merged if (d or "").lower() == (database or "").lower()), database)
        merged.setdefault(key, set()).update(schemas)
    rows: list[dict[str, Any]] = []
    conn = adapter.open("generate_catalog")
    try:
        for database, schemas in merged.items():
            rows.extend(read(conn, database, sorted(schemas)))
    finally:
        conn.close()
    return rows
