"""Seeds: CSV files in seed-paths, as nodes (their rows are read when they are loaded)."""

from __future__ import annotations

from dagwright.parse.checksums import seed_checksum
from dagwright.parse.kinds.base import ParsedResources, ProjectScope, ResourceKind
from dagwright.parse.nodes import Node
from dagwright.project.config import merge_config
from dagwright.project.files import ProjectFile, ProjectFiles
from dagwright.project.properties import Patch, Properties


def parse_seed(scope: ProjectScope, file: ProjectFile, patch: Patch | None) -> Node:
    project = scope.project
    name = file.stem
    fqn = (project.name, *file.folders, name)
    config = project.seeds.resolve(fqn)
    if patch is not None:
        config = merge_config(config, patch.config)
    if scope.root is not None:
        config = merge_config(config, scope.root.seeds.resolve(fqn))
    config["materialized"] = "seed"
    checksum_name, checksum = seed_checksum(file.path, file.original_file_path)
    node = Node(
        unique_id=f"seed.{project.name}.{name}",
        resource_type="seed",
        package_name=project.name,
        name=name,
        path=file.relative,
        original_file_path=file.original_file_path,
        fqn=fqn,
        raw_code="",
        config=config,
        database=scope.target_database,
        schema=scope.target_schema,
        alias=name,
        checksum=checksum,
        checksum_name=checksum_name,
        static=True,
    )
    return scope.finish(scope.apply_patch(node, patch), config)


def parse_seeds(scope: ProjectScope, files: ProjectFiles, props: Properties, out: ParsedResources) -> None:
    for file in files.seeds:
        out.add(parse_seed(scope, file, props.patches.get(("seed", file.stem))))


SEEDS = ResourceKind("seed", parse_seeds)
