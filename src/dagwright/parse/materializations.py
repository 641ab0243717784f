"""Materializations: dagwright's own, and the ``{% materialization %}`` blocks a project defines.

dagwright builds with its own materializations (``materialize/``). A project's or package's
``{% materialization name, adapter %}`` block is parsed as dbt parses it, into the macro
``materialization_<name>_<adapter>`` (listed in the manifest as dbt lists it), and never run:
a selected node that dbt would build with it stops the command (``parse.unsupported``), one
that nothing uses is only counted in the warning line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from dagwright.rendering.block_tags import MATERIALIZATION_MACRO_PREFIX

#: the materializations dagwright implements
BUILTIN = ("view", "table", "ephemeral", "incremental", "materialized_view", "snapshot", "seed", "test")
#: the materializations an engine's dbt adapter adds, which dagwright builds on that engine
ADAPTER_BUILTIN: dict[str, tuple[str, ...]] = {"duckdb": ("external",)}

_ADAPTER = r"""\badapter\s*=\s*['"]([^'"]+)['"]"""
#: the flag under which dbt lets an installed package replace a built-in materialization
PACKAGE_OVERRIDE_FLAG = "require_explicit_package_overrides_for_builtin_materializations"


def block_macro_name(name: str, header: str) -> str:
    """The macro name of a ``{% materialization name, ... %}`` block, from its header's text."""
    found = re.search(_ADAPTER, header)  # only parsing needs it: compiled (and cached) by re then
    return f"{MATERIALIZATION_MACRO_PREFIX}{name}_{found.group(1) if found else 'default'}"


class MaterializationBlock:
    """A block: ``name`` (what ``materialized`` names), ``adapter`` ("default" or an engine's
    type), the package defining it and its macro's name. (A plain class: every command imports
    this module.)"""

    __slots__ = ("adapter", "macro_name", "name", "package")

    def __init__(self, name: str, adapter: str, package: str, macro_name: str) -> None:
        self.name, self.adapter, self.package, self.macro_name = name, adapter, package, macro_name


def split_macro_name(macro_name: str) -> tuple[str, str] | None:
    """(materialization, adapter) of ``materialization_<name>_<adapter>``; adapters have no ``_``."""
    if not macro_name.startswith(MATERIALIZATION_MACRO_PREFIX):
        return None
    name, _, adapter = macro_name[len(MATERIALIZATION_MACRO_PREFIX) :].rpartition("_")
    return (name, adapter) if name and adapter else None


def blocks_of(macros_by_package: Mapping[str, Iterable[str]]) -> list[MaterializationBlock]:
    """Every materialization block among the macro names of each package."""
    out = []
    for package, names in macros_by_package.items():
        for macro_name in names:
            split = split_macro_name(macro_name)
            if split is not None:
                out.append(MaterializationBlock(split[0], split[1], package, macro_name))
    return out


def used_by_dbt(
    materialized: str,
    blocks: Iterable[MaterializationBlock],
    adapter: str,
    root: str,
    package_overrides: bool,
) -> MaterializationBlock | None:
    """The block dbt would build ``materialized`` with on ``adapter``, if a project defines it:
    the root project's first, then an installed package's. A package's block replaces a
    built-in materialization only under dbt's legacy flag (``package_overrides``)."""
    candidates = [b for b in blocks if b.name == materialized and b.adapter in (adapter, "default")]
    if materialized in BUILTIN or materialized in ADAPTER_BUILTIN.get(adapter, ()):
        candidates = [b for b in candidates if b.package == root or package_overrides]
    if not candidates:
        return None
    # the root project first, an adapter's own block before a default one
    return min(candidates, key=lambda b: (b.package != root, b.adapter == "default"))
