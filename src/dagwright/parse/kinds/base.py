"""What a resource kind's parser is given, and what it gives back.

A kind (``parse.kinds.<kind>``) parses one project's files or property-file entries of its
kind into nodes. It sees the project through ``ProjectScope``, the few steps every node kind
shares (implemented by ``parse.project_parser.ProjectParser``), and adds what it parses to
``ParsedResources``, which holds the manifest's members while the projects are parsed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from dagwright.errors import ProjectError
from dagwright.parse.nodes import (
    ColumnInfo,
    Exposure,
    Group,
    Manifest,
    Node,
    RefCall,
    SemanticNode,
    SourceCall,
    SourceTable,
    UnitTest,
    ref_key,
)
from dagwright.parse.tests import TestBuilder, TestTarget
from dagwright.project.config import ProjectConfig
from dagwright.project.files import ProjectFile, ProjectFiles
from dagwright.project.packages import InstalledPackage
from dagwright.project.properties import Patch, Properties, TestDefinition
from dagwright.rendering.context import RunContext


class ProjectScope(Protocol):
    """One project's parse (the root project's, or an installed package's), as kinds use it."""

    #: the project being parsed
    project: ProjectConfig
    #: the root project when ``project`` is an installed package (its folder config wins, as in dbt)
    root: ProjectConfig | None
    #: the run's context (its target's adapter type, macros, vars)
    run: RunContext
    #: where nodes are built unless their config says otherwise
    target_database: str | None
    target_schema: str
    #: generic tests of this project's sources, waiting for every node to be known
    source_tests: list[tuple[TestTarget, list[TestDefinition]]]
    #: builds this project's generic tests
    tests: TestBuilder
    #: names of the ``{% materialization %}`` blocks of the project and its packages
    custom_materializations: frozenset[str]

    @property
    def root_project(self) -> ProjectConfig: ...

    def read_bytes(self, file: ProjectFile) -> bytes:
        """The file's bytes (read already when the parse cache's key was computed)."""
        ...

    def template_calls(
        self, node: Node, text: str, config: dict[str, Any]
    ) -> tuple[list[RefCall], list[SourceCall], dict[str, Any], tuple[Any, ...] | None, tuple[str, ...]]:
        """(refs, sources, in-file config, static parts or None, macros called) of a template."""
        ...

    def hook_macros(self, config: Mapping[str, Any]) -> tuple[str, ...]:
        """The macros a node's pre- and post-hooks call."""
        ...

    def apply_patch(self, node: Node, patch: Patch | None) -> Node:
        """``node`` with what a property file says about it (description, columns, meta...)."""
        ...

    def finish(self, node: Node, config: dict[str, Any]) -> Node:
        """``node`` with its final config and its relation's database, schema and alias."""
        ...

    def render_description(self, text: str, path: str) -> str: ...

    def render_columns(self, columns: Mapping[str, ColumnInfo], path: str) -> dict[str, ColumnInfo]: ...


def decode(data: bytes, rel: str) -> str:
    """A project file's text; a clear error when it is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProjectError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", path=rel) from None


def owner_of(entry: Mapping[str, Any], where: str, path: str) -> dict[str, Any]:
    """An exposure's or group's ``owner:`` (a name or an email at least)."""
    owner = entry.get("owner")
    if not isinstance(owner, Mapping) or (owner.get("name") is None and owner.get("email") is None):
        raise ProjectError(f"{where} needs an 'owner' with at least one of 'name' or 'email'", path=path)
    return {"email": owner.get("email"), "name": owner.get("name"), **{k: v for k, v in owner.items()}}


def named_entries(file: ProjectFile, entries: list[Any], kind: str) -> list[Mapping[str, Any]]:
    """The entries of a top-level key of a property file, each a mapping with a ``name``."""
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise ProjectError(f"each entry of '{kind}' needs a 'name'", path=file.original_file_path)
    return entries


class ParsedResources:
    """The members of the manifest as the kinds add them, over the root project and its packages."""

    def __init__(self, root_name: str) -> None:
        self.root_name = root_name
        self.nodes: dict[str, Node] = {}
        self.disabled: dict[str, Node] = {}
        #: tests of a missing or disabled node: dbt keeps them, disabled
        self.inactive_tests: dict[str, Node] = {}
        #: name -> unique_id of a refable node (the root project's first)
        self.by_name: dict[str, str] = {}
        #: name -> {package: unique_id} of refable nodes
        self.ref_index: dict[str, dict[str, str]] = {}
        self.sources: dict[str, SourceTable] = {}
        self.disabled_sources: dict[str, SourceTable] = {}
        self.exposures: dict[str, Exposure] = {}
        self.disabled_exposures: dict[str, Exposure] = {}
        self.groups: dict[str, Group] = {}
        self.unit_tests: dict[str, UnitTest] = {}
        self.semantic_nodes: dict[str, SemanticNode] = {}
        self._files: dict[tuple[str, str], str] = {}

    def add(self, node: Node) -> None:
        """A node others may ``ref`` (model, seed, snapshot); two of one name in a package are an error."""
        if not node.enabled:
            self.disabled[node.unique_id] = node
            return
        key = node.name if node.version is None else ref_key(node.name, node.version)
        other = self._files.get((node.package_name, key))
        if other is not None:
            raise ProjectError(
                f"two resources are named '{key}': {other} and {node.original_file_path}",
                path=node.original_file_path,
                hint="rename one of them (names of models, seeds and snapshots must be unique)",
            )
        self._files[(node.package_name, key)] = node.original_file_path
        self.nodes[node.unique_id] = node
        self.ref_index.setdefault(key, {})[node.package_name] = node.unique_id
        if node.version is not None and str(node.version) == str(node.latest_version):
            # an unpinned ref names the latest version (dbt)
            self.ref_index.setdefault(node.name, {})[node.package_name] = node.unique_id
        if node.package_name == self.root_name or key not in self.by_name:
            self.by_name[key] = node.unique_id

    def add_test(self, node: Node) -> None:
        if not node.enabled:
            self.disabled[node.unique_id] = node
            return
        if node.unique_id in self.nodes:
            raise ProjectError(
                f"two tests would be named '{node.name}' (the same test twice on one column?)",
                path=node.original_file_path,
                hint="give one of them a different 'name:'",
            )
        self.nodes[node.unique_id] = node

    def add_unreferenced(self, nodes: Sequence[Node]) -> None:
        """Nodes nothing may ``ref`` (analyses), as they are."""
        self.nodes.update((n.unique_id, n) for n in nodes)


#: ``nodes``: parsed project by project, in the registry's order; ``attached``: after every
#: project's nodes are known (tests attach to them, in their own project or another)
Phase = Literal["nodes", "attached"]


@dataclass(frozen=True)
class ResourceKind:
    """One kind of resource: how a project's resources of the kind are parsed (``parse``,
    in its ``phase``), then, once the nodes' refs and sources are resolved, how the kind's own
    references are (``link``), and what is checked on the linked manifest (``check``, given the
    installed packages)."""

    name: str
    parse: Callable[[ProjectScope, ProjectFiles, Properties, ParsedResources], None]
    phase: Phase = "nodes"
    link: Callable[[Manifest], Manifest] | None = None
    check: Callable[[Manifest, Sequence[InstalledPackage]], None] | None = None
