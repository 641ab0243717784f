"""Functions (dbt 1.11 UDFs): ``.sql`` and ``.py`` files under ``function-paths`` (default
``functions/``), described by a property file's ``functions:`` entry.

As in dbt-core, a function is ``function.<package>.<name>``, with fqn ``<package>.<folders>.<name>``;
its config layers ``functions:`` of dbt_project.yml, its entry's ``config:`` and the file's own
``config()``, with ``materialized: function`` and ``type: scalar`` unless said otherwise. Its
entry gives its ``arguments`` (name, data_type, description, default_value) and what it
``returns`` (data_type, description). A node's ``function('name')`` calls, recorded when the
node was parsed, become edges to the function (``link``), so a build creates the function
before the models that call it. A function is not a relation: nothing can ``ref`` it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagwright.errors import CompilationError, ProjectError, did_you_mean
from dagwright.parse.checksums import text_checksum
from dagwright.parse.kinds.base import ParsedResources, ProjectScope, ResourceKind, decode, named_entries
from dagwright.parse.nodes import Manifest, Node, evolve, new_node
from dagwright.project.config import merge_config
from dagwright.project.files import ProjectFile, ProjectFiles
from dagwright.project.properties import Properties
from dagwright.rendering.function_dict import FUNCTION_CONFIG_DEFAULTS
from dagwright.rendering.functions import find_function

#: the return type dbt gives a function no property entry describes
NO_ENTRY_TYPE = "INVALID_TYPE"
#: the fields of an argument and of ``returns`` in dbt's manifest
_ARGUMENT_FIELDS = ("name", "data_type", "description", "default_value")


def _entries(props: Properties) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """Each function's property entry by name, with its file; one entry per name."""
    out: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for file, entries in props.function_entries:
        rel = file.original_file_path
        for entry in named_entries(file, entries, "functions"):
            name = str(entry["name"])
            if name in out:
                raise ProjectError(f"function '{name}' is described twice: in {out[name][0]} and in {rel}", path=rel)
            out[name] = (rel, entry)
    return out


def _arguments(entry: Mapping[str, Any], where: str, path: str) -> tuple[dict[str, Any], ...]:
    raw = entry.get("arguments") or []
    if not isinstance(raw, list) or not all(isinstance(a, Mapping) and a.get("name") for a in raw):
        raise ProjectError(f"'arguments' of {where} must be a list of mappings with a 'name'", path=path)
    out = []
    for argument in raw:
        if not argument.get("data_type"):
            raise ProjectError(f"argument '{argument['name']}' of {where} needs a 'data_type'", path=path)
        out.append({key: argument.get(key) for key in _ARGUMENT_FIELDS} | {"description": argument.get("description")})
    return tuple(out)


def _returns(entry: Mapping[str, Any], where: str, path: str) -> dict[str, Any]:
    returns = entry.get("returns")
    if not isinstance(returns, Mapping) or not returns.get("data_type"):
        raise ProjectError(
            f"{where} needs 'returns' with a 'data_type'",
            path=path,
            hint="add e.g. 'returns: {data_type: integer}' to its entry under 'functions:'",
        )
    return {"data_type": returns["data_type"], "description": returns.get("description")}


def parse_function(scope: ProjectScope, file: ProjectFile, described: tuple[str, Mapping[str, Any]] | None) -> Node:
    project = scope.project
    rel = file.original_file_path
    raw = decode(scope.read_bytes(file), rel).strip()
    name = file.stem
    fqn = (project.name, *file.folders, name)
    language = "python" if rel.endswith(".py") else "sql"
    where = f"function '{name}'"
    # without an entry dbt still parses it, returning its placeholder type (the build then fails)
    yml, entry = described if described is not None else (None, {"returns": {"data_type": NO_ENTRY_TYPE}})
    entry_config = entry.get("config") or {}
    if not isinstance(entry_config, Mapping):
        raise ProjectError(f"'config' of {where} must be a mapping", path=yml)
    meta = dict(entry.get("meta") or {})
    if meta:  # the entry's meta is config too (dbt)
        entry_config = {**entry_config, "meta": {**meta, **(entry_config.get("meta") or {})}}
    config = merge_config(merge_config(FUNCTION_CONFIG_DEFAULTS, project.functions.resolve(fqn)), entry_config)
    node = new_node(
        unique_id=f"function.{project.name}.{name}",
        resource_type="function",
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
        language=language,
        description=scope.render_description(str(entry.get("description") or ""), yml or rel),
        patch_path=f"{project.name}://{yml}" if yml else None,
        meta=dict(config.get("meta") or {}),
        arguments=_arguments(entry, where, yml or rel),
        returns=_returns(entry, where, yml or rel),
    )
    in_file: dict[str, Any] = {}
    if language == "sql":
        refs, sources, in_file, parts, called = scope.template_calls(node, raw, config)
        node = evolve(
            node, refs=tuple(refs), sources=tuple(sources), static=parts is not None, depends_on_macros=called
        )
        config = merge_config(config, in_file)
    node = evolve(node, own_config_keys=tuple(dict.fromkeys((*entry_config, *in_file))))
    if scope.root is not None:  # the root project's folder config wins over a package's (dbt)
        config = merge_config(config, scope.root.functions.resolve(fqn))
    return scope.finish(node, config)


def parse_functions(scope: ProjectScope, files: ProjectFiles, props: Properties, out: ParsedResources) -> None:
    described = _entries(props)
    seen: dict[str, str] = {}
    for file in files.functions:
        if file.stem in seen:
            raise ProjectError(
                f"two functions are named '{file.stem}': {seen[file.stem]} and {file.original_file_path}",
                path=file.original_file_path,
                hint="rename one of them (function names must be unique in a project)",
            )
        seen[file.stem] = file.original_file_path
        node = parse_function(scope, file, described.get(file.stem))
        (out.nodes if node.enabled else out.disabled)[node.unique_id] = node


def function_dependency(manifest: Manifest, index: dict[str, list[Node]], node: Node, call: tuple[str, ...]) -> str:
    """The unique_id of the function a node's ``function()`` call names (``parse.link`` adds
    it to the node's depends_on, so a build creates the function before the node);
    ``index``: ``function_index(manifest)``."""
    target = find_function(index, manifest.project_name, call, node.package_name)
    if target is None:
        known = list(index)
        raise CompilationError(
            f"{node.resource_type} '{node.name}' calls function('{call[-1]}'), which is not defined",
            path=node.original_file_path,
            node=node.unique_id,
            hint=did_you_mean(call[-1], known) or "add the function's file under function-paths (functions/)",
        )
    return target.unique_id


FUNCTIONS = ResourceKind("function", parse_functions)
