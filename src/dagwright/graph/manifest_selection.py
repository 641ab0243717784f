"""What a command selects from a manifest: the manifest as the selector sees it (nodes,
sources and exposures in one map; unit tests as children of their model when the command
can select them), restricted to the command's resource types, without empty models."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dagwright.parse.nodes import Manifest

if TYPE_CHECKING:
    from dagwright.graph.selector import ExtraMethods
    from dagwright.graph.selector_definitions import Spec


def select_nodes(
    manifest: Manifest,
    resource_types: Collection[str],
    *,
    select: Sequence[str] | None,
    exclude: Sequence[str] | None,
    project_root: str,
    project_name: str,
    indirect_selection: str,
    include_empty: bool = False,
    on_empty: Callable[[str], None] | None = None,
    definition: Spec | None = None,
    extra_methods: ExtraMethods | None = None,
) -> list[str]:
    """unique_ids that ``--select``/``--exclude`` pick among ``resource_types``, in the
    manifest's order.

    Like dbt, models whose file is empty (only whitespace) are left out unless
    ``include_empty`` (``ls`` lists them): there is nothing to build. Unit tests are
    selected with their model, as dbt selects them (when ``resource_types`` has them).
    ``on_empty`` is told each criterion that matches nothing.
    ``definition``: a selectors.yml selector's, used instead of ``select``/``exclude``.
    ``extra_methods``: the methods that compare with a previous run (graph/state_methods.py).
    """
    from dagwright.graph.selector import select as select_ids
    from dagwright.graph.selector import select_definition

    graph = SelectableManifest(manifest, with_unit_tests="unit_test" in resource_types)
    if definition is not None:
        chosen = select_definition(
            graph,
            definition,
            project_root,
            project_name=project_name,
            indirect_selection=indirect_selection,
            extra_methods=extra_methods,
        )
    else:
        chosen = select_ids(
            graph,
            select,
            exclude,
            project_root=project_root,
            project_name=project_name,
            indirect_selection=indirect_selection,
            on_empty=on_empty,
            extra_methods=extra_methods,
        )
    return [
        uid
        for uid, node in graph.nodes.items()
        if uid in chosen and node.resource_type in resource_types and (include_empty or not is_empty(node))
    ]


def is_empty(node: Any) -> bool:
    """dbt's ``node.empty``: a model (not a seed or source) whose SQL is only whitespace."""
    if node.resource_type in ("seed", "source", "unit_test", "exposure", "metric", "semantic_model", "saved_query"):
        return False
    return not str(getattr(node, "raw_code", "") or "").strip()


class SelectableManifest:
    """The manifest as the selector sees it: nodes, sources and exposures in one map, and unit
    tests (children of their model) when a command can select them."""

    def __init__(self, manifest: Manifest, with_unit_tests: bool = False) -> None:
        self.nodes: dict[str, Any] = {
            **manifest.nodes,
            **manifest.sources,
            **manifest.exposures,
            **manifest.semantic_nodes,
        }
        self.parents: Mapping[str, Any] = manifest.parents
        self.children: Mapping[str, Any] = manifest.children
        if with_unit_tests and manifest.unit_tests:
            tests = manifest.unit_tests.values()
            if tests:
                self.parents = {**self.parents}
                self.children = {**self.children}
                for test in tests:
                    self.nodes[test.unique_id] = test
                    self.parents[test.unique_id] = frozenset(test.depends_on)
                    for parent in test.depends_on:
                        self.children[parent] = frozenset({*self.children.get(parent, ()), test.unique_id})
