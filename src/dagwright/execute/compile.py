"""Compiling a node: its SQL with every Jinja expression resolved and ephemerals injected.

Static models (see ``parse.static``) are compiled by substitution, with no Jinja at all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dagwright.adapters.base import DatabaseError
from dagwright.errors import CompilationError, DagwrightError
from dagwright.execute.node_hooks import HookSet, hook_dict, node_hooks
from dagwright.execute.python_compile import compile_python
from dagwright.guard import GuardedConnection, StatementRegistry, Stop, Stopped
from dagwright.materialize.ephemeral import inject_ctes
from dagwright.materialize.incremental import should_full_refresh
from dagwright.parse.nodes import Manifest, Node
from dagwright.parse.static import Expr
from dagwright.rendering.context import (
    CompileState,
    ConfigObject,
    JinjaRelation,
    RunContext,
    StatementSession,
    _ref_args,
    _source_args,
    compile_context,
    ephemeral_cte_name,
    resolve_ref,
    resolve_source,
)
from dagwright.rendering.event_time import BatchWindow
from dagwright.rendering.generic_test_kwargs import test_kwargs
from dagwright.rendering.jinja import LazyContext, compile_template, render_error, render_template


def incremental_build(node: Node, existing: str | None, full_refresh: bool) -> bool:
    """What ``is_incremental()`` answers while ``node`` compiles (dbt's macro): an incremental
    model whose table exists and that is not fully refreshed (``full_refresh``: the
    ``--full-refresh`` flag under ``config(full_refresh=...)``, see ``should_full_refresh``)."""
    return node.materialized == "incremental" and existing == "table" and not full_refresh


def renders_incremental(node: Node, existing: str | None, full_refresh_flag: bool) -> bool:
    """``incremental_build`` from the ``--full-refresh`` flag itself (``dagwright compile``)."""
    return incremental_build(node, existing, should_full_refresh(node.config, full_refresh_flag))


@dataclass(frozen=True)
class CompiledNode:
    node: Node
    sql: str
    #: the node's pre-/post-hooks by (when, inside the transaction); a hook with Jinja is
    #: rendered when it runs, not here (see execute/node_hooks.py)
    hooks: HookSet
    ephemerals: tuple[str, ...]


class Compiler:
    def __init__(
        self,
        run: RunContext,
        manifest: Manifest,
        templates: dict[str, Any],
        static_parts: Mapping[str, tuple[Any, ...]],
    ) -> None:
        self.run = run
        self.manifest = manifest
        self.templates = templates
        self.static_parts = static_parts
        self._ephemeral_sql: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._lock = threading.Lock()
        #: where compile-time statements go when compile() is given no connection
        #: (``dagwright compile``): opened on first use
        self.connect: Callable[[], GuardedConnection] | None = None

    def _render_static(
        self,
        node: Node,
        parts: tuple[Any, ...],
        state: CompileState,
        is_incremental: Callable[[], bool] = lambda: False,
    ) -> str:
        base: dict[str, Any] | None = None
        ctx: LazyContext | None = None
        out: list[str] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            assert isinstance(part, Expr)
            kind = part.kind
            if kind == "ref":
                call = _ref_args(part.args, dict(part.kwargs))
                call = type(call)(call.name, call.package, call.version, part.line)
                out.append(str(resolve_ref(self.run, self.manifest, node, state, call)))
            elif kind == "source":
                call = _source_args(part.args)
                call = type(call)(call.source_name, call.table_name, part.line)
                out.append(str(resolve_source(self.run, self.manifest, node, call, state)))
            elif kind == "this":
                out.append(self.run.render_relation(node.relation))
            elif kind == "config":
                continue
            elif kind == "call":
                if ctx is None:
                    ctx = compile_context(self.run, self.manifest, node, state, is_incremental=is_incremental)
                out.append(str(ctx[part.name](*part.args, **dict(part.kwargs))))
            else:  # var, env_var
                if base is None:
                    base = self.run.base_values(node.name, node.package_name)
                try:
                    value = base[kind](*part.args, **dict(part.kwargs))
                except CompilationError as exc:
                    exc.line = exc.line or part.line
                    raise
                out.append(str(value))
        return "".join(out)

    def _render(self, node: Node, state: CompileState, is_incremental: Callable[[], bool]) -> str:
        parts = self.static_parts.get(node.unique_id)
        if parts is not None:
            return self._render_static(node, parts, state, is_incremental)
        # the parse's template is used once and let go: kept, a large project's templates
        # would all stay in memory; a node compiled again (a microbatch model's batches)
        # finds its template among the recent ones (``compile_template``)
        template = self.templates.pop(node.unique_id, None)
        if template is None:
            template = compile_template(node.raw_code, node.original_file_path, node.unique_id)
        ctx = compile_context(self.run, self.manifest, node, state, is_incremental=is_incremental)
        if node.test_metadata is not None:
            ctx["_dbt_generic_test_kwargs"] = test_kwargs(node.test_metadata.get("kwargs") or {}, ctx, node)
        return render_template(template, ctx)

    def hooks(
        self, node: Node, connection: GuardedConnection, is_incremental: Callable[[], bool] = lambda: False
    ) -> HookSet:
        """The hooks of a node that is not compiled (a seed): rendered when they run."""
        return node_hooks(self.run, self.manifest, node, StatementSession(connection), is_incremental)

    def _ephemeral(self, unique_id: str, session: StatementSession | None = None) -> tuple[str, tuple[str, ...]]:
        """An ephemeral model's SQL and the ephemerals it uses itself (memoized)."""
        with self._lock:
            cached = self._ephemeral_sql.get(unique_id)
        if cached is not None:
            return cached
        node = self.manifest.nodes[unique_id]
        state = CompileState(session=session)
        try:
            sql = self._render(node, state, lambda: False)
        except (Stopped, DatabaseError):
            raise
        except DagwrightError as exc:
            raise render_error(exc, node.original_file_path, node.unique_id) from None
        except Exception as exc:
            raise render_error(exc, node.original_file_path, node.unique_id) from None
        result = (sql, tuple(state.ephemerals))
        with self._lock:
            self._ephemeral_sql[unique_id] = result
        return result

    def _cte_list(self, direct: list[str], session: StatementSession | None = None) -> list[tuple[str, str]]:
        ordered: list[tuple[str, str]] = []
        seen: set[str] = set()

        def visit(unique_id: str) -> None:
            if unique_id in seen:
                return
            seen.add(unique_id)
            sql, deps = self._ephemeral(unique_id, session)
            for dep in deps:
                visit(dep)
            ordered.append((ephemeral_cte_name(self.manifest.nodes[unique_id].alias), sql))

        for unique_id in direct:
            visit(unique_id)
        return ordered

    def compile(
        self,
        node: Node,
        is_incremental: Callable[[], bool] = lambda: False,
        connection: GuardedConnection | None = None,
        batch: BatchWindow | None = None,
    ) -> CompiledNode:
        """The node's SQL and hooks. Statements its Jinja runs (``run_query``, ``statement``,
        ``adapter.*``) go to ``connection`` (the worker's guarded connection), each committing
        on its own; a stop or a database error during compilation propagates as such. Hooks
        are not rendered here: each renders when it runs, its statements on ``connection``.
        ``batch``: the batch of a microbatch model being compiled (its inputs filtered to it)."""
        session = StatementSession(connection if connection is not None else self.connect)
        state = CompileState(session=session, batch=batch)
        try:
            if node.language == "python":  # no Jinja: the model's code and its `dbt` object
                code = compile_python(self.run, self.manifest, node, is_incremental=is_incremental())
                hooks = node_hooks(self.run, self.manifest, node, state.session, is_incremental)
                return CompiledNode(node, code, hooks, ())
            sql = self._render(node, state, is_incremental)
            ctes = self._cte_list(state.ephemerals, state.session)
            hooks = node_hooks(self.run, self.manifest, node, state.session, is_incremental)
        except (Stopped, DatabaseError):
            raise
        except Exception as exc:
            raise render_error(exc, node.original_file_path, node.unique_id) from None
        return CompiledNode(node, inject_ctes(sql, ctes), hooks, tuple(state.ephemerals))

    def materialization_context(self, node: Node, session: StatementSession, values: Mapping[str, Any]) -> LazyContext:
        """The context a ``{% materialization %}`` block renders in for ``node``: the node's,
        with dbt's materialization values (``values``: sql, hooks, run_hooks), statements on
        ``session``."""
        state = CompileState(session=session)
        return compile_context(self.run, self.manifest, node, state, is_incremental=lambda: False, extra=values)

    def compile_with_fixtures(
        self,
        node: Node,
        fixtures: Mapping[str, str],
        ctes: list[tuple[str, str]],
        connection: GuardedConnection,
        extra: Mapping[str, Any],
        is_incremental: Callable[[], bool],
        adjust: Callable[[Any], None] | None = None,
    ) -> str:
        """A model's SQL as a unit test runs it: every ref/source it reads replaced by the CTE
        of its given rows (``fixtures``: unique_id -> CTE name; ``ctes``: their SQL), rendered
        through Jinja with the test's overrides (``extra``: this, var, env_var; ``adjust``: macros)."""
        state = CompileState(session=StatementSession(connection), fixtures=fixtures)
        template = compile_template(node.raw_code, node.original_file_path, node.unique_id)
        try:
            ctx = compile_context(self.run, self.manifest, node, state, is_incremental=is_incremental, extra=extra)
            if adjust is not None:  # the test's macro overrides, once the context's names are known
                adjust(ctx)
            sql = render_template(template, ctx)
        except (Stopped, DatabaseError):
            raise
        except Exception as exc:
            raise render_error(exc, node.original_file_path, node.unique_id) from None
        return inject_ctes(sql, ctes)


class MainConnection:
    """A guarded connection on the main thread, opened on first use: where compile-time
    statements go when no worker runs the node (``dagwright compile``)."""

    def __init__(self, open_main: Callable[[], Any]) -> None:
        #: opens the engine's connection ("main"), on first use
        self.open_main = open_main
        self.stop = Stop()
        self.registry = StatementRegistry(self.stop)
        self._raw: Any = None
        self._guarded: GuardedConnection | None = None

    def __call__(self) -> GuardedConnection:
        if self._guarded is None:
            self._raw = self.open_main()
            self._guarded = GuardedConnection(self._raw, self.registry, "main", "compile", self.stop)
        return self._guarded

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = self._guarded = None


__all__ = ["CompiledNode", "Compiler", "ConfigObject", "JinjaRelation", "MainConnection", "hook_dict"]
