"""The documentation site: one self-contained page (target/index.html) built from the
artifacts in target/ — manifest.json (nodes, descriptions, columns, tests, lineage),
catalog.json (the warehouse's column types and comments, when ``docs generate`` wrote one)
and run_results.json (each node's latest outcome). The style and script are package data
beside this module (docs_site.css, docs_site.js), inlined with the data, so the page works
from a file as well as served by ``docs serve``: nothing is fetched.

The page's state lives in the URL's fragment (``#node=<unique_id>``, ``#q=<search>``), so a
node's page can be linked to, and a headless browser can be pointed at any view.
"""

from __future__ import annotations

import functools
import html
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from dagwright import __version__
from dagwright.artifacts.files import read_json, write_text_atomic

#: the commands whose run_results.json tells how nodes last ran (compile's and docs
#: generate's list every node as compiled: shown as no run)
RUN_COMMANDS = frozenset({"run", "build", "test", "seed", "snapshot", "retry"})
#: the kinds of nodes the site lists, in its order
LISTED = ("model", "source", "seed", "snapshot", "analysis", "exposure", "test", "unit_test")
_OUTCOME_FIELD = "dagwright_outcome"


@functools.cache
def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = read_json(path)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _outcome(result: Mapping[str, Any]) -> str:
    response = result.get("adapter_response") or {}
    own = response.get(_OUTCOME_FIELD) if isinstance(response, Mapping) else None
    return str(own or result.get("status") or "")


def _columns(entry: Mapping[str, Any], catalog: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    declared = entry.get("columns") or {}
    found = (catalog or {}).get("columns") or {}
    by_lower = {str(name).lower(): name for name in declared}
    rows: list[dict[str, Any]] = []
    for name, column in sorted(found.items(), key=lambda item: item[1].get("index") or 0):
        info = declared.get(by_lower.get(str(name).lower(), ""), {})
        rows.append(
            {
                "name": name,
                "type": column.get("type") or info.get("data_type") or "",
                "desc": info.get("description") or column.get("comment") or "",
            }
        )
    known = {str(row["name"]).lower() for row in rows}
    for name, info in declared.items():
        if str(name).lower() not in known:
            rows.append({"name": name, "type": info.get("data_type") or "", "desc": info.get("description") or ""})
    return rows


def site_data(
    manifest: Mapping[str, Any],
    catalog: Mapping[str, Any] | None = None,
    run_results: Mapping[str, Any] | None = None,
    *,
    timeline: bool = False,
) -> dict[str, Any]:
    """What the page shows, from the artifacts' dicts."""
    if run_results is not None and (run_results.get("args") or {}).get("which") not in RUN_COMMANDS:
        run_results = None
    tables = {**((catalog or {}).get("sources") or {}), **((catalog or {}).get("nodes") or {})}
    results = {r.get("unique_id"): r for r in (run_results or {}).get("results") or []}
    entries: dict[str, Mapping[str, Any]] = {}
    for section in ("nodes", "sources", "exposures", "unit_tests"):
        for uid, entry in (manifest.get(section) or {}).items():
            if entry.get("resource_type") in LISTED:
                entries[uid] = entry
    nodes: list[dict[str, Any]] = []
    tests_of: dict[str, list[dict[str, Any]]] = {}
    for uid, entry in entries.items():
        if entry.get("resource_type") != "test":
            continue
        attached = entry.get("attached_node") or next(iter((entry.get("depends_on") or {}).get("nodes") or []), None)
        kwargs = (entry.get("test_metadata") or {}).get("kwargs") or {}
        result = results.get(uid)
        tests_of.setdefault(str(attached), []).append(
            {
                "id": uid,
                "name": (entry.get("test_metadata") or {}).get("name") or entry.get("name"),
                "column": entry.get("column_name") or kwargs.get("column_name"),
                "status": _outcome(result) if result else "",
            }
        )
    for uid, entry in entries.items():
        result = results.get(uid)
        table = tables.get(uid)
        nodes.append(
            {
                "id": uid,
                "name": entry.get("name"),
                "type": entry.get("resource_type"),
                "package": entry.get("package_name"),
                "path": entry.get("original_file_path"),
                "desc": entry.get("description") or "",
                "materialized": (entry.get("config") or {}).get("materialized"),
                "relation": entry.get("relation_name"),
                "tags": list(entry.get("tags") or []),
                "deps": [d for d in (entry.get("depends_on") or {}).get("nodes") or [] if d in entries],
                "columns": _columns(entry, table),
                "tests": tests_of.get(uid, []),
                "raw": entry.get("raw_code") or entry.get("raw_sql") or "",
                "compiled": entry.get("compiled_code") or "",
                "table_type": (table or {}).get("metadata", {}).get("type"),
                "run": None
                if result is None
                else {
                    "status": _outcome(result),
                    "seconds": result.get("execution_time"),
                    "message": result.get("message"),
                    "started": next((t.get("started_at") for t in result.get("timing") or []), None),
                },
            }
        )
    metadata = manifest.get("metadata") or {}
    return {
        "project": metadata.get("project_name"),
        "engine": metadata.get("adapter_type"),
        "generated_at": metadata.get("generated_at"),
        "generator": f"dagwright {__version__}",
        "catalog": catalog is not None,
        "run": None
        if run_results is None
        else {
            "command": (run_results.get("args") or {}).get("which"),
            "generated_at": (run_results.get("metadata") or {}).get("generated_at"),
        },
        "timeline": timeline,
        "nodes": nodes,
    }


def _script_json(data: Any) -> str:
    """JSON safe inside a <script> element (no ``</`` closes it early)."""
    return json.dumps(data, separators=(",", ":")).replace("</", "<\\/").replace("<!--", "<\\!--")


def render_page(data: Mapping[str, Any]) -> str:
    title = html.escape(f"{data.get('project') or 'dbt project'} · docs")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{title}</title><style>{_asset('docs_site.css')}</style></head><body>"
        "<header><a id='home' href='#'></a><span id='meta'></span><span id='links'></span></header>"
        "<nav><input id='search' type='search' placeholder='Search nodes (name, tag:x, type:model)' "
        "autocomplete='off'><div id='list'></div></nav><main id='main'></main>"
        f"<script id='data' type='application/json'>{_script_json(data)}</script>"
        f"<script>{_asset('docs_site.js')}</script></body></html>\n"
    )


def previous_run(target_dir: Path) -> dict[str, Any] | None:
    """target/run_results.json when a run-family command wrote it (before a command that
    compiles overwrites it)."""
    data = _read(target_dir / "run_results.json")
    return data if data is not None and (data.get("args") or {}).get("which") in RUN_COMMANDS else None


def is_stale(target_dir: Path) -> bool:
    """Whether an artifact is newer than target/index.html (or there is no page)."""
    try:
        built = (target_dir / "index.html").stat().st_mtime
    except OSError:
        return True
    for name in ("manifest.json", "catalog.json", "run_results.json", "timeline.html"):
        try:
            if (target_dir / name).stat().st_mtime > built:
                return True
        except OSError:
            continue
    return False


def write_docs_site(
    target_dir: Path, *, static_copy: bool = False, run_results: Mapping[str, Any] | None = None
) -> Path:
    """target/index.html from the artifacts there (and static_index.html, the same page,
    where dbt's ``--static`` writes its one-file site); ``run_results``: the run to show
    (default: target/run_results.json when a run wrote it). Returns the page's path."""
    manifest = _read(target_dir / "manifest.json")
    if manifest is None:
        from dagwright.errors import DagwrightError

        raise DagwrightError(
            f"no manifest.json in {target_dir}", hint="run `dagwright docs generate` first (or `dagwright parse`)"
        )
    data = site_data(
        manifest,
        _read(target_dir / "catalog.json"),
        run_results if run_results is not None else previous_run(target_dir),
        timeline=(target_dir / "timeline.html").exists(),
    )
    page = render_page(data)
    path = target_dir / "index.html"
    write_text_atomic(path, page)
    if static_copy:
        write_text_atomic(target_dir / "static_index.html", page)
    return path
