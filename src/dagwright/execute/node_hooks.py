"""A model's ``pre-hook`` / ``post-hook``: split by transaction when the node compiles, rendered
only when each one runs.

dbt renders a hook right before it runs it, on the node's connection: a post-hook's Jinja sees
the relation the build just made (inside the node's transaction for in-transaction hooks), and
``run_query`` / ``statement`` calls in a hook macro run at that moment, in that order. So a hook
with Jinja is a ``PendingHook``: a callable that the materialization calls at the point the
hook runs, which renders it then (statements go through the node's guarded connection) and
returns its SQL. A hook without Jinja stays its text; a node without hooks pays nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from dagwright.adapters.base import DatabaseError
from dagwright.guard import Stopped
from dagwright.materialize.base import Hook
from dagwright.rendering.context import CompileState, compile_context
from dagwright.rendering.jinja import LazyContext, compile_template, render_error, render_template

if TYPE_CHECKING:
    from dagwright.parse.nodes import Manifest, Node
    from dagwright.rendering.adapter_facade import StatementSession
    from dagwright.rendering.context import RunContext

#: (when, inside the transaction) -> hooks, in config order
HookSet = dict[tuple[str, bool], tuple[Hook, ...]]

NO_HOOKS: HookSet = {(w, t): () for w in ("pre", "post") for t in (True, False)}


def hook_dict(hook: Any) -> dict[str, Any]:
    """dbt's get_hook_dict: a hook is ``{sql, transaction}``; a string that is such a JSON
    object (what ``before_begin()``/``after_commit()`` return) is read as one."""
    if isinstance(hook, Mapping):
        return {"sql": str(hook.get("sql") or ""), "transaction": bool(hook.get("transaction", True))}
    text = str(hook)
    if text.lstrip().startswith("{") and '"sql"' in text:
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, Mapping) and "sql" in value:
            return {"sql": str(value.get("sql") or ""), "transaction": bool(value.get("transaction", True))}
    return {"sql": text, "transaction": True}


class _HookContext:
    """The node's Jinja context for its hooks: built on the first hook that renders, shared by
    the others (as dbt renders every hook of a model in the model's context)."""

    __slots__ = ("_ctx", "_is_incremental", "_manifest", "_node", "_run", "_session")

    def __init__(
        self,
        run: RunContext,
        manifest: Manifest,
        node: Node,
        session: StatementSession | None,
        is_incremental: Callable[[], bool],
    ) -> None:
        self._run = run
        self._manifest = manifest
        self._node = node
        self._session = session
        self._is_incremental = is_incremental
        self._ctx: LazyContext | None = None

    def get(self) -> LazyContext:
        if self._ctx is None:
            state = CompileState(session=self._session)
            self._ctx = compile_context(
                self._run, self._manifest, self._node, state, is_incremental=self._is_incremental
            )
        return self._ctx


class PendingHook:
    """A hook with Jinja, rendered when called: right before it runs."""

    __slots__ = ("_context", "_node", "text")

    def __init__(self, text: str, node: Node, context: _HookContext) -> None:
        self.text = text
        self._node = node
        self._context = context

    def __call__(self) -> str:
        node = self._node
        try:
            template = compile_template(self.text, node.original_file_path, node.unique_id)
            return render_template(template, self._context.get()).strip()
        except (Stopped, DatabaseError):
            raise
        except Exception as exc:
            raise render_error(exc, node.original_file_path, node.unique_id) from None

    def __repr__(self) -> str:
        return f"<hook {self.text!r}>"


def node_hooks(
    run: RunContext,
    manifest: Manifest,
    node: Node,
    session: StatementSession | None,
    is_incremental: Callable[[], bool],
) -> HookSet:
    """The node's pre-/post-hooks in config order (dbt_project.yml's first), split by whether
    they run inside its transaction; nothing is rendered here."""
    config = node.config
    pre = config.get("pre-hook")
    post = config.get("post-hook")
    if not pre and not post:
        return NO_HOOKS
    out: dict[tuple[str, bool], list[Hook]] = {(w, t): [] for w in ("pre", "post") for t in (True, False)}
    context = _HookContext(run, manifest, node, session, is_incremental)
    for when, hooks in (("pre", pre or []), ("post", post or [])):
        for hook in hooks:
            spec = hook_dict(hook)
            text = spec["sql"]
            if "{{" in text or "{%" in text:
                out[when, spec["transaction"]].append(PendingHook(text, node, context))
            elif text.strip():
                out[when, spec["transaction"]].append(text.strip())
    return {key: tuple(value) for key, value in out.items()}
