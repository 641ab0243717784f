"""What dbt's materialization contract gives a ``{% materialization %}`` block beyond the node's
context: ``run_hooks``, ``persist_docs``, ``apply_grants``, ``should_revoke``, ``create_indexes``
(used by dbt's own blocks, so by blocks written from them). Each sends its statements through
the block's statement session: guarded, in the block's transaction, counted for the outcome."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dagwright.adapters.base import Adapter, Column, ExecResult, Relation
from dagwright.errors import CompilationError
from dagwright.guard import GuardedConnection
from dagwright.materialize import catalog_effects
from dagwright.parse.nodes import Node
from dagwright.rendering.statements import StatementSession


class _SessionStatements:
    """The connection ``catalog_effects`` writes to, as the block's session: each statement
    opens the block's transaction if it has none (dbt's grant and comment statements do)."""

    def __init__(self, session: StatementSession, conn: GuardedConnection) -> None:
        self._session, self._conn = session, conn

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> ExecResult:
        return self._session.execute(sql, auto_begin=True, params=params)

    def execute_script(self, statements: Sequence[str]) -> ExecResult:
        result = ExecResult()
        for sql in statements:
            result = self.execute(sql)
        return result

    def columns(self, relation: Relation) -> list[Column]:
        return self._conn.columns(relation)


def _field(hook: Any, key: str, default: Any) -> Any:
    if isinstance(hook, Mapping) or hasattr(hook, "get"):
        return hook.get(key, default)
    return getattr(hook, key, default)


def plain_relation(relation: Any) -> Relation:
    """A template's relation as the adapters' ``Relation``."""
    return Relation(
        getattr(relation, "database", None),
        str(getattr(relation, "schema", None) or ""),
        str(getattr(relation, "identifier", None) or ""),
    )


def contract_functions(
    adapter: Adapter, node: Node, session: StatementSession, conn: GuardedConnection
) -> dict[str, Any]:
    """The contract's functions for one block run, bound to its session."""
    statements: Any = _SessionStatements(session, conn)

    def run_hooks(hooks: Any, inside_transaction: bool = True) -> str:
        chosen = [h for h in hooks or () if bool(_field(h, "transaction", True)) == bool(inside_transaction)]
        if chosen and not inside_transaction:
            session.commit()  # dbt commits before the hooks that run outside the transaction
        for hook in chosen:
            sql = str(_field(hook, "sql", "") or "").strip()
            if sql:
                session.execute(sql, auto_begin=bool(inside_transaction))
        return ""

    def persist_docs(relation: Any, model: Any = None, for_relation: bool = True, for_columns: bool = True) -> str:
        persist = node.config.get("persist_docs")
        if not isinstance(persist, Mapping) or not hasattr(adapter, "comment_sql"):
            return ""
        wanted = {"relation": bool(persist.get("relation")) and for_relation}
        wanted["columns"] = bool(persist.get("columns")) and for_columns
        kind = str(getattr(relation, "type", None) or "table")
        catalog_effects.persist_docs(statements, adapter, node, plain_relation(relation), kind, wanted)
        return ""

    def apply_grants(relation: Any, grant_config: Any = None, should_revoke: bool = True) -> str:
        if grant_config and isinstance(grant_config, Mapping) and hasattr(adapter, "grant_sql"):
            catalog_effects.apply_grants(
                statements, adapter, plain_relation(relation), grant_config, revoke=bool(should_revoke)
            )
        return ""

    def should_revoke(existing_relation: Any, full_refresh_mode: bool = True) -> bool:
        # a replaced relation carries no grants on DuckDB and PostgreSQL (neither copies them)
        return existing_relation is not None and not full_refresh_mode

    def create_indexes(relation: Any) -> str:
        if node.config.get("indexes"):
            raise CompilationError(
                "create_indexes: the 'indexes' config is not implemented by dagwright",
                hint="leave the node out (--exclude) or create the indexes in a post-hook",
            )
        return ""

    return {
        "run_hooks": run_hooks,
        "persist_docs": persist_docs,
        "apply_grants": apply_grants,
        "should_revoke": should_revoke,
        "create_indexes": create_indexes,
    }
