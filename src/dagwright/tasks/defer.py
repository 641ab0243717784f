"""--defer for the commands that compile or run nodes (execute/defer.py decides what is deferred)."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

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
