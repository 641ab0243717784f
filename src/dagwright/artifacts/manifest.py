"""target/manifest.json in dbt's schema v12, for what dagwright knows.

The entries of nodes, sources, run hooks, exposures and groups are ``rendering.node_dicts``'s
(the ``graph`` variable of templates holds the same ones)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dagwright import __version__
from dagwright.artifacts.files import JsonEntries, write_json_streamed_atomic
from dagwright.parse.materializations import supported_languages
from dagwright.parse.nodes import Macro, Manifest
from dagwright.rendering.block_tags import MATERIALIZATION_MACRO_PREFIX
from dagwright.rendering.node_dicts import (
    exposure_dict,
    group_dict,
    node_dict,
    operation_dict,
    source_dict,
    unit_test_dict,
)
from dagwright.rendering.semantic_dicts import semantic_sections

MANIFEST_SCHEMA = "https://schemas.getdbt.com/dbt/manifest/v12.json"


def group_map(manifest: Manifest) -> dict[str, list[str]]:
    """Group name -> the nodes in it (models by their config, tests by their model's group)."""
    out: dict[str, list[str]] = {}
    for uid, node in manifest.nodes.items():
        group = node.config.get("group") or node.attached_group
        if group:
            out.setdefault(str(group), []).append(uid)
    return {name: sorted(uids) for name, uids in out.items()}


def docs_dict(manifest: Manifest) -> dict[str, Any]:
    """dbt's ``docs``: the built-in overview page and the project's {% docs %} blocks."""
    from dagwright.parse.docs import OVERVIEW

    blocks = {OVERVIEW.unique_id: OVERVIEW, **manifest.docs}
    return {
        uid: {
            "name": d.name,
            "resource_type": "doc",
            "package_name": d.package_name,
            "path": d.path,
            "original_file_path": d.original_file_path,
            "unique_id": d.unique_id,
            "block_contents": d.block_contents,
        }
        for uid, d in blocks.items()
    }


def macro_dict(macro: Macro, created_at: float) -> dict[str, Any]:
    return {
        "name": macro.name,
        "resource_type": "macro",
        "package_name": macro.package_name,
        "path": macro.original_file_path,
        "original_file_path": macro.original_file_path,
        "unique_id": macro.unique_id,
        "macro_sql": macro.macro_sql,
        "depends_on": {"macros": list(macro.depends_on_macros)},
        "description": macro.description,
        "meta": {},
        "docs": {"show": True, "node_color": None},
        "config": {"meta": {}, "docs": {"show": True, "node_color": None}},
        "patch_path": None,
        "arguments": [],
        "created_at": created_at,
        # a {% materialization %} block's languages (dbt lists them; None for other macros)
        "supported_languages": supported_languages(macro.macro_sql)
        if macro.name.startswith(MATERIALIZATION_MACRO_PREFIX)
        else None,
    }


def manifest_dict(
    manifest: Manifest,
    *,
    render_relation: Any,
    invocation_id: str,
    adapter_type: str,
    root_path: Path,
    target_path: str,
    run_started_at: dt.datetime,
    compiled: Mapping[str, str] | None = None,
    quote_policy: tuple[bool, bool, bool] = (True, True, True),
    store_failures: bool = False,
    selectors: Mapping[str, Any] | None = None,
    stream_nodes: bool = False,
) -> dict[str, Any]:
    """``store_failures``: the --store-failures flag (a test then names its audit relation);
    ``stream_nodes``: the nodes as ``JsonEntries``, made while ``write_manifest`` writes them."""
    created_at = run_started_at.timestamp()
    functions: dict[str, Any] = {}
    for uid, node in manifest.nodes.items():
        if node.resource_type == "function":  # their own section (dbt 1.11's UDFs)
            relation = render_relation(node.relation) if node.has_relation(store_failures) else None
            node_root = manifest.package_roots.get(node.package_name, str(root_path))
            functions[uid] = node_dict(node, relation, compiled, node_root, target_path, created_at)

    def node_entries() -> Iterator[tuple[str, dict[str, Any]]]:
        # each id once, the last one's entry, as a dict filled in this order would hold it
        operation_ids = {operation.unique_id for operation in manifest.operations}
        for uid, node in manifest.nodes.items():
            if uid in manifest.inactive_tests or uid in operation_ids or node.resource_type == "function":
                continue
            relation = render_relation(node.relation) if node.has_relation(store_failures) else None
            node_root = manifest.package_roots.get(node.package_name, str(root_path))
            yield uid, node_dict(node, relation, compiled, node_root, target_path, created_at)
        for uid, node in manifest.inactive_tests.items():
            if uid in operation_ids:
                continue
            yield uid, node_dict(node, None, None, str(root_path), target_path, created_at)
        for operation in manifest.operations:
            yield operation.unique_id, operation_dict(operation, manifest, created_at)

    # streamed: a node's dict lives only while it is written (10,000 models: ~50 MB less)
    nodes: dict[str, Any] | JsonEntries = JsonEntries(node_entries) if stream_nodes else dict(node_entries())
    disabled: dict[str, list[dict[str, Any]]] = {}
    for uid, node in manifest.disabled.items():
        relation = render_relation(node.relation) if node.is_relational else None
        disabled.setdefault(uid, []).append(node_dict(node, relation, None, str(root_path), target_path, created_at))
    for uid, source in manifest.disabled_sources.items():
        disabled.setdefault(uid, []).append(source_dict(source, source.relation_name(render_relation), created_at))
    for uid, exposure in manifest.disabled_exposures.items():
        disabled.setdefault(uid, []).append(exposure_dict(exposure, created_at))
    in_maps = (
        *manifest.nodes,
        *manifest.inactive_tests,
        *(op.unique_id for op in manifest.operations),
        *manifest.sources,
        *manifest.exposures,
        *manifest.semantic_nodes,
    )
    parent_map = {uid: sorted(manifest.parents.get(uid, ())) for uid in in_maps}
    child_map = {uid: sorted(manifest.children.get(uid, ())) for uid in in_maps}
    for uid, unit in manifest.unit_tests.items():  # children of their model
        parent_map[uid] = list(unit.depends_on)
        child_map[uid] = []
        for model in unit.depends_on:
            if model in child_map:
                child_map[model] = sorted((*child_map[model], uid))
    semantic = semantic_sections(manifest, render_relation, created_at)
    return {
        "metadata": {
            "dbt_schema_version": MANIFEST_SCHEMA,
            "dbt_version": "1.11.0",
            "generator": f"dagwright {__version__}",
            "generated_at": _iso(dt.datetime.now(dt.timezone.utc)),
            "invocation_id": invocation_id,
            "invocation_started_at": run_started_at.isoformat(),
            "env": {},
            "project_name": manifest.project_name,
            "adapter_type": adapter_type,
            "quoting": {**dict(zip(("database", "schema", "identifier"), quote_policy)), "column": None},
            "run_started_at": run_started_at.isoformat(),
        },
        "nodes": nodes,
        "sources": {
            uid: source_dict(s, s.relation_name(render_relation), created_at) for uid, s in manifest.sources.items()
        },
        "macros": {uid: macro_dict(m, created_at) for uid, m in manifest.macros.items()},
        "docs": docs_dict(manifest),
        "exposures": {uid: exposure_dict(e, created_at) for uid, e in manifest.exposures.items()},
        "metrics": semantic["metrics"],
        "groups": {uid: group_dict(g) for uid, g in manifest.groups.items()},
        "selectors": dict(selectors or {}),
        "disabled": disabled,
        "parent_map": parent_map,
        "child_map": child_map,
        "group_map": group_map(manifest),
        "saved_queries": semantic["saved_queries"],
        "semantic_models": semantic["semantic_models"],
        "unit_tests": {uid: unit_test_dict(u, created_at) for uid, u in manifest.unit_tests.items()},
        "functions": functions,
    }


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def write_manifest(path: Path, data: dict[str, Any]) -> None:
    write_json_streamed_atomic(path, data)
