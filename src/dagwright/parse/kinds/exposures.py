"""``exposures:`` of property files.

An exposure is a downstream use of the project (a dashboard, a notebook...): never run, but
in the manifest (``exposures``, the parent and child maps, ``graph.exposures``), listed by
``ls --resource-type exposure`` and selectable (``dagwright run -s +exposure:weekly``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from dagwright.errors import CompilationError, ProjectError, did_you_mean
from dagwright.parse.kinds.base import ParsedResources, ProjectScope, ResourceKind, named_entries, owner_of
from dagwright.parse.nodes import Exposure, Manifest, RefCall, SourceCall, evolve
from dagwright.parse.static import Expr, _expression, _NotStatic
from dagwright.project.config import ProjectConfig, merge_config
from dagwright.project.files import ProjectFile, ProjectFiles
from dagwright.project.properties import Properties

EXPOSURE_TYPES = ("dashboard", "notebook", "analysis", "ml", "application")
MATURITIES = ("low", "medium", "high")


_METRIC_CALL = re.compile(r"""metric\(\s*(['"])([^'"]+)\1\s*(?:,\s*(['"])([^'"]+)\3\s*)?\)""")


def _depends_on(values: Any, where: str, path: str) -> tuple[list[RefCall], list[SourceCall], list[tuple[str, ...]]]:
    if values is None:
        return [], [], []
    if not isinstance(values, list):
        raise ProjectError(f"'depends_on' of {where} must be a list", path=path)
    refs: list[RefCall] = []
    sources: list[SourceCall] = []
    metrics: list[tuple[str, ...]] = []
    for value in values:
        text = str(value).strip()
        if text.startswith("{{") and text.endswith("}}"):
            text = text[2:-2].strip()
        try:
            expr: Expr | None = _expression(text, 1)
        except _NotStatic:
            expr = None
        if expr is not None and expr.kind == "ref" and 1 <= len(expr.args) <= 2:
            kwargs = dict(expr.kwargs)
            version = kwargs.get("version", kwargs.get("v"))
            name, package = (expr.args[-1], expr.args[0] if len(expr.args) == 2 else None)
            refs.append(RefCall(str(name), package, version))
        elif expr is not None and expr.kind == "source" and len(expr.args) == 2:
            sources.append(SourceCall(str(expr.args[0]), str(expr.args[1])))
        elif (metric := _METRIC_CALL.fullmatch(text)) is not None:
            # metric('name') or metric('package', 'name'), as dbt records them
            metrics.append((metric[2], metric[4]) if metric[4] else (metric[2],))
        else:
            raise ProjectError(
                f"'depends_on' of {where} must list ref(...), source(...) and metric(...) calls, got {value!r}",
                path=path,
            )
    return refs, sources, metrics


def parse_exposures(
    project: ProjectConfig, root: ProjectConfig, entries: Sequence[tuple[ProjectFile, list[Any]]]
) -> tuple[dict[str, Exposure], dict[str, Exposure]]:
    """(enabled, disabled) exposures of ``project``; ``root``'s ``exposures:`` config applies too."""
    enabled: dict[str, Exposure] = {}
    disabled: dict[str, Exposure] = {}
    for file, items in entries:
        path = file.original_file_path
        for entry in named_entries(file, items, "exposures"):
            name = entry["name"]
            where = f"exposure '{name}'"
            unique_id = f"exposure.{project.name}.{name}"
            if unique_id in enabled or unique_id in disabled:
                raise ProjectError(f"{where} is defined twice", path=path)
            kind = entry.get("type")
            if kind not in EXPOSURE_TYPES:
                raise ProjectError(
                    f"'type' of {where} must be one of {', '.join(EXPOSURE_TYPES)}, got {kind!r}",
                    path=path,
                    hint=did_you_mean(str(kind), EXPOSURE_TYPES),
                )
            maturity = entry.get("maturity")
            if maturity is not None and maturity not in MATURITIES:
                raise ProjectError(f"'maturity' of {where} must be one of {', '.join(MATURITIES)}", path=path)
            own_config = entry.get("config") or {}
            if not isinstance(own_config, Mapping):
                raise ProjectError(f"'config' of {where} must be a mapping", path=path)
            fqn = (project.name, *file.folders, name)
            layered = project.exposures.resolve(fqn)
            if root is not project:
                layered = merge_config(layered, root.exposures.resolve(fqn))
            # an exposure's own config replaces the projects' key by key (dbt patches it in
            # last), where a model's merges: its own tags or meta drop the projects'
            config = {**layered, **own_config}
            tags = sorted({*_strings(entry.get("tags")), *_strings(config.get("tags"))})
            meta = {**(entry.get("meta") or {}), **(config.get("meta") or {})}
            config_keys = dict(config)  # dbt's unrendered_config: what the projects and the entry set
            config = {"enabled": True, **config, "tags": tags, "meta": meta}
            if not isinstance(config["enabled"], bool):
                raise ProjectError(f"'enabled' of {where} must be true or false", path=path)
            refs, sources, metrics = _depends_on(entry.get("depends_on"), where, path)
            description = entry.get("description")
            exposure = Exposure(
                unique_id=unique_id,
                name=name,
                package_name=project.name,
                path=file.relative,
                original_file_path=path,
                fqn=fqn,
                type=kind,
                owner=owner_of(entry, where, path),
                description=str(description) if description is not None else "",
                label=entry.get("label"),
                maturity=maturity,
                url=entry.get("url"),
                meta=meta,
                config=config,
                unrendered_config=config_keys,
                refs=tuple(refs),
                sources=tuple(sources),
                metrics=tuple(metrics),
            )
            (enabled if config["enabled"] else disabled)[unique_id] = exposure
    return enabled, disabled


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def link_exposures(manifest: Manifest) -> Manifest:
    """The manifest with each exposure's refs and sources resolved (as a node of its package
    resolves them) and the exposures in the parent and child maps."""
    if not manifest.exposures:
        return manifest
    out = {}
    for unique_id, exposure in manifest.exposures.items():
        deps: list[str] = []
        for source in exposure.sources:
            target = manifest.find_source(source.source_name, source.table_name, exposure.package_name)
            if target is None:
                raise CompilationError(
                    f"exposure '{exposure.name}' depends on source('{source.source_name}', "
                    f"'{source.table_name}'), which no property file defines",
                    path=exposure.original_file_path,
                )
            if target not in deps:
                deps.append(target)
        for ref in exposure.refs:
            target = manifest.find_ref(ref.name, ref.package, exposure.package_name, ref.version)
            if target is None:
                shown = f"'{ref.name}', v={ref.version!r}" if ref.version else f"'{ref.name}'"
                raise CompilationError(
                    f"exposure '{exposure.name}' depends on ref({shown}), which names no model, seed or snapshot",
                    path=exposure.original_file_path,
                    hint=did_you_mean(ref.name, list(manifest.ref_index)),
                )
            if target not in deps:
                deps.append(target)
        for metric in exposure.metrics:
            target = _find_metric(manifest, metric, exposure.package_name)
            if target is None:
                metric_names = [n.name for n in manifest.semantic_nodes.values() if n.resource_type == "metric"]
                raise CompilationError(
                    f"exposure '{exposure.name}' depends on metric('{metric[-1]}'), which no property file defines",
                    path=exposure.original_file_path,
                    hint=did_you_mean(metric[-1], metric_names),
                )
            if target not in deps:
                deps.append(target)
        out[unique_id] = evolve(exposure, depends_on=tuple(deps))
    parents = dict(manifest.parents)
    children = dict(manifest.children)
    for unique_id, exposure in out.items():
        parents[unique_id] = frozenset(exposure.depends_on)
        children[unique_id] = frozenset()
        for dep in exposure.depends_on:
            children[dep] = children.get(dep, frozenset()) | {unique_id}
    return replace(manifest, exposures=out, parents=parents, children=children)


def _find_metric(manifest: Manifest, metric: tuple[str, ...], package: str) -> str | None:
    """A metric's unique_id: in the named package, else the root project, the exposure's
    package, then any package."""
    name = metric[-1]
    packages = [metric[0]] if len(metric) == 2 else [manifest.project_name, package]
    for candidate in packages:
        node = manifest.semantic_nodes.get(f"metric.{candidate}.{name}")
        if node is not None:
            return node.unique_id
    if len(metric) == 2:
        return None
    return next((u for u, n in manifest.semantic_nodes.items() if n.resource_type == "metric" and n.name == name), None)


def parse_project_exposures(scope: ProjectScope, files: ProjectFiles, props: Properties, out: ParsedResources) -> None:
    enabled, disabled = parse_exposures(scope.project, scope.root_project, props.exposure_entries)
    out.exposures.update(enabled)
    out.disabled_exposures.update(disabled)


EXPOSURES = ResourceKind("exposure", parse_project_exposures, link=link_exposures)
