"""Linking a parsed project: refs and sources resolved to unique_ids, parent and child maps,
cycles and duplicate relations rejected; and the manifest's members computed from the whole
project (operations, macros' own dependencies)."""

from __future__ import annotations

import graphlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from dagwright.adapters.base import Relation
from dagwright.errors import CompilationError, did_you_mean
from dagwright.parse.docs import project_operations
from dagwright.parse.kinds.functions import function_dependency
from dagwright.parse.macro_calls import MacroResolver
from dagwright.parse.nodes import Macro, Manifest, Node, Operation, RefCall, evolve
from dagwright.project.config import ProjectConfig
from dagwright.project.packages import InstalledPackage
from dagwright.rendering.functions import function_index

if TYPE_CHECKING:
    from dagwright.rendering.context import RunContext


def operations_of(
    project: ProjectConfig,
    packages: Sequence[InstalledPackage],
    resolvers: Mapping[str, MacroResolver],
    target_database: str | None,
    target_schema: str,
) -> tuple[Operation, ...]:
    """Every project's on-run-start/on-run-end hooks; dbt runs the packages' first (by name),
    the root project's last. ``resolvers``: each project's macro names, by project name."""
    operations = []
    for config in (project, *(p.config for p in packages)):
        for operation in project_operations(config):
            operations.append(
                evolve(
                    operation,
                    database=target_database,
                    schema=target_schema,
                    depends_on_macros=resolvers[config.name].calls_in([operation.raw_code]),
                    config=project.models.resolve((operation.package_name, "hooks", operation.name)),
                )
            )
    if not packages:
        return tuple(operations)
    return tuple(sorted(operations, key=lambda op: (op.package_name == project.name, op.package_name, op.index)))


def with_macro_dependencies(macros: Mapping[str, Macro], run: RunContext) -> dict[str, Macro]:
    """Each macro with the macros its body calls (dbt's macro ``depends_on.macros``)."""
    resolvers: dict[str, MacroResolver] = {}
    out = {}
    for unique_id, macro in macros.items():
        if not macro.calls:
            out[unique_id] = macro
            continue
        package = macro.package_name
        resolver = resolvers.get(package)
        if resolver is None:
            scope = package if package in run.macros.installed else None
            resolver = resolvers[package] = MacroResolver(run.macros, scope, run.adapter_type, run.dispatch)
        out[unique_id] = evolve(macro, depends_on_macros=resolver.calls(macro.calls, skip=unique_id))
    return out


def check_relations_unique(nodes: Iterable[Node], render: Callable[[Relation], str]) -> None:
    """Two nodes that would build the same table or view: dbt rejects the project (each run
    would overwrite the other's relation), naming both. Like dbt: models (ephemeral ones too),
    seeds and snapshots, compared as the engine writes their names."""
    seen: dict[str, Node] = {}
    # in dbt's parse order (models, snapshots, seeds), so the pair is named as dbt names it
    order = {"model": 0, "snapshot": 1, "seed": 2}
    for node in sorted((n for n in nodes if n.resource_type in order), key=lambda n: order[n.resource_type]):
        name = render(node.relation)
        first = seen.setdefault(name, node)
        if first is not node:
            raise CompilationError(
                f"two resources have the database representation {name}: "
                f"{first.unique_id} ({first.original_file_path}) and {node.unique_id} ({node.original_file_path})",
                path=node.original_file_path,
                node=node.unique_id,
                hint="change the alias, schema or database of one of them",
            )


#: every node without parents (or children) shares it: each empty frozenset is 216 bytes
NO_NODES: frozenset[str] = frozenset()


def link(manifest: Manifest) -> Manifest:
    """Resolve refs and sources to unique_ids; build parent/child maps; reject cycles."""
    nodes: dict[str, Node] = {}
    disabled_names = {n.name: n for n in manifest.disabled.values()}
    functions: dict[str, list[Node]] | None = None  # the functions by name, once a node calls one
    for unique_id, node in manifest.nodes.items():
        deps: list[str] = []
        # sources first, then refs: dbt's order in depends_on.nodes
        for src in node.sources:
            source_id = manifest.find_source(src.source_name, src.table_name, node.package_name)
            if source_id is None:
                candidates = list(manifest.source_index)
                off = [
                    s
                    for s in manifest.disabled_sources.values()
                    if (s.source_name, s.name) == (src.source_name, src.table_name)
                ]
                if off:
                    raise CompilationError(
                        f"source('{src.source_name}', '{src.table_name}') is disabled ({off[0].original_file_path})",
                        path=node.original_file_path,
                        line=src.line,
                        node=unique_id,
                        hint="enable it, or disable this node too",
                    )
                raise CompilationError(
                    f"source('{src.source_name}', '{src.table_name}') is not defined in any YAML file",
                    path=node.original_file_path,
                    line=src.line,
                    node=unique_id,
                    hint=did_you_mean(f"{src.source_name}.{src.table_name}", candidates),
                )
            if source_id not in deps:
                deps.append(source_id)
        for ref in node.refs:
            target = manifest.find_ref(ref.name, ref.package, node.package_name, ref.version)
            if target is None:
                if ref.package is not None and ref.package not in manifest.package_names:
                    raise CompilationError(
                        f"ref('{ref.package}', '{ref.name}'): there is no package named '{ref.package}'",
                        path=node.original_file_path,
                        line=ref.line,
                        node=unique_id,
                        hint=did_you_mean(ref.package, manifest.package_names)
                        or "install it with 'dagwright deps' (list it in packages.yml)",
                    )
                if ref.version:
                    raise missing_version(manifest, node, ref)
                if ref.name in disabled_names:
                    raise CompilationError(
                        f"ref('{ref.name}') names a disabled resource ({disabled_names[ref.name].original_file_path})",
                        path=node.original_file_path,
                        line=ref.line,
                        node=unique_id,
                        hint="enable it, or disable this model too",
                    )
                shown = f"'{ref.package}', '{ref.name}'" if ref.package else f"'{ref.name}'"
                where = f"package '{ref.package}'" if ref.package else "this project"
                if ref.package is not None:
                    candidates = [n for n, found in manifest.ref_index.items() if ref.package in found]
                else:
                    candidates = list(manifest.ref_index)
                raise CompilationError(
                    f"ref({shown}) does not name a model, seed or snapshot of {where}",
                    path=node.original_file_path,
                    line=ref.line,
                    node=unique_id,
                    hint=did_you_mean(ref.name, candidates),
                )
            if target not in deps:
                deps.append(target)
        for call in node.functions:  # function('name'): the UDF is created before the node
            if functions is None:
                functions = function_index(manifest)
            target = function_dependency(manifest, functions, node, call)
            if target not in deps:
                deps.append(target)
        nodes[unique_id] = evolve(node, depends_on=tuple(deps))

    parents = {uid: frozenset(n.depends_on) if n.depends_on else NO_NODES for uid, n in nodes.items()}
    for uid in manifest.sources:
        parents[uid] = NO_NODES
    children_sets: dict[str, set[str]] = {uid: set() for uid in parents}
    for uid, deps in parents.items():
        for dep in deps:
            children_sets[dep].add(uid)
    check_cycles(parents, nodes, children_sets)
    return replace(
        manifest,
        nodes=nodes,
        parents=parents,
        children={k: frozenset(v) if v else NO_NODES for k, v in children_sets.items()},
    )


def missing_version(manifest: Manifest, node: Node, ref: RefCall) -> CompilationError:
    """``ref(name, v=N)`` where the model has no version N (or is not versioned)."""
    prefix = f"{ref.name}.v"
    known = sorted(key[len(prefix) :] for key in manifest.ref_index if key.startswith(prefix))
    shown = f"'{ref.package}', '{ref.name}'" if ref.package else f"'{ref.name}'"
    for off in manifest.disabled.values():
        if off.name == ref.name and off.version is not None and str(off.version) == str(ref.version):
            return CompilationError(
                f"ref({shown}, v={ref.version!r}) names a disabled version ({off.original_file_path})",
                path=node.original_file_path,
                line=ref.line,
                node=node.unique_id,
                hint="enable it, or disable this model too",
            )
    return CompilationError(
        f"ref({shown}, v={ref.version!r}): there is no version '{ref.version}' of '{ref.name}'",
        path=node.original_file_path,
        line=ref.line,
        node=node.unique_id,
        hint=f"its versions are: {', '.join(known)}" if known else f"'{ref.name}' is not a versioned model",
    )


def check_cycles(
    parents: Mapping[str, frozenset[str]],
    nodes: Mapping[str, Node],
    children: Mapping[str, set[str]] | None = None,
) -> None:
    """A ``CompilationError`` naming a cycle, if the graph has one. With ``children``, an
    acyclic graph is seen by counting (Kahn's algorithm: a tenth of what graphlib's sorter
    costs at 10,000 nodes); graphlib names the cycle."""
    if children is not None and _acyclic(parents, children):
        return
    sorter = graphlib.TopologicalSorter(parents)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = list(exc.args[1])
        first = nodes.get(cycle[0])
        raise CompilationError(
            "found a cycle: " + " -> ".join(cycle),
            path=first.original_file_path if first else None,
            hint="every node on the cycle: "
            + ", ".join(f"{u} ({nodes[u].original_file_path})" for u in dict.fromkeys(cycle) if u in nodes),
        ) from None


def _acyclic(parents: Mapping[str, frozenset[str]], children: Mapping[str, set[str]]) -> bool:
    waiting = {uid: len(deps) for uid, deps in parents.items()}
    ready = [uid for uid, count in waiting.items() if not count]
    reached = 0
    while ready:
        reached += 1
        for child in children[ready.pop()]:
            waiting[child] -= 1
            if not waiting[child]:
                ready.append(child)
    return reached == len(waiting)


def relation_of(node: Node) -> Relation:
    return node.relation
