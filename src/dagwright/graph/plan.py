"""From a selection to a ``Plan``: the nodes to execute, their edges, their priorities.

Ephemeral models are not executed (their SQL is compiled into their consumers), so the
plan's edges go through them, and through semantic models and metrics (never run) to the
models a saved query or exposure reads. Exposures and saved queries a build selected are in
the plan (reported ``no-op``, as dbt-core lists them). A node's priority is its remaining critical path: the
longest chain of estimated durations from it to a leaf of the plan.
"""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dagwright.parse.nodes import Manifest

#: seconds assumed for a node with no recorded duration
NEUTRAL_ESTIMATE = 1.0


@dataclass(frozen=True)
class Plan:
    order: tuple[str, ...]  # topological order (also the order of the initial listing)
    parents: Mapping[str, frozenset[str]]  # within the plan
    children: Mapping[str, frozenset[str]]
    priority: Mapping[str, float]  # remaining critical path in estimated seconds
    estimates: Mapping[str, float]

    def __len__(self) -> int:
        return len(self.order)


def _executable_parents(manifest: Manifest, unique_id: str, memo: dict[str, frozenset[str]]) -> frozenset[str]:
    """Parents that are real (non-ephemeral) nodes, looking through ephemeral models."""
    cached = memo.get(unique_id)
    if cached is not None:
        return cached
    out: set[str] = set()
    for parent in manifest.parents.get(unique_id, ()):
        node = manifest.nodes.get(parent)
        if node is None:
            if parent in manifest.semantic_nodes:  # a semantic model or metric: what it reads
                out |= _executable_parents(manifest, parent, memo)
            continue  # else a source
        if node.resource_type == "model" and node.materialized == "ephemeral":
            out |= _executable_parents(manifest, parent, memo)
        else:
            out.add(parent)
    result = frozenset(out)
    memo[unique_id] = result
    return result


def build_plan(
    manifest: Manifest,
    selected: Iterable[str],
    durations: Mapping[str, float] | None = None,
) -> Plan:
    durations = durations or {}
    memo: dict[str, frozenset[str]] = {}
    selected = list(selected)
    units = [uid for uid in selected if uid in manifest.unit_tests] if manifest.unit_tests else []
    chosen = {
        uid
        for uid in selected
        if uid in manifest.nodes
        and not (manifest.nodes[uid].resource_type == "model" and manifest.nodes[uid].materialized == "ephemeral")
    }
    listed = {uid for uid in selected if uid in manifest.exposures or _is_saved_query(manifest, uid)}
    chosen |= listed
    parents = {uid: _executable_parents(manifest, uid, memo) & chosen for uid in chosen}
    # In a build, what a node's tests check must hold before its children run: a test with
    # a single parent becomes a parent of that node's other children. As in dbt, that parent
    # may be a source: a failing source test skips the models that select from the source.
    for uid in chosen:
        node = manifest.nodes.get(uid)
        if node is None or node.resource_type != "test":
            continue
        deps = manifest.parents.get(uid, frozenset())
        if len(deps) == 1:
            (tested,) = deps
        elif len(parents[uid]) == 1:
            (tested,) = parents[uid]
        else:
            continue
        for child in manifest.children.get(tested, ()):
            # as in dbt, a failing test does not skip the exposures and saved queries after it
            if child in chosen and child not in listed and manifest.nodes[child].resource_type != "test":
                parents[child] = parents[child] | {uid}
    if units:
        _add_unit_tests(manifest, units, parents, memo)
    if listed:  # nothing runs for them: no time on the critical path
        durations = {**durations, **dict.fromkeys(listed, 0.0)}
    return plan_from_parents(parents, durations)


def _is_saved_query(manifest: Manifest, unique_id: str) -> bool:
    node = manifest.semantic_nodes.get(unique_id)
    return node is not None and node.resource_type == "saved_query"


def _add_unit_tests(
    manifest: Manifest, units: Sequence[str], parents: dict[str, frozenset[str]], memo: dict[str, frozenset[str]]
) -> None:
    """A unit test runs once its model's inputs are built (it reads their columns) and, as in
    dbt's build, before its model: a failing one skips the model and what depends on it. In a
    build, dbt runs a model's unit tests one after the other and skips the rest after one fails
    or errors: here each waits for the one before it (in the order they are defined)."""
    chosen = frozenset(parents)
    models = {manifest.unit_tests[uid].model_id for uid in units}
    inputs = {m: parents[m] if m in parents else _executable_parents(manifest, m, memo) & chosen for m in models}
    previous: dict[str, str] = {}
    wanted = set(units)
    for uid in (u for u in manifest.unit_tests if u in wanted):
        model = manifest.unit_tests[uid].model_id
        parents[uid] = inputs[model]
        if model in parents:
            if model in previous:
                parents[uid] = parents[uid] | {previous[model]}
            previous[model] = uid
            parents[model] = parents[model] | {uid}


def plan_from_parents(parents: Mapping[str, Iterable[str]], durations: Mapping[str, float] | None = None) -> Plan:
    """A plan for a bare DAG (node -> its parents), with priorities from ``durations``
    (a node without one gets the median of the others); also what bench/schedule.py uses."""
    durations = durations or {}
    parent_sets = {uid: frozenset(ps) for uid, ps in parents.items()}
    children: dict[str, set[str]] = {uid: set() for uid in parent_sets}
    for uid, ps in parent_sets.items():
        for p in ps:
            children[p].add(uid)
    sorter = graphlib.TopologicalSorter(parent_sets)
    order: list[str] = []
    sorter.prepare()
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(ready)
        sorter.done(*ready)
    known = [d for d in durations.values() if d > 0]
    neutral = sorted(known)[len(known) // 2] if known else NEUTRAL_ESTIMATE
    estimates = {uid: durations.get(uid, neutral) for uid in parent_sets}
    return Plan(
        order=tuple(order),
        parents=parent_sets,
        children={k: frozenset(v) for k, v in children.items()},
        priority=remaining_critical_path(order, children, estimates),
        estimates=estimates,
    )


def remaining_critical_path(
    order: Sequence[str], children: Mapping[str, Iterable[str]], estimates: Mapping[str, float]
) -> dict[str, float]:
    """Each node's longest chain of estimates from it to a leaf, itself included.

    Differences smaller than the measurements' noise would reorder nodes from one run to
    the next, so the values are rounded to a quantum: 0.1 s, or 1% of the longest chain
    when that is under 10 s (a DAG of 50 ms nodes keeps its priorities).
    """
    priority: dict[str, float] = {}
    for uid in reversed(order):
        tail = max((priority[c] for c in children[uid]), default=0.0)
        priority[uid] = estimates[uid] + tail
    longest = max(priority.values(), default=0.0)
    quantum = min(0.1, longest / 100) or 0.1
    return {uid: round(round(p / quantum) * quantum, 6) for uid, p in priority.items()}
