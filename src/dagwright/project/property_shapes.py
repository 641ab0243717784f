"""The shape of a property file's entries: the keys dbt's schema gives a type (a mapping, a
list, a piece of text) checked before anything reads them, so a wrong shape is an error
naming the file, line and key path instead of a crash deep in the parse."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from dagwright.errors import ProjectError
from dagwright.project.yamlio import line_of

#: keys whose value is a mapping (or nothing)
_MAPPINGS = frozenset(
    {
        "config",
        "meta",
        "docs",
        "freshness",
        "quoting",
        "external",
        "persist_docs",
        "grants",
        "contract",
        "column_types",
    }
)
#: keys whose value is a list of mappings (or nothing), each read with the same rules
_LISTS_OF_ENTRIES = frozenset({"columns", "tables", "versions"})
#: keys whose value is a list of mappings of their own (a constraint's ``columns`` are names)
_LISTS_OF_MAPPINGS = frozenset({"constraints"})
#: keys whose value is a list (or nothing): its items are read by their own code
_LISTS = frozenset({"tests", "data_tests"})
#: keys whose value is one scalar: text, a number, a boolean (or nothing)
_SCALARS = frozenset(
    {
        "name",
        "description",
        "identifier",
        "loader",
        "schema",
        "database",
        "data_type",
        "alias",
        "materialized",
        "incremental_strategy",
        "on_schema_change",
        "group",
        "access",
    }
)
#: tags: one scalar or a list of them
_TAGS = frozenset({"tags"})
_SCALAR_TYPES = (str, int, float, bool)


def check_entry_shape(entry: Mapping[str, Any], keypath: tuple[str | int, ...], file: Path, rel: str) -> None:
    """Raise a ProjectError at the first key of ``entry`` (nested entries included) whose value
    has a shape dbt refuses."""
    for key, value in entry.items():
        if value is None or (key == "versions" and keypath[:1] == ("unit_tests",)):
            continue  # a unit test's versions are a mapping (include/exclude), read by its parser
        problem = _problem(key, value)
        here = (*keypath, key)
        if problem is not None:
            raise ProjectError(f"'{_dotted(here)}' {problem}", path=rel, line=line_of(file, here))
        if key in _LISTS_OF_ENTRIES:
            for index, item in enumerate(value):
                check_entry_shape(item, (*here, index), file, rel)
        elif key == "config":
            check_entry_shape(value, here, file, rel)


def config_problem(key: Any, value: Any) -> str | None:
    """What is wrong with ``value`` as the config ``key`` (a mapping, text or tags where dbt
    wants one), or None."""
    if value is None:
        return None
    if key in _MAPPINGS and not isinstance(value, Mapping):
        return f"must be a mapping, got {_kind(value)}"
    if key in _SCALARS and not isinstance(value, _SCALAR_TYPES):
        return f"must be text, got {_kind(value)}"
    if key in _TAGS and not (
        isinstance(value, _SCALAR_TYPES)
        or (isinstance(value, list) and all(isinstance(v, _SCALAR_TYPES) for v in value))
    ):
        return "must be a tag or a list of tags"
    return None


def config_call_problem(config: Mapping[str, Any]) -> str | None:
    """What is wrong with the values a model's ``config(...)`` call gave, or None: a shape
    dbt refuses, or a name Jinja did not know (dbt: "Undefined is not of type 'string'")."""
    for key, value in config.items():
        undefined = _undefined_in(value)
        if undefined is not None:
            return f"config '{key}': {undefined}"
        problem = config_problem(key, value)
        if problem is not None:
            return f"config '{key}' {problem}"
    return None


def _undefined_in(value: Any) -> str | None:
    if isinstance(value, jinja2.Undefined):
        return value._undefined_message
    if isinstance(value, Mapping):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return next((found for found in map(_undefined_in, value) if found is not None), None)
    return None


def _problem(key: Any, value: Any) -> str | None:
    problem = config_problem(key, value)
    if problem is not None:
        return problem
    if key in _LISTS_OF_ENTRIES or key in _LISTS_OF_MAPPINGS:
        if not isinstance(value, list):
            return f"must be a list, got {_kind(value)}"
        wrong = [item for item in value if not isinstance(item, Mapping)]
        if wrong:
            return f"must be a list of mappings, not of {_kind(wrong[0])}"
    if key in _LISTS and not isinstance(value, list):
        return f"must be a list, got {_kind(value)}"
    return None


def _kind(value: Any) -> str:
    if value is None:
        return "nulls"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _dotted(keypath: tuple[Any, ...]) -> str:
    out = ""
    for part in keypath:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
