"""``groups:`` of property files, and the rules dbt enforces with groups.

A group owns models; dbt rejects a node naming a group that is not defined, and a ref to an
``access: private`` model from outside its group (exposures have no group: they may not
depend on a private model at all). A package with ``restrict-access: true`` keeps its
protected models to itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dagwright.errors import ProjectError, did_you_mean
from dagwright.parse.kinds.base import ParsedResources, ProjectScope, ResourceKind, named_entries, owner_of
from dagwright.parse.nodes import Exposure, Group, Manifest, Node
from dagwright.project.config import ProjectConfig, merge_config
from dagwright.project.files import ProjectFile, ProjectFiles
from dagwright.project.packages import InstalledPackage
from dagwright.project.properties import Properties

ACCESS = ("private", "protected", "public")


def parse_groups(project: ProjectConfig, entries: Sequence[tuple[ProjectFile, list[Any]]]) -> dict[str, Group]:
    groups: dict[str, Group] = {}
    for file, items in entries:
        path = file.original_file_path
        for entry in named_entries(file, items, "groups"):
            name = entry["name"]
            unique_id = f"group.{project.name}.{name}"
            if unique_id in groups:
                raise ProjectError(f"group '{name}' is defined twice", path=path)
            config = entry.get("config") or {}
            if not isinstance(config, Mapping):
                raise ProjectError(f"'config' of group '{name}' must be a mapping", path=path)
            fqn = (project.name, *file.folders, name)
            description = entry.get("description")
            groups[unique_id] = Group(
                unique_id=unique_id,
                name=name,
                package_name=project.name,
                path=file.relative,
                original_file_path=path,
                owner=owner_of(entry, f"group '{name}'", path),
                description=str(description) if description is not None else None,
                # dbt layers the group's config over the models: config of its fqn
                config={"meta": {}, **merge_config(project.models.resolve(fqn), config)},
            )
    return groups


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


def parse_project_groups(scope: ProjectScope, files: ProjectFiles, props: Properties, out: ParsedResources) -> None:
    out.groups.update(parse_groups(scope.project, props.group_entries))


def check_access(manifest: Manifest, packages: Sequence[InstalledPackage]) -> None:
    restricted = frozenset(p.name for p in packages if p.config.raw.get("restrict-access") is True)
    check_groups_and_access(manifest, restricted)


GROUPS = ResourceKind("group", parse_project_groups, check=check_access)
