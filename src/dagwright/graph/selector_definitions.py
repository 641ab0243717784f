"""selectors.yml's definitions as selection specs: a tree of criteria combined by union,
intersection and difference, which graph/selector.py evaluates.

A definition is, as in dbt:

* a string: one criterion in the ``--select`` syntax (``"tag:nightly"``, ``"+orders"``);
* ``{method: value}`` (one key): that method and value;
* ``{method: ..., value: ..., children, parents, childrens_parents, children_depth,
  parents_depth, indirect_selection, exclude: [...]}``;
* ``{method: selector, value: NAME}``: the definition of a selector defined *above* it in the
  file (so definitions cannot form a cycle);
* ``{union: [...]}`` / ``{intersection: [...]}`` of definitions, one of whose items may be
  ``{exclude: [...]}`` (removed from the result).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dagwright.errors import SelectionError, did_you_mean
from dagwright.graph.selection_syntax import INDIRECT_SELECTION_MODES, Criterion, criterion_from_parts, parse_criterion
from dagwright.project.selectors_yml import SelectorsFile

log = logging.getLogger("dagwright")

_CRITERION_KEYS = (
    "method",
    "value",
    "children",
    "parents",
    "childrens_parents",
    "children_depth",
    "parents_depth",
    "indirect_selection",
    "exclude",
)


@dataclass(frozen=True)
class CriterionSpec:
    """One criterion; ``indirect_selection`` its own mode (None: the command's)."""

    criterion: Criterion
    indirect_selection: str | None = None


@dataclass(frozen=True)
class SetSpec:
    """``op`` (union, intersection, difference: the first component minus the others) of
    ``components``; as in dbt, such a set incorporates indirectly selected tests eagerly."""

    op: str
    components: tuple[Spec, ...]
    raw: str = ""


Spec = CriterionSpec | SetSpec


class _DefinitionParser:
    def __init__(self, source: SelectorsFile, index: int, name: str, earlier: Mapping[str, Spec]) -> None:
        self.source = source
        self.index = index
        self.name = name
        self.earlier = earlier

    def fail(self, what: str, hint: str | None = None) -> SelectionError:
        return SelectionError(
            f"selector '{self.name}': {what}",
            path=self.source.path,
            line=self.source.line(self.index, "definition"),
            hint=hint or "see https://docs.getdbt.com/reference/node-selection/yaml-selectors",
        )

    def parse(self, definition: Any, root: bool = False) -> Spec:
        if isinstance(definition, str):
            return CriterionSpec(self._criterion_text(definition))
        if not isinstance(definition, Mapping):
            kind = "a list" if isinstance(definition, list) else type(definition).__name__
            raise self.fail(
                f"a definition must be a string, a mapping or a union/intersection, got {kind}: {definition!r}",
                hint="a list goes under 'union:' or 'intersection:'",
            )
        if "union" in definition or "intersection" in definition:
            op = "union" if "union" in definition else "intersection"
            if root and len(definition) > 1:
                raise self.fail(
                    "a root definition holds one 'union' or 'intersection' key, not " + ", ".join(map(str, definition))
                )
            return self._set(op, definition[op])
        return self._dict(definition)

    def _criterion_text(self, text: str) -> Criterion:
        try:
            return parse_criterion(text.strip(), text)
        except SelectionError as exc:
            raise self.fail(exc.message, exc.hint) from None

    def _items(self, value: Any, key: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(f"'{key}' must be a list of definitions, got {value!r}")
        for item in value:
            if not isinstance(item, (str, Mapping)):
                raise self.fail(f"an item of '{key}' must be a string or a mapping, got {item!r}")
        return value

    def _set(self, op: str, items: Any) -> Spec:
        include: list[Spec] = []
        exclude: Spec | None = None
        for item in self._items(items, op):
            if isinstance(item, Mapping) and "exclude" in item:
                if exclude is not None:
                    raise self.fail(
                        f"a '{op}' holds more than one 'exclude'", hint="list every exclusion under one 'exclude:'"
                    )
                exclude = self._exclusions(item["exclude"])
            else:
                include.append(self.parse(item))
        spec = SetSpec(op, tuple(include), raw=f"{op} of selector {self.name}")
        return spec if exclude is None else SetSpec("difference", (spec, exclude))

    def _exclusions(self, items: Any) -> Spec:
        parts = [self.parse(item) for item in self._items(items, "exclude")]
        return parts[0] if len(parts) == 1 else SetSpec("union", tuple(parts))

    def _dict(self, definition: Mapping[str, Any]) -> Spec:
        if len(definition) == 1:
            ((key, value),) = definition.items()
            if key in ("method", "value"):
                raise self.fail(
                    f"a method definition needs 'method' and 'value' keys, only '{key}' is given",
                    hint="write {method: tag, value: nightly} or {tag: nightly}",
                )
            if key == "exclude":
                raise self.fail("'exclude' must sit inside a union, an intersection or a method definition")
            fields: Mapping[str, Any] = {"method": key, "value": value}
        elif definition.get("method") == "selector":
            other = definition.get("value")
            if other not in self.earlier:
                raise self.fail(
                    f"it refers to selector '{other}', which is not defined above it",
                    hint="a selector may only use the selectors defined before it in selectors.yml",
                )
            return self.earlier[other]
        elif "method" in definition and "value" in definition:
            fields = definition
        else:
            raise self.fail(
                f"expected one 'method: value' key, or 'method' and 'value' keys, got {', '.join(map(str, definition))}"
            )
        base = self._method_criterion(fields)
        if "exclude" in fields:
            return SetSpec("difference", (base, self._exclusions(fields["exclude"])))
        return base

    def _method_criterion(self, fields: Mapping[str, Any]) -> CriterionSpec:
        for key in fields:
            if key not in _CRITERION_KEYS:
                # dbt ignores such a key; say so, since a misspelt operator changes the selection
                log.warning(
                    "%s: selector '%s' has the key '%s', which dbt and dagwright ignore (known keys: %s)",
                    self.source.path,
                    self.name,
                    key,
                    ", ".join(_CRITERION_KEYS),
                )
        method = fields["method"]
        value = fields["value"]
        if not isinstance(method, str):
            raise self.fail(f"'method' must be a string, got {method!r}")
        if value is None or isinstance(value, (list, Mapping)):
            raise self.fail(f"the value of method '{method}' must be a string, got {value!r}")
        if isinstance(value, bool):
            value = "true" if value else "false"
        mode = fields.get("indirect_selection")
        if mode is not None and mode not in INDIRECT_SELECTION_MODES:
            raise self.fail(
                f"unknown indirect_selection {mode!r}; expected one of {', '.join(INDIRECT_SELECTION_MODES)}",
                hint=did_you_mean(str(mode), INDIRECT_SELECTION_MODES),
            )
        depths = {}
        for key in ("parents_depth", "children_depth"):
            depth = fields.get(key)
            if depth in (None, ""):
                depths[key] = None
            elif isinstance(depth, bool) or not str(depth).isdigit():
                raise self.fail(f"'{key}' must be a whole number, got {depth!r}")
            else:
                depths[key] = int(depth)
        try:
            criterion = criterion_from_parts(
                raw=f"{method}:{value}",
                method_text=method,
                value=str(value),
                childrens_parents=bool(fields.get("childrens_parents")),
                parents=bool(fields.get("parents")),
                parents_depth=depths["parents_depth"],
                children=bool(fields.get("children")),
                children_depth=depths["children_depth"],
            )
        except SelectionError as exc:
            raise self.fail(exc.message, exc.hint) from None
        return CriterionSpec(criterion, mode)


def parse_selectors(source: SelectorsFile) -> dict[str, Spec]:
    """Every selector of ``source`` by name, its definition parsed (and checked: methods,
    values, references to other selectors)."""
    specs: dict[str, Spec] = {}
    for entry in source.entries:
        specs[entry.name] = _DefinitionParser(source, entry.index, entry.name, dict(specs)).parse(
            entry.definition, root=True
        )
    return specs


def manifest_selectors(source: SelectorsFile | None) -> dict[str, Any]:
    """manifest.json's ``selectors``: each entry as written, its definition in dbt's normal
    form (a string becomes a method/value mapping, ``{tag: x}`` becomes ``{method: tag, value:
    x}``, a ``selector:`` reference becomes the definition it names)."""
    out: dict[str, Any] = {}
    if source is None:
        return out
    for entry in source.entries:
        out[entry.name] = {**entry.raw, "definition": _normal(entry.definition, out)}
    return out


def _normal(definition: Any, earlier: Mapping[str, Any]) -> Any:
    if isinstance(definition, str):
        return _normal_text(definition)
    if not isinstance(definition, Mapping):
        return definition
    for op in ("union", "intersection"):
        if op in definition:
            return {op: [_normal(item, earlier) for item in definition[op] or ()]}
    key, value = next(iter(definition.items()))
    if isinstance(value, list):
        value = [_normal(item, earlier) for item in value]
    if key == "exclude":
        return {key: value}
    if len(definition) == 1:
        return {"method": key, "value": value}
    if key == "method" and value == "selector":
        return earlier[definition["value"]]["definition"]
    return dict(definition)


def _normal_text(text: str) -> dict[str, Any]:
    c = parse_criterion(text.strip(), text)
    out: dict[str, Any] = {}
    if c.childrens_parents:
        out["childrens_parents"] = True
    if c.parents:
        out["parents"] = True
        if c.parents_depth is not None:
            out["parents_depth"] = str(c.parents_depth)
    out["method"] = ".".join((c.method, *c.args))
    out["value"] = c.value
    if c.children:
        out["children"] = True
        if c.children_depth is not None:
            out["children_depth"] = str(c.children_depth)
    return out


def selector_spec(source: SelectorsFile | None, name: str) -> Spec:
    """The spec of the selector ``name`` (``--selector NAME``); an error naming the selectors
    there are when it is not defined."""
    specs = parse_selectors(source) if source is not None else {}
    if name not in specs:
        known = ", ".join(specs) or ("none" if source is not None else "none (the project has no selectors.yml)")
        raise SelectionError(
            f"there is no selector named '{name}'; selectors.yml defines: {known}",
            path=source.path if source is not None else None,
            hint=did_you_mean(name, specs),
        )
    return specs[name]
