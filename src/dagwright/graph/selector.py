"""dbt's node selection syntax (``--select`` / ``--exclude``) as a pure function over a graph.

A selection argument is a list of strings. Each string may hold several criteria separated by
whitespace (their union); a criterion may join several parts with commas (their intersection).
A part has the shape ``[@][N+][method[.arg...]:]value[+N]``:

* ``method:value`` picks nodes (``tag:nightly``, ``path:models/staging``, ``config.materialized:view``);
  without a method, a value that looks like a path is a ``path:``, one that ends in a file
  extension is a ``file:``, and anything else is an ``fqn:`` (a name, a dotted folder path, a glob).
* ``+`` before the value adds ancestors, ``+`` after it adds descendants, each optionally limited to
  ``N`` generations; ``@`` adds the descendants and every ancestor of those descendants.

Like dbt, tests are then picked up *indirectly*: with the default ``eager`` mode a test joins the
selection when any node it tests is selected (``cautious``: all of them; ``buildable``: all of them,
counting the selection's ancestors; ``empty``: never). The same happens to the excluded set, so
excluding a model also excludes its tests.

The cost is linear in the size of the graph for each criterion: one scan of the nodes to match it,
then breadth-first walks with visited sets for the graph operators.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Protocol

from dagwright.errors import SelectionError, did_you_mean

__all__ = [
    "INDIRECT_SELECTION_MODES",
    "SELECTION_METHODS",
    "SelectableGraph",
    "SelectableNode",
    "select",
]


class SelectableNode(Protocol):
    unique_id: str
    name: str
    resource_type: str
    package_name: str
    fqn: tuple[str, ...]
    original_file_path: str
    tags: tuple[str, ...]
    config: Mapping[str, object]


class SelectableGraph(Protocol):
    nodes: Mapping[str, SelectableNode]
    parents: Mapping[str, frozenset[str] | set[str]]
    children: Mapping[str, frozenset[str] | set[str]]


# Methods this module understands, and dbt methods it knows of but cannot evaluate.
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
    "saved_query",
    "semantic_model",
    "source",
    "tag",
    "test_name",
    "test_type",
    "unit_test",
)
_UNSUPPORTED_METHODS = {
    "state": "it compares against a previous manifest, which dagwright does not keep",
    "result": "it reads a previous run's results, which dagwright does not keep",
    "source_status": "it compares source freshness results, which dagwright does not keep",
    "version": "dagwright does not track model versions yet",
}
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
_INDIRECT_TYPES = frozenset({"test", "unit_test"})
_GLOB_CHARS = ("*", "?", "[", "]")
_FILE_SUFFIXES = (".sql", ".py", ".csv", ".yml", ".yaml")

_CRITERION = re.compile(
    r"(?P<at>@)?"
    r"(?:(?P<parents_depth>\d*)(?P<parents>\+))?"
    r"(?:(?P<method>[A-Za-z_][\w.]*):)?"
    r"(?P<value>.*?)"
    r"(?:(?P<children>\+)(?P<children_depth>\d*))?"
)


@dataclass(frozen=True)
class _Criterion:
    raw: str
    method: str
    args: tuple[str, ...]
    value: str
    childrens_parents: bool = False
    parents: bool = False
    parents_depth: int | None = None
    children: bool = False
    children_depth: int | None = None


def _has_glob(text: str) -> bool:
    return any(c in text for c in _GLOB_CHARS)


def _default_method(value: str) -> str:
    if "/" in value or "\\" in value or value in (".", ".."):
        return "path"
    if value.lower().endswith(_FILE_SUFFIXES):
        return "file"
    return "fqn"


def _parse_criterion(raw: str, context: str) -> _Criterion:
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
    if method_text is None:
        if ":" in value:
            raise SelectionError(
                f"invalid selection criterion {raw!r}: {value.split(':', 1)[0]!r} is not a method name",
                hint="methods look like 'tag:nightly' or 'config.materialized:view'",
            )
        name, args = _default_method(value), []
    else:
        name, *args = method_text.split(".")
        _check_method(raw, name, args, value)
    return _Criterion(
        raw=raw,
        method=name,
        args=tuple(args),
        value=value,
        childrens_parents=bool(m["at"]),
        parents=bool(m["parents"]),
        parents_depth=int(m["parents_depth"]) if m["parents_depth"] else None,
        children=bool(m["children"]),
        children_depth=int(m["children_depth"]) if m["children_depth"] else None,
    )


def _check_method(raw: str, name: str, args: list[str], value: str) -> None:
    """Reject unknown or unsupported methods, misplaced arguments and values a method cannot take."""
    if name in _UNSUPPORTED_METHODS:
        raise SelectionError(f"the selection method '{name}' in {raw!r} is not supported: {_UNSUPPORTED_METHODS[name]}")
    if name not in SELECTION_METHODS:
        raise SelectionError(
            f"unknown selection method '{name}' in {raw!r}; valid methods are: " + ", ".join(SELECTION_METHODS),
            hint=did_you_mean(name, (*SELECTION_METHODS, *_UNSUPPORTED_METHODS)),
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


def _parse_union(items: Sequence[str]) -> list[tuple[str, list[_Criterion]]]:
    """Split selection arguments into (raw intersection, its criteria) pairs."""
    out: list[tuple[str, list[_Criterion]]] = []
    for item in items:
        for spec in item.split():
            out.append((spec, [_parse_criterion(part, spec) for part in spec.split(",")]))
    return out


def _path_parts(path: str) -> tuple[str, ...]:
    path = path.replace("\\", "/")
    if "://" in path:  # dbt's patch paths look like "shop://models/schema.yml"
        path = path.split("://", 1)[1]
    norm = posixpath.normpath(path)
    return () if norm == "." else tuple(norm.split("/"))


def _glob_path(pattern: tuple[str, ...], parts: tuple[str, ...], whole: bool) -> bool:
    """Does ``pattern`` (segments, ``**`` for any depth) match ``parts`` or, unless ``whole``,
    one of its leading directories?"""

    def match(i: int, j: int) -> bool:
        if i == len(pattern):
            return j == len(parts) or not whole
        seg = pattern[i]
        if seg == "**":
            return any(match(i + 1, k) for k in range(j, len(parts) + 1))
        if j == len(parts):
            return False
        return (parts[j] == seg or fnmatchcase(parts[j], seg)) and match(i + 1, j + 1)

    return match(0, 0)


def _descend(config: object, keys: tuple[str, ...]) -> tuple[bool, object]:
    value = config
    for key in keys:
        if isinstance(value, Mapping):
            if key not in value:
                return False, None
            value = value[key]
        elif hasattr(value, key):
            value = getattr(value, key)
        else:
            return False, None
    return True, value


def _config_value_matches(value: object, wanted: str, case_insensitive: bool) -> bool:
    def same(v: object) -> bool:
        if isinstance(v, bool):
            return wanted.lower() == ("true" if v else "false")
        if isinstance(v, str):
            return v.upper() == wanted.upper() if case_insensitive else v == wanted
        return False

    if isinstance(value, (list, tuple, set, frozenset)):
        return any(same(v) for v in value)
    return same(value)


def _config_get(node: SelectableNode, key: str) -> object:
    config = getattr(node, "config", None)
    if isinstance(config, Mapping):
        return config.get(key)
    return getattr(config, key, None)


# Per node, computed once per call: (fqn, flattened fqn, flattened fqn without package, versioned?)
_FqnInfo = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], bool]
# Per node: (original_file_path segments, patch_path segments or None)
_PathInfo = tuple[tuple[str, ...], "tuple[str, ...] | None"]


class _Selector:
    """Evaluates parsed criteria against one graph, caching what several criteria share."""

    def __init__(
        self,
        graph: SelectableGraph,
        project_root: str | None,
        project_name: str | None,
        mode: str,
    ) -> None:
        self.graph = graph
        self.nodes = graph.nodes
        self.project_root = project_root
        self.project_name = project_name
        self.mode = mode
        self._fqn_cache: dict[str, _FqnInfo] | None = None
        self._path_cache: dict[str, _PathInfo] | None = None

    # ----- matching ------------------------------------------------------------------------------

    def match(self, c: _Criterion) -> set[str]:
        return getattr(self, "_m_" + c.method)(c)

    def _fqn_info(self) -> dict[str, _FqnInfo]:
        if self._fqn_cache is None:
            cache = {}
            for uid, node in self.nodes.items():
                if node.resource_type == "source":
                    continue
                fqn = tuple(node.fqn)
                flat = tuple(p for seg in fqn for p in seg.split("."))
                unscoped = tuple(p for seg in fqn[1:] for p in seg.split("."))
                cache[uid] = (fqn, flat, unscoped, getattr(node, "version", None) is not None)
            self._fqn_cache = cache
        return self._fqn_cache

    def _m_fqn(self, c: _Criterion) -> set[str]:
        sel = c.value
        sel_parts = tuple(sel.split("."))
        glob_at = next((i for i, p in enumerate(sel_parts) if _has_glob(p)), None)
        out = set()
        for uid, (fqn, flat, unscoped, versioned) in self._fqn_info().items():
            if self.nodes[uid].name == sel:
                out.add(uid)
                continue
            for f, fl in ((fqn, flat), (fqn[1:], unscoped)):
                if _fqn_matches(f, fl, sel, sel_parts, glob_at, versioned):
                    out.add(uid)
                    break
        return out

    def _m_tag(self, c: _Criterion) -> set[str]:
        out = set()
        for uid, node in self.nodes.items():
            tags = list(node.tags or ())
            extra = _config_get(node, "tags")
            if isinstance(extra, str):
                tags.append(extra)
            elif isinstance(extra, (list, tuple)):
                tags.extend(t for t in extra if isinstance(t, str))
            if any(fnmatchcase(t, c.value) for t in tags):
                out.add(uid)
        return out

    def _paths(self) -> dict[str, _PathInfo]:
        if self._path_cache is None:
            cache = {}
            for uid, node in self.nodes.items():
                patch = getattr(node, "patch_path", None)
                cache[uid] = (
                    _path_parts(node.original_file_path or ""),
                    _path_parts(patch) if isinstance(patch, str) and patch else None,
                )
            self._path_cache = cache
        return self._path_cache

    def _m_path(self, c: _Criterion) -> set[str]:
        value = c.value.replace("\\", "/")
        if posixpath.isabs(value) or os.path.isabs(c.value):
            if self.project_root is None:
                return set()
            rel = os.path.relpath(os.path.abspath(c.value), os.path.abspath(self.project_root))
            value = rel.replace("\\", "/")
        pattern = _path_parts(value)
        if pattern[:1] == ("..",):
            return set()  # outside the project: nothing there to select
        on_disk = self._glob_on_disk(pattern)
        out = set()
        for uid, (parts, patch) in self._paths().items():
            if on_disk is None:
                hit = (bool(parts) and _glob_path(pattern, parts, whole=False)) or (
                    patch is not None and _glob_path(pattern, patch, whole=True)
                )
            else:
                hit = (bool(parts) and any(parts[:k] in on_disk for k in range(len(parts) + 1))) or (
                    patch is not None and patch in on_disk
                )
            if hit:
                out.add(uid)
        return out

    def _glob_on_disk(self, pattern: tuple[str, ...]) -> set[tuple[str, ...]] | None:
        """Like dbt, expand a path selector against the files under the project root, when there is
        one: a package's node then matches only where the root project has the same path. Without
        a project root on disk, return None and match the pattern against node paths instead."""
        if self.project_root is None or not os.path.isdir(self.project_root):
            return None
        if not pattern:
            return {()}
        root = Path(self.project_root)
        try:
            return {p.relative_to(root).parts for p in root.glob("/".join(pattern))}
        except (ValueError, NotImplementedError, OSError):
            return set()

    def _m_file(self, c: _Criterion) -> set[str]:
        out = set()
        for uid, (parts, _patch) in self._paths().items():
            if not parts:
                continue
            name = parts[-1]
            stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
            if fnmatchcase(name, c.value) or fnmatchcase(stem, c.value):
                out.add(uid)
        return out

    def _m_config(self, c: _Criterion) -> set[str]:
        case_insensitive = c.args == ("severity",)
        out = set()
        for uid, node in self.nodes.items():
            found, value = _descend(node.config, c.args)
            if found and _config_value_matches(value, c.value, case_insensitive):
                out.add(uid)
        return out

    def _m_resource_type(self, c: _Criterion) -> set[str]:
        return {uid for uid, node in self.nodes.items() if node.resource_type == c.value}

    def _m_package(self, c: _Criterion) -> set[str]:
        want = self.project_name if c.value == "this" and self.project_name else c.value
        return {uid for uid, node in self.nodes.items() if fnmatchcase(node.package_name, want)}

    def _m_source(self, c: _Criterion) -> set[str]:
        parts = c.value.split(".")
        if len(parts) == 1:
            package, source, table = "*", parts[0], "*"
        elif len(parts) == 2:
            package, source, table = "*", parts[0], parts[1]
        else:
            package, source, table = parts
        out = set()
        for uid, node in self.nodes.items():
            if node.resource_type != "source":
                continue
            source_name = getattr(node, "source_name", None)
            if not isinstance(source_name, str):
                source_name = node.fqn[-2] if len(node.fqn) >= 2 else ""
            if (
                fnmatchcase(node.package_name, package)
                and fnmatchcase(source_name, source)
                and fnmatchcase(node.name, table)
            ):
                out.add(uid)
        return out

    def _named_resource(self, c: _Criterion, resource_type: str) -> set[str]:
        parts = c.value.split(".")
        package, name = ("*", parts[0]) if len(parts) == 1 else (parts[0], parts[1])
        return {
            uid
            for uid, node in self.nodes.items()
            if node.resource_type == resource_type
            and fnmatchcase(node.package_name, package)
            and fnmatchcase(node.name, name)
        }

    def _m_exposure(self, c: _Criterion) -> set[str]:
        return self._named_resource(c, "exposure")

    def _m_metric(self, c: _Criterion) -> set[str]:
        return self._named_resource(c, "metric")

    def _m_semantic_model(self, c: _Criterion) -> set[str]:
        return self._named_resource(c, "semantic_model")

    def _m_saved_query(self, c: _Criterion) -> set[str]:
        return self._named_resource(c, "saved_query")

    def _m_unit_test(self, c: _Criterion) -> set[str]:
        return self._named_resource(c, "unit_test")

    def _m_group(self, c: _Criterion) -> set[str]:
        out = set()
        for uid, node in self.nodes.items():
            group = _config_get(node, "group") or getattr(node, "group", None)
            if isinstance(group, str) and group and fnmatchcase(group, c.value):
                out.add(uid)
        return out

    def _m_access(self, c: _Criterion) -> set[str]:
        out = set()
        for uid, node in self.nodes.items():
            if node.resource_type != "model":
                continue
            access = getattr(node, "access", None) or _config_get(node, "access") or "protected"
            if access == c.value:
                out.add(uid)
        return out

    def _m_test_type(self, c: _Criterion) -> set[str]:
        wanted = {"generic": {"generic"}, "schema": {"generic"}, "singular": {"singular"}}.get(
            c.value, {"unit"} if c.value == "unit" else {"generic", "singular"}
        )
        return {uid for uid, node in self.nodes.items() if _test_type(node) in wanted}

    def _m_test_name(self, c: _Criterion) -> set[str]:
        out = set()
        for uid, node in self.nodes.items():
            if node.resource_type == "unit_test":
                if fnmatchcase(node.name, c.value):
                    out.add(uid)
            elif node.resource_type == "test":
                name = _generic_test_name(node)
                if name is not None and fnmatchcase(name, c.value):
                    out.add(uid)
        return out

    # ----- graph operators -----------------------------------------------------------------------

    def _walk(self, seeds: Iterable[str], edges: Mapping[str, Iterable[str]], depth: int | None) -> set[str]:
        """Nodes reachable from ``seeds`` within ``depth`` steps (seeds excluded unless reached)."""
        nodes = self.nodes
        found: set[str] = set()
        frontier = [s for s in seeds if s in nodes]
        seen = set(frontier)
        step = 0
        while frontier and (depth is None or step < depth):
            step += 1
            nxt = []
            for uid in frontier:
                for other in edges.get(uid, ()):
                    if other in nodes:
                        found.add(other)
                        if other not in seen:
                            seen.add(other)
                            nxt.append(other)
            frontier = nxt
        return found

    def ancestors(self, seeds: Iterable[str], depth: int | None = None) -> set[str]:
        return self._walk(seeds, self.graph.parents, depth)

    def descendants(self, seeds: Iterable[str], depth: int | None = None) -> set[str]:
        return self._walk(seeds, self.graph.children, depth)

    # ----- combining, dbt style: each step yields (direct, indirect) sets -----------------------------

    def criterion(self, c: _Criterion) -> tuple[set[str], set[str]]:
        collected = self.match(c)
        selected = set(collected)
        if c.childrens_parents:
            down = self.descendants(collected) | collected
            selected |= down | self.ancestors(down)
        if c.parents:
            selected |= self.ancestors(collected, c.parents_depth)
        if c.children:
            selected |= self.descendants(collected, c.children_depth)
        if self.mode == "empty":
            return selected, set()
        return self._expand(selected)

    def _expand(self, selected: set[str]) -> tuple[set[str], set[str]]:
        """Add the tests attached to the selection (directly, or as 'indirect' candidates)."""
        direct = set(selected)
        indirect: set[str] = set()
        parents = self.graph.parents
        buildable: set[str] | None = None
        for uid in selected:
            for child in self.graph.children.get(uid, ()):
                if child in direct or child in indirect:
                    continue
                node = self.nodes.get(child)
                if node is None or node.resource_type not in _INDIRECT_TYPES:
                    continue
                deps = parents.get(child, ())
                if self.mode == "eager" or all(p in selected for p in deps):
                    direct.add(child)
                    continue
                if self.mode == "buildable":
                    if buildable is None:
                        buildable = self._selected_and_parents(selected)
                    if all(p in buildable for p in deps):
                        direct.add(child)
                        continue
                indirect.add(child)
        return direct, indirect

    def _selected_and_parents(self, selected: set[str]) -> set[str]:
        sources = {uid for uid, node in self.nodes.items() if node.resource_type == "source"}
        return selected | self.ancestors(selected) | sources

    def incorporate(self, direct: set[str], indirect: set[str]) -> set[str]:
        """Bring in indirect-candidate tests whose parents are now all selected."""
        if self.mode not in ("cautious", "buildable") or direct == indirect:
            return direct
        selected = set(direct)
        pool = selected
        if self.mode == "buildable":
            pool = selected | self.ancestors(selected)
        parents = self.graph.parents
        for uid in indirect - direct:
            node = self.nodes.get(uid)
            if node is not None and node.resource_type == "test" and all(p in pool for p in parents.get(uid, ())):
                selected.add(uid)
        return selected

    def union(
        self,
        specs: list[tuple[str, list[_Criterion]]],
        on_empty: Callable[[str], None] | None,
    ) -> tuple[set[str], set[str]]:
        directs: list[set[str]] = []
        indirects: list[set[str]] = []
        for raw, parts in specs:
            bundles = [self.criterion(c) for c in parts]
            d = set.intersection(*(b[0] for b in bundles))
            i = set.intersection(*(b[0] | b[1] for b in bundles))
            d = self.incorporate(d, i)
            if not d and on_empty is not None:
                on_empty(raw)
            directs.append(d)
            indirects.append(d | i)
        if not directs:
            return set(), set()
        d = set().union(*directs)
        i = set().union(*indirects)
        return self.incorporate(d, i), i


def _fqn_matches(
    fqn: tuple[str, ...],
    flat: tuple[str, ...],
    sel: str,
    sel_parts: tuple[str, ...],
    glob_at: int | None,
    versioned: bool,
) -> bool:
    """dbt's qualified-name rule for one (possibly package-less) fqn."""
    if not fqn:
        return False
    if versioned and len(fqn) >= 2:
        if fqn[-2] == sel or "_".join(fqn[-2:]) == "_".join(sel_parts[-2:]):
            return True
    elif fqn[-1] == sel:
        return True
    if len(flat) < len(sel_parts):
        return False
    if glob_at is None:
        return flat[: len(sel_parts)] == sel_parts
    if flat[:glob_at] != sel_parts[:glob_at]:
        return False
    if fnmatchcase(".".join(flat[glob_at:]), ".".join(sel_parts[glob_at:])):
        return True
    if len(sel_parts) == 1:  # a bare glob also matches the node's own name, however deep it sits
        leaf = fqn[-2] if versioned and len(fqn) >= 2 else fqn[-1]
        return fnmatchcase(leaf, sel)
    return False


def _test_type(node: SelectableNode) -> str | None:
    if node.resource_type == "unit_test":
        return "unit"
    if node.resource_type != "test":
        return None
    declared = _config_get(node, "test_type")
    if declared in ("generic", "singular"):
        return str(declared)
    if getattr(node, "test_metadata", None) is not None:
        return "generic"
    # Generic tests are defined in property files; singular tests are .sql files of their own.
    path = (node.original_file_path or "").lower()
    return "generic" if path.endswith((".yml", ".yaml")) else "singular"


def _generic_test_name(node: SelectableNode) -> str | None:
    meta = getattr(node, "test_metadata", None)
    if meta is None:
        meta = _config_get(node, "test_metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else getattr(meta, "name", None)
    if name is None:
        name = _config_get(node, "test_name")
    return name if isinstance(name, str) else None


def select(
    graph: SelectableGraph,
    select: Sequence[str] | None,
    exclude: Sequence[str] | None = None,
    project_root: str | None = None,
    *,
    indirect_selection: str = "eager",
    project_name: str | None = None,
    on_empty: Callable[[str], None] | None = None,
) -> set[str]:
    """The unique_ids that ``--select select --exclude exclude`` picks from ``graph``.

    ``select`` None or empty means every node. Each element may hold several whitespace-separated
    criteria (their union); commas inside a criterion intersect. ``exclude`` is removed afterwards.

    ``indirect_selection`` is dbt's ``--indirect-selection`` (eager, cautious, buildable, empty):
    how tests attached to selected nodes join the selection. ``project_name`` resolves
    ``package:this``. ``project_root`` is where ``path:`` selectors are relative to (only needed to
    resolve absolute paths). ``on_empty`` is called with each criterion that matched nothing, so the
    caller can warn about it; that is never an error here.

    Raises SelectionError for an unknown method or a malformed criterion.
    """
    if isinstance(select, str) or isinstance(exclude, str):
        raise TypeError("select and exclude take a sequence of strings, not a single string")
    if indirect_selection not in INDIRECT_SELECTION_MODES:
        raise SelectionError(
            f"unknown indirect selection mode {indirect_selection!r}; expected one of "
            + ", ".join(INDIRECT_SELECTION_MODES),
            hint=did_you_mean(indirect_selection, INDIRECT_SELECTION_MODES),
        )
    include_specs = _parse_union(select) if select else None
    exclude_specs = _parse_union(exclude) if exclude else []
    if include_specs == []:  # only whitespace was given: same as no selection
        include_specs = None

    sel = _Selector(graph, project_root, project_name, indirect_selection)
    included = set(graph.nodes) if include_specs is None else sel.union(include_specs, on_empty)[0]
    if not exclude_specs:
        return included
    excluded = sel.union(exclude_specs, on_empty)[0]
    # dbt combines the include and exclude sides without re-adding indirect tests at this level.
    return included - excluded
