"""``unit_tests:`` of property files (dbt 1.8+).

A unit test names a model, the rows of some of its inputs (``given``: ``ref(...)``,
``source(...)`` or ``this``) and the rows it should produce (``expect``). It is kept as
written here; ``execute.unit_test`` runs it. Rows are ``dict`` (a list of mappings, the
default), ``csv`` (text) or ``sql`` (a query), inline (``rows``) or in a file under
``<test-path>/fixtures/`` (``fixture``), read when the test runs.

A unit test of a versioned model is one test per version it tests (all of them, or those
``versions: {include|exclude}`` keeps), ``<name>_v<version>`` in its unique_id, as dbt makes
them. Its config layers the ``unit_tests:`` of dbt_project.yml (by fqn) under its own.
A project without unit tests pays nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from dagwright.errors import ProjectError, did_you_mean
from dagwright.parse.kinds.base import ParsedResources, ProjectScope, ResourceKind
from dagwright.parse.nodes import Node, UnitTest
from dagwright.parse.static import Expr, _expression, _NotStatic
from dagwright.project.config import merge_config
from dagwright.project.files import ProjectFile, ProjectFiles
from dagwright.project.properties import Properties

FORMATS = ("dict", "csv", "sql")
_KEYS = frozenset({"name", "model", "given", "expect", "overrides", "config", "description", "versions"})


def _plain(value: Any) -> Any:
    """YAML values as the cache keeps them: a date or timestamp (unquoted in YAML) becomes its
    ISO text, cast to the column's type like any text (dbt renders it unquoted, which fails)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else value.isoformat()
    return value


def _rows_spec(spec: Any, where: str, path: str, *, given: bool) -> dict[str, Any]:
    if not isinstance(spec, Mapping):
        raise ProjectError(f"'{'given' if given else 'expect'}' of {where} must be a mapping", path=path)
    fmt = spec.get("format") or "dict"
    if fmt not in FORMATS:
        raise ProjectError(
            f"'format' of {where} must be one of {', '.join(FORMATS)}, got {fmt!r}",
            path=path,
            hint=did_you_mean(str(fmt), FORMATS),
        )
    rows, fixture = spec.get("rows"), spec.get("fixture")
    if rows is not None and fixture is not None:
        raise ProjectError(f"{where} gives both 'rows' and 'fixture'; keep one", path=path)
    if (
        fmt == "dict"
        and rows is not None
        and not (isinstance(rows, list) and all(isinstance(r, Mapping) for r in rows))
    ):
        raise ProjectError(f"'rows' of {where} (format: dict) must be a list of mappings", path=path)
    if fmt in ("csv", "sql") and rows is not None and not isinstance(rows, str):
        raise ProjectError(f"'rows' of {where} (format: {fmt}) must be text", path=path)
    if fmt == "dict" and fixture is not None:
        raise ProjectError(f"{where}: a 'fixture' file needs format: csv or sql", path=path)
    if fmt == "sql" and rows is None and fixture is None:
        raise ProjectError(f"{where} (format: sql) needs 'rows' or a 'fixture'", path=path)
    out: dict[str, Any] = {"rows": _plain(rows), "format": fmt, "fixture": fixture}
    if given:
        text = str(spec.get("input") or "").strip()
        if not text:
            raise ProjectError(f"each 'given' of {where} needs an 'input'", path=path)
        out = {"input": text, **out, "call": _input_call(text, where, path)}
    return out


def _input_call(text: str, where: str, path: str) -> list[Any]:
    """``["this"]``, ``["ref", package, name, version]`` or ``["source", source, table]``."""
    if text == "this":
        return ["this"]
    inner = text[2:-2].strip() if text.startswith("{{") and text.endswith("}}") else text
    try:
        expr: Expr | None = _expression(inner, 1)
    except _NotStatic:
        expr = None
    if expr is not None and expr.kind == "ref" and 1 <= len(expr.args) <= 2:
        kwargs = dict(expr.kwargs)
        version = kwargs.get("version", kwargs.get("v"))
        package = str(expr.args[0]) if len(expr.args) == 2 else None
        return ["ref", package, str(expr.args[-1]), None if version is None else str(version)]
    if expr is not None and expr.kind == "source" and len(expr.args) == 2:
        return ["source", str(expr.args[0]), str(expr.args[1])]
    raise ProjectError(
        f"input {text!r} of {where} must be ref('...'), source('...', '...') or this",
        path=path,
    )


def _unit_tests(scope: ProjectScope, file: ProjectFile, entry: Any, out: ParsedResources) -> list[UnitTest]:
    """The unit tests of one entry: one, or one per tested version of a versioned model (none
    when it is disabled)."""
    path = file.original_file_path
    if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
        raise ProjectError("each entry of 'unit_tests' needs a 'name'", path=path)
    name = entry["name"]
    where = f"unit test '{name}'"
    model = entry.get("model")
    if not isinstance(model, str) or not model:
        raise ProjectError(f"{where} needs a 'model'", path=path)
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        raise ProjectError(
            f"{where} has unknown keys: {', '.join(map(str, unknown))}",
            path=path,
            hint=did_you_mean(unknown[0], _KEYS),
        )
    own_config = entry.get("config") or {}
    if not isinstance(own_config, Mapping):
        raise ProjectError(f"'config' of {where} must be a mapping", path=path)
    package = scope.project.name
    fqn = (package, *file.folders, model, name)
    config = _config(scope, fqn, own_config)
    if not config.get("enabled", True):
        return []  # as dbt: its model is not looked for
    tested = _tested_models(scope, out, model, where, path)
    if tested is None:
        return []
    versions = _versions_spec(_plain(entry.get("versions")), where, path)
    tested = _versions_tested(tested, versions, name, path)
    given = entry.get("given")
    if not isinstance(given, list):
        raise ProjectError(f"'given' of {where} must be a list of inputs", path=path)
    if "expect" not in entry:
        raise ProjectError(f"{where} needs 'expect'", path=path)
    overrides = entry.get("overrides")
    if overrides is not None and not isinstance(overrides, Mapping):
        raise ProjectError(f"'overrides' of {where} must be a mapping (macros, vars, env_vars)", path=path)
    given_specs = tuple(_rows_spec(g, where, path, given=True) for g in given)
    expect_spec = _rows_spec(entry["expect"], where, path, given=False)
    for spec in (*given_specs, expect_spec):
        if spec["fixture"] is not None:
            spec["fixture_path"] = _fixture_path(scope, str(spec["fixture"]), spec["format"], path)
    plain = _plain(dict(entry))
    checksum = hashlib.sha256(json.dumps(plain, sort_keys=True, default=str).encode()).hexdigest()
    unique_id = f"unit_test.{package}.{model}.{name}"
    return [
        UnitTest(
            unique_id=unique_id if node.version is None else f"{unique_id}_v{node.version}",
            name=name,
            package_name=package,
            path=file.relative,
            original_file_path=path,
            fqn=fqn,
            model=model,
            model_id=node.unique_id,
            given=given_specs,
            expect=expect_spec,
            overrides=_overrides(overrides, where, path) if overrides is not None else None,
            description=str(entry.get("description") or ""),
            config=config,
            checksum=checksum,
            schema=node.schema,
            root=str(scope.project.root),
            test_paths=tuple(scope.project.test_paths),
            versions=versions,
            version=node.version,
        )
        for node in tested
    ]


def _config(scope: ProjectScope, fqn: tuple[str, ...], own: Mapping[str, Any]) -> dict[str, Any]:
    """dbt's layers: the ``unit_tests:`` config of its project's dbt_project.yml, the root
    project's (for a package's test), then its own ``config:``."""
    config = scope.project.unit_tests.resolve(fqn)
    if scope.root_project is not scope.project:
        config = merge_config(config, scope.root_project.unit_tests.resolve(fqn))
    config = merge_config(config, own)
    tags = config.get("tags") or []
    config.update(tags=[tags] if isinstance(tags, str) else list(tags), meta=dict(config.get("meta") or {}))
    config.setdefault("enabled", True)
    return config


def _tested_models(scope: ProjectScope, out: ParsedResources, model: str, where: str, path: str) -> list[Node] | None:
    """The model ``model`` names (``name`` or dbt's ``name version``): itself, or every version
    of a versioned model (dbt tests them all, even when one is named); None when it is disabled."""
    package = scope.project.name
    parts = model.split()
    base = f"model.{package}.{parts[0]}"
    node = out.nodes.get(base if len(parts) == 1 else f"{base}.v{parts[1]}")
    if node is None and len(parts) == 1:  # a versioned model: any of its versions
        node = next((n for uid, n in out.nodes.items() if uid.startswith(f"{base}.v") and n.name == parts[0]), None)
    if node is None:
        if base in out.disabled or any(uid.startswith(f"{base}.v") for uid in out.disabled):
            return None
        known = [n.name for n in out.nodes.values() if n.resource_type == "model" and n.package_name == package]
        raise ProjectError(
            f"Unable to find model '{package}.{model}' for {where}",
            path=path,
            hint=did_you_mean(parts[0], known),
        )
    if node.version is None:
        return [node]
    return [n for uid, n in out.nodes.items() if uid.startswith(f"{base}.v") and n.name == parts[0]]


def _versions_spec(versions: Any, where: str, path: str) -> dict[str, Any] | None:
    """``versions:`` as dbt's manifest shows it (``include`` and ``exclude``, either None)."""
    if versions is None:
        return None
    if not isinstance(versions, Mapping):
        raise ProjectError(f"'versions' of {where} must be a mapping with 'include' or 'exclude'", path=path)
    out = {"include": versions.get("include"), "exclude": versions.get("exclude")}
    for key, value in out.items():
        if value is not None and not isinstance(value, list):
            raise ProjectError(f"'versions.{key}' of {where} must be a list of versions", path=path)
    return out


def _versions_tested(models: list[Node], versions: dict[str, Any] | None, name: str, path: str) -> list[Node]:
    """The versions ``versions: {include: [...]}`` or ``{exclude: [...]}`` keeps (include is
    read only without exclude, as in dbt); a version compares as its text (1 and "1" agree)."""
    include, exclude = (versions or {}).get("include"), (versions or {}).get("exclude")
    if models[0].version is None:
        if include or exclude:
            raise ProjectError(
                f"Unit test '{name}' should not have a versions include or exclude when referencing "
                f"non-versioned model '{models[0].name}'",
                path=path,
                hint="remove its 'versions'",
            )
        return models
    if exclude:
        kept = [n for n in models if str(n.version) not in {str(v) for v in exclude}]
    elif include:
        kept = [n for n in models if str(n.version) in {str(v) for v in include}]
    else:
        kept = models
    if not kept:
        raise ProjectError(
            f"Unit test '{name}' referenced a version of '{models[0].name}' which was not found",
            path=path,
            hint="its versions are " + ", ".join(str(n.version) for n in models),
        )
    return kept


def _fixture_path(scope: ProjectScope, name: str, fmt: str, path: str) -> str:
    """The fixture file ``name`` (``<test-path>/fixtures/**/<name>.csv|sql``); read when the test runs."""
    root = scope.project.root
    for test_path in scope.project.test_paths:
        folder = root / test_path / "fixtures"
        if folder.is_dir():
            found = sorted(folder.rglob(f"{name}.{fmt}"))
            if found:
                return str(found[0])
    raise ProjectError(
        f"File not found for fixture '{name}' in unit tests in {path}",
        path=path,
        hint=f"put it at {scope.project.test_paths[0]}/fixtures/{name}.{fmt}",
    )


def _overrides(overrides: Mapping[str, Any], where: str, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("macros", "vars", "env_vars"):
        value = overrides.get(key) or {}
        if not isinstance(value, Mapping):
            raise ProjectError(f"'overrides.{key}' of {where} must be a mapping", path=path)
        out[key] = _plain(dict(value))
    unknown = sorted(set(overrides) - {"macros", "vars", "env_vars"})
    if unknown:
        raise ProjectError(f"'overrides' of {where} has unknown keys: {', '.join(map(str, unknown))}", path=path)
    return out


def parse_unit_tests(scope: ProjectScope, files: ProjectFiles, props: Properties, out: ParsedResources) -> None:
    for file, key, value in props.set_aside:
        if key != "unit_tests" or not isinstance(value, list):
            continue
        for entry in value:
            for test in _unit_tests(scope, file, entry, out):
                if test.unique_id in out.unit_tests:
                    raise ProjectError(
                        f"unit test '{test.name}' of model '{test.model}' is defined twice",
                        path=file.original_file_path,
                    )
                out.unit_tests[test.unique_id] = test


UNIT_TESTS = ResourceKind("unit_tests", parse_unit_tests, phase="attached")
