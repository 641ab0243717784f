"""YAML property files: descriptions, columns, config and tests of models and seeds; sources."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dagwright.errors import ProjectError
from dagwright.parse.nodes import ColumnInfo
from dagwright.project.files import ProjectFile
from dagwright.project.property_shapes import check_entry_shape
from dagwright.project.yamlio import load_yaml_text

_RESOURCE_KEYS = (
    "models",
    "seeds",
    "snapshots",
    "analyses",
    "macros",
    "sources",
    "data_tests",
    "tests",
    "exposures",
    "groups",
    "functions",
)
#: top-level keys dbt 1.11 reads that dagwright keeps aside unread (``parse.unsupported`` reports them)
SET_ASIDE_KEYS = ("metrics", "semantic_models", "saved_queries", "unit_tests")
#: top-level keys with nothing to read: the file format's version, YAML anchors
_INERT_KEYS = ("version", "anchors")
#: keys of a model's entry that dagwright does not implement (``parse.unsupported`` reports them)
ENTRY_FEATURES = ("constraints",)
_PATCHED = {"models": "model", "seeds": "seed", "snapshots": "snapshot", "data_tests": "test", "tests": "test"}


#: top-level keys whose entries dagwright reads, and so renders
_RENDERED_KEYS = frozenset(
    {"models", "seeds", "snapshots", "sources", "exposures", "groups", "data_tests", "tests", "functions"}
)


@dataclass(frozen=True)
class TestDefinition:
    """One entry under ``tests:``/``data_tests:`` of a model, seed, source table or column."""

    definition: Any
    column_name: str | None
    file: str
    #: the column's ``quote:`` (its name is then quoted in the test, as dbt does)
    column_quote: bool | None = None


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
    #: model-level ``constraints:``
    constraints: tuple[Mapping[str, Any], ...] = ()
    #: ``quote_columns:``: quote the columns whose ``quote:`` is not set, in their tests
    quote_columns: bool | None = None
    #: a model's ``versions:``, ``latest_version:`` and ``deprecation_date:`` as written
    #: (``parse.versions`` reads them), and where its entry is (``[key, index]`` in the file)
    versions: tuple[Mapping[str, Any], ...] = ()
    latest_version: Any = None
    deprecation_date: Any = None
    keypath: tuple[str | int, ...] = ()
    #: a model's ``time_spine:`` (MetricFlow)
    time_spine: Mapping[str, Any] | None = None


#: keys of a model's entry that dbt reads as config
_CONFIG_AT_TOP = ("access", "group", "docs")


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
    #: each file's ``exposures:`` and ``groups:`` entries (``parse.exposures`` reads them)
    exposure_entries: list[tuple[ProjectFile, list[Any]]] = field(default_factory=list)
    group_entries: list[tuple[ProjectFile, list[Any]]] = field(default_factory=list)
    #: each file's ``functions:`` entries (``parse.kinds.functions`` reads them)
    function_entries: list[tuple[ProjectFile, list[Any]]] = field(default_factory=list)


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
            constraints=constraints(entry.get("constraints"), file, f"column '{name}' of {where}"),
            granularity=_text_or_none(entry.get("granularity")),
        )
        for test in _test_list(entry, file, f"column '{name}' of {where}"):
            tests.append(TestDefinition(test, name, file, entry.get("quote")))
    return columns, tests


_CONSTRAINT_DEFAULTS: dict[str, Any] = {
    "type": None,
    "name": None,
    "expression": None,
    "warn_unenforced": True,
    "warn_unsupported": True,
    "to": None,
    "to_columns": [],
}


def constraints(entries: Any, file: str, where: str, model_level: bool = False) -> tuple[dict[str, Any], ...]:
    """``constraints:`` of a model or column, with dbt's fields (a model-level one has ``columns``)."""
    if entries is None:
        return ()
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) and "type" in e for e in entries):
        raise ProjectError(f"'constraints' of {where} must be a list of mappings with a 'type'", path=file)
    out = []
    for entry in entries:
        constraint = {**_CONSTRAINT_DEFAULTS, **entry}
        if model_level:
            constraint.setdefault("columns", [])
        out.append(constraint)
    return tuple(out)


def _test_list(entry: Mapping[str, Any], file: str, where: str) -> list[Any]:
    tests = entry.get("data_tests")
    if tests is None:
        tests = entry.get("tests")
    if tests is None:
        return []
    if not isinstance(tests, list):
        raise ProjectError(f"'data_tests' of {where} must be a list", path=file)
    return tests


#: renders one entry of a property file: (entry, top-level key, file, the entry's keypath) -> entry
EntryRenderer = Callable[[Mapping[str, Any], str, str, tuple[str | int, ...]], Mapping[str, Any]]


def load_properties(files: list[ProjectFile], render: EntryRenderer | None = None) -> Properties:
    """The patches, sources and YAML snapshots of ``files``; ``render`` renders the Jinja in
    each entry's values (see ``parse.yaml_render``) before it is read."""
    props = Properties()
    for file in files:
        try:
            text = file.path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ProjectError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", path=file.path) from None
        data = load_yaml_text(text, file.path)
        # most property files hold no Jinja: then nothing needs rendering
        templated = render is not None and ("{{" in text or "{%" in text or "{#" in text)
        rel = file.original_file_path
        if data is None:
            continue
        if not isinstance(data, Mapping):
            raise ProjectError("a property file must be a mapping (with 'version: 2')", path=rel)
        for key, entries in data.items():
            if key in _INERT_KEYS:
                continue
            if key not in _RESOURCE_KEYS:
                _check_entries(entries, key, file, rel)  # read elsewhere (semantic models, unit tests...)
                props.set_aside.append((file, str(key), entries))
                continue
            if entries is None:
                continue
            if not isinstance(entries, list):
                raise ProjectError(f"'{key}' must be a list", path=rel)
            if templated and render is not None and key in _RENDERED_KEYS:
                entries = [
                    render(entry, key, rel, (key, i)) if isinstance(entry, Mapping) else entry
                    for i, entry in enumerate(entries)
                ]
            _check_entries(entries, key, file, rel)
            if key == "snapshots":
                props.snapshot_entries.append((file, entries))
            if key in ("exposures", "groups"):
                (props.exposure_entries if key == "exposures" else props.group_entries).append((file, entries))
                continue
            if key == "functions":
                props.function_entries.append((file, entries))
                continue
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
                versions = entry.get("versions") if resource_type == "model" else None
                if versions is not None and not isinstance(versions, list):
                    raise ProjectError(f"'versions' of {where} must be a list", path=rel)
                columns, tests = _columns(entry.get("columns"), rel, where)
                tests = [TestDefinition(t, None, rel) for t in _test_list(entry, rel, where)] + tests
                config = entry.get("config") or {}
                if not isinstance(config, Mapping):
                    raise ProjectError(f"'config' of {where} must be a mapping", path=rel)
                # dbt reads these top-level keys as config (the config block wins)
                config = {**{k: entry[k] for k in _CONFIG_AT_TOP if k in entry}, **config}
                patch = Patch(
                    name=name,
                    resource_type=resource_type,
                    file=rel,
                    description=str(entry.get("description") or ""),
                    columns=columns,
                    config=dict(config),
                    meta=dict(entry.get("meta") or {}),
                    tests=tuple(tests),
                    constraints=constraints(entry.get("constraints"), rel, where, model_level=True),
                    quote_columns=entry.get("quote_columns"),
                    versions=tuple(versions or ()),
                    latest_version=entry.get("latest_version"),
                    deprecation_date=entry.get("deprecation_date"),
                    keypath=(str(key), index),
                    time_spine=dict(entry["time_spine"]) if isinstance(entry.get("time_spine"), Mapping) else None,
                )
                previous = props.patches.get((resource_type, name))
                if previous is not None:
                    raise ProjectError(f"{where} is described twice: in {previous.file} and in {rel}", path=rel)
                props.patches[(resource_type, name)] = patch
    return props


def _check_entries(entries: Any, key: str, file: ProjectFile, rel: str) -> None:
    """Each entry's shape, as rendered, before anything reads it (``property_shapes``)."""
    if isinstance(entries, list):
        for index, entry in enumerate(entries):
            if isinstance(entry, Mapping):
                check_entry_shape(entry, (key, index), file.path, rel)


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _note_entry_features(props: Properties, file: ProjectFile, name: str, index: int, entry: Mapping[str, Any]) -> None:
    """Keep where a model's entry uses a key of ENTRY_FEATURES (model or column ``constraints``),
    and where its columns have ``policy_tags`` (dbt-bigquery attaches them)."""
    found = [key for key in ENTRY_FEATURES if entry.get(key)]
    columns = entry.get("columns")
    columns = [c for c in columns if isinstance(c, Mapping)] if isinstance(columns, list) else []
    if any(c.get("constraints") for c in columns) and "constraints" not in found:
        found.append("constraints")
    if any(c.get("policy_tags") for c in columns):
        found.append("policy_tags")
    props.entry_features.extend((file, "model", name, index, key) for key in found)
