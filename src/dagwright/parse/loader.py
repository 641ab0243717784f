"""From project files to a linked ``Manifest``: the root project and each installed package
parsed kind by kind (``parse.kinds.RESOURCE_KINDS``), then names resolved to unique_ids,
with clear errors for unknown refs, duplicates and cycles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dagwright.parse.docs import load_docs
from dagwright.parse.kinds import RESOURCE_KINDS
from dagwright.parse.kinds.base import ParsedResources
from dagwright.parse.link import check_relations_unique, link, operations_of, with_macro_dependencies
from dagwright.parse.microbatch import check_microbatch_models
from dagwright.parse.nodes import Macro, Manifest
from dagwright.parse.project_parser import ParseState, ProjectParser
from dagwright.parse.set_aside import collect_unsupported
from dagwright.project.config import ProjectConfig
from dagwright.project.files import ProjectFiles, discover
from dagwright.project.packages import InstalledPackage
from dagwright.project.properties import Properties, load_properties
from dagwright.rendering.context import RunContext
from dagwright.rendering.jinja import MacroRegistry


def load_manifest(
    project: ProjectConfig,
    run: RunContext,
    target_schema: str,
    target_database: str | None,
    files: ProjectFiles | None = None,
    macros: tuple[dict[str, Macro], MacroRegistry] | None = None,
    contents: dict[Path, bytes] | None = None,
    file_parts: tuple[Mapping[str, Any], dict[str, Any]] | None = None,
    packages: Sequence[InstalledPackage] = (),
    ref_package_first: bool = False,
) -> tuple[Manifest, ParseState]:
    """The linked manifest, and what its parse leaves for compile (templates, static parts).

    ``contents`` holds files already read; ``file_parts`` is (static analyses from the parse
    cache, where to put this parse's). ``packages``: the installed packages, whose nodes join
    the root project's (each with its own config)."""
    files = files or discover(project)
    known_parts, used_parts = file_parts if file_parts is not None else (None, None)
    state = ParseState(contents, known_parts, used_parts)
    docs = load_docs(project)
    for package in packages:
        docs.update(load_docs(package.config))
    run.docs = {(d.package_name, d.name): d.block_contents for d in docs.values()}

    # the root project first, then each package with a parser of its own sharing the state
    root = ProjectParser(project, run, target_schema, target_database, state)
    parsers: list[tuple[ProjectParser, ProjectFiles]] = [(root, files)]
    for package in packages:
        parser = ProjectParser(package.config, run, target_schema, target_database, state, root=project)
        parsers.append((parser, package.files))
    out = ParsedResources(project.name)
    properties: list[Properties] = []
    for parser, project_files in parsers:
        props = load_properties(project_files.properties, parser.yaml.entry)
        properties.append(props)
        for kind in RESOURCE_KINDS:
            if kind.phase == "nodes":
                kind.parse(parser, project_files, props, out)
    for (parser, project_files), props in zip(parsers, properties):
        for kind in RESOURCE_KINDS:
            if kind.phase == "attached":
                kind.parse(parser, project_files, props, out)

    source_index: dict[str, dict[str, str]] = {}
    for source in out.sources.values():
        source_index.setdefault(f"{source.source_name}.{source.name}", {})[source.package_name] = source.unique_id
    resolvers = {parser.project.name: parser.macro_resolver for parser, _ in parsers}
    manifest = Manifest(
        project_name=project.name,
        nodes=out.nodes,
        sources=out.sources,
        macros=with_macro_dependencies(macros[0], run) if macros else {},
        disabled=out.disabled,
        inactive_tests=out.inactive_tests,
        by_name=out.by_name,
        operations=operations_of(project, packages, resolvers, target_database, target_schema),
        docs=docs,
        ref_index=out.ref_index,
        source_index=source_index,
        package_roots={p.name: str(p.install_dir) for p in packages},
        ref_package_first=ref_package_first,
        unsupported=collect_unsupported(
            [(p.project, pf, props) for (p, pf), props in zip(parsers, properties)], out.nodes
        ),
        exposures=out.exposures,
        disabled_exposures=out.disabled_exposures,
        disabled_sources=out.disabled_sources,
        groups=out.groups,
        unit_tests=out.unit_tests,
        semantic_nodes=out.semantic_nodes,
    )
    check_relations_unique(out.nodes.values(), run.render_relation)
    manifest = link(manifest)
    for kind in RESOURCE_KINDS:
        if kind.link is not None:
            manifest = kind.link(manifest)
    for kind in RESOURCE_KINDS:
        if kind.check is not None:
            kind.check(manifest, packages)
    check_microbatch_models(manifest, run.adapter_type)
    return manifest, state
