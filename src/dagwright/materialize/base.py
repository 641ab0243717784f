"""What every materialization shares: the job it is given, its hooks, what it reports.

A materialization turns a compiled node into statements in two phases. ``build`` does all
the work without changing what readers of the target relation see; ``publish`` makes the
result visible; ``abort`` undoes what ``build`` left, on any stop or error, so nothing is
left behind under a temporary name. ``run`` does both with the publish gate between them.
Where the work is built and how it is published is the engine's publishing strategy
(materialize/publishing/); a materialization only says what to build or change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from dagwright.adapters.base import ExecResult
from dagwright.guard import GuardedConnection
from dagwright.parse.nodes import Node


@dataclass
class BuildOutcome:
    """What publish reports: the response of the statement that did the work."""

    result: ExecResult = field(default_factory=ExecResult)
    message: str = "OK"


class Materialization(Protocol):
    def build(self, conn: GuardedConnection) -> None: ...

    def publish(self, conn: GuardedConnection) -> BuildOutcome: ...

    def abort(self, conn: GuardedConnection) -> None: ...

    def run(self, conn: GuardedConnection) -> BuildOutcome:
        """``build``, the publish gate, ``publish``."""
        ...

    def left_behind(self) -> str | None:
        """After a stop or failure: what the build had already changed in the target, or None."""
        ...


#: a hook as a materialization gets it: its SQL, or a callable that renders it (dbt renders a
#: hook right before it runs: its Jinja sees what the build made so far, and statements it
#: runs go through the same connection, at that moment)
Hook = str | Callable[[], str]


def run_hooks(conn: GuardedConnection, hooks: Sequence[Hook]) -> None:
    """Render each hook and run it, one after the other; a hook rendered empty is not run."""
    for hook in hooks:
        sql = hook if isinstance(hook, str) else hook()
        if sql.strip():
            conn.execute(sql)


@dataclass
class NodeJob:
    """A compiled node ready to materialize."""

    node: Node
    sql: str
    #: hooks that run inside the node's transaction (``transaction: false`` ones: the runner)
    pre_hooks: Sequence[Hook] = ()
    post_hooks: Sequence[Hook] = ()
    full_refresh: bool = False
    #: raises unless this run rebuilds every table whose foreign key references the target
    #: ((table, the tables it references), deepest first), where the engine must drop them to
    #: replace it (DuckDB); None: no table may be dropped (execute/foreign_keys.py)
    check_rebuilt_dependents: Callable[[Sequence[tuple[str, Sequence[str]]]], None] | None = None
