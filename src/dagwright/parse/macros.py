"""A project's macros (and custom generic tests) over dagwright's built-in ones, and the
registry that binds them to the templates that call them."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from dagwright.errors import ProjectError
from dagwright.parse.materializations import block_macro_name
from dagwright.parse.nodes import Macro
from dagwright.project.config import ProjectConfig
from dagwright.project.files import ProjectFile, builtin_macro_files
from dagwright.rendering.jinja import (
    MacroFile,
    MacroRegistry,
    MacroSource,
    dependency_free_macros,
    macro_infos,
)

BUILTIN_PACKAGE = "dbt"

_MACRO_BLOCK = re.compile(
    r"{%-?\s*(macro|test|materialization)\s+(\w+)\b(.*?)%}.*?{%-?\s*end(?:macro|test|materialization)\s*-?%}", re.S
)


def load_macros(
    project: ProjectConfig,
    files: list[ProjectFile],
    known_infos: Mapping[str, Any] | None = None,
    used_infos: dict[str, Any] | None = None,
    packages: Sequence[tuple[str, list[ProjectFile]]] = (),
) -> tuple[dict[str, Macro], MacroRegistry]:
    """The project's macros (and custom generic tests) over dagwright's built-in ones.

    A project macro replaces a built-in macro of the same name, as a root-project macro
    does in dbt. ``known_infos`` (file digest -> what the file defines, from the parse
    cache) saves parsing unchanged files with Jinja; ``used_infos`` receives this
    project's entries for the next cache. ``packages``: (name, macro files) of each
    installed package, reachable as ``<package>.<macro>`` (and by bare name from the
    package's own nodes).
    """
    from dagwright.parse.cache import file_digest
    from dagwright.parse.macro_index import builtin_macro_index

    known_infos = {**builtin_macro_index(), **(known_infos or {})}
    macros: dict[str, Macro] = {}
    by_name: dict[str, MacroFile] = {}
    by_package: dict[str, dict[str, MacroFile]] = {}
    reads: dict[str, frozenset[str]] = {}
    reads_by_package: dict[str, dict[str, frozenset[str]]] = {}
    sources = [(BUILTIN_PACKAGE, f) for f in builtin_macro_files()]
    for package_name, package_files in packages:
        sources += [(package_name, f) for f in package_files]
    sources += [(project.name, f) for f in files]
    for package, file in sources:
        text = file.path.read_text(encoding="utf-8")
        rel = file.original_file_path
        digest = file_digest(text.encode("utf-8"))
        infos = known_infos.get(digest)
        if infos is None:
            infos = macro_infos(text, rel)
        if used_infos is not None:
            used_infos[digest] = infos
        found = [(name, line, args) for name, line, args, _, _ in infos]
        calls = {name: names for name, _, _, _, names in infos}
        for name, _, _, names_read, _ in infos:
            reads_by_package.setdefault(package, {})[name] = names_read
            if package in (BUILTIN_PACKAGE, project.name):
                reads[name] = names_read
        if not found:
            continue
        blocks = {}
        for m in _MACRO_BLOCK.finditer(text):
            kind, name = m.group(1), m.group(2)
            if kind == "test":
                name = f"test_{name}"
            elif kind == "materialization":
                name = block_macro_name(name, m.group(3))
            blocks[name] = m.group(0)
        macro_file = MacroFile(MacroSource(file.path, rel, text, tuple(n for n, _, _ in found)))
        for name, line, args in found:
            unique_id = f"macro.{package}.{name}"
            if unique_id in macros:
                raise ProjectError(
                    f"macro '{name}' is defined twice: in {macros[unique_id].original_file_path} and in {rel}",
                    path=rel,
                    line=line,
                )
            macros[unique_id] = Macro(
                unique_id=unique_id,
                name=name,
                package_name=package,
                path=file.relative if package != BUILTIN_PACKAGE else rel,
                original_file_path=rel,
                macro_sql=blocks.get(name, ""),
                line=line,
                arguments=args,
                calls=calls[name],
            )
            own = macro_file
            if package == BUILTIN_PACKAGE and name in blocks:
                # each built-in macro compiles alone, on first use (its lines kept for errors)
                own = MacroFile(MacroSource(file.path, rel, "\n" * (line - 1) + blocks[name], (name,)))
            if package in (BUILTIN_PACKAGE, project.name):
                by_name[name] = own  # an installed package's macros are not global names (dbt)
            by_package.setdefault(package, {})[name] = own
    registry = MacroRegistry(by_name, by_package, root=project.name)
    registry.installed = frozenset(name for name, _ in packages)
    registry.reads = reads_by_package
    registry.pure = dependency_free_macros(reads, frozenset({project.name, BUILTIN_PACKAGE, *registry.installed}))
    return macros, registry
