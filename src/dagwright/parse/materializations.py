"""Materializations: dagwright's own, and the ``{% materialization %}`` blocks a project defines.

dagwright builds with its own materializations (``materialize/``). A project's or package's
``{% materialization name, adapter %}`` block is parsed as dbt parses it, into the macro
``materialization_<name>_<adapter>`` (listed in the manifest as dbt lists it). A node that
dbt would build with such a block is built by rendering it (``materialize/custom.py``); which
block that is follows dbt 1.11's search (``resolve``).
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
_LANGUAGES = r"""\bsupported_languages\s*=\s*\[([^\]]*)\]"""
#: the flag under which dbt lets an installed package replace a built-in materialization
PACKAGE_OVERRIDE_FLAG = "require_explicit_package_overrides_for_builtin_materializations"


def block_macro_name(name: str, header: str) -> str:
    """The macro name of a ``{% materialization name, ... %}`` block, from its header's text."""
    found = re.search(_ADAPTER, header)  # only parsing needs it: compiled (and cached) by re then
    return f"{MATERIALIZATION_MACRO_PREFIX}{name}_{found.group(1) if found else 'default'}"


def supported_languages(macro_sql: str) -> list[str]:
    """The languages a block's header declares (``supported_languages=[...]``); dbt's default: SQL."""
    header = macro_sql.split("%}", 1)[0]
    found = re.search(_LANGUAGES, header)
    if found is None:
        return ["sql"]
    return re.findall(r"""['"]([^'"]+)['"]""", found.group(1))


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


#: the ``{% materialization %}`` blocks dbt-core 1.11 and each engine's dbt adapter ship, by the
#: adapter of the block ("default": dbt-core's global project); they take part in dbt's search
CORE_BLOCKS: dict[str, frozenset[str]] = {
    "default": frozenset(
        ("view", "table", "incremental", "materialized_view", "snapshot", "seed", "test", "unit", "clone", "function")
    ),
    "duckdb": frozenset(("table", "incremental", "external", "table_function")),
    "postgres": frozenset(),
    "spark": frozenset(("table", "view", "incremental", "snapshot", "clone")),
    "bigquery": frozenset(("table", "view", "incremental", "materialized_view", "copy")),
}
#: the engines on which dagwright runs a project's materialization blocks (BigQuery's: not yet,
#: its ``create_table_as`` and temporary relations are not dbt-bigquery's)
CUSTOM_ENGINES = frozenset(("duckdb", "postgres", "spark"))
#: where a block comes from, as dbt ranks them (higher wins among blocks of one adapter)
_CORE, _IMPORTED, _ROOT = 1, 2, 3


def core_block(name: str, adapter: str) -> bool:
    """dbt-core or the engine's dbt adapter ships a block of this name for ``adapter``."""
    return name in CORE_BLOCKS["default"] or name in CORE_BLOCKS.get(adapter, frozenset())


def resolve(
    materialized: str,
    blocks: Iterable[MaterializationBlock],
    adapter: str,
    root: str,
    package_overrides: bool,
) -> MaterializationBlock | str | None:
    """What dbt 1.11 builds ``materialized`` with on ``adapter``: a project's or package's
    block, ``"core"`` (dbt's own, which dagwright implements as its built-in materializations),
    or None (dbt finds nothing: its "No materialization ... was found" error).

    dbt's search: a block for the adapter itself beats a ``default`` one, whoever defines it;
    among blocks for the same adapter the root project's beats a package's, which beats dbt's
    own. A package's block that would win over dbt's own block of that name is passed over
    unless the project sets ``require_explicit_package_overrides_for_builtin_materializations:
    false`` (``package_overrides``; dbt then warns that this is deprecated)."""
    ranked: list[tuple[int, int, MaterializationBlock | str]] = []
    for specificity, kind in enumerate((adapter, "default")):
        if materialized in CORE_BLOCKS.get(kind, frozenset()):
            ranked.append((-specificity, _CORE, "core"))
        for block in blocks:
            if block.name == materialized and block.adapter == kind:
                ranked.append((-specificity, _ROOT if block.package == root else _IMPORTED, block))
    if not ranked:
        return None
    ranked.sort(key=lambda r: (r[0], r[1]))
    best = ranked[-1]
    if best[1] == _IMPORTED and not package_overrides and any(r[1] == _CORE for r in ranked):
        best = next(r for r in reversed(ranked) if r[1] != _IMPORTED)
    return best[2]


def used_by_dbt(
    materialized: str,
    blocks: Iterable[MaterializationBlock],
    adapter: str,
    root: str,
    package_overrides: bool,
) -> MaterializationBlock | None:
    """The project's or package's block dbt would build ``materialized`` with, if one (``resolve``)."""
    found = resolve(materialized, blocks, adapter, root, package_overrides)
    return found if isinstance(found, MaterializationBlock) else None


def not_found_message(materialized: str, adapter: str) -> str:
    """dbt's error for a node whose materialization nothing defines."""
    return (
        f"No materialization '{materialized}' was found for adapter {adapter}! "
        f"(searched types 'default' and '{adapter}')"
    )


def custom_builds(
    names: Iterable[str],
    macros_by_package: Mapping[str, Iterable[str]],
    adapter: str,
    root: str,
    package_overrides: bool,
) -> dict[str, MaterializationBlock | None]:
    """For each ``materialized`` name that dagwright does not build with its own
    materializations: the block dbt would build it with, or None where dbt finds none (its
    error when the node runs). Names dagwright builds itself are left out."""
    blocks = blocks_of(macros_by_package)
    out: dict[str, MaterializationBlock | None] = {}
    for name in set(names):
        found = resolve(name, blocks, adapter, root, package_overrides)
        if isinstance(found, MaterializationBlock):
            out[name] = found
        elif found is None and name not in BUILTIN:  # (ephemeral has no block in dbt either)
            out[name] = None
    return out
