"""Python models (``def model(dbt, session)``), run in-process on DuckDB as dbt-duckdb runs them.

The compiled code (execute/python_compile.py: the model's code and the ``dbtObj`` that
resolves ``dbt.ref``/``dbt.source``/``dbt.config.get``/``dbt.this``/``dbt.is_incremental``) is
executed as a module; ``model(dbt, session)`` is called with the worker's DuckDB cursor as
``session`` and ``dbt.ref(...)``/``dbt.source(...)`` returning DuckDB relations
(``select * from <relation>`` on that cursor). What it returns — a DuckDB relation, a pandas
or polars DataFrame or a pyarrow Table — is registered on the cursor and written with
``create table ... as select * from`` it.

The table is built through the engine's publishing strategy like a SQL model's: inside the
node's transaction, under ``<name>__dbt_tmp`` then swapped into place at COMMIT (``table``,
and an incremental model's first build or full refresh), or staged in a temporary table
that the incremental strategy's SQL merges into the target (an incremental run). So a
model that raises, or a stop, publishes nothing: the transaction is rolled back.

What a stop can interrupt: the model's call is registered as the worker's statement in
flight (``GuardedConnection.run_code``), so a cancel interrupts the DuckDB query the Python
code is waiting on; pure Python (a loop, pandas work) cannot be interrupted and runs until
``model`` returns, and then its result is discarded: the next statement meets the stop, and
the transaction is rolled back. A Python model that commits through ``session`` itself
(``session.execute("commit")``) steps outside that guarantee, as it would in dbt.
"""

from __future__ import annotations

import linecache
import traceback
import types
from typing import Any

from dagwright.adapters.base import Adapter, DatabaseError, ExecResult, Relation
from dagwright.errors import CompilationError
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import BuildOutcome, NodeJob
from dagwright.materialize.incremental import IncrementalMaterialization, IncrementalRun
from dagwright.materialize.materialization import StrategyMaterialization
from dagwright.materialize.publishing.base import NewRelation, PublishingStrategy, Work, WorkSource

#: how many lines of the model's traceback its error message keeps (the last ones)
TRACEBACK_LINES = 30


class PythonModelError(DatabaseError):
    """The model's code raised: the node's own failure, with the traceback's last lines."""


def _frame_prefix(node_name: str) -> str:
    return "__dbt_python_model_df_" + node_name


def _traceback_text(exc: BaseException, filename: str) -> str:
    """The traceback from the model's own code on (dagwright's frames above it left out)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    lines = "".join(traceback.format_exception(type(exc), exc, tb if tb is not None else exc.__traceback__))
    kept = lines.rstrip("\n").splitlines()
    if len(kept) > TRACEBACK_LINES:
        kept = ["...", *kept[-TRACEBACK_LINES:]]
    return "Python model failed:\n" + "\n".join(kept)


class PythonModelRun:
    """One build of a Python model on a connection: run ``model`` and write its result."""

    def __init__(self, adapter: Adapter, job: NodeJob) -> None:
        self.adapter = adapter
        self.job = job
        node = job.node
        if node.config.get("contract", {}).get("enforced") in (True, "true", "True"):
            raise CompilationError("an enforced contract needs a SQL model: dagwright checks no Python model's")
        #: the name its frames and tracebacks carry: the model file's
        self.filename = node.original_file_path

    def _module(self) -> types.ModuleType:
        code = self.job.sql
        module = types.ModuleType(self.job.node.name)
        module.__file__ = self.filename
        # tracebacks show the model's lines, as the compiled code is never a file of its own
        linecache.cache[self.filename] = (len(code), None, code.splitlines(True), self.filename)
        exec(compile(code, self.filename, "exec"), module.__dict__)  # the project's own code, as dbt runs it
        return module

    def _call(self, session: Any) -> Any:
        try:
            module = self._module()
            dbt = module.dbtObj(lambda name: session.query(f"select * from {name}"))
            return module.model(dbt, session)
        except Exception as exc:  # after a stop the guard reports the stop instead
            raise PythonModelError(_traceback_text(exc, self.filename).replace("\n", "\n  ")) from None

    def write(self, conn: GuardedConnection, relation: Relation, *, temporary: bool = False) -> ExecResult:
        """Run the model and create ``relation`` from what it returns (in the node's transaction)."""
        session_of = getattr(conn.raw, "python_session", None)
        if session_of is None:
            raise CompilationError(f"Python models do not run on {self.adapter.type}")
        session = session_of()
        node = self.job.node
        frame = conn.run_code(f"-- python model {node.unique_id}", lambda: self._call(session))
        frame = _registrable(frame)
        name = _frame_prefix(relation.identifier)
        quoted = '"' + name.replace('"', '""') + '"'
        session.register(name, frame)
        try:
            select = f"select * from {quoted}"
            if temporary:
                return conn.execute(self.adapter.create_temp_table_as_sql(relation, select))  # type: ignore[attr-defined]
            return conn.execute(self.adapter.create_table_as_sql(relation, select, node.config))
        finally:
            try:
                session.unregister(name)
            except Exception:
                pass


def _registrable(frame: Any) -> Any:
    """What DuckDB can register: a DuckDB relation, a pandas DataFrame or a pyarrow Table as
    they are; a polars DataFrame (or LazyFrame) as Arrow."""
    module = type(frame).__module__.split(".")[0]
    if module in ("duckdb", "pandas", "pyarrow"):
        return frame
    if module == "polars":
        collected = frame.collect() if hasattr(frame, "collect") else frame
        return collected.to_arrow()
    raise PythonModelError(
        f"Python model returned {type(frame).__name__}: return a DuckDB relation, a pandas or polars "
        "DataFrame or a pyarrow Table"
    )


def _report(result: ExecResult) -> BuildOutcome:
    return BuildOutcome(ExecResult(), "OK")  # dbt-duckdb: {"_message": "OK"} for a Python model


class PythonTableMaterialization(StrategyMaterialization):
    """``table``: a new table from the model's result, published by the engine's strategy."""

    def __init__(self, adapter: Adapter, job: NodeJob, strategy: PublishingStrategy | None = None) -> None:
        super().__init__(adapter, job, strategy)
        self.python = PythonModelRun(adapter, job)

    def work(self) -> WorkSource:
        return NewRelation("table", fill=self.python.write, report=_report)


class PythonIncrementalMaterialization(IncrementalMaterialization):
    """``incremental``: a new table as ``table`` when there is none (or a full refresh); else the
    model's rows staged in a temporary table and merged by the incremental strategy's SQL."""

    def __init__(self, adapter: Adapter, job: NodeJob, *args: Any, **kwargs: Any) -> None:
        super().__init__(adapter, job, *args, **kwargs)
        self.python = PythonModelRun(adapter, job)

    def decide(self, conn: GuardedConnection) -> Work:
        if self.rebuild:
            return NewRelation("table", fill=self.python.write, target_absent=self.existing is None, report=_report)
        return PythonIncrementalRun(self)


class PythonIncrementalRun(IncrementalRun):
    def __init__(self, model: PythonIncrementalMaterialization) -> None:
        super().__init__(model)
        self.python = model.python

    def stage(self, conn: GuardedConnection) -> None:
        self.python.write(conn, self.staged, temporary=True)
