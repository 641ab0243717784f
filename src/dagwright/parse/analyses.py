"""Analyses: ``.sql`` files under ``analysis-paths`` (default ``analyses/``), nodes that dbt
parses and compiles but never runs.

As in dbt, an analysis is ``analysis.<package>.<name>``, with ``path`` ``analysis/<file>`` and
fqn ``<package>.analysis.<folders>.<name>``; it may ``ref``/``source`` anything and call any
macro, and it is in manifest.json's ``nodes``, in ``ls --resource-type analysis`` (or ``all``),
and compiled by ``compile`` into ``target/compiled/<package>/analyses/...``. It is not a
relation, so nothing can ``ref`` it and run/build/test never select it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from dagwright.errors import ProjectError
from dagwright.parse.checksums import text_checksum
from dagwright.parse.nodes import Node, evolve, new_node
from dagwright.project.files import ProjectFile, read_bytes

if TYPE_CHECKING:
    from dagwright.parse.loader import ManifestLoader

#: dbt's default config of an analysis (it shows ``materialized: view``, which nothing uses)
ANALYSIS_CONFIG = {"materialized": "view"}


def parse_analysis(loader: ManifestLoader, file: ProjectFile) -> Node:
    project = loader.project
    rel = file.original_file_path
    raw_bytes = loader.contents.pop(file.path, None)
    if raw_bytes is None:
        raw_bytes = read_bytes(file.path)
    try:
        raw = raw_bytes.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise ProjectError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", path=rel) from None
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
        database=loader.target_database,
        schema=loader.names.target_schema,
        alias=name,
        checksum=text_checksum(raw),
    )
    refs, sources, in_file, parts, called = loader.template_calls(node, raw, config)
    node = evolve(node, refs=tuple(refs), sources=tuple(sources), static=parts is not None, depends_on_macros=called)
    return loader._finish(node, {**config, **in_file})


def parse_analyses(loader: ManifestLoader, files: Iterable[ProjectFile]) -> list[Node]:
    return [parse_analysis(loader, file) for file in files]
