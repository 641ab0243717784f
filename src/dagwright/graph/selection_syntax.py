"""dbt's selection expressions (``--select`` / ``--exclude``) parsed into criteria.

A selection argument holds criteria separated by whitespace (their union); a criterion
may join several parts with commas (their intersection). A part has the shape
``[@][N+][method[.arg...]:]value[+N]`` (see graph/selector.py). Parsing checks each
method, its arguments and the values it can take, so a typo fails before any node is
looked at.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from dagwright.errors import SelectionError, did_you_mean

#: the methods dagwright evaluates (graph/selection_methods.py)
SELECTION_METHODS: tuple[str, ...] = (
    "access",
    "config",
    "exposure",
    "file",
    "fqn",
    "group",
    "metric",
    "package",
    "path",
    "resource_type",
    "result",
    "saved_query",
    "semantic_model",
    "source",
    "source_status",
    "state",
    "tag",
    "test_name",
    "test_type",
    "unit_test",
    "version",
)
#: dbt methods dagwright knows of but cannot evaluate: why
UNSUPPORTED_METHODS: dict[str, str] = {}
INDIRECT_SELECTION_MODES: tuple[str, ...] = ("eager", "cautious", "buildable", "empty")

_RESOURCE_TYPES = (
    "analysis",
    "doc",
    "exposure",
    "fixture",
    "function",
    "group",
    "macro",
    "metric",
    "model",
    "operation",
    "rpc",
    "saved_query",
    "seed",
    "semantic_model",
    "snapshot",
    "source",
    "sql_operation",
    "test",
    "unit_test",
)
_TEST_TYPES = ("generic", "singular", "unit", "data", "schema")
_VERSION_SELECTORS = ("latest", "prerelease", "old", "none")
_FILE_SUFFIXES = (".sql", ".py", ".csv", ".yml", ".yaml")

_CRITERION = re.compile(
    r"(?P<at>@)?"
    r"(?:(?P<parents_depth>\d*)(?P<parents>\+))?"
    r"(?:(?P<method>[A-Za-z_][\w.]*):)?"
    r"(?P<value>.*?)"
    r"(?:(?P<children>\+)(?P<children_depth>\d*))?"
)


@dataclass(frozen=True)
class Criterion:
    """One comma-free part of a selection expression, parsed."""

    raw: str
    method: str
    args: tuple[str, ...]
    value: str
    childrens_parents: bool = False
    parents: bool = False
    parents_depth: int | None = None
    children: bool = False
    children_depth: int | None = None


def _default_method(value: str) -> str:
    if "/" in value or "\\" in value or value in (".", ".."):
        return "path"
    if value.lower().endswith(_FILE_SUFFIXES):
        return "file"
    return "fqn"


def parse_criterion(raw: str, context: str) -> Criterion:
    """One comma-free part of a selection expression."""
    if not raw:
        raise SelectionError(
            f"empty selection criterion in {context!r}",
            hint="remove the stray comma, or write a name, path or method:value on each side of it",
        )
    m = _CRITERION.fullmatch(raw)
    if m is None:  # pragma: no cover - the pattern matches any string
        raise SelectionError(f"cannot understand the selection criterion {raw!r}")
    value = m["value"]
    method_text = m["method"]
    if m["at"] and m["children"]:
        raise SelectionError(
            f"invalid selection criterion {raw!r}: the '@' prefix cannot be combined with a '+' suffix",
            hint="'@x' already includes every descendant of x; write '@x' or 'x+'",
        )
    if not value:
        what = f"method '{method_text}'" if method_text else "graph operator"
        raise SelectionError(
            f"invalid selection criterion {raw!r}: the {what} has no value to select",
            hint="write e.g. 'orders', '+orders', 'orders+2' or 'tag:nightly'",
        )
    if method_text is None and ":" in value:
        raise SelectionError(
            f"invalid selection criterion {raw!r}: {value.split(':', 1)[0]!r} is not a method name",
            hint="methods look like 'tag:nightly' or 'config.materialized:view'",
        )
    return criterion_from_parts(
        raw=raw,
        method_text=method_text,
        value=value,
        childrens_parents=bool(m["at"]),
        parents=bool(m["parents"]),
        parents_depth=int(m["parents_depth"]) if m["parents_depth"] else None,
        children=bool(m["children"]),
        children_depth=int(m["children_depth"]) if m["children_depth"] else None,
    )


def criterion_from_parts(
    *,
    raw: str,
    method_text: str | None,
    value: str,
    childrens_parents: bool = False,
    parents: bool = False,
    parents_depth: int | None = None,
    children: bool = False,
    children_depth: int | None = None,
) -> Criterion:
    """A criterion from its parts (``method_text`` None: the method the value implies), its
    method and value checked; selectors.yml's method definitions come here too."""
    if method_text is None:
        name, args = _default_method(value), []
    else:
        name, *args = method_text.split(".")
        _check_method(raw, name, args, value)
    return Criterion(
        raw=raw,
        method=name,
        args=tuple(args),
        value=value,
        childrens_parents=childrens_parents,
        parents=parents,
        parents_depth=parents_depth,
        children=children,
        children_depth=children_depth,
    )


def _check_method(raw: str, name: str, args: list[str], value: str) -> None:
    """Reject unknown or unsupported methods, misplaced arguments and values a method cannot take."""
    if name in UNSUPPORTED_METHODS:
        raise SelectionError(f"the selection method '{name}' in {raw!r} is not supported: {UNSUPPORTED_METHODS[name]}")
    if name not in SELECTION_METHODS:
        raise SelectionError(
            f"unknown selection method '{name}' in {raw!r}; valid methods are: " + ", ".join(SELECTION_METHODS),
            hint=did_you_mean(name, (*SELECTION_METHODS, *UNSUPPORTED_METHODS)),
        )
    if name == "config":
        if not args or any(not a for a in args):
            raise SelectionError(
                f"invalid selection criterion {raw!r}: the config method needs a key",
                hint="write e.g. 'config.materialized:view' or 'config.meta.owner:alice'",
            )
    elif args:
        raise SelectionError(
            f"invalid selection criterion {raw!r}: the method '{name}' takes no '.{'.'.join(args)}' argument",
            hint="only 'config' takes a key, as in 'config.materialized:view'",
        )
    if name == "resource_type" and value not in _RESOURCE_TYPES:
        raise SelectionError(
            f"invalid resource type {value!r} in {raw!r}; valid types are: " + ", ".join(_RESOURCE_TYPES),
            hint=did_you_mean(value, _RESOURCE_TYPES),
        )
    if name == "test_type" and value not in _TEST_TYPES:
        raise SelectionError(
            f"invalid test type {value!r} in {raw!r}; expected generic, singular, unit or data",
            hint=did_you_mean(value, _TEST_TYPES),
        )
    if name == "version" and value not in _VERSION_SELECTORS:
        raise SelectionError(
            f"invalid version selector {value!r} in {raw!r}; expected one of: " + ", ".join(_VERSION_SELECTORS),
            hint=did_you_mean(value, _VERSION_SELECTORS),
        )
    if name == "source" and len(value.split(".")) > 3:
        raise SelectionError(
            f"invalid source selector {raw!r}",
            hint="write source:<source>, source:<source>.<table> or source:<package>.<source>.<table>",
        )
    if name in ("exposure", "metric", "semantic_model", "saved_query", "unit_test") and (len(value.split(".")) > 2):
        raise SelectionError(
            f"invalid {name} selector {raw!r}",
            hint=f"write {name}:<name> or {name}:<package>.<name>",
        )


def parse_union(items: Sequence[str]) -> list[tuple[str, list[Criterion]]]:
    """Split selection arguments into (raw intersection, its criteria) pairs."""
    out: list[tuple[str, list[Criterion]]] = []
    for item in items:
        for spec in item.split():
            out.append((spec, [parse_criterion(part, spec) for part in spec.split(",")]))
    return out
