"""--defer for the commands that compile or run nodes (execute/defer.py decides what is deferred)."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from dagwright.errors import DagwrightError
from dagwright.project.state import load_state

if TYPE_CHECKING:
    from dagwright.session import Session


def apply_defer(
    session: Session, selected: Collection[str], *, builds_selected: bool, reads: Collection[str] = ()
) -> None:
    """With --defer (DBT_DEFER): refs to nodes this command does not build read the relations
    of --defer-state's manifest (else --state's), as dbt's do. ``builds_selected``: the
    command builds what it selected (run, build, seed, snapshot); ``reads``: nodes an inline
    query refs."""
    extra = session.flags.extra
    if not extra.get("defer"):
        return
    _refuse_deferred_functions(session, selected)
    from dagwright.execute.defer import deferred_relations

    folder = extra.get("defer_state") or extra.get("state")
    state = load_state(str(folder), session.project.root) if folder else None
    session.run_context.deferred = deferred_relations(
        session.manifest,
        state,
        selected,
        session.adapter,
        favor_state=bool(extra.get("favor_state")),
        builds_selected=builds_selected,
        reads=reads,
    )


def _refuse_deferred_functions(session: Session, selected: Collection[str]) -> None:
    """dbt resolves a ``function()`` call to the deferred environment's function when the run
    does not build it; dagwright would compile it against the target's (possibly an older
    version, or none): refused before anything runs, not silently different."""
    nodes = session.manifest.nodes
    chosen = set(selected)
    functions = {(n.package_name, n.name): uid for uid, n in nodes.items() if n.resource_type == "function"}
    for uid in selected:
        node = nodes.get(uid)
        for call in getattr(node, "functions", ()) or ():
            name, package = call[-1], (call[0] if len(call) == 2 else None)
            found = [f for (pkg, fname), f in functions.items() if fname == name and package in (None, pkg)]
            if found and not chosen.intersection(found):
                raise DagwrightError(
                    f"{uid} calls function('{name}') under --defer, and this command does not build that "
                    "function: dagwright does not defer function() calls to the state's environment "
                    "(dbt does), so it would read the target's version",
                    hint=f"select the function too (e.g. -s +{node.name}), or run without --defer",
                )
