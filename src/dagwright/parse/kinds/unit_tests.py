"""``unit_tests:`` of property files (dbt 1.8+).

A unit test names a model, the rows of some of its inputs (``given``: ``ref(...)``,
``source(...)`` or ``this``) and the rows it should produce (``expect``). It is kept as
written here; ``execute.unit_test`` runs it. Rows are ``dict`` (a list of mappings, the
default), ``csv`` (text) or ``sql`` (a query), inline (``rows``) or in a file under
``<test-path>/fixtures/`` (``fixture``), read when the test runs.

What dagwright does not run (``versions``, an ephemeral input) is reported by
``parse.unsupported`` from the values kept here; a project without unit tests pays nothing.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from dagwright.errors import ProjectError, did_you_mean
from dagwright.parse.kinds.base import ParsedResources, ProjectScope, ResourceKind
from dagwright.parse.nodes import UnitTest
from dagwright.parse.static import Expr, _expression, _NotStatic
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


def _unit_test(scope: ProjectScope, file: ProjectFile, entry: Any, out: ParsedResources) -> UnitTest | None:
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
    config = dict(entry.get("config") or {})
    package = scope.project.name
    model_id = f"model.{package}.{model}"
    node = out.nodes.get(model_id)
    if config.get("enabled") is False or (node is None and model_id in out.disabled):
        return None
    versioned = node is None and sorted(uid for uid in out.nodes if uid.startswith(f"{model_id}.v"))
    if versioned:  # kept to be listed and selected; parse.unsupported stops a command running it
        model_id, node = versioned[-1], out.nodes[versioned[-1]]
    if node is None:
        known = [n.name for n in out.nodes.values() if n.resource_type == "model" and n.package_name == package]
        raise ProjectError(
            f"{where} tests model '{model}', which this project does not have",
            path=path,
            hint=did_you_mean(model, known),
        )
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
    tags = config.get("tags") or []
    config.update(tags=[tags] if isinstance(tags, str) else list(tags), meta=dict(config.get("meta") or {}))
    config.setdefault("enabled", True)
    plain = _plain(dict(entry))
    return UnitTest(
        unique_id=f"unit_test.{package}.{model}.{name}",
        name=name,
        package_name=package,
        path=file.relative,
        original_file_path=path,
        fqn=(package, *file.folders, model, name),
        model=model,
        model_id=model_id,
        given=given_specs,
        expect=expect_spec,
        overrides=_overrides(overrides, where, path) if overrides is not None else None,
        description=str(entry.get("description") or ""),
        config=config,
        checksum=hashlib.sha256(json.dumps(plain, sort_keys=True, default=str).encode()).hexdigest(),
        schema=node.schema,
        root=str(scope.project.root),
        test_paths=tuple(scope.project.test_paths),
        versions=_plain(entry.get("versions")),
        versioned_model=bool(versioned),
    )


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
            test = _unit_test(scope, file, entry, out)
            if test is None:
                continue
            if test.unique_id in out.unit_tests:
                raise ProjectError(
                    f"unit test '{test.name}' of model '{test.model}' is defined twice", path=file.original_file_path
                )
            out.unit_tests[test.unique_id] = test


UNIT_TESTS = ResourceKind("unit_tests", parse_unit_tests, phase="attached")
