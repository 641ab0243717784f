"""Analyses: ``.sql`` files under ``analysis-paths`` (default ``analyses/``), nodes that dbt
parses and compiles but never runs.

As in dbt, an analysis is ``analysis.<package>.<name>``, with ``path`` ``analysis/<file>`` and
fqn ``<package>.analysis.<folders>.<name>``; it may ``ref``/``source`` anything and call any
macro, and it is in manifest.json's ``nodes``, in ``ls --resource-type analysis`` (or ``all``),
and compiled by ``compile`` into ``target/compiled/<package>/analyses/...``. It is not a
relation, so nothing can ``ref`` it and run/build/test never select it.
"""

from __future__ import annotations

from dagwright.parse.checksums import text_checksum
from dagwright.parse.kinds.base import ParsedResources, ProjectScope, ResourceKind, decode
from dagwright.parse.nodes import Node, evolve, new_node
from dagwright.project.files import ProjectFile, ProjectFiles
from dagwright.project.properties import Properties

#: dbt's default config of an analysis (it shows ``materialized: view``, which nothing uses)
ANALYSIS_CONFIG = {"materialized": "view"}


def parse_analysis(scope: ProjectScope, file: ProjectFile) -> Node:
    project = scope.project
    rel = file.original_file_path
    raw = decode(scope.read_bytes(file), rel).strip()
    name = file.stem
    config = dict(ANALYSIS_CONFIG)
    node = new_node(
        unique_id=f"analysis.{project.name}.{name}",
        resource_type="analysis",
        package_name=project.name,
        name=name,
        path=f"analysis/{file.relative}",
        original_file_path=rel,
        fqn=(project.name, "analysis", *file.folders, name),
        raw_code=raw,
        config=config,
        database=scope.target_database,
        schema=scope.target_schema,
        alias=name,
        checksum=text_checksum(raw),
    )
    refs, sources, in_file, parts, called = scope.template_calls(node, raw, config)
    node = evolve(node, refs=tuple(refs), sources=tuple(sources), static=parts is not None, depends_on_macros=called)
    return scope.finish(node, {**config, **in_file})


def parse_analyses(scope: ProjectScope, files: ProjectFiles, props: Properties, out: ParsedResources) -> None:
    out.add_unreferenced([parse_analysis(scope, file) for file in files.analyses])


ANALYSES = ResourceKind("analysis", parse_analyses)
