"""SQL models (``.sql`` files in model-paths), and the SQL-file parse singular tests share.

A model's config, as dbt layers it: ``models:`` of dbt_project.yml (by fqn), its property
file, then ``config()`` in the file; for a package's model, the root project's folder config
over all of these. Its materialization is one dagwright implements, a project's ``{% materialization %}``
block, or a name nothing defines (dbt's error when the node runs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dagwright.errors import ProjectError, did_you_mean
from dagwright.parse.checksums import text_checksum
from dagwright.parse.contracts import check_contracts
from dagwright.parse.deprecations import warn_deprecated_models
from dagwright.parse.foreign_keys import foreign_key_calls
from dagwright.parse.kinds.base import ParsedResources, ProjectScope, ResourceKind, decode
from dagwright.parse.materializations import ADAPTER_BUILTIN, CORE_BLOCKS
from dagwright.parse.materializations import BUILTIN as MATERIALIZATIONS
from dagwright.parse.nodes import Manifest, Node, evolve, new_node
from dagwright.parse.tests import TEST_CONFIG_DEFAULTS
from dagwright.parse.versions import ModelVersion, normalize_date, version_files
from dagwright.project.config import merge_config
from dagwright.project.files import ProjectFile, ProjectFiles
from dagwright.project.packages import InstalledPackage
from dagwright.project.properties import Patch, Properties


def parse_sql_file(
    scope: ProjectScope,
    file: ProjectFile,
    patch: Patch | None,
    resource_type: str = "model",
    version: ModelVersion | None = None,
) -> Node:
    """The node of a model's (or, with ``resource_type`` "test", a singular test's) SQL file;
    with ``version``, the node of that version of a versioned model (``parse.versions``)."""
    project = scope.project
    rel = file.original_file_path
    raw = decode(scope.read_bytes(file), rel).strip()
    name = file.stem
    fqn = (project.name, *file.folders, name)
    unique_id = f"{resource_type}.{project.name}.{name}"
    if version is not None:  # named after its model, whatever its file is called (dbt)
        name = version.name
        fqn = (project.name, *file.folders, name, version.suffix)
        unique_id = f"model.{project.name}.{name}.{version.suffix}"
    config: dict[str, Any]
    if resource_type == "test":
        config = merge_config(TEST_CONFIG_DEFAULTS, project.tests.resolve(fqn))
    else:
        config = project.models.resolve(fqn)
        config.setdefault("materialized", "view")
    if patch is not None:
        config = merge_config(config, patch.config)
    node = new_node(
        unique_id=unique_id,
        resource_type=resource_type,
        package_name=project.name,
        name=name,
        path=file.relative,
        original_file_path=rel,
        fqn=fqn,
        raw_code=raw,
        config=config,
        database=scope.target_database,
        schema=scope.target_schema,
        alias=name,
        checksum=text_checksum(raw),
    )
    if version is not None:
        node.__dict__.update(
            version=version.version,
            latest_version=version.latest_version,
            deprecation_date=version.deprecation_date,
        )
    elif patch is not None and patch.deprecation_date is not None and resource_type == "model":
        where = f"model '{name}'"
        node.__dict__["deprecation_date"] = normalize_date(patch.deprecation_date, where, patch.file)
    node = scope.apply_patch(node, patch)
    refs, sources, in_file, parts, called = scope.template_calls(node, raw, config)
    config = merge_config(config, in_file)
    if scope.root is not None:  # the root project's folder config, over the package's in-file config (dbt)
        root_tree = scope.root.tests if resource_type == "test" else scope.root.models
        config = merge_config(config, root_tree.resolve(fqn))
    if resource_type == "test":
        config["severity"] = str(config.get("severity") or "ERROR")  # as written, like dbt
    materialized = config.get("materialized")
    known = materialized in MATERIALIZATIONS or materialized in ADAPTER_BUILTIN.get(scope.run.adapter_type, ())
    if (
        not known
        and materialized not in scope.custom_materializations
        and any(str(materialized) in names for names in CORE_BLOCKS.values())
    ):
        # one of dbt's own that dagwright does not build (a name nothing defines is dbt's
        # error when the node runs, as in dbt)
        raise ProjectError(
            f"materialization '{materialized}' is not implemented by dagwright",
            path=rel,
            node=unique_id,
            hint=did_you_mean(str(materialized), MATERIALIZATIONS[:5])
            or f"use one of: {', '.join(MATERIALIZATIONS[:5])}",
        )
    if resource_type != "test" and (hook_calls := scope.hook_macros(config)):
        called = tuple(dict.fromkeys((*called, *hook_calls)))
    if resource_type == "model" and (node.constraints or node.columns):
        fk_refs, fk_sources = foreign_key_calls(node, patch.file if patch is not None else rel)
        refs, sources = [*refs, *fk_refs], [*sources, *fk_sources]
    node = evolve(node, refs=tuple(refs), sources=tuple(sources), static=parts is not None, depends_on_macros=called)
    return scope.finish(node, config)


def parse_models(scope: ProjectScope, files: ProjectFiles, props: Properties, out: ParsedResources) -> None:
    versions = version_files(props.patches, files)
    for file in files.models:
        if versions is not None:
            version = versions.by_file.get(file.stem)
            if version is not None:
                out.add(parse_sql_file(scope, file, version.patch, version=version))
                continue
            if file.stem in versions.names:
                versions.unversioned_file(file)
        out.add(parse_sql_file(scope, file, props.patches.get(("model", file.stem))))


def check_models(manifest: Manifest, packages: Sequence[InstalledPackage]) -> None:
    check_contracts(manifest, packages)
    warn_deprecated_models(manifest)


MODELS = ResourceKind("model", parse_models, check=check_models)
