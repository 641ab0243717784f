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

Expressions are parsed in graph/selection_syntax.py, methods match nodes in
graph/selection_methods.py; this module applies the graph operators and indirect selection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

from dagwright.errors import SelectionError, did_you_mean
from dagwright.graph.selection_methods import NodeMatcher, SelectableNode
from dagwright.graph.selection_syntax import INDIRECT_SELECTION_MODES, Criterion, parse_union
from dagwright.graph.selector_definitions import CriterionSpec, Spec

__all__ = ["SelectableGraph", "select", "select_definition"]


class SelectableGraph(Protocol):
    nodes: Mapping[str, SelectableNode]
    parents: Mapping[str, frozenset[str] | set[str]]
    children: Mapping[str, frozenset[str] | set[str]]


#: selection methods evaluated outside the graph (``state:``...): method -> its matcher
ExtraMethods = Mapping[str, Callable[[Criterion], set[str]]]

_INDIRECT_TYPES = frozenset({"test", "unit_test"})


class _Selector:
    """Evaluates parsed criteria against one graph: the methods' matches, the graph
    operators, the tests picked up indirectly."""

    def __init__(
        self,
        graph: SelectableGraph,
        project_root: str | None,
        project_name: str | None,
        mode: str,
        extra_methods: ExtraMethods | None = None,
    ) -> None:
        self.graph = graph
        self.nodes = graph.nodes
        self.mode = mode
        self.match = NodeMatcher(graph.nodes, project_root, project_name, extra_methods).match

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

    def criterion(self, c: Criterion, mode: str | None = None) -> tuple[set[str], set[str]]:
        mode = mode or self.mode
        collected = self.match(c)
        selected = set(collected)
        if c.childrens_parents:
            down = self.descendants(collected) | collected
            selected |= down | self.ancestors(down)
        if c.parents:
            selected |= self.ancestors(collected, c.parents_depth)
        if c.children:
            selected |= self.descendants(collected, c.children_depth)
        if mode == "empty":
            return selected, set()
        return self._expand(selected, mode)

    def _expand(self, selected: set[str], mode: str) -> tuple[set[str], set[str]]:
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
                if mode == "eager" or all(p in selected for p in deps):
                    direct.add(child)
                    continue
                if mode == "buildable":
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
        specs: list[tuple[str, list[Criterion]]],
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


def evaluate(self: _Selector, spec: Spec) -> tuple[set[str], set[str]]:
    """(direct, indirect) of a selectors.yml spec, combined as dbt combines them: a set's
    tests picked up indirectly are incorporated eagerly, that is not at all beyond what each
    criterion's own mode brought in."""
    if isinstance(spec, CriterionSpec):
        return self.criterion(spec.criterion, spec.indirect_selection)
    if not spec.components:
        return set(), set()
    bundles = [evaluate(self, component) for component in spec.components]
    combine = _SET_OPERATIONS[spec.op]
    return combine(*(d for d, _ in bundles)), combine(*(d | i for d, i in bundles))


_SET_OPERATIONS: dict[str, Callable[..., set[str]]] = {
    "union": set.union,
    "intersection": set.intersection,
    "difference": set.difference,
}


def select_definition(
    graph: SelectableGraph,
    spec: Spec,
    project_root: str | None = None,
    *,
    indirect_selection: str = "eager",
    project_name: str | None = None,
    extra_methods: ExtraMethods | None = None,
) -> set[str]:
    """The unique_ids a selectors.yml definition picks (``--selector``, or the default
    selector); ``indirect_selection`` is the mode of the criteria that set none."""
    return evaluate(_Selector(graph, project_root, project_name, indirect_selection, extra_methods), spec)[0]


def select(
    graph: SelectableGraph,
    select: Sequence[str] | None,
    exclude: Sequence[str] | None = None,
    project_root: str | None = None,
    *,
    indirect_selection: str = "eager",
    project_name: str | None = None,
    on_empty: Callable[[str], None] | None = None,
    extra_methods: ExtraMethods | None = None,
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
    include_specs = parse_union(select) if select else None
    exclude_specs = parse_union(exclude) if exclude else []
    if include_specs == []:  # only whitespace was given: same as no selection
        include_specs = None

    sel = _Selector(graph, project_root, project_name, indirect_selection, extra_methods)
    included = set(graph.nodes) if include_specs is None else sel.union(include_specs, on_empty)[0]
    if not exclude_specs:
        return included
    excluded = sel.union(exclude_specs, on_empty)[0]
    # dbt combines the include and exclude sides without re-adding indirect tests at this level.
    return included - excluded
