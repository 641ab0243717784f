"""Python models (``def model(dbt, session)``), run in-process: on DuckDB as dbt-duckdb runs
them, and on Spark with the run's SparkSession (the engine's side: the connection's
``python_runtime``, adapters/python_runtime.py).

The compiled code (execute/python_compile.py: the model's code and the ``dbtObj`` that
resolves ``dbt.ref``/``dbt.source``/``dbt.config.get``/``dbt.this``/``dbt.is_incremental``) is
executed as a module; ``model(dbt, session)`` is called with the runtime's ``session`` (the
worker's DuckDB cursor; the SparkSession) and ``dbt.ref(...)``/``dbt.source(...)`` returning
the engine's frames (DuckDB relations; Spark DataFrames). What it returns is registered with
the engine (a DuckDB registration; a Spark temporary view) and written with the engine's
``create table ... as select * from`` it.

The table is built through the engine's publishing strategy like a SQL model's: on DuckDB
inside the node's transaction, under ``<name>__dbt_tmp`` then swapped into place at COMMIT; on
Spark under ``<name>__dbt_tmp`` then renamed into place (``table``, and an incremental model's
first build or full refresh). An incremental run stages the rows (a temporary table; on Spark
the registered view itself) that the incremental strategy's SQL merges into the target. So a
model that raises, or a stop, publishes nothing.

What a stop can interrupt: the model's call is registered as the worker's statement in
flight (``GuardedConnection.run_code``), so a cancel interrupts the query the Python code is
waiting on (DuckDB's interrupt; Spark's job group or tag, set around the call); pure Python
(a loop, pandas work) cannot be interrupted and runs until its next query or until ``model``
returns, and then its result is discarded: the next statement meets the stop. A Python model
that commits through ``session`` itself (``session.execute("commit")``) or writes tables of its
own steps outside that guarantee, as it would in dbt.
"""

from __future__ import annotations

import linecache
import traceback
import types
import uuid
from typing import Any

from dagwright.adapters.base import Adapter, ExecResult, Relation
from dagwright.adapters.python_runtime import PythonModelError, PythonRuntime
from dagwright.errors import CompilationError
from dagwright.guard import GuardedConnection
from dagwright.materialize.base import BuildOutcome, NodeJob
from dagwright.materialize.incremental import IncrementalMaterialization, IncrementalRun
from dagwright.materialize.materialization import StrategyMaterialization
from dagwright.materialize.publishing.base import NewRelation, PublishingStrategy, Work, WorkSource

#: how many lines of the model's traceback its error message keeps (the last ones)
TRACEBACK_LINES = 30


__all__ = ["PythonIncrementalMaterialization", "PythonModelError", "PythonTableMaterialization"]


def _frame_name(node_name: str) -> str:
    # unique: the workers of a run share one Spark session, whose temporary views are its own
    return f"__dbt_python_model_df_{node_name}_{uuid.uuid4().hex[:8]}"


def _traceback_text(exc: BaseException, filename: str, runtime: PythonRuntime) -> str:
    """The traceback from the model's own code on (dagwright's frames above it left out, and
    the engine's client library's), ending with the exception as the engine describes it (a
    Spark error without its JVM trace)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    shown = [
        frame
        for frame in traceback.extract_tb(tb if tb is not None else exc.__traceback__)
        if not frame.filename.startswith(runtime.library_folders)
    ]
    frames = traceback.StackSummary.from_list(shown).format()
    lines = "Traceback (most recent call last):\n" + "".join(frames) + runtime.error_text(exc)
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

    def _call(self, runtime: PythonRuntime) -> Any:
        try:
            module = self._module()
            dbt = module.dbtObj(runtime.read)
            returned = module.model(dbt, runtime.session)
        except Exception as exc:  # after a stop the guard reports the stop instead
            raise PythonModelError(_traceback_text(exc, self.filename, runtime).replace("\n", "\n  ")) from None
        return runtime.frame(returned)

    def write(self, conn: GuardedConnection, relation: Relation, *, temporary: bool = False) -> ExecResult:
        """Run the model and create ``relation`` from what it returns (in the node's
        transaction, where the engine has them); ``temporary``: an incremental run's staging."""
        runtime_of = getattr(conn.raw, "python_runtime", None)
        if runtime_of is None:
            raise CompilationError(f"Python models do not run on {self.adapter.type}")
        runtime: PythonRuntime = runtime_of()
        node = self.job.node
        frame = conn.run_code(f"-- python model {node.unique_id}", lambda: runtime.call(lambda: self._call(runtime)))
        if temporary and runtime.registers_staged:
            conn.check_stop()
            runtime.register(relation.identifier, frame)  # the staged relation itself: no copy, no job
            return ExecResult(message="OK")
        name = _frame_name(relation.identifier)
        select = f"select * from {runtime.register(name, frame)}"
        try:
            if temporary:
                return conn.execute(self.adapter.create_temp_table_as_sql(relation, select))  # type: ignore[attr-defined]
            return conn.execute(self.adapter.create_table_as_sql(relation, select, node.config))
        finally:
            runtime.unregister(name)


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
