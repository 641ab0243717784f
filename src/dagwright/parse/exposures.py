"""``exposures:`` and ``groups:`` of property files, and the rules dbt enforces with groups.

An exposure is a downstream use of the project (a dashboard, a notebook...): never run, but
in the manifest (``exposures``, the parent and child maps, ``graph.exposures``), listed by
``ls --resource-type exposure`` and selectable (``dagwright run -s +exposure:weekly``). A
group owns models; dbt rejects a node naming a group that is not defined, and a ref to an
``access: private`` model from outside its group (exposures have no group: they may not
depend on a private model at all).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from dagwright.errors import CompilationError, ProjectError, did_you_mean
from dagwright.parse.nodes import Exposure, Group, Manifest, Node, RefCall, SourceCall, evolve
from dagwright.parse.static import Expr, _expression, _NotStatic
from dagwright.project.config import ProjectConfig, merge_config
from dagwright.project.files import ProjectFile

log = logging.getLogger("dagwright")

EXPOSURE_TYPES = ("dashboard", "notebook", "analysis", "ml", "application")
MATURITIES = ("low", "medium", "high")
ACCESS = ("private", "protected", "public")


def _owner(entry: Mapping[str, Any], where: str, path: str) -> dict[str, Any]:
    owner = entry.get("owner")
    if not isinstance(owner, Mapping) or (owner.get("name") is None and owner.get("email") is None):
        raise ProjectError(f"{where} needs an 'owner' with at least one of 'name' or 'email'", path=path)
    return {"email": owner.get("email"), "name": owner.get("name"), **{k: v for k, v in owner.items()}}


def _entries(file: ProjectFile, entries: list[Any], kind: str) -> list[Mapping[str, Any]]:
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise ProjectError(f"each entry of '{kind}' needs a 'name'", path=file.original_file_path)
    return entries


def _fqn_folders(file: ProjectFile) -> tuple[str, ...]:
    return file.folders


def parse_groups(project: ProjectConfig, entries: Sequence[tuple[ProjectFile, list[Any]]]) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    for file, items in entries:
        path = file.original_file_path
        for entry in _entries(file, items, "groups"):
            name = entry["name"]
            unique_id = f"group.{project.name}.{name}"
            if unique_id in groups:
                raise ProjectError(f"group '{name}' is defined twice", path=path)
            config = entry.get("config") or {}
            if not isinstance(config, Mapping):
                raise ProjectError(f"'config' of group '{name}' must be a mapping", path=path)
            fqn = (project.name, *_fqn_folders(file), name)
            description = entry.get("description")
            groups[unique_id] = Group(
                unique_id=unique_id,
                name=name,
                package_name=project.name,
                path=file.relative,
                original_file_path=path,
                owner=_owner(entry, f"group '{name}'", path),
                description=str(description) if description is not None else None,
                # dbt layers the group's config over the models: config of its fqn
                config={"meta": {}, **merge_config(project.models.resolve(fqn), config)},
            )
    return groups


def _depends_on(values: Any, where: str, path: str) -> tuple[list[RefCall], list[SourceCall]]:
    if values is None:
        return [], []
    if not isinstance(values, list):
        raise ProjectError(f"'depends_on' of {where} must be a list", path=path)
    refs: list[RefCall] = []
    sources: list[SourceCall] = []
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
            refs.append(RefCall(str(name), package, str(version) if version is not None else None))
        elif expr is not None and expr.kind == "source" and len(expr.args) == 2:
            sources.append(SourceCall(str(expr.args[0]), str(expr.args[1])))
        elif text.startswith("metric("):
            log.warning("%s (%s) depends on %s: dagwright does not read metrics, so it is left out", where, path, text)
        else:
            raise ProjectError(
                f"'depends_on' of {where} must list ref(...) and source(...) calls, got {value!r}", path=path
            )
    return refs, sources


def parse_exposures(
    project: ProjectConfig, root: ProjectConfig, entries: Sequence[tuple[ProjectFile, list[Any]]]
) -> tuple[dict[str, Exposure], dict[str, Exposure]]:
    """(enabled, disabled) exposures of ``project``; ``root``'s ``exposures:`` config applies too."""
    enabled: dict[str, Exposure] = {}
    disabled: dict[str, Exposure] = {}
    for file, items in entries:
        path = file.original_file_path
        for entry in _entries(file, items, "exposures"):
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
            fqn = (project.name, *_fqn_folders(file), name)
            config = merge_config(project.exposures.resolve(fqn), own_config)
            if root is not project:
                config = merge_config(config, root.exposures.resolve(fqn))
            tags = sorted({*_strings(entry.get("tags")), *_strings(config.get("tags"))})
            meta = {**(entry.get("meta") or {}), **(config.get("meta") or {})}
            config = {"enabled": True, **config, "tags": tags, "meta": meta}
            if not isinstance(config["enabled"], bool):
                raise ProjectError(f"'enabled' of {where} must be true or false", path=path)
            refs, sources = _depends_on(entry.get("depends_on"), where, path)
            description = entry.get("description")
            exposure = Exposure(
                unique_id=unique_id,
                name=name,
                package_name=project.name,
                path=file.relative,
                original_file_path=path,
                fqn=fqn,
                type=kind,
                owner=_owner(entry, where, path),
                description=str(description) if description is not None else "",
                label=entry.get("label"),
                maturity=maturity,
                url=entry.get("url"),
                meta=meta,
                config=config,
                unrendered_config=dict(own_config),
                refs=tuple(refs),
                sources=tuple(sources),
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
            target = manifest.find_ref(ref.name, ref.package, exposure.package_name)
            if target is None:
                raise CompilationError(
                    f"exposure '{exposure.name}' depends on ref('{ref.name}'), which names no model, seed or snapshot",
                    path=exposure.original_file_path,
                    hint=did_you_mean(ref.name, list(manifest.ref_index)),
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


def check_groups_and_access(manifest: Manifest, restricted: frozenset[str] = frozenset()) -> None:
    """dbt's parse-time checks: a node's group must be defined; ``access`` is one of dbt's three;
    a ref to a private model must come from a node of its group (and of its package when
    that package has ``restrict-access: true``); a protected model of such a package may only
    be referenced from inside it."""
    groups = {g.name for g in manifest.groups.values()}
    private = False
    for node in manifest.nodes.values():
        config = node.config
        if "group" not in config and "access" not in config:
            continue
        group = config.get("group")
        private = private or config.get("access") == "private"
        if group is not None and group not in groups:
            raise ProjectError(
                f"{node.unique_id} is in group '{group}', which no property file defines "
                f"(groups: {', '.join(sorted(groups)) or 'none'})",
                path=node.original_file_path,
                node=node.unique_id,
                hint=did_you_mean(str(group), groups) or "define it under 'groups:' in a property file",
            )
        access = node.config.get("access")
        if access is not None and node.resource_type == "model" and access not in ACCESS:
            raise ProjectError(
                f"'access' must be one of {', '.join(ACCESS)}, got {access!r}",
                path=node.original_file_path,
                node=node.unique_id,
            )
    if not private and not restricted:
        return  # nothing to check: every model may be referenced from anywhere
    members: list[Node | Exposure] = [*manifest.nodes.values(), *manifest.exposures.values()]
    for member in members:
        own_group = None
        if isinstance(member, Node):
            own_group = member.config.get("group") or member.attached_group
        for parent_id in manifest.parents.get(member.unique_id, ()):
            target = manifest.nodes.get(parent_id)
            if target is None or target.resource_type != "model":
                continue
            access = target.config.get("access") or "protected"
            other_package = member.package_name != target.package_name and target.package_name in restricted
            if access == "private" and (not own_group or own_group != target.config.get("group") or other_package):
                scope = target.config.get("group") or ""
                raise ProjectError(
                    f"{member.unique_id} refers to {target.unique_id}, which is private to group '{scope}' "
                    "(only nodes of that group may refer to it)",
                    path=member.original_file_path,
                    node=member.unique_id,
                    hint="give the referencing node the same group, or make the model protected or public",
                )
            if access == "protected" and other_package:
                raise ProjectError(
                    f"{member.unique_id} refers to {target.unique_id}, which is protected to package "
                    f"'{target.package_name}' (only its own nodes may refer to it)",
                    path=member.original_file_path,
                    node=member.unique_id,
                    hint="the package sets restrict-access: true; reference only its public models",
                )
