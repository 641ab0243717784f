"""dbt_project.yml: the project's name, paths, vars and folder-level configuration."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagwright.errors import ProjectError, did_you_mean
from dagwright.project.project_renderer import ProjectRenderer
from dagwright.project.property_shapes import config_problem
from dagwright.project.yamlio import line_of, load_yaml_file

PROJECT_FILE = "dbt_project.yml"

# Config keys whose values accumulate from the general to the specific instead of replacing.
_APPENDED = {"tags", "pre-hook", "post-hook", "pre_hook", "post_hook"}
_MERGED = {"meta", "docs", "persist_docs", "column_types", "grants"}


def normalize_key(key: str) -> str:
    """pre_hook and pre-hook are the same key; dbt's canonical spelling has the hyphen."""
    return {"pre_hook": "pre-hook", "post_hook": "post-hook"}.get(key, key)


def merge_config(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Layer ``update`` over ``base`` the way dbt layers configs (lists append, dicts merge)."""
    out = dict(base)
    for raw_key, value in update.items():
        key = normalize_key(raw_key)
        if key in _APPENDED:
            new = value if isinstance(value, list) else [value]
            out[key] = [*as_list(out.get(key)), *new]
        elif key == "grants" and isinstance(value, Mapping):
            out[key] = merge_grants(out.get(key), value)
        elif key in _MERGED and isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def merge_grants(base: Any, update: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``grants`` as dbt layers them: each privilege's grantees as a list; a privilege in
    ``update`` replaces the inherited list, or extends it when written ``+privilege``."""
    out = {k: as_list(v) for k, v in base.items()} if isinstance(base, Mapping) else {}
    for raw, grantees in update.items():
        privilege = str(raw).lstrip("+")
        if str(raw).startswith("+") and privilege in out:
            out[privilege] = [*out[privilege], *as_list(grantees)]
        else:
            out[privilege] = as_list(grantees)
    return out


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, tuple):
        return list(value)
    return [value]


@dataclass(frozen=True)
class ConfigTree:
    """Folder-level configuration under ``models:``/``seeds:`` in dbt_project.yml.

    Keys with a leading ``+`` are config, and so are other keys whose value is not a mapping;
    a mapping without ``+`` is a folder (or a node's own name) one level down, as in dbt.
    """

    config: Mapping[str, Any] = field(default_factory=dict)
    children: Mapping[str, ConfigTree] = field(default_factory=dict)

    @classmethod
    def from_yaml(cls, data: Any, path: Path, where: str, keypath: tuple[str, ...] = ()) -> ConfigTree:
        keypath = keypath or (where,)
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ProjectError(
                f"'{where}' must be a mapping, got {type(data).__name__}", path=path, line=line_of(path, keypath)
            )
        config: dict[str, Any] = {}
        children: dict[str, ConfigTree] = {}
        for key, value in data.items():
            key = str(key)
            if isinstance(value, Mapping) and not key.startswith("+"):
                # as dbt: a mapping without "+" is a level (a folder, a node's name) whatever its
                # name, so a project called `docs` or `grants` is a project, and `meta: {...}`
                # without "+" configures nothing (dbt's docs ask for `+meta`)
                children[key] = cls.from_yaml(value, path, f"{where}.{key}", (*keypath, key))
                continue
            problem = config_problem(normalize_key(key.removeprefix("+")), value)
            if problem is not None:
                raise ProjectError(f"'{where}.{key}' {problem}", path=path, line=line_of(path, (*keypath, key)))
            config = merge_config(config, {key.removeprefix("+"): value})
        return cls(config, children)

    def resolve(self, fqn: Sequence[str]) -> dict[str, Any]:
        """The config for a node at ``fqn`` (project, folders..., name), general to specific."""
        config: dict[str, Any] = dict(self.config)
        tree = self
        for part in fqn:
            tree_child = tree.children.get(part)
            if tree_child is None:
                break
            tree = tree_child
            config = merge_config(config, tree.config)
        return config


@dataclass(frozen=True)
class ProjectConfig:
    root: Path
    name: str
    profile: str
    version: str | None
    model_paths: tuple[str, ...]
    seed_paths: tuple[str, ...]
    macro_paths: tuple[str, ...]
    test_paths: tuple[str, ...]
    snapshot_paths: tuple[str, ...]
    analysis_paths: tuple[str, ...]
    target_path: str
    clean_targets: tuple[str, ...]
    vars: Mapping[str, Any]
    models: ConfigTree
    seeds: ConfigTree
    snapshots: ConfigTree
    tests: ConfigTree
    sources: ConfigTree
    on_run_start: tuple[str, ...]
    on_run_end: tuple[str, ...]
    dispatch: tuple[Mapping[str, Any], ...]
    quoting: Mapping[str, Any]
    path: Path
    #: dbt_project.yml as read, for rendering again once the target is known (``bind_target``)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    cli_vars: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: whether any value of the file is a Jinja template
    templated: bool = field(default=False, repr=False, compare=False)
    #: dbt 1.11's UDF folders (``function-paths``), parsed by ``parse.kinds.functions``
    function_paths: tuple[str, ...] = ("functions",)
    #: ``functions:`` (folder-level config of the UDFs)
    functions: ConfigTree = field(default_factory=ConfigTree)
    #: ``exposures:`` (folder-level config of the exposures)
    exposures: ConfigTree = field(default_factory=ConfigTree)
    #: ``unit_tests:`` (folder-level config of the unit tests: enabled, tags, meta)
    unit_tests: ConfigTree = field(default_factory=ConfigTree)


#: the top-level keys dbt-core 1.11 accepts in dbt_project.yml (its ``Project`` contract); any
#: other key is an error there too. Accepting a key does not mean implementing it: what
#: dagwright ignores is reported by ``parse.unsupported``.
_TOP_LEVEL_KEYS = {
    "name",
    "version",
    "config-version",
    "profile",
    "project-root",
    "model-paths",
    "source-paths",
    "seed-paths",
    "data-paths",
    "macro-paths",
    "test-paths",
    "snapshot-paths",
    "analysis-paths",
    "docs-paths",
    "asset-paths",
    "function-paths",
    "target-path",
    "log-path",
    "packages-install-path",
    "clean-targets",
    "vars",
    "models",
    "seeds",
    "snapshots",
    "tests",
    "data_tests",
    "sources",
    "metrics",
    "semantic-models",
    "saved-queries",
    "exposures",
    "unit_tests",
    "functions",
    "on-run-start",
    "on-run-end",
    "dispatch",
    "quoting",
    "require-dbt-version",
    "query-comment",
    "restrict-access",
    "flags",
    "analyses",
    "packages",
    "dbt-cloud",
}


def _paths(data: Mapping[str, Any], key: str, default: str, path: Path, legacy: str | None = None) -> tuple[str, ...]:
    value = data.get(key)
    if value is None and legacy:
        value = data.get(legacy)
    if value is None:
        return (default,)
    if isinstance(value, str):
        check_folder_name(value, (key,), path)
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProjectError(f"'{key}' must be a list of folder names", path=path)
    for index, folder in enumerate(value):
        check_folder_name(folder, (key, index), path)
    return tuple(value)


#: the longest name one folder or file may have (NAME_MAX of Linux, macOS and Windows)
_NAME_MAX = 255


def check_folder_name(value: Any, keypath: tuple[str | int, ...], path: Path) -> None:
    """A folder setting the file system can open: a string without NUL bytes whose every
    part fits a file name (else ``os`` raises ValueError or 'File name too long')."""
    problem = None
    if not isinstance(value, str):
        problem = f"must be a folder name, got {type(value).__name__}"
    elif "\x00" in value:
        problem = "holds a NUL byte, which no file name can"
    elif any(len(part.encode("utf-8", "surrogatepass")) > _NAME_MAX for part in value.split("/")):
        problem = f"has a name longer than {_NAME_MAX} bytes, which no file system accepts"
    if problem is not None:
        where = keypath[0] + "".join(f"[{k}]" for k in keypath[1:])
        raise ProjectError(f"'{where}' {problem}", path=path, line=line_of(path, keypath))


def _folder(data: Mapping[str, Any], key: str, default: str, path: Path) -> str:
    value = data.get(key)
    if value is None or value == "":
        return default
    check_folder_name(value, (key,), path)
    return str(value)


def find_project_root(project_dir: str | Path | None) -> Path:
    root = Path(project_dir) if project_dir else Path.cwd()
    if (root / PROJECT_FILE).is_file():
        return root.resolve()
    if project_dir is None:
        for parent in root.resolve().parents:
            if (parent / PROJECT_FILE).is_file():
                return parent
    raise ProjectError(
        f"no {PROJECT_FILE} found in {root.resolve()}",
        hint="run from a dbt project's folder or pass --project-dir",
    )


def load_project(project_dir: str | Path | None, cli_vars: Mapping[str, Any] | None = None) -> ProjectConfig:
    """dbt_project.yml, rendered before the profile is known: a value that reads ``target`` keeps
    its text until ``bind_target`` renders the project again with the target."""
    root = find_project_root(project_dir)
    path = root / PROJECT_FILE
    data = load_yaml_file(path)
    if not isinstance(data, Mapping):
        raise ProjectError("dbt_project.yml must be a mapping of settings", path=path)
    return _build(root, path, data, dict(cli_vars or {}), None)


def bind_target(project: ProjectConfig, target: Mapping[str, Any]) -> ProjectConfig:
    """``project`` rendered again with ``target`` in the context, as dbt renders dbt_project.yml
    once the profile is loaded. A project without Jinja is returned as it is."""
    if not project.templated:
        return project
    return _build(project.root, project.path, project.raw, project.cli_vars, target)


def _build(
    root: Path, path: Path, raw: Mapping[str, Any], cli_vars: Mapping[str, Any], target: Mapping[str, Any] | None
) -> ProjectConfig:
    renderer = ProjectRenderer(path, cli_vars, target)
    data = renderer.render_project(raw)
    for key in data:
        if key not in _TOP_LEVEL_KEYS:
            hint = did_you_mean(str(key), _TOP_LEVEL_KEYS)
            raise ProjectError(f"unknown setting '{key}'", path=path, hint=hint)
    name = data.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise ProjectError(
            "'name' is required and must be a valid identifier (letters, digits, underscores)", path=path
        )
    profile = data.get("profile") or name
    vars_ = data.get("vars") or {}
    if not isinstance(vars_, Mapping):
        raise ProjectError("'vars' must be a mapping", path=path)
    # read elsewhere: checked here, so a bad one is an error before anything opens it
    for key in ("log-path", "packages-install-path"):
        _folder(data, key, "", path)
    for key in ("docs-paths", "asset-paths"):
        _paths(data, key, "", path)
    quoting = data.get("quoting") or {}
    if not isinstance(quoting, Mapping):
        raise ProjectError(
            f"'quoting' must be a mapping, got {type(quoting).__name__}", path=path, line=line_of(path, ("quoting",))
        )
    hooks_start = as_list(data.get("on-run-start"))
    hooks_end = as_list(data.get("on-run-end"))
    tests_tree = data.get("data_tests") if data.get("data_tests") is not None else data.get("tests")
    return ProjectConfig(
        root=root,
        name=name,
        profile=str(profile),
        version=str(data["version"]) if data.get("version") is not None else None,
        model_paths=_paths(data, "model-paths", "models", path, "source-paths"),
        seed_paths=_paths(data, "seed-paths", "seeds", path, "data-paths"),
        macro_paths=_paths(data, "macro-paths", "macros", path),
        test_paths=_paths(data, "test-paths", "tests", path),
        snapshot_paths=_paths(data, "snapshot-paths", "snapshots", path),
        analysis_paths=_paths(data, "analysis-paths", "analyses", path),
        function_paths=_paths(data, "function-paths", "functions", path),
        target_path=str(os.environ.get("DBT_TARGET_PATH") or _folder(data, "target-path", "target", path)),
        clean_targets=tuple(as_list(data.get("clean-targets"))),
        vars=dict(vars_),
        models=ConfigTree.from_yaml(data.get("models"), path, "models"),
        seeds=ConfigTree.from_yaml(data.get("seeds"), path, "seeds"),
        snapshots=ConfigTree.from_yaml(data.get("snapshots"), path, "snapshots"),
        tests=ConfigTree.from_yaml(tests_tree, path, "data_tests"),
        sources=ConfigTree.from_yaml(data.get("sources"), path, "sources"),
        exposures=ConfigTree.from_yaml(data.get("exposures"), path, "exposures"),
        unit_tests=ConfigTree.from_yaml(data.get("unit_tests"), path, "unit_tests"),
        functions=ConfigTree.from_yaml(data.get("functions"), path, "functions"),
        on_run_start=tuple(str(h) for h in hooks_start),
        on_run_end=tuple(str(h) for h in hooks_end),
        dispatch=tuple(as_list(data.get("dispatch"))),
        quoting=dict(quoting),
        path=path,
        raw=raw,
        cli_vars=cli_vars,
        templated=renderer.templated,
    )
