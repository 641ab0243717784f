"""``semantic_models:``, ``metrics:`` and ``saved_queries:`` of property files: dbt's semantic
layer definitions. dagwright does not query them (MetricFlow does), but it gives them what dbt
gives them: manifest entries with unique_ids and ``depends_on``, places in the parent and child
maps and the ``graph`` variable, ``ls`` lines, and selection (``+metric:revenue`` selects the
models under it).

What each depends on, as in dbt: a semantic model on its ``model: ref(...)``; a simple or
cumulative metric on the semantic model that defines its measure; a ratio, derived or
conversion metric on the metrics (or measures) it is built from; a saved query on its metrics.

Parsing costs nothing for a project without them: the entries are those ``project.properties``
already set aside.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from dagwright.errors import CompilationError, ProjectError, did_you_mean
from dagwright.parse.kinds.base import ParsedResources, ProjectScope, ResourceKind
from dagwright.parse.nodes import Manifest, RefCall, SemanticNode, evolve
from dagwright.parse.static import _expression, _NotStatic
from dagwright.parse.time_spines import check_time_spines
from dagwright.project.files import ProjectFile, ProjectFiles
from dagwright.project.properties import Properties

#: property-file key -> resource type
SECTIONS = {"semantic_models": "semantic_model", "metrics": "metric", "saved_queries": "saved_query"}
METRIC_TYPES = ("simple", "ratio", "cumulative", "derived", "conversion")
_COMMON = ("name", "description", "label", "config", "meta", "tags", "group")


def _ref_of(text: Any, where: str, path: str) -> RefCall:
    value = str(text or "").strip()
    if value.startswith("{{") and value.endswith("}}"):
        value = value[2:-2].strip()
    try:
        expr = _expression(value, 1)
    except _NotStatic:
        expr = None
    if expr is None or expr.kind != "ref" or not 1 <= len(expr.args) <= 2:
        raise ProjectError(f"'model' of {where} must be ref('<model>'), got {text!r}", path=path)
    version = dict(expr.kwargs).get("version", dict(expr.kwargs).get("v"))
    return RefCall(
        str(expr.args[-1]),
        str(expr.args[0]) if len(expr.args) == 2 else None,
        None if version is None else str(version),
    )


def _name_of(value: Any) -> str | None:
    """A measure or metric input: a name, or a mapping with ``name``."""
    if isinstance(value, Mapping):
        value = value.get("name")
    return str(value) if value is not None else None


def _metric_needs(entry: Mapping[str, Any], where: str, path: str) -> list[tuple[str, str]]:
    kind = entry.get("type")
    if kind not in METRIC_TYPES:
        raise ProjectError(
            f"'type' of {where} must be one of {', '.join(METRIC_TYPES)}, got {kind!r}",
            path=path,
            hint=did_you_mean(str(kind), METRIC_TYPES),
        )
    params = entry.get("type_params") or {}
    if not isinstance(params, Mapping):
        raise ProjectError(f"'type_params' of {where} must be a mapping", path=path)
    needs: list[tuple[str, str]] = []
    if kind in ("simple", "cumulative"):
        measure = _name_of(params.get("measure"))
        if measure is None and kind == "cumulative":
            cumulative = params.get("cumulative_type_params") or {}
            metric = _name_of(cumulative.get("metric")) if isinstance(cumulative, Mapping) else None
            if metric is not None:
                return [("metric", metric)]
        if measure is None:
            raise ProjectError(f"{where} ({kind}) needs 'type_params: {{measure: ...}}'", path=path)
        needs.append(("measure", measure))
    elif kind == "ratio":
        for key in ("numerator", "denominator"):
            name = _name_of(params.get(key))
            if name is None:
                raise ProjectError(f"{where} (ratio) needs 'type_params: {{{key}: ...}}'", path=path)
            needs.append(("metric", name))
    elif kind == "derived":
        for item in params.get("metrics") or ():
            name = _name_of(item)
            if name is not None:
                needs.append(("metric", name))
    else:  # conversion
        conversion = params.get("conversion_type_params") or {}
        for key in ("base_measure", "conversion_measure"):
            name = _name_of(conversion.get(key)) if isinstance(conversion, Mapping) else None
            if name is None:
                raise ProjectError(f"{where} (conversion) needs 'conversion_type_params: {{{key}: ...}}'", path=path)
            needs.append(("measure", name))
    return needs


def _saved_query_needs(entry: Mapping[str, Any], where: str, path: str) -> list[tuple[str, str]]:
    params = entry.get("query_params") or {}
    if not isinstance(params, Mapping):
        raise ProjectError(f"'query_params' of {where} must be a mapping", path=path)
    return [("metric", str(m)) for m in params.get("metrics") or ()]


def parse_semantic_entry(
    scope: ProjectScope, file: ProjectFile, resource_type: str, entry: Any, index: int, key: str
) -> SemanticNode:
    project = scope.project
    path = file.original_file_path
    if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
        raise ProjectError(f"each entry of '{key}' needs a 'name' (entry #{index + 1})", path=path)
    name = entry["name"]
    where = f"{resource_type.replace('_', ' ')} '{name}'"
    own_config = entry.get("config") or {}
    if not isinstance(own_config, Mapping):
        raise ProjectError(f"'config' of {where} must be a mapping", path=path)
    meta = {**(entry.get("meta") or {}), **(own_config.get("meta") or {})}
    group = own_config.get("group", entry.get("group"))
    config: dict[str, Any] = {"enabled": True, "group": group, "meta": meta}
    if resource_type == "saved_query":  # dbt's defaults of a saved query's config
        config.update(export_as=None, schema=None, cache={"enabled": False})
    config = {**config, **own_config, "meta": meta}
    if not isinstance(config["enabled"], bool):
        raise ProjectError(f"'enabled' of {where} must be true or false", path=path)
    refs: tuple[RefCall, ...] = ()
    body = {k: v for k, v in entry.items() if k not in _COMMON}
    if resource_type == "semantic_model":
        if "model" not in entry:
            raise ProjectError(f"{where} needs 'model: ref(...)'", path=path)
        refs = (_ref_of(entry["model"], where, path),)
        needs: list[tuple[str, str]] = []
    elif resource_type == "metric":
        if not isinstance(entry.get("label"), str):  # dbt's schema requires it of every metric
            raise ProjectError(
                f"{where} needs a 'label' (the name shown to users of the metric)",
                path=path,
                hint=f"add `label: {name.replace('_', ' ').title()}` to it",
            )
        needs = _metric_needs(entry, where, path)
        tags = entry.get("tags") or own_config.get("tags") or []
        body = {**body, "meta": meta, "tags": [tags] if isinstance(tags, str) else list(tags)}
    else:
        needs = _saved_query_needs(entry, where, path)
        tags = entry.get("tags") or own_config.get("tags") or []
        params = {"metrics": [], "group_by": [], "where": None, "order_by": [], "limit": None}
        body = {
            **body,
            "query_params": {**params, **(entry.get("query_params") or {})},
            "exports": list(entry.get("exports") or []),
            "tags": [tags] if isinstance(tags, str) else list(tags),
        }
    description = entry.get("description")
    return SemanticNode(
        unique_id=f"{resource_type}.{project.name}.{name}",
        name=name,
        resource_type=resource_type,
        package_name=project.name,
        path=file.relative,
        original_file_path=path,
        fqn=(project.name, *file.folders, name),
        description=None if description is None else str(description),
        label=entry.get("label"),
        config=config,
        unrendered_config=dict(own_config),
        body=body,
        needs=tuple(needs),
        refs=refs,
    )


def parse_project_semantic(scope: ProjectScope, files: ProjectFiles, props: Properties, out: ParsedResources) -> None:
    for file, key, entries in props.set_aside:
        resource_type = SECTIONS.get(key)
        if resource_type is None or entries is None:
            continue
        if not isinstance(entries, list):
            raise ProjectError(f"'{key}' must be a list", path=file.original_file_path)
        for index, entry in enumerate(entries):
            node = parse_semantic_entry(scope, file, resource_type, entry, index, key)
            if node.unique_id in out.semantic_nodes:
                raise ProjectError(f"{resource_type} '{node.name}' is defined twice", path=node.original_file_path)
            if node.config.get("enabled", True):
                out.semantic_nodes[node.unique_id] = node


def _measure_owners(nodes: Mapping[str, SemanticNode]) -> dict[str, str]:
    owners: dict[str, str] = {}
    for uid, node in nodes.items():
        if node.resource_type == "semantic_model":
            for measure in node.body.get("measures") or ():
                name = _name_of(measure)
                if name is not None:
                    owners.setdefault(name, uid)
    return owners


def link_semantic(manifest: Manifest) -> Manifest:
    """Resolve each semantic node's dependencies, and put them in the parent and child maps."""
    nodes = manifest.semantic_nodes
    if not nodes:
        return manifest
    measures = _measure_owners(nodes)
    metrics = {n.name: uid for uid, n in nodes.items() if n.resource_type == "metric"}
    out: dict[str, SemanticNode] = {}
    for uid, node in nodes.items():
        deps: list[str] = []
        for ref in node.refs:
            target = manifest.find_ref(ref.name, ref.package, node.package_name)
            if target is None:
                raise CompilationError(
                    f"{node.resource_type} '{node.name}' refers to ref('{ref.name}'), which names no model",
                    path=node.original_file_path,
                    hint=did_you_mean(ref.name, list(manifest.ref_index)),
                )
            deps.append(target)
        for kind, name in node.needs:
            found = metrics.get(name) if kind == "metric" else measures.get(name)
            if kind == "measure" and found is None and name in metrics:
                found = metrics[name]  # a ratio of metrics named like measures
            if found is None:
                known = metrics if kind == "metric" else measures
                raise CompilationError(
                    f"{node.resource_type} '{node.name}' uses the {kind} '{name}', which no "
                    + ("metric" if kind == "metric" else "semantic model's measures")
                    + " defines",
                    path=node.original_file_path,
                    hint=did_you_mean(name, list(known)),
                )
            if found not in deps:
                deps.append(found)
        out[uid] = evolve(node, depends_on=tuple(deps))
    parents = dict(manifest.parents)
    children = dict(manifest.children)
    for uid, node in out.items():
        parents[uid] = frozenset(node.depends_on)
        children.setdefault(uid, frozenset())
        for dep in node.depends_on:
            children[dep] = children.get(dep, frozenset()) | {uid}
    return replace(manifest, semantic_nodes=out, parents=parents, children=children)


SEMANTIC = ResourceKind("semantic", parse_project_semantic, link=link_semantic, check=check_time_spines)
