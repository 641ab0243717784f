"""dbt's dictionaries of a project's nodes, sources, run hooks, exposures and groups.

One form for two readers: manifest.json's entries (``artifacts.manifest``) and the ``graph``
variable templates read (``rendering.graph_variable``), which dbt builds from the same
dictionaries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from dagwright.parse.nodes import (
    TEST_CONFIG_DEFAULTS,
    ColumnInfo,
    Exposure,
    Group,
    Manifest,
    Node,
    Operation,
    SourceTable,
    UnitTest,
    source_config_extras,
    written_file_path,
)
from dagwright.project.unit_test_fixtures import fixture_rows
from dagwright.rendering.function_dict import function_dict

_MODEL_CONFIG_DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "alias": None,
    "schema": None,
    "database": None,
    "tags": [],
    "meta": {},
    "group": None,
    "static_analysis": None,
    "materialized": "view",
    "incremental_strategy": None,
    "batch_size": None,
    "lookback": 1,
    "begin": None,
    "persist_docs": {},
    "post-hook": [],
    "pre-hook": [],
    "quoting": {},
    "column_types": {},
    "full_refresh": None,
    "unique_key": None,
    "on_schema_change": "ignore",
    "on_configuration_change": "apply",
    "grants": {},
    "packages": [],
    "docs": {"show": True, "node_color": None},
    "contract": {"enforced": False, "alias_types": True},
    "event_time": None,
    "concurrent_batches": None,
    "access": "protected",
    "freshness": None,
}


#: what dbt's SnapshotConfig adds to (and leaves out of) a model's config
_SNAPSHOT_CONFIG_DEFAULTS: dict[str, Any] = {
    "static_analysis": None,
    "materialized": "snapshot",
    "batch_size": None,
    "lookback": 1,
    "begin": None,
    "strategy": None,
    "target_schema": None,
    "target_database": None,
    "updated_at": None,
    "check_cols": None,
    "snapshot_meta_column_names": {
        "dbt_valid_to": None,
        "dbt_valid_from": None,
        "dbt_scd_id": None,
        "dbt_updated_at": None,
        "dbt_is_deleted": None,
    },
    "dbt_valid_to_current": None,
}
#: model-only keys a snapshot, test or analysis node does not have
_NOT_SNAPSHOT_KEYS = (
    "access",
    "constraints",
    "version",
    "latest_version",
    "deprecation_date",
    "primary_key",
    "time_spine",
)


def _hooks(value: Any) -> list[dict[str, Any]]:
    out = []
    for i, hook in enumerate(value or []):
        if isinstance(hook, Mapping):
            out.append(
                {
                    "sql": str(hook.get("sql", "")),
                    "transaction": bool(hook.get("transaction", True)),
                    "index": i,
                }
            )
        else:
            out.append({"sql": str(hook), "transaction": True, "index": i})
    return out


def _config(node: Node, tags: tuple[str, ...]) -> dict[str, Any]:
    """The node's config with dbt's defaults; ``tags`` is ``node.tags``."""
    if node.resource_type == "test":
        config = {"alias": None, "database": None, "group": None, "static_analysis": None, **node.config}
        config["tags"] = list(tags)
        return config
    if node.resource_type == "model":
        config = {**_MODEL_CONFIG_DEFAULTS, **node.config}
    elif node.resource_type in ("analysis", "function"):  # a model's config without access and freshness
        config = {**_MODEL_CONFIG_DEFAULTS, **node.config}
        config.pop("access", None)
        config.pop("freshness", None)
    else:
        config = dict(_MODEL_CONFIG_DEFAULTS)
        config.pop("freshness", None)  # a model's only
        if node.resource_type == "seed":
            config.pop("access", None)
            config.update({"materialized": "seed", "delimiter": ",", "quote_columns": None})
        if node.resource_type == "snapshot":
            config.pop("access", None)
            config.update(_SNAPSHOT_CONFIG_DEFAULTS)
        config.update(node.config)
    if node.resource_type == "snapshot" and isinstance(node.config.get("snapshot_meta_column_names"), Mapping):
        names = _SNAPSHOT_CONFIG_DEFAULTS["snapshot_meta_column_names"]
        config["snapshot_meta_column_names"] = {**names, **node.config["snapshot_meta_column_names"]}
    config["pre-hook"] = _hooks(node.config.get("pre-hook"))
    config["post-hook"] = _hooks(node.config.get("post-hook"))
    config["tags"] = list(tags)
    own = node.config
    if "contract" in own or "docs" in own:  # a partial mapping keeps dbt's other fields
        for key in ("contract", "docs"):
            if key in config and isinstance(own.get(key), Mapping):
                config[key] = {**_MODEL_CONFIG_DEFAULTS[key], **own[key]}
    return config


def time_spine_dict(time_spine: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A model's ``time_spine`` as dbt writes it."""
    if time_spine is None:
        return None
    return {
        "standard_granularity_column": time_spine.get("standard_granularity_column"),
        "custom_granularities": [
            {"name": c.get("name"), "column_name": c.get("column_name")}
            for c in time_spine.get("custom_granularities") or []
            if isinstance(c, Mapping)
        ],
    }


def unrendered_config(node: Node) -> dict[str, Any]:
    """dbt's ``unrendered_config``, which its ``state:modified`` compares: the keys the project
    sets for the node. dagwright keeps their rendered values, the same unless Jinja in them
    renders differently per target."""
    if node.resource_type == "test":
        return {k: v for k, v in node.config.items() if k not in TEST_CONFIG_DEFAULTS or TEST_CONFIG_DEFAULTS[k] != v}
    if node.resource_type == "seed":
        return {k: v for k, v in node.config.items() if (k, v) != ("materialized", "seed")}
    return dict(node.config)


def contract_checksum(node: Node) -> str | None:
    """dbt's checksum of an enforced model contract (what ``state:modified.contract`` compares),
    where dagwright can make it as dbt does: without constraints (dbt hashes their Python form)."""
    contract = node.config.get("contract")
    if node.resource_type != "model" or not isinstance(contract, Mapping) or contract.get("enforced") is not True:
        return None
    if node.constraints or any(c.constraints for c in node.columns.values()):
        return None
    text = "".join(f"|{c.name}{c.data_type}[]" for c in sorted(node.columns.values(), key=lambda c: c.name))
    if node.materialized in ("table", "incremental"):
        text += f"{node.materialized}[]"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _columns(columns: Mapping[str, ColumnInfo]) -> dict[str, Any]:
    return {
        name: {
            "name": c.name,
            "description": c.description,
            "meta": dict(c.meta),
            "data_type": c.data_type,
            "constraints": [dict(x) for x in c.constraints],
            "quote": c.quote,
            "config": {"meta": dict(c.meta), "tags": list(c.tags)},
            "tags": list(c.tags),
            "granularity": c.granularity,
            "doc_blocks": [],
        }
        for name, c in columns.items()
    }


def node_dict(
    node: Node,
    relation_name: str | None,
    compiled: Mapping[str, str] | None,
    root_path: str,
    target_path: str,
    created_at: float,
) -> dict[str, Any]:
    tags = node.tags
    out: dict[str, Any] = {
        "database": node.database,
        "schema": node.schema,
        "name": node.name,
        "resource_type": node.resource_type,
        "package_name": node.package_name,
        "path": node.path,
        "original_file_path": node.original_file_path,
        "unique_id": node.unique_id,
        "fqn": list(node.fqn),
        "alias": node.alias,
        "checksum": {"name": node.checksum_name, "checksum": node.checksum},
        "config": _config(node, tags),
        "tags": list(tags),
        "description": node.description,
        "columns": _columns(node.columns) if node.columns else {},
        "meta": dict(node.meta),
        "group": node.config.get("group") or node.attached_group,
        "docs": {"show": True, "node_color": None, **(node.config.get("docs") or {})},
        "patch_path": node.patch_path,
        "build_path": None,
        "unrendered_config": unrendered_config(node),
        "created_at": created_at,
        "relation_name": relation_name,
        "raw_code": node.raw_code,
        "doc_blocks": [],
        "language": node.language,
    }
    if node.resource_type == "seed":
        out["root_path"] = root_path
        out["depends_on"] = {"macros": []}
        return out
    out.update(
        {
            "refs": [{"name": r.name, "package": r.package, "version": r.version} for r in node.refs],
            "sources": [[s.source_name, s.table_name] for s in node.sources],
            "metrics": [],
            "functions": [list(call) for call in node.functions],
            "depends_on": {"macros": list(node.depends_on_macros), "nodes": list(node.depends_on)},
            "compiled_path": None,
            "contract": {
                "enforced": False,
                "alias_types": True,
                **(node.config.get("contract") or {}),
                "checksum": contract_checksum(node),
            },
            "access": node.config.get("access") or "protected",
            "constraints": [dict(c) for c in node.constraints],
            "version": node.version,
            "latest_version": node.latest_version,
            "deprecation_date": node.deprecation_date,
            "primary_key": [],
            "time_spine": time_spine_dict(node.time_spine),
        }
    )
    if node.resource_type == "test":
        for key in _NOT_SNAPSHOT_KEYS:
            out.pop(key, None)
        out["checksum"] = {"name": "none", "checksum": ""} if node.test_metadata else out["checksum"]
        out["column_name"] = node.column_name
        out["file_key_name"] = node.file_key_name
        out["attached_node"] = node.attached_node
        if node.test_metadata is not None:
            out["test_metadata"] = dict(node.test_metadata)
    if node.resource_type in ("snapshot", "analysis", "function"):
        for key in _NOT_SNAPSHOT_KEYS:
            out.pop(key, None)
    if compiled is not None and node.unique_id in compiled:
        out.update(
            {
                "compiled_path": None  # dbt writes no compiled file for a snapshot
                if node.resource_type == "snapshot"
                else f"{target_path}/compiled/{node.package_name}/{written_file_path(node)}",
                "compiled": True,
                "compiled_code": compiled[node.unique_id],
                "extra_ctes_injected": True,
                "extra_ctes": [],
            }
        )
    return function_dict(out, node) if node.resource_type == "function" else out


def source_dict(source: SourceTable, relation_name: str, created_at: float) -> dict[str, Any]:
    # the loader stores the resolved settings in the config (freshness None: disabled with null)
    freshness = source.config.get("freshness", source.freshness)
    if freshness is None and "freshness" not in source.config:
        freshness = {
            "warn_after": {"count": None, "period": None},
            "error_after": {"count": None, "period": None},
            "filter": None,
        }
    loaded_at_query = source.config.get("loaded_at_query")
    return {
        "database": source.database,
        "schema": source.schema,
        "name": source.name,
        "resource_type": "source",
        "package_name": source.package_name,
        "path": source.path,
        "original_file_path": source.original_file_path,
        "unique_id": source.unique_id,
        "fqn": list(source.fqn),
        "source_name": source.source_name,
        "source_description": source.source_description,
        "loader": source.loader,
        "identifier": source.identifier,
        "quoting": {k: source.quoting.get(k) for k in ("database", "schema", "identifier", "column")},
        "loaded_at_field": source.loaded_at_field,
        "loaded_at_query": loaded_at_query,
        "freshness": freshness,
        "external": None,
        "description": source.description,
        "columns": _columns(source.columns),
        "meta": dict(source.meta),
        "source_meta": dict(source.source_meta),
        "tags": list(source.tags),
        "config": {
            "enabled": source.config.get("enabled", True) is not False,
            "event_time": None,
            "freshness": freshness,
            "loaded_at_field": source.loaded_at_field,
            "loaded_at_query": loaded_at_query,
            "meta": dict(source.meta),
            "tags": list(source.tags),
            "static_analysis": None,
            **source_config_extras(source.config),
        },
        "patch_path": None,
        "unrendered_config": {
            "loaded_at_field": source.loaded_at_field,
            "loaded_at_query": loaded_at_query,
            "meta": {},
            "tags": list(source.tags),
        },
        "relation_name": relation_name,
        "created_at": created_at,
        "doc_blocks": [],
    }


def operation_dict(operation: Operation, manifest: Manifest, created_at: float) -> dict[str, Any]:
    """An on-run-start/on-run-end hook as dbt lists it among the nodes."""
    config = {**_MODEL_CONFIG_DEFAULTS, **operation.config, "pre-hook": [], "post-hook": []}
    config.pop("access", None)
    config.pop("freshness", None)
    return {
        "database": operation.database,
        "schema": operation.schema,
        "name": operation.name,
        "resource_type": "operation",
        "package_name": operation.package_name,
        "path": f"hooks/{operation.name}.sql",
        "original_file_path": "./dbt_project.yml",
        "unique_id": operation.unique_id,
        "fqn": [operation.package_name, "hooks", operation.name],
        "alias": operation.name,
        "checksum": {"name": "sha256", "checksum": operation.checksum},
        "config": config,
        "tags": [operation.hook_type],
        "description": "",
        "columns": {},
        "meta": {},
        "group": None,
        "docs": {"show": True, "node_color": None},
        "patch_path": None,
        "build_path": None,
        "unrendered_config": {},
        "created_at": created_at,
        "relation_name": None,
        "raw_code": operation.raw_code,
        "doc_blocks": [],
        "language": "sql",
        "refs": [],
        "sources": [],
        "metrics": [],
        "functions": [],
        "depends_on": {"macros": list(operation.depends_on_macros), "nodes": []},
        "compiled_path": None,
        "contract": {"enforced": False, "alias_types": True, "checksum": None},
        "index": operation.index,
    }


def exposure_dict(exposure: Exposure, created_at: float) -> dict[str, Any]:
    return {
        "name": exposure.name,
        "resource_type": "exposure",
        "package_name": exposure.package_name,
        "path": exposure.path,
        "original_file_path": exposure.original_file_path,
        "unique_id": exposure.unique_id,
        "fqn": list(exposure.fqn),
        "type": exposure.type,
        "owner": dict(exposure.owner),
        "description": exposure.description,
        "label": exposure.label,
        "maturity": exposure.maturity,
        "meta": dict(exposure.meta),
        "tags": list(exposure.tags),
        "config": dict(exposure.config),
        "unrendered_config": dict(exposure.unrendered_config),
        "url": exposure.url,
        "depends_on": {"macros": [], "nodes": list(exposure.depends_on)},
        "refs": [{"name": r.name, "package": r.package, "version": r.version} for r in exposure.refs],
        "sources": [[s.source_name, s.table_name] for s in exposure.sources],
        "metrics": [list(m) for m in exposure.metrics],
        "created_at": created_at,
    }


def group_dict(group: Group) -> dict[str, Any]:
    return {
        "name": group.name,
        "resource_type": "group",
        "package_name": group.package_name,
        "path": group.path,
        "original_file_path": group.original_file_path,
        "unique_id": group.unique_id,
        "owner": dict(group.owner),
        "description": group.description,
        "config": dict(group.config),
    }


def graph_members(manifest: Manifest, created_at: float) -> dict[str, Any]:
    """``graph``'s exposures and groups, and the operations (on-run-start/end hooks), which
    belong among its nodes as in manifest.json."""
    return {
        "operations": {op.unique_id: operation_dict(op, manifest, created_at) for op in manifest.operations},
        "exposures": {uid: exposure_dict(e, created_at) for uid, e in manifest.exposures.items()},
        "groups": {uid: group_dict(g) for uid, g in manifest.groups.items()},
    }


def _fixture_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A given or expect entry as dbt writes it (without dagwright's resolved input and file)."""
    out = {k: v for k, v in spec.items() if k not in ("call", "fixture_path")}
    if out.get("fixture") is not None or out.get("format") == "csv":
        out["rows"] = fixture_rows(spec)  # dbt shows the rows it read
    return out


def unit_test_dict(unit: UnitTest, created_at: float) -> dict[str, Any]:
    """A unit test's entry in manifest.json ``unit_tests``."""
    return {
        "model": unit.model,
        "given": [_fixture_spec(g) for g in unit.given],
        "expect": _fixture_spec(unit.expect),
        "name": unit.name,
        "resource_type": "unit_test",
        "package_name": unit.package_name,
        "path": unit.path,
        "original_file_path": unit.original_file_path,
        "unique_id": unit.unique_id,
        "fqn": list(unit.fqn),
        "description": unit.description,
        "overrides": dict(unit.overrides) if unit.overrides is not None else None,
        "depends_on": {"macros": [], "nodes": list(unit.depends_on)},
        "config": {**unit.config, "static_analysis": unit.config.get("static_analysis")},
        "checksum": unit.checksum,
        "schema": unit.schema,
        "created_at": created_at,
        "versions": unit.versions,
        "version": unit.version,
    }
