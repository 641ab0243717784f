"""YAML property files: descriptions, columns, config and tests of models and seeds; sources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dagwright.errors import ProjectError
from dagwright.parse.nodes import ColumnInfo
from dagwright.project.files import ProjectFile
from dagwright.project.yamlio import load_yaml_file

_RESOURCE_KEYS = ("models", "seeds", "snapshots", "analyses", "macros", "sources", "data_tests", "tests")
#: top-level keys dbt 1.11 reads that dagwright keeps aside unread (``parse.unsupported`` reports them)
SET_ASIDE_KEYS = ("exposures", "metrics", "semantic_models", "saved_queries", "groups", "unit_tests", "functions")
#: top-level keys with nothing to read: the file format's version, YAML anchors
_INERT_KEYS = ("version", "anchors")
#: keys of a model's entry that dagwright does not implement (``parse.unsupported`` reports them)
ENTRY_FEATURES = ("constraints", "versions")
_PATCHED = {"models": "model", "seeds": "seed", "snapshots": "snapshot", "data_tests": "test", "tests": "test"}


@dataclass(frozen=True)
class TestDefinition:
    """One entry under ``tests:``/``data_tests:`` of a model, seed, source table or column."""

    definition: Any
    column_name: str | None
    file: str


@dataclass(frozen=True)
class Patch:
    """What a property file says about one model/seed/snapshot."""

    name: str
    resource_type: str
    file: str
    description: str = ""
    columns: Mapping[str, ColumnInfo] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)
    tests: tuple[TestDefinition, ...] = ()


@dataclass(frozen=True)
class SourceDefinition:
    name: str
    file: ProjectFile
    data: Mapping[str, Any]


@dataclass
class Properties:
    patches: dict[tuple[str, str], Patch] = field(default_factory=dict)
    sources: list[SourceDefinition] = field(default_factory=list)
    #: each file's ``snapshots:`` entries, read once here for the YAML-defined snapshots
    snapshot_entries: list[tuple[ProjectFile, list[Any]]] = field(default_factory=list)
    #: (file, key, value) of each top-level key kept aside: SET_ASIDE_KEYS, and keys dbt
    #: does not know either (it ignores those on DuckDB and PostgreSQL; dagwright warns)
    set_aside: list[tuple[ProjectFile, str, Any]] = field(default_factory=list)
    #: (file, resource type, name, index in its list, key) of each ENTRY_FEATURES key found
    entry_features: list[tuple[ProjectFile, str, str, int, str]] = field(default_factory=list)


def _columns(entries: Any, file: str, where: str) -> tuple[dict[str, ColumnInfo], list[TestDefinition]]:
    columns: dict[str, ColumnInfo] = {}
    tests: list[TestDefinition] = []
    if entries is None:
        return columns, tests
    if not isinstance(entries, list):
        raise ProjectError(f"'columns' of {where} must be a list", path=file)
    for entry in entries:
        if not isinstance(entry, Mapping) or "name" not in entry:
            raise ProjectError(f"each column of {where} needs a 'name'", path=file)
        name = str(entry["name"])
        columns[name] = ColumnInfo(
            name=name,
            description=str(entry.get("description") or ""),
            data_type=entry.get("data_type"),
            meta=dict(entry.get("meta") or {}),
            tags=tuple(entry.get("tags") or ()),
            quote=entry.get("quote"),
        )
        for test in _test_list(entry, file, f"column '{name}' of {where}"):
            tests.append(TestDefinition(test, name, file))
    return columns, tests


def _test_list(entry: Mapping[str, Any], file: str, where: str) -> list[Any]:
    tests = entry.get("data_tests")
    if tests is None:
        tests = entry.get("tests")
    if tests is None:
        return []
    if not isinstance(tests, list):
        raise ProjectError(f"'data_tests' of {where} must be a list", path=file)
    return tests


def load_properties(files: list[ProjectFile]) -> Properties:
    props = Properties()
    for file in files:
        data = load_yaml_file(file.path)
        rel = file.original_file_path
        if data is None:
            continue
        if not isinstance(data, Mapping):
            raise ProjectError("a property file must be a mapping (with 'version: 2')", path=rel)
        for key, entries in data.items():
            if key in _INERT_KEYS:
                continue
            if key not in _RESOURCE_KEYS:
                props.set_aside.append((file, str(key), entries))
                continue
            if entries is None:
                continue
            if not isinstance(entries, list):
                raise ProjectError(f"'{key}' must be a list", path=rel)
            if key == "snapshots":
                props.snapshot_entries.append((file, entries))
            if key == "sources":
                for entry in entries:
                    if not isinstance(entry, Mapping) or "name" not in entry:
                        raise ProjectError("each source needs a 'name'", path=rel)
                    props.sources.append(SourceDefinition(str(entry["name"]), file, entry))
                continue
            resource_type = _PATCHED.get(key)
            if resource_type is None:
                continue
            for index, entry in enumerate(entries):
                if not isinstance(entry, Mapping) or "name" not in entry:
                    raise ProjectError(f"each entry of '{key}' needs a 'name'", path=rel)
                name = str(entry["name"])
                if resource_type == "model":
                    _note_entry_features(props, file, name, index, entry)
                where = f"{resource_type} '{name}'"
                columns, tests = _columns(entry.get("columns"), rel, where)
                tests = [TestDefinition(t, None, rel) for t in _test_list(entry, rel, where)] + tests
                config = entry.get("config") or {}
                if not isinstance(config, Mapping):
                    raise ProjectError(f"'config' of {where} must be a mapping", path=rel)
                patch = Patch(
                    name=name,
                    resource_type=resource_type,
                    file=rel,
                    description=str(entry.get("description") or ""),
                    columns=columns,
                    config=dict(config),
                    meta=dict(entry.get("meta") or {}),
                    tests=tuple(tests),
                )
                previous = props.patches.get((resource_type, name))
                if previous is not None:
                    raise ProjectError(f"{where} is described twice: in {previous.file} and in {rel}", path=rel)
                props.patches[(resource_type, name)] = patch
    return props


def _note_entry_features(props: Properties, file: ProjectFile, name: str, index: int, entry: Mapping[str, Any]) -> None:
    """Keep where a model's entry uses a key of ENTRY_FEATURES (model or column ``constraints``)."""
    found = [key for key in ENTRY_FEATURES if entry.get(key)]
    columns = entry.get("columns")
    on_columns = isinstance(columns, list) and any(isinstance(c, Mapping) and c.get("constraints") for c in columns)
    if on_columns and "constraints" not in found:
        found.append("constraints")
    props.entry_features.extend((file, "model", name, index, key) for key in found)
