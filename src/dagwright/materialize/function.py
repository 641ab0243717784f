"""A function (dbt 1.11 UDF): one ``CREATE OR REPLACE FUNCTION`` statement, as dbt-core's
``function`` materialization sends it: the arguments and return type of the function's
property entry, its ``volatility`` where the engine has one, and its compiled body.

dbt's adapters build only SQL scalar functions on the engines dagwright runs (its other
kinds dispatch to macros that do not exist there: an aggregate or Python function fails as
the node's error, as in dbt). Where dbt's adapter writes the statement differently, the
adapter says so with optional capabilities (``adapters/base.py``):

- ``function_argument_defaults``: an argument's ``default_value`` becomes ``DEFAULT <value>``
  (dbt-postgres);
- ``function_body_in_parentheses``: the body is ``( <sql> )``, not ``$$ <sql> $$ LANGUAGE SQL``
  (dbt-bigquery), and the engine has no volatility: a ``volatility`` config is ignored with
  dbt's warning;
- ``function_failure_note``: why the statement fails on this engine, added to its error (DuckDB
  has no ``CREATE FUNCTION ... RETURNS``: dbt-duckdb 1.11 sends dbt-core's statement, which fails).

On an engine with transactional DDL the statement runs between ``begin`` and ``commit``
with the node's in-transaction hooks, as dbt's materialization commits after it.
"""

from __future__ import annotations

import logging

from dagwright.adapters.base import Adapter, DatabaseError, ExecResult
from dagwright.errors import DagwrightError
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import BuildOutcome, NodeJob, run_hooks

#: dbt's volatility names and the SQL keyword of each (dbt-core's default macro)
VOLATILITY = {"deterministic": "IMMUTABLE", "stable": "STABLE", "non-deterministic": "VOLATILE"}
_TRANSACTIONAL = ("transactional swap", "transactional replace")
#: the warnings of a run, as the Jinja `exceptions.warn` gives them
log = logging.getLogger("dagwright")


def function_sql(adapter: Adapter, job: NodeJob) -> str:
    """The statement that creates or replaces the function (``job.sql``: its compiled body)."""
    node = job.node
    kind = str(node.config.get("type") or "")
    if node.language == "python":  # dbt's FunctionConfig checks these first
        for key, article in (("runtime_version", "A"), ("entry_point", "An")):
            if node.config.get(key) is None:
                raise DagwrightError(f"{article} `{key}` is required for python functions", node=node.unique_id)
    if node.language != "sql" or kind != "scalar":
        # dbt looks up the macro `<type>_function_<language>`, which dbt-core and this
        # engine's dbt adapter do not define: the node fails with that error
        macro = f"{kind}_function_{node.language}"
        raise DagwrightError(
            f"In dispatch: No macro named '{macro}' found within namespace: 'dbt' "
            f"({adapter.type}'s dbt adapter builds only SQL scalar functions)",
            node=node.unique_id,
        )
    with_defaults = getattr(adapter, "function_argument_defaults", False)
    arguments = []
    for argument in node.arguments:
        text = f"{argument['name']} {argument['data_type']}"
        if with_defaults and argument.get("default_value") is not None:
            text += f" DEFAULT {argument['default_value']}"
        arguments.append(text)
    returns = (node.returns or {}).get("data_type")
    relation = adapter.render(node.relation)
    head = f"CREATE OR REPLACE FUNCTION {relation} ({', '.join(arguments)})\n    RETURNS {returns}"
    volatility = node.config.get("volatility")
    parenthesized = getattr(adapter, "function_body_in_parentheses", False)
    if volatility is not None and (parenthesized or volatility not in VOLATILITY):
        log.warning(
            f"Found `{volatility}` volatility specified on function `{node.name}`. This volatility is not "
            f"supported by {adapter.type}, and will be ignored"
        )
    elif volatility is not None:
        head += f"\n    {VOLATILITY[volatility]}"
    if parenthesized:
        return f"{head}\n    AS (\n       {job.sql}\n    )"
    return f"{head}\n    AS\n    $$\n       {job.sql}\n    $$ LANGUAGE SQL\n;"


class FunctionMaterialization:
    """``build``: nothing (the statement is the publish); ``publish``: the statement, with
    the node's in-transaction hooks around it and the commit where the engine has them."""

    runs_own_hooks = False

    def __init__(self, adapter: Adapter, job: NodeJob) -> None:
        self.adapter = adapter
        self.job = job
        self.sql = function_sql(adapter, job)
        self.transactional = adapter.publishing in _TRANSACTIONAL
        self.in_transaction = False

    def build(self, conn: GuardedConnection) -> None:
        if self.transactional:
            conn.execute(self.adapter.begin_sql())
            self.in_transaction = True
        run_hooks(conn, self.job.pre_hooks)

    def publish(self, conn: GuardedConnection) -> BuildOutcome:
        try:
            with conn.main_statements():
                result: ExecResult = conn.execute(self.sql)
        except DatabaseError as exc:
            note = getattr(self.adapter, "function_failure_note", None)
            if note is None:
                raise
            raise DatabaseError(f"{exc}\n({note})") from exc
        run_hooks(conn, self.job.post_hooks)
        if self.in_transaction:
            conn.execute(self.adapter.commit_sql())
            self.in_transaction = False
        return BuildOutcome(result, result.message)

    def run(self, conn: GuardedConnection) -> BuildOutcome:
        self.build(conn)
        conn.check_stop()  # the publish gate
        return self.publish(conn)

    def abort(self, conn: GuardedConnection) -> None:
        if self.in_transaction:
            self.in_transaction = False
            try:
                conn.execute_unguarded(self.adapter.rollback_sql())
            except Exception:
                pass

    def left_behind(self) -> str | None:
        return None
