"""``--defer``: refs to nodes this command does not build read another environment's relations.

As dbt-core 1.11 does it: a model, seed or snapshot (not ephemeral) that the state's manifest
also has is *deferred* when this target has no relation for it, or, with ``--favor-state``,
whenever the command did not select it. A ref to a deferred node renders the state's relation
(its database, schema and alias there). A node the command builds is never deferred: by the
time a node that refs it compiles, it was built here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from dagwright.adapters.base import Adapter, Relation
from dagwright.errors import DagwrightError
from dagwright.parse.nodes import Manifest
from dagwright.project.state import PreviousState

#: the kinds a ref can name
_REFABLE = frozenset({"model", "seed", "snapshot"})


def deferred_relations(
    manifest: Manifest,
    state: PreviousState | None,
    selected: Collection[str],
    adapter: Adapter,
    *,
    favor_state: bool,
    builds_selected: bool,
    reads: Collection[str] = (),
) -> dict[str, Relation]:
    """unique_id -> the state's relation, for the nodes whose refs read it instead of this
    target's. ``builds_selected``: the command builds what it selected (run, build...);
    ``reads``: nodes read by what is not in the manifest (an inline query)."""
    if state is None:
        raise DagwrightError(
            "--defer needs the artifacts of the environment to defer to",
            hint="give --defer-state (or --state) the target/ folder of that environment's run",
        )
    if state.manifest is None:
        raise DagwrightError(
            f"--defer: there is no manifest.json in {state.path}",
            hint="give --defer-state (or --state) the target/ folder of a run of that environment",
        )
    theirs: Mapping[str, Any] = state.manifest.get("nodes") or {}
    chosen = set(selected)
    candidates = _referenced(manifest, chosen | set(reads)) | set(reads)
    out: dict[str, Relation] = {}
    to_check: dict[str, Relation] = {}
    for uid in candidates:
        node = manifest.nodes.get(uid)
        entry = theirs.get(uid)
        if node is None or not isinstance(entry, Mapping) or node.resource_type not in _REFABLE:
            continue
        if node.materialized == "ephemeral" or (entry.get("config") or {}).get("materialized") == "ephemeral":
            continue
        if uid in chosen and builds_selected:
            continue
        relation = Relation(entry.get("database") or None, str(entry.get("schema")), str(entry.get("alias")))
        if favor_state and uid not in chosen:
            out[uid] = relation
        else:
            to_check[uid] = relation
    if to_check:
        conn = adapter.open("defer")
        try:
            for uid, relation in to_check.items():
                if conn.relation_kind(manifest.nodes[uid].relation) is None:
                    out[uid] = relation
        finally:
            conn.close()
    return out


def _referenced(manifest: Manifest, selected: set[str]) -> set[str]:
    """The nodes the selected ones ref, through ephemeral models (whose SQL is inlined)."""
    out: set[str] = set()
    pending = [uid for uid in selected if uid in manifest.nodes or uid in manifest.unit_tests]
    seen: set[str] = set()
    while pending:
        uid = pending.pop()
        if uid in seen:
            continue
        seen.add(uid)
        node = manifest.nodes.get(uid)
        parents = node.depends_on if node is not None else ()
        for parent in parents:
            out.add(parent)
            target = manifest.nodes.get(parent)
            if target is not None and target.materialized == "ephemeral":
                pending.append(parent)
    return out
