"""How each selection method (``tag:``, ``path:``, ``config.materialized:``...) picks nodes:
one scan of the nodes per criterion, with what several criteria share (qualified names,
file paths) computed once per selection."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Mapping
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Protocol

from dagwright.errors import SelectionError
from dagwright.graph.selection_syntax import Criterion
from dagwright.parse.versions import is_newer


class SelectableNode(Protocol):
    unique_id: str
    name: str
    resource_type: str
    package_name: str
    fqn: tuple[str, ...]
    original_file_path: str
    tags: tuple[str, ...]
    config: Mapping[str, object]


_GLOB_CHARS = ("*", "?", "[", "]")


def _has_glob(text: str) -> bool:
    return any(c in text for c in _GLOB_CHARS)


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


class NodeMatcher:
    """The nodes each criterion's method picks from one graph's nodes (before any graph
    operator), caching what several criteria share."""

    def __init__(
        self,
        nodes: Mapping[str, SelectableNode],
        project_root: str | None,
        project_name: str | None,
        extra_methods: Mapping[str, Callable[[Criterion], set[str]]] | None = None,
    ) -> None:
        self.nodes = nodes
        #: methods that need more than the graph (``state:`` and the like, graph/state_methods.py)
        self.extra_methods = extra_methods or {}
        self.project_root = project_root
        self.project_name = project_name
        self._fqn_cache: dict[str, _FqnInfo] | None = None
        self._path_cache: dict[str, _PathInfo] | None = None

    def match(self, c: Criterion) -> set[str]:
        """The unique_ids ``c``'s method and value pick (``_m_<method>``)."""
        extra = self.extra_methods.get(c.method)
        if extra is not None:
            return extra(c) & set(self.nodes)
        method = getattr(self, "_m_" + c.method, None)
        if method is None:  # state:, result:, source_status: without a previous run to compare with
            raise SelectionError(
                f"{c.raw!r} compares with a previous run's artifacts, which this command was not given",
                hint="give --state the target/ folder of that run",
            )
        return method(c)

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

    def _m_fqn(self, c: Criterion) -> set[str]:
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

    def _m_tag(self, c: Criterion) -> set[str]:
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

    def _m_path(self, c: Criterion) -> set[str]:
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

    def _m_file(self, c: Criterion) -> set[str]:
        out = set()
        for uid, (parts, _patch) in self._paths().items():
            if not parts:
                continue
            name = parts[-1]
            stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
            if fnmatchcase(name, c.value) or fnmatchcase(stem, c.value):
                out.add(uid)
        return out

    def _m_config(self, c: Criterion) -> set[str]:
        case_insensitive = c.args == ("severity",)
        out = set()
        for uid, node in self.nodes.items():
            found, value = _descend(node.config, c.args)
            if found and _config_value_matches(value, c.value, case_insensitive):
                out.add(uid)
        return out

    def _m_resource_type(self, c: Criterion) -> set[str]:
        return {uid for uid, node in self.nodes.items() if node.resource_type == c.value}

    def _m_package(self, c: Criterion) -> set[str]:
        want = self.project_name if c.value == "this" and self.project_name else c.value
        return {uid for uid, node in self.nodes.items() if fnmatchcase(node.package_name, want)}

    def _m_source(self, c: Criterion) -> set[str]:
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

    def _named_resource(self, c: Criterion, resource_type: str) -> set[str]:
        parts = c.value.split(".")
        package, name = ("*", parts[0]) if len(parts) == 1 else (parts[0], parts[1])
        return {
            uid
            for uid, node in self.nodes.items()
            if node.resource_type == resource_type
            and fnmatchcase(node.package_name, package)
            and fnmatchcase(node.name, name)
        }

    def _m_exposure(self, c: Criterion) -> set[str]:
        return self._named_resource(c, "exposure")

    def _m_metric(self, c: Criterion) -> set[str]:
        return self._named_resource(c, "metric")

    def _m_semantic_model(self, c: Criterion) -> set[str]:
        return self._named_resource(c, "semantic_model")

    def _m_saved_query(self, c: Criterion) -> set[str]:
        return self._named_resource(c, "saved_query")

    def _m_unit_test(self, c: Criterion) -> set[str]:
        return self._named_resource(c, "unit_test")

    def _m_group(self, c: Criterion) -> set[str]:
        out = set()
        for uid, node in self.nodes.items():
            group = _config_get(node, "group") or getattr(node, "group", None)
            if isinstance(group, str) and group and fnmatchcase(group, c.value):
                out.add(uid)
        return out

    def _m_access(self, c: Criterion) -> set[str]:
        out = set()
        for uid, node in self.nodes.items():
            if node.resource_type != "model":
                continue
            access = getattr(node, "access", None) or _config_get(node, "access") or "protected"
            if access == c.value:
                out.add(uid)
        return out

    def _m_version(self, c: Criterion) -> set[str]:
        """dbt's ``version:`` method over models: latest, prerelease (newer than the latest),
        old (older than it) or none (unversioned)."""
        out = set()
        for uid, node in self.nodes.items():
            if node.resource_type != "model":
                continue
            version = getattr(node, "version", None)
            latest = getattr(node, "latest_version", None)
            if c.value == "none":
                chosen = version is None
            elif c.value == "latest":
                chosen = version is not None and version == latest
            elif not version or not latest:  # as dbt tests them
                chosen = False
            elif c.value == "prerelease":
                chosen = is_newer(version, latest)
            else:
                chosen = is_newer(latest, version)
            if chosen:
                out.add(uid)
        return out

    def _m_test_type(self, c: Criterion) -> set[str]:
        wanted = {"generic": {"generic"}, "schema": {"generic"}, "singular": {"singular"}}.get(
            c.value, {"unit"} if c.value == "unit" else {"generic", "singular"}
        )
        return {uid for uid, node in self.nodes.items() if _test_type(node) in wanted}

    def _m_test_name(self, c: Criterion) -> set[str]:
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
