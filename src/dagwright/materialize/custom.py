"""A node built by a project's or package's ``{% materialization %}`` block, as dbt builds it.

The block's body is rendered in the node's context with what dbt's materialization contract
gives it (``sql``/``compiled_code``, ``pre_hooks``/``post_hooks``, the functions of
``custom_contract.py``, the ``adapter`` object, ``statement``/``load_result`` ...) and returns ``{'relations': [...]}``.
Its SQL is its own: dagwright runs what it says, in the order it says it, with dbt's
transactions (a ``statement`` with ``auto_begin`` opens one, ``adapter.commit()`` ends it,
what is left open when the block ends is rolled back, as dbt's connection release does).

Every statement goes through the node's ``GuardedConnection``, so after a stop none of the
block's statements runs and its open transaction is rolled back (``abort``). What the block
committed before that stays: its publishing is as atomic as its own SQL makes it, and the
node's outcome says whether it had committed anything (``left_behind``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dagwright.adapters.base import Adapter, ExecResult
from dagwright.errors import CompilationError, DagwrightError
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import BuildOutcome, Hook, NodeJob
from dagwright.materialize.custom_contract import contract_functions, plain_relation
from dagwright.parse.materializations import MaterializationBlock, not_found_message, supported_languages
from dagwright.parse.nodes import Node
from dagwright.rendering.jinja import LazyContext
from dagwright.rendering.relation import JinjaRelation
from dagwright.rendering.statements import StatementSession

log = logging.getLogger("dagwright")

#: statements that only read: they change nothing a stop could leave behind
_READS = ("select", "with", "show", "describe", "pragma", "explain", "values", "summarize")

#: the node's Jinja context for its block, given where its statements go and the values of
#: dbt's materialization contract (made by the runner, which holds the compiler)
ContextFactory = Callable[[Node, StatementSession, Mapping[str, Any]], LazyContext]


class ContextHook:
    """A hook as a materialization's Jinja sees it in ``pre_hooks``/``post_hooks``: ``sql``
    (rendered when read, as dbt renders a hook right before it runs), ``transaction``, ``index``."""

    __slots__ = ("_hook", "index", "transaction")

    def __init__(self, hook: Hook, transaction: bool, index: int) -> None:
        self._hook, self.transaction, self.index = hook, transaction, index

    @property
    def sql(self) -> str:
        return self._hook if isinstance(self._hook, str) else self._hook()

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in ("sql", "transaction", "index") else default

    def __getitem__(self, key: str) -> Any:
        if key not in ("sql", "transaction", "index"):
            raise KeyError(key)
        return getattr(self, key)


def context_hooks(inside: Sequence[Hook], outside: Sequence[Hook]) -> list[ContextHook]:
    """The hooks of one kind (pre or post) as the block's Jinja sees them."""
    hooks = [ContextHook(h, True, i) for i, h in enumerate(inside)]
    return hooks + [ContextHook(h, False, len(hooks) + i) for i, h in enumerate(outside)]


class _CountingSession(StatementSession):
    """The block's statement session, counting the statements that changed something and
    were committed (on their own, or by a commit of their transaction)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.committed = 0
        #: changes left uncommitted when the block ended, rolled back
        self.rolled_back = 0
        self._pending = 0

    def execute(self, sql: str, *, auto_begin: bool = False, params: Sequence[Any] | None = None) -> ExecResult:
        writes = not sql.lstrip().lower().startswith(_READS)
        result = super().execute(sql, auto_begin=auto_begin, params=params)
        if writes:
            if self.in_transaction:
                self._pending += 1
            else:
                self.committed += 1
        return result

    def commit(self) -> None:
        was_open = self.in_transaction
        super().commit()
        if was_open:
            self.committed, self._pending = self.committed + self._pending, 0

    def finish(self) -> None:
        if self.in_transaction:
            self.rolled_back += self._pending
        self._pending = 0
        super().finish()


class CustomMaterialization:
    """One node built by rendering ``block`` (a ``Materialization``). It runs the node's hooks
    itself, where the block's ``run_hooks`` calls say (``runs_own_hooks``)."""

    runs_own_hooks = True

    def __init__(
        self,
        adapter: Adapter,
        job: NodeJob,
        block: MaterializationBlock,
        hooks: Mapping[tuple[str, bool], Sequence[Hook]],
        make_context: ContextFactory,
        *,
        transactions: bool,
    ) -> None:
        self.adapter = adapter
        self.job = job
        self.block = block
        self.hooks = hooks
        self.make_context = make_context
        self.transactions = transactions
        self._session: _CountingSession | None = None
        self._outcome: BuildOutcome | None = None

    def _new_session(self, conn: GuardedConnection) -> _CountingSession:
        if not self.transactions:
            return _CountingSession(conn)
        sql = {"begin": self.adapter.begin_sql(), "commit": self.adapter.commit_sql()}
        sql["rollback"] = self.adapter.rollback_sql()
        return _CountingSession(conn, transactions=True, sql=sql, scope=f"model {self.job.node.name}")

    def build(self, conn: GuardedConnection) -> None:
        session = self._session = self._new_session(conn)
        node = self.job.node

        contract = {
            "sql": self.job.sql,
            "compiled_code": self.job.sql,
            "pre_hooks": context_hooks(self.hooks.get(("pre", True), ()), self.hooks.get(("pre", False), ())),
            "post_hooks": context_hooks(self.hooks.get(("post", True), ()), self.hooks.get(("post", False), ())),
        }
        ctx = self.make_context(node, session, contract)
        for name, function in contract_functions(self.adapter, node, session, conn).items():
            if name not in ctx.names:  # a project's or package's macro of that name is dbt's choice
                dict.__setitem__(ctx, name, function)
        macro = ctx.package_namespace(self.block.package)[self.block.macro_name]
        try:
            try:
                returned = macro()
            except BaseException:
                session.scope = ""  # rolled back for the failure or the stop, which the outcome says
                session.finish()
                self._forget(conn, None)  # what it committed before is known to the engine only
                raise
            session.finish()  # what the block left open is rolled back, as dbt's connection release does
            self._forget(conn, returned.get("relations") if isinstance(returned, Mapping) else None)
            main = ctx["load_result"]("main")
            _check_returned(returned, node.materialized)
            if not main:
                raise CompilationError("main is not being called during running model")
        except DagwrightError as exc:
            left = self.left_behind()
            if left and left not in exc.message:
                exc.message += f"\n({left})"
            raise
        response = main.get("response")
        message = str(response) if response is not None else "OK"
        result = ExecResult(
            message=message,
            code=getattr(response, "code", None),
            rows_affected=getattr(response, "rows_affected", None),
        )
        if session.rolled_back:  # dbt says success too, and nothing of it was kept
            plural = "s" if session.rolled_back > 1 else ""
            message += f"; {session.rolled_back} statement{plural} never committed, rolled back"
        self._outcome = BuildOutcome(result, message)

    def publish(self, conn: GuardedConnection) -> BuildOutcome:
        assert self._outcome is not None, "publish before build"
        return self._outcome

    def run(self, conn: GuardedConnection) -> BuildOutcome:
        self.build(conn)
        return self.publish(conn)

    def abort(self, conn: GuardedConnection) -> None:
        if self._session is not None:
            self._session.finish()

    def left_behind(self) -> str | None:
        committed = self._session.committed if self._session is not None else 0
        if not committed:
            return None
        plural = "s" if committed > 1 else ""
        return (
            f"the custom materialization '{self.job.node.materialized}' had committed {committed} "
            f"statement{plural} before that: {self.adapter.render(self.job.node.relation)} may have changed"
        )

    def _forget(self, conn: GuardedConnection, relations: Any) -> None:
        """The run's relation cache asks the engine next time about what the block made."""
        forget = getattr(conn.raw, "forget", None)
        if forget is not None:
            forget(self.job.node.relation)
            for relation in relations if isinstance(relations, list) else ():
                if isinstance(relation, JinjaRelation):
                    forget(plain_relation(relation))


def custom_materialization(
    adapter: Adapter,
    job: NodeJob,
    block: MaterializationBlock | None,
    hooks: Mapping[tuple[str, bool], Sequence[Hook]],
    make_context: ContextFactory,
    macro_sql: str = "",
) -> CustomMaterialization:
    """The node built with ``block`` (whose text is ``macro_sql``); None (nothing defines its
    materialization) is dbt's error, and so is a node in a language the block does not declare.
    Its ``statement`` blocks get transactions where the engine has them."""
    if block is None:
        raise CompilationError(not_found_message(job.node.materialized, adapter.type))
    languages = supported_languages(macro_sql)
    if job.node.language not in languages:
        raise CompilationError(
            f'Materialization "{block.macro_name}" only supports languages {languages}; got "{job.node.language}"'
        )
    transactions = adapter.publishing in ("transactional swap", "transactional replace")
    return CustomMaterialization(adapter, job, block, hooks, make_context, transactions=transactions)


def _check_returned(returned: Any, materialized: str) -> None:
    """What a block returned, checked as dbt checks it (its errors)."""
    if isinstance(returned, str):
        raise CompilationError(
            f'The materialization ("{materialized}") did not explicitly return a list of relations to add '
            "to the cache.",
            hint="end the block with {{ return({'relations': [target_relation]}) }}",
        )
    if not isinstance(returned, Mapping):
        raise CompilationError(
            f'Invalid return value from materialization, expected a dict with key "relations", got: {returned}'
        )
    if "relations" not in returned:
        raise CompilationError(
            f'Invalid return value from materialization, "relations" not found, got keys: {list(returned)}'
        )
    relations = returned["relations"]
    if not isinstance(relations, list):
        raise CompilationError(f'Invalid return value from materialization, "relations" not a list, got: {relations}')
    for relation in relations:
        if not isinstance(relation, JinjaRelation):
            raise CompilationError(
                f'Invalid return value from materialization, "relations" contains non-Relation: {relation}'
            )
